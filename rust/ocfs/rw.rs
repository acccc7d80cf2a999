// SPDX-License-Identifier: GPL-2.0

//! A read-write mount: what it holds beyond a read-only one, and how it starts and stops
//! (`ocfs2_check_volume`, `ocfs2_find_slot` and `ocfs2_dismount_volume` of the C ocfs2).
//!
//! Start: set up slot 0's journal, replaying it if a crash left it dirty; mark it dirty (in
//! use) on disk; take slot 0 in the slot map; finish the recovery of what the crash left in
//! the slot's local alloc and truncate log. Stop: commit and checkpoint everything, mark the
//! journal clean, give the slot back. A mount that dies in between leaves the journal dirty,
//! which the next mount (ours or the C ocfs2's) recovers.

use crate::format::dinode::{Dinode, JOURNAL_DIRTY_FL};
use crate::format::features::IncompatFeatures;
use crate::format::slot_map::{ExtendedSlotMap, SlotMap};
use crate::jbd2::Journal;
use crate::options::Options;
use crate::transaction::{self, Kind, Transaction};
use crate::vfs::{NewSuperBlock, SuperBlock};
use crate::volume::Volume;
use crate::{extent_map, inode, meta, recovery, Ocfs2};
use kernel::prelude::*;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::{new_mutex, sync::Mutex};

/// The commit interval when `commit=` is not given (`OCFS2_DEFAULT_COMMIT_INTERVAL`).
const DEFAULT_COMMIT_SECS: u32 = 5;

/// How many times one operation commits the journal and tries again after `ENOSPC`.
const ENOSPC_RETRIES: u32 = 3;

/// What a read-write mount holds.
///
/// Lifetime: made once the mount has its root ([`start`]), dropped at unmount after
/// [`stop`]; shared in between (JBD2 locks the journal itself).
pub struct Writable {
    pub journal: Journal,
    /// The allocation lock: held from looking at an allocator (the global bitmap, a
    /// suballocator) or at a file's extent tree to the end of the transaction that changes
    /// them, so that two claims never see the same free bit and two writers never grow the
    /// same tree at once. Taken before the transaction starts (a handle may wait for a
    /// commit, which never waits for this lock). Guards nothing in memory: the state is
    /// the metadata blocks.
    pub alloc: Pin<KBox<Mutex<()>>>,
    /// The orphan directory's lock: held from planning a change of `orphan_dir:0000` to
    /// the end of the change, as the VFS holds a directory's own lock for a namespace
    /// change (the orphan directory has no VFS inode). Unlinks in different directories
    /// and deletions at last close add and remove its entries concurrently. Taken before
    /// [`Self::alloc`]. Guards nothing in memory.
    pub orphans: Pin<KBox<Mutex<()>>>,
    /// Remounted read-only: the journal is flushed, marked clean and the slot given back,
    /// but kept set up for a remount read-write. Changed only by [`remount`], which the
    /// VFS serialises (`s_umount`) and calls with no writer left.
    parked: AtomicBool,
    /// The local-alloc window could not be emptied at unmount: the journal stays dirty, so
    /// the next mount recovers it. Set by [`shut_down`] only.
    window_kept: AtomicBool,
    /// Until when (in [`crate::vfs::monotonic_seconds`]) no new local-alloc window opens:
    /// set when `ENOSPC` made the window go back ([`crate::local_alloc::rest`]).
    pub window_rest_until: AtomicU64,
}

impl Writable {
    /// Whether the mount was remounted read-only.
    pub fn parked(&self) -> bool {
        self.parked.load(Ordering::Acquire)
    }

    /// After a claim failed with `ENOSPC`, outside any transaction and the allocation
    /// lock: the local-alloc window may hold the free space a metadata claim needs, so it
    /// goes back first (`OCFS2_LA_EVENT_ENOSPC`); and bits freed by changes JBD2 has not
    /// committed cannot be claimed yet (a crash would bring their old owners back), so
    /// commit them. Says whether to try again (`ext4_should_retry_alloc`); at most
    /// [`ENOSPC_RETRIES`] times for one operation.
    pub fn retry_after_enospc(&self, sb: &NewSuperBlock, vol: &Volume, attempt: u32) -> bool {
        if attempt >= ENOSPC_RETRIES || self.parked() {
            return false;
        }
        if attempt == 0 && give_back_window(sb, vol, self).is_ok() {
            crate::local_alloc::rest(self);
        }
        self.journal.force_commit().is_ok()
    }

    /// Have the commit thread honour `commit=` and `barrier=` (`ocfs2_set_journal_params`).
    pub fn set_journal_params(&self, options: &Options) {
        let secs = if options.commit == 0 { DEFAULT_COMMIT_SECS } else { options.commit };
        self.journal.set_params(kernel::time::msecs_to_jiffies(secs.saturating_mul(1000)) as u64, options.barrier);
    }

