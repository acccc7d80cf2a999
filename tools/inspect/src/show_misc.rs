//! `ls`, `groups`, `slots` and `heartbeat`.

use crate::text::{entry_type, printable, say};
use ocfs_volume::{Inode, Result, Volume, LIVENESS_WAIT};

pub fn ls(vol: &Volume, dir: &Inode) -> Result<String> {
    let mut out = String::new();
    for e in vol.read_dir(dir)? {
        say!(
            out,
            "{:<12} {:<7} {}",
            e.inode,
            entry_type(e.file_type),
            printable(&e.name)
        );
    }
    Ok(out)
}

pub fn groups(vol: &Volume, alloc: &Inode) -> Result<String> {
    let mut out = String::new();
    let d = alloc.dinode();
    say!(
        out,
        "Allocator {}: {} bits, {} used, {} free",
        alloc.blkno,
        d.i_total(),
        d.i_used(),
        d.i_total().saturating_sub(d.i_used())
    );
    for chain in vol.chains(alloc)? {
        say!(
            out,
            "Chain {}: total {} free {} first group {}",
            chain.index,
            chain.c_total,
            chain.c_free,
            chain.c_blkno
        );
        for g in &chain.groups {
            say!(
                out,
                "  group {:<12} bits {:<6} free {:<6} (bitmap counts {}) next {}",
                g.blkno,
                g.bits,
                g.free,
                g.counted_free,
                g.next
            );
        }
    }
    Ok(out)
}

pub fn slots(vol: &Volume) -> Result<String> {
    let mut out = String::new();
    let layout = if vol.extended_slot_map() {
        "extended"
    } else {
        "old"
    };
    say!(
        out,
        "Slot map ({layout} layout), {} slots",
        vol.params().max_slots
    );
    say!(out, "Slot  Node");
    for (slot, node) in vol.slot_map()?.iter().enumerate() {
        match node {
            Some(n) => say!(out, "{slot:<5} {n}"),
            None => say!(out, "{slot:<5} (empty)"),
        }
    }
    Ok(out)
}

pub fn heartbeat(vol: &Volume) -> Result<String> {
    let mut out = String::new();
    let area = vol.heartbeat_area()?;
    say!(
        out,
        "Heartbeat area: inode {}, {} blocks of {} bytes from byte {}",
        area.inode,
        area.count,
        area.block_bytes,
        area.start
    );
    let before = vol.heartbeat_sample(&area)?;
    std::thread::sleep(LIVENESS_WAIT);
    let after = vol.heartbeat_sample(&area)?;
    say!(
        out,
        "Node  Seq                 Generation          Dead ms  Checksum  State"
    );
    let mut any = false;
    for (a, b) in before.iter().zip(&after) {
        if b.seq == 0 && b.generation == 0 {
            continue;
        }
        any = true;
        let live = a.seq != b.seq || a.generation != b.generation;
        let state = if live { "live" } else { "stopped" };
        let cksum = if b.cksum_ok { "ok" } else { "bad" };
        let node = if b.node == b.slot {
            String::new()
        } else {
            format!(" (block says node {})", b.node)
        };
        say!(
            out,
            "{:<5} {:#018x}  {:#018x}  {:<8} {:<9} {state}{node}",
            b.slot,
            b.seq,
            b.generation,
            b.dead_ms,
            cksum
        );
    }
    if !any {
        say!(out, "(no node has ever heartbeated here)");
    }
    Ok(out)
}
