//! What must hold before the superblock is rewritten: the checks of tunefs.ocfs2's
//! `tunefs_open()` for read-write operations, with the heartbeat area standing in for its
//! cluster lock (this tool does not join the cluster, so it refuses while any node is alive).

use ocfs_format::dinode::JOURNAL_DIRTY_FL;
use ocfs_format::features::{tunefs_flags, Features, IncompatFeatures};
use ocfs_format::system::SystemFile;
use ocfs_volume::{mount_point, ChainAllocator, Volume, LIVENESS_WAIT};

/// Refuses, naming the reason, unless the volume may be changed now.
pub fn check_writable(vol: &Volume) -> Result<(), String> {
    let path = vol.device().path().display().to_string();
    let sb = vol.superblock();
    let sbv = sb.super_block();
    let features = sbv.features();
    let incompat = features.incompat;
    if incompat.contains(IncompatFeatures::HEARTBEAT_DEV) {
        return Err(format!("{path} is a heartbeat device, not a filesystem"));
    }
    if incompat.contains(IncompatFeatures::RESIZE_INPROG) {
        return Err(format!(
            "{path}: an interrupted resize left it marked \"aborted-resize\"; run \"fsck.ocfs2 -f {path}\" to clean up the aborted operation, then try again"
        ));
    }
    if incompat.contains(IncompatFeatures::TUNEFS_INPROG) {
        let flags = sbv.s_tunefs_flag();
        let what: Vec<&str> = tunefs_flags::NAMES
            .iter()
            .filter(|(_, b)| flags & b != 0)
            .map(|(n, _)| *n)
            .collect();
        return Err(format!(
            "{path}: an interrupted tunefs operation ({}) left it marked \"aborted-tunefs\"; run \"fsck.ocfs2 -f {path}\" to clean up the aborted operation, then try again",
            if what.is_empty() { "unknown".to_string() } else { what.join(", ") }
        ));
    }
    let unknown = features.difference(Features::ALL_KNOWN);
    if !unknown.is_empty() {
        return Err(format!(
            "{path} has feature bits this tool does not know (compat {:#x}, incompat {:#x}, ro_compat {:#x}); refusing to change it",
            unknown.compat.bits(),
            unknown.incompat.bits(),
            unknown.ro_compat.bits()
        ));
    }
    if let Some(point) = mount_point(vol.device()) {
        return Err(format!("{path} is mounted on {point}; unmount it first"));
    }
    // A local volume is mounted without heartbeat (on this host only, which the mount
    // check covers): its heartbeat area says nothing, so there is nothing to watch.
    if incompat.contains(IncompatFeatures::LOCAL_MOUNT) {
        return check_journals(vol, &path);
    }
    let live = vol
        .live_nodes(LIVENESS_WAIT)
        .map_err(|e| format!("{path}: cannot read the heartbeat area: {e}"))?;
    if !live.is_empty() {
        let nodes: Vec<String> = live.iter().map(|b| b.slot.to_string()).collect();
        return Err(format!(
            "{path} is in use: node(s) {} are heartbeating on it; unmount it on every node first",
            nodes.join(", ")
        ));
    }
    check_journals(vol, &path)
}

/// tunefs_journal_check(): a dirty journal means a node has the volume mounted, or crashed
/// with it mounted and its journal awaits replay.
fn check_journals(vol: &Volume, path: &str) -> Result<(), String> {
    for slot in 0..vol.params().max_slots {
        let journal = vol
            .system_file(SystemFile::Journal, slot)
            .and_then(|blkno| vol.read_inode(blkno))
            .map_err(|e| format!("{path}: cannot read the journal of slot {slot}: {e}"))?;
        if journal.dinode().ij_flags() & JOURNAL_DIRTY_FL != 0 {
            return Err(format!(
                "{path}: node slot {slot}'s journal is dirty (mounted there, or awaiting recovery); \
                 run fsck.ocfs2 to replay it"
            ));
        }
    }
    Ok(())
}

/// `tunefs_open_bitmap_check()`, before an operation that allocates: every global bitmap
/// group belongs to it, sits on the chain it says, and its free count matches its bitmap;
/// the chain records and the inode's totals match the groups.
pub fn check_global_bitmap(vol: &Volume) -> Result<(), String> {
    let path = vol.device().path().display().to_string();
    let blkno = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .map_err(|e| format!("{path}: {e}"))?;
    ChainAllocator::load(vol, blkno)
        .map(|_| ())
        .map_err(|e| format!("{path}: the global bitmap is inconsistent: {e}"))
}