    /// Open a metadata change that dirties at most `blocks` blocks.
    pub fn transaction(&self, vol: &Volume, blocks: u32) -> Result<Transaction<'_>> {
        Transaction::start(&self.journal, vol.params.meta_ecc(), blocks)
    }
}

/// Run `operation`, which allocates in transactions of its own and leaves nothing behind
/// when it fails; after `ENOSPC`, commit what freed space and run it again.
pub fn retrying_enospc<T>(sb: &SuperBlock<Ocfs2>, mut operation: impl FnMut() -> Result<T>) -> Result<T> {
    let vol = sb.data();
    let mut attempt = 0;
    loop {
        match operation() {
            Err(e) if e == ENOSPC && vol.rw.get().is_some_and(|w| w.retry_after_enospc(sb, vol, attempt)) => attempt += 1,
            result => return result,
        }
    }
}

/// Make the mount writable: journal, slot, recovery.
pub fn start(sb: &SuperBlock<Ocfs2>) -> Result<Writable> {
    let vol = sb.data();
    let journal = Journal::from_inode(inode::get(sb, vol.journal_blkno)?).inspect_err(|e| {
        pr_err!("{}: cannot set up the journal of slot 0 (error {})\n", sb.id(), e.to_errno());
    })?;
    if vol.journal_dirty {
        pr_notice!("{}: the volume was not unmounted cleanly; recovering it\n", sb.id());
    } else {
        journal.skip_recovery()?;
    }
    journal.load().inspect_err(|e| {
        pr_err!("{}: loading the journal of slot 0 failed (error {})\n", sb.id(), e.to_errno());
    })?;
    if let Some(err) = journal.take_recorded_error() {
        pr_err!("{}: an earlier mount stopped its journal after error {}: the volume needs checking with fsck.ocfs2\n", sb.id(), err);
    }
    mark_journal(sb, vol, true, vol.journal_dirty)?;
    set_slot(sb, vol, true)?;
    let writable = Writable {
        journal,
        alloc: KBox::pin_init(new_mutex!(()), GFP_KERNEL)?,
        orphans: KBox::pin_init(new_mutex!(()), GFP_KERNEL)?,
        parked: AtomicBool::new(false),
        window_kept: AtomicBool::new(false),
        window_rest_until: AtomicU64::new(0),
    };
    writable.set_journal_params(&vol.options());
    // A window left by a clean unmount is emptied too (the C ocfs2 refuses such a mount):
    // checked against the global bitmap, its unused clusters go back.
    recovery::local_alloc(sb, vol, &writable)?;
    if vol.journal_dirty {
        recovery::truncate_log(sb, vol, &writable)?;
    }
    Ok(writable)
}

/// `mount -o remount,ro` and `remount,rw` (`ocfs2_remount`): a read-write mount going
/// read-only checkpoints its journal, marks it clean and gives its slot back, as at
/// unmount; going read-write again takes them back. A mount that started read-only starts
/// its journal and recovery as a read-write mount does, and deletes the orphans a crash
/// left.
pub fn remount(sb: &SuperBlock<Ocfs2>, read_only: bool) -> Result {
    let vol = sb.data();
    if !read_only && sb.read_only() && vol.errored.load(Ordering::Acquire) {
        pr_err!("{}: cannot remount read-write after corrupt metadata was found; unmount and run fsck.ocfs2\n", sb.id());
        return Err(EROFS);
    }
    match (read_only, vol.rw.get()) {
        (true, None) => Ok(()),
        (true, Some(writable)) if writable.parked() => Ok(()),
        // Stopped after an error (`errors=remount-ro`): nothing can reach the disk any more;
        // the journal stays dirty for the next mount.
        (true, Some(writable)) if writable.journal.aborted() => Ok(()),
        (true, Some(writable)) => {
            give_back_window(sb, vol, writable)?;
            writable.journal.flush().inspect_err(|e| {
                pr_err!("{}: flushing the journal for a read-only remount failed (error {})\n", sb.id(), e.to_errno());
            })?;
            mark_journal(sb, vol, false, false)?;
            set_slot(sb, vol, false)?;
            writable.parked.store(true, Ordering::Release);
            pr_info!("{}: remounted read-only; the journal is clean\n", sb.id());
            Ok(())
        }
        (false, Some(writable)) if !writable.parked() => Ok(()),
        (false, Some(writable)) => {
            if writable.journal.aborted() {
                pr_err!("{}: the journal was aborted; cannot remount read-write\n", sb.id());
                return Err(EROFS);
            }
            mark_journal(sb, vol, true, false)?;
            set_slot(sb, vol, true)?;
            writable.parked.store(false, Ordering::Release);
            pr_info!("{}: remounted read-write, slot 0\n", sb.id());
            Ok(())
        }
        (false, None) => {
            if vol.rw.set(start(sb)?).is_err() {
                return Err(EBUSY);
            }
            crate::delete::recover_orphans(sb)?;
            pr_info!("{}: remounted read-write, slot 0\n", sb.id());
            Ok(())
        }
    }
}

