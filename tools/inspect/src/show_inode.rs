//! `stat`: one inode, its fields and flags, and what its id2 holds: extents (the whole tree),
//! chains, a local alloc window, a truncate log, inline data or a fast symlink.

use crate::text::{flag_names, mode_type, printable, say, DYN_FEATURES, INODE_FLAGS};
use ocfs_format::dinode::{Dinode, Id2Kind, BITMAP_FL, JOURNAL_FL};
use ocfs_format::extent::EXTENT_FLAG_NAMES;
use ocfs_format::superblock::INVALID_SLOT;
use ocfs_volume::{Inode, Result, Volume};

pub fn show(vol: &Volume, inode: &Inode) -> Result<String> {
    let mut out = String::new();
    let d = inode.dinode();
    if d.id2_kind() == Id2Kind::SuperBlock {
        crate::show_super::describe(&mut out, &d, inode.blkno);
        return Ok(out);
    }
    header(&mut out, inode.blkno, &d);
    match d.id2_kind() {
        Id2Kind::ExtentList => extents(&mut out, vol, inode)?,
        Id2Kind::ChainList => chains(&mut out, &d),
        Id2Kind::LocalAlloc => {
            let la = d.local_alloc();
            let used: u32 = la.la_bitmap().iter().map(|b| b.count_ones()).sum();
            say!(
                out,
                "Local alloc: window at cluster {}, {} bitmap bytes, {used} bits set",
                la.la_bm_off(),
                la.la_size()
            );
        }
        Id2Kind::TruncateLog => {
            let tl = d.truncate_log();
            say!(
                out,
                "Truncate log: {} of {} records used",
                tl.tl_used(),
                tl.tl_count()
            );
            for (i, r) in tl.recs().enumerate() {
                say!(
                    out,
                    "  {i}: start cluster {} clusters {}",
                    r.t_start(),
                    r.t_clusters()
                );
            }
        }
        Id2Kind::InlineData => {
            say!(
                out,
                "Inline data: {} bytes used of {} (id_count)",
                d.i_size(),
                d.id_count()
            );
            if d.is_dir() {
                let entries = vol.read_dir(inode)?;
                say!(out, "Directory entries: {}", entries.len());
            }
        }
        Id2Kind::FastSymlink => say!(out, "Fast symlink to: {}", printable(d.fast_symlink())),
        Id2Kind::SuperBlock => {}
    }
    if let Some(xh) = d.inline_xattr() {
        say!(
            out,
            "Inline xattrs: {} bytes, {} entries",
            d.i_xattr_inline_size(),
            xh.xh_count()
        );
    }
    Ok(out)
}

fn header(out: &mut String, blkno: u64, d: &Dinode<&[u8]>) {
    say!(
        out,
        "Inode: {blkno}   Mode: {:04o}   Generation: {} ({:#x})",
        d.i_mode() & 0o7777,
        d.i_generation(),
        d.i_generation()
    );
    say!(
        out,
        "FS generation: {} ({:#x})",
        d.i_fs_generation(),
        d.i_fs_generation()
    );
    let check = d.i_check();
    say!(out, "CRC32: {:08x}   ECC: {:04x}", check.crc32e, check.ecc);
    say!(
        out,
        "Type: {}   Attr: {:#x}   Flags: {}",
        mode_type(d.i_mode()),
        d.i_attr(),
        flag_names(d.i_flags(), INODE_FLAGS)
    );
    say!(
        out,
        "Dynamic features: ({:#x}) {}",
        d.i_dyn_features(),
        flag_names(d.i_dyn_features(), DYN_FEATURES)
    );
    say!(
        out,
        "User: {}   Group: {}   Size: {}",
        d.i_uid(),
        d.i_gid(),
        d.i_size()
    );
    say!(out, "Links: {}   Clusters: {}", d.links(), d.i_clusters());
    say!(
        out,
        "ctime: {}.{:09}   atime: {}.{:09}",
        d.i_ctime(),
        d.i_ctime_nsec(),
        d.i_atime(),
        d.i_atime_nsec()
    );
    say!(
        out,
        "mtime: {}.{:09}   dtime: {}",
        d.i_mtime(),
        d.i_mtime_nsec(),
        d.i_dtime()
    );
    say!(
        out,
        "Xattr block: {}   Refcount block: {}   Dx root: {}",
        d.i_xattr_loc(),
        d.i_refcount_loc(),
        d.i_dx_root()
    );
    say!(
        out,
        "Last extent block: {}   Orphan slot: {}",
        d.i_last_eb_blk(),
        d.i_orphaned_slot()
    );
    let slot = d.i_suballoc_slot();
    let slot = if slot == INVALID_SLOT {
        "Global".to_string()
    } else {
        slot.to_string()
    };
    say!(
        out,
        "Suballoc slot: {slot}   Suballoc bit: {}   Suballoc group: {}",
        d.i_suballoc_bit(),
        d.i_suballoc_loc()
    );
    if d.i_flags() & BITMAP_FL != 0 {
        say!(
            out,
            "Bitmap total: {}   Used: {}   Free: {}",
            d.i_total(),
            d.i_used(),
            d.i_total().saturating_sub(d.i_used())
        );
    }
    if d.i_flags() & JOURNAL_FL != 0 {
        say!(
            out,
            "Journal flags: {:#x}   Recovery generation: {}",
            d.ij_flags(),
            d.ij_recovery_generation()
        );
    }
}

fn extents(out: &mut String, vol: &Volume, inode: &Inode) -> Result<()> {
    let d = inode.dinode();
    let list = d.extent_list();
    say!(
        out,
        "Tree depth: {}   Count: {}   Next free rec: {}",
        list.l_tree_depth(),
        list.l_count(),
        list.l_next_free_rec()
    );
    let tree = vol.extent_tree(list, inode.blkno)?;
    for (blkno, depth) in &tree.blocks {
        say!(out, "Extent block: {blkno} (depth {depth})");
    }
    say!(out, "## Offset        Clusters       Block#          Flags");
    for (i, e) in tree.extents.iter().enumerate() {
        say!(
            out,
            "{i:<2} {:<13} {:<14} {:<15} {:#x} {}",
            e.cpos,
            e.clusters,
            e.blkno,
            e.flags,
            flag_names(e.flags, EXTENT_FLAG_NAMES)
        );
    }
    Ok(())
}

fn chains(out: &mut String, d: &Dinode<&[u8]>) {
    let cl = d.chain_list();
    say!(
        out,
        "Clusters per group: {}   Bits per cluster: {}",
        cl.cl_cpg(),
        cl.cl_bpc()
    );
    say!(
        out,
        "Count: {}   Next free rec: {}",
        cl.cl_count(),
        cl.cl_next_free_rec()
    );
    say!(out, "##   Total        Used         Free         Block#");
    for (i, r) in cl.recs().enumerate() {
        say!(
            out,
            "{i:<4} {:<12} {:<12} {:<12} {}",
            r.c_total(),
            r.c_total().saturating_sub(r.c_free()),
            r.c_free(),
            r.c_blkno()
        );
    }
}
