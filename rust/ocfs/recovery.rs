// SPDX-License-Identifier: GPL-2.0

//! Crash recovery of our own slot at mount (`ocfs2_journal_load` and
//! `ocfs2_complete_mount_recovery` of the C ocfs2).
//!
//! Replay brings every committed metadata block home, so even a read-only mount shows what
//! the last fsync promised. The rest writes allocation state and belongs to a read-write
//! mount: clusters the crash left reserved in the slot's local-alloc window, and clusters
//! its truncate log was about to free, go back to the global bitmap. Each step is one
//! transaction, so a crash during recovery leaves a state the next mount recovers again.
//! (The C ocfs2 clears the local alloc on disk first and frees the clusters later, so a
//! crash in between leaks them until fsck.)

use crate::cluster_bitmap::{self, FREE_CREDITS};
use crate::format::dinode::Dinode;
use crate::jbd2::Journal;
use crate::rw::Writable;
use crate::transaction::Kind;
use crate::vfs::{NewSuperBlock, SuperBlock};
use crate::volume::Volume;
use crate::{errno, inode, meta, Ocfs2};
use kernel::prelude::*;

/// Replay slot 0's journal if a crash left it dirty, for a read-only mount. Like ext4, a
/// read-only mount replays too (the device must be writable).
pub fn replay_if_dirty(sb: &SuperBlock<Ocfs2>) -> Result {
    let vol = sb.data();
    if !vol.journal_dirty {
        return Ok(());
    }
    pr_info!("{}: the journal of slot 0 is dirty; replaying it\n", sb.id());
    let journal_inode = inode::get(sb, vol.journal_blkno)?;
    {
        let journal = Journal::from_inode(journal_inode).inspect_err(|e| {
            pr_err!("{}: cannot set up the journal of slot 0 (error {})\n", sb.id(), e.to_errno());
        })?;
        journal.load().inspect_err(|e| {
            pr_err!("{}: replaying the journal of slot 0 failed (error {})\n", sb.id(), e.to_errno());
        })?;
        // Dropping the journal marks it empty on disk.
    }
    pr_info!(
        "{}: the journal of slot 0 was replayed; it stays marked dirty until a read-write \
         mount recovers the local alloc, truncate log and orphans it covers\n",
        sb.id()
    );
    Ok(())
}

/// Give the clusters of slot 0's local-alloc window that no file uses back to the global
/// bitmap, and empty the window (`ocfs2_begin/complete_local_alloc_recovery`).
pub fn local_alloc(sb: &NewSuperBlock, vol: &Volume, writable: &Writable) -> Result {
    let returned = crate::local_alloc::give_back(sb, vol, writable)?;
    if returned > 0 {
        pr_info!("{}: recovered the local alloc of slot 0: {} clusters returned\n", sb.id(), returned);
    }
    Ok(())
}

/// Free the clusters slot 0's truncate log still lists (`ocfs2_replay_truncate_records`),
/// one record per transaction, last record first, each removed as its clusters are freed.
pub fn truncate_log(sb: &NewSuperBlock, vol: &Volume, writable: &Writable) -> Result {
    let tl_bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.truncate_log_blkno)?;
    let used = {
        let inode = Dinode::new(tl_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let log = inode.truncate_log();
        log.validate(vol.truncate_log_blkno, &vol.params).map_err(|e| meta::corrupt(sb, &e))?;
        log.tl_used()
    };
    if used == 0 {
        return Ok(());
    }
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let mut freed = 0u64;
    for index in (0..used).rev() {
        let (start, clusters) = {
            let inode = Dinode::new(tl_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            let log = inode.truncate_log();
            let rec = log.rec(usize::from(index)).ok_or_else(errno::euclean)?;
            (rec.t_start(), rec.t_clusters())
        };
        let tx = writable.transaction(vol, 1 + FREE_CREDITS)?;
        if clusters != 0 {
            let run = cluster_bitmap::prepare_free(sb, vol, &bitmap, start, clusters)?;
            cluster_bitmap::free(&tx, &bitmap, run)?;
        }
        tx.change(&tl_bh, Kind::Inode, |block| {
            if let Ok(mut inode) = Dinode::new(block) {
                inode.truncate_log_mut().set_tl_used(index);
            }
        })?;
        freed += u64::from(clusters);
    }
    pr_info!("{}: replayed the truncate log of slot 0: {} records, {} clusters freed\n", sb.id(), used, freed);
    Ok(())
}