/// Unmount's first step, while the mount's state is in place (JBD2's commit maps the
/// journal's blocks through it): empty the local-alloc window and commit that.
pub fn shut_down(sb: &SuperBlock<Ocfs2>) {
    let vol = sb.data();
    if let Some(writable) = vol.rw.get().filter(|w| !w.parked()) {
        if let Err(e) = give_back_window(sb, vol, writable) {
            writable.window_kept.store(true, Ordering::Release);
            let _ = crate::errors::checked(sb, Err::<(), _>(e));
        }
        if let Err(e) = writable.journal.force_commit() {
            pr_err!("{}: committing the journal at unmount failed (error {})\n", sb.id(), e.to_errno());
        }
    }
}

/// Unmount a writable mount (after [`shut_down`]): checkpoint the journal, mark it clean, free the slot (a mount
/// remounted read-only did that already). On any failure the journal stays dirty, so the
/// next mount recovers.
pub fn stop(sb: &NewSuperBlock, vol: &Volume, writable: Writable) {
    let parked = writable.parked();
    let window_kept = writable.window_kept.load(Ordering::Acquire);
    let journal = writable.journal;
    let flushed = journal.flush().inspect_err(|e| {
        pr_err!("{}: flushing the journal at unmount failed (error {})\n", sb.id(), e.to_errno());
    });
    let aborted = journal.aborted();
    drop(journal);
    if flushed.is_err() || aborted || window_kept {
        pr_err!("{}: the journal stays dirty; the next mount recovers it\n", sb.id());
        return;
    }
    if parked {
        return;
    }
    if mark_journal(sb, vol, false, false).is_ok() {
        let _ = set_slot(sb, vol, false);
    }
}

/// Empty the local-alloc window (before the journal goes clean); on failure it stays on
/// disk as it is (consistent: its clusters are marked used), and the journal must stay
/// dirty so that the next mount's recovery empties it.
fn give_back_window(sb: &NewSuperBlock, vol: &Volume, writable: &Writable) -> Result {
    crate::local_alloc::give_back(sb, vol, writable).map(|_| ()).inspect_err(|e| {
        pr_err!("{}: emptying the local alloc window failed (error {})\n", sb.id(), e.to_errno());
    })
}

/// Set or clear `OCFS2_JOURNAL_DIRTY_FL` on slot 0's journal inode, counting a recovery if
/// `replayed`, and write it at once (`ocfs2_journal_toggle_dirty`).
fn mark_journal(sb: &NewSuperBlock, vol: &Volume, dirty: bool, replayed: bool) -> Result {
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.journal_blkno)?;
    bh.modify(|block| {
        let Ok(mut journal) = Dinode::new(&mut *block) else { return };
        let flags = journal.ij_flags();
        journal.set_ij_flags(if dirty { flags | JOURNAL_DIRTY_FL } else { flags & !JOURNAL_DIRTY_FL });
        if replayed {
            let generation = journal.ij_recovery_generation().wrapping_add(1);
            journal.set_ij_recovery_generation(generation);
        }
        if vol.params.meta_ecc() {
            transaction::store_check(block, Kind::Inode);
        }
    });
    bh.write_sync().inspect_err(|e| {
        pr_err!(
            "{}: cannot mark the journal {} (error {})\n",
            sb.id(),
            if dirty { "in use" } else { "clean" },
            e.to_errno()
        );
    })
}

/// Take (`taken`) or give back slot 0 in the slot map for this node (node 0 on a local
/// volume), written at once as the C ocfs2 does.
fn set_slot(sb: &NewSuperBlock, vol: &Volume, taken: bool) -> Result {
    let inode_bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.slot_map_blkno)?;
    let Some((blkno, _)) = extent_map::map_block(sb, vol, inode_bh.data(), 0, 1)? else {
        pr_err!("{}: corrupt metadata: the slot map {} has no blocks\n", sb.id(), vol.slot_map_blkno);
        return Err(crate::errno::euclean());
    };
    let bh = meta::read(sb, vol.blocks, blkno, "slot map")?;
    let extended = vol.params.features.incompat.contains(IncompatFeatures::EXTENDED_SLOT_MAP);
    let set = bh.modify(|block| {
        if extended {
            let mut map = ExtendedSlotMap::new(block).ok()?;
            let mut slot = map.slot_mut(0)?;
            slot.set_es_valid(u8::from(taken));
            if taken {
                slot.set_es_node_num(0);
            }
            Some(())
        } else {
            SlotMap::new(block).ok()?.set_node(0, taken.then_some(0)).then_some(())
        }
    });
    if set.is_none() {
        pr_err!("{}: corrupt metadata: slot map block {} has no room for slot 0\n", sb.id(), blkno);
        return Err(crate::errno::euclean());
    }
    bh.write_sync().inspect_err(|e| {
        pr_err!("{}: cannot write the slot map (error {})\n", sb.id(), e.to_errno());
    })
}
