// SPDX-License-Identifier: GPL-2.0

//! Crash recovery at mount: replaying the slot's journal through JBD2 (`ocfs2_journal_load`
//! of the C ocfs2).
//!
//! Replay brings every committed metadata block home, so a read-only mount shows what the
//! last fsync promised. The rest of recovery (`ocfs2_complete_recovery`: the local alloc
//! window, the truncate log, orphaned inodes) writes allocation state and belongs to a
//! read-write mount, so the journal keeps its dirty flag for that mount to finish.

use crate::jbd2::Journal;
use crate::vfs::SuperBlock;
use crate::{inode, Ocfs2};
use kernel::prelude::*;

/// Replay slot 0's journal if a crash left it dirty. Like ext4, a read-only mount replays
/// too (the device must be writable).
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
