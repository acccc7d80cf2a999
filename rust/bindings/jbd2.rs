// SPDX-License-Identifier: GPL-2.0

//! JBD2, the kernel's journaling layer: a journal kept in an inode of the filesystem, the
//! handles that group metadata changes into transactions, and buffer triggers.
//!
//! The crate root's `bindings.h` must include `../bindings/jbd2.h` and its `helpers.c`
//! `../bindings/jbd2_helpers.c`.
//!
//! A change to a metadata block goes: [`Journal::start`] a [`Handle`] (reserving the blocks
//! it may dirty), [`Handle::get_access`] on each block before changing it, change the bytes,
//! [`Handle::dirty`]; dropping the handle closes it. JBD2 commits the running transaction
//! on its own schedule (the commit interval) or when asked ([`Journal::force_commit`]).

use crate::bindings as c;
use crate::vfs::{BufferHead, FileSystem, INode};
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::{Error, Result};
use kernel::ffi::{c_int, c_void};
use kernel::types::ARef;

/// A journal (`journal_t`) that lives in the blocks of an inode; destroyed on drop, which
/// flushes what it holds.
pub struct Journal(NonNull<c::journal_t>);

// SAFETY: JBD2 serialises access to a journal internally.
unsafe impl Send for Journal {}
// SAFETY: as above.
unsafe impl Sync for Journal {}

fn check(ret: c_int) -> Result {
    if ret == 0 { Ok(()) } else { Err(Error::from_errno(ret)) }
}

impl Journal {
    /// Set up the journal stored in `inode`, whose blocks JBD2 finds through the inode's
    /// `bmap`. The journal keeps the inode reference and drops it when destroyed.
    pub fn from_inode<T: FileSystem>(inode: ARef<INode<T>>) -> Result<Self> {
        let mut err = 0;
        // SAFETY: a live inode of a mounted filesystem with a `bmap` operation.
        let journal = unsafe { c::ocfs_jbd2_init_inode(inode.as_raw(), &mut err) };
        let journal = NonNull::new(journal).ok_or_else(|| Error::from_errno(err))?;
        // `jbd2_journal_destroy` puts the reference the journal now owns.
        core::mem::forget(inode);
        // SAFETY: a journal just set up, not loaded: nothing commits yet.
        unsafe { c::ocfs_jbd2_order_data(journal.as_ptr()) };
        Ok(Self(journal))
    }

    /// Forget `inode`'s data ranges, before the inode leaves memory: waits for a commit
    /// writing them out (`jbd2_journal_release_jbd_inode`, as `ocfs2_clear_inode`).
    pub fn release_inode<T: FileSystem>(&self, inode: &INode<T>) {
        // SAFETY: our journal and a live inode, whose JBD2 inode `INode` initialised.
        unsafe { c::jbd2_journal_release_jbd_inode(self.0.as_ptr(), inode.jbd2_inode()) };
    }

    /// Forget transactions the journal superblock still lists though the filesystem says
    /// the journal is clean (`jbd2_journal_wipe` without writing), before [`Journal::load`].
    pub fn skip_recovery(&self) -> Result {
        // SAFETY: a journal set up by `from_inode`, not loaded yet.
        check(unsafe { c::jbd2_journal_wipe(self.0.as_ptr(), 0) })
    }

    /// Load the journal: read its superblock and replay every transaction committed to it
    /// but not yet checkpointed to the filesystem (`jbd2_journal_load`).
    pub fn load(&self) -> Result {
        // SAFETY: a journal set up by `from_inode`.
        check(unsafe { c::jbd2_journal_load(self.0.as_ptr()) })
    }

    /// Commit at least every `commit_jiffies`; write cache flushes (barriers) or not.
    pub fn set_params(&self, commit_jiffies: u64, barrier: bool) {
        // SAFETY: a loaded journal; the helper takes `j_state_lock`.
        unsafe { c::ocfs_jbd2_set_params(self.0.as_ptr(), commit_jiffies as _, barrier) };
    }

    /// Open a handle on the running transaction for a change that dirties at most `blocks`
    /// metadata blocks. Blocks while the journal makes room.
    pub fn start(&self, blocks: u32) -> Result<Handle<'_>> {
        let mut err = 0;
        // SAFETY: a loaded journal; the handle is stopped when `Handle` drops.
        let handle = unsafe { c::ocfs_jbd2_start(self.0.as_ptr(), blocks as c_int, &mut err) };
        let handle = NonNull::new(handle).ok_or_else(|| Error::from_errno(err))?;
        Ok(Handle { handle, _journal: PhantomData })
    }

    /// Commit the running transaction and wait for it (`fsync`, `sync`).
    pub fn force_commit(&self) -> Result {
        // SAFETY: a loaded journal; callers hold no handle (that would deadlock).
        check(unsafe { c::jbd2_journal_force_commit(self.0.as_ptr()) })
    }

    /// Commit everything and write it home, leaving the journal empty (clean unmount).
    pub fn flush(&self) -> Result {
        // SAFETY: a loaded journal; callers hold no handle.
        check(unsafe { c::ocfs_jbd2_flush(self.0.as_ptr()) })
    }

    /// The error an earlier mount recorded when its journal was aborted, if any, cleared on
    /// disk so that this mount can write (a loaded journal, before any handle).
    pub fn take_recorded_error(&self) -> Option<i32> {
        // SAFETY: a loaded journal, not yet in use.
        let err = unsafe { c::ocfs_jbd2_take_recorded_error(self.0.as_ptr()) };
        (err != 0).then_some(err)
    }

    /// Stop the journal after an error: the running transaction is dropped, handles fail
    /// with `EROFS`, and the journal stays dirty on disk for the next mount to replay.
    pub fn abort(&self) {
        // SAFETY: a journal set up by `from_inode`; aborting is allowed with handles open.
        // It sleeps (it updates the journal superblock): process context only.
        unsafe { c::ocfs_jbd2_abort(self.0.as_ptr()) }
    }

    /// Whether the journal stopped after an error (nothing more reaches the disk).
    pub fn aborted(&self) -> bool {
        // SAFETY: a journal set up by `from_inode`.
        unsafe { c::ocfs_jbd2_aborted(self.0.as_ptr()) }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // SAFETY: ours since `from_inode`; nothing uses it after this (handles borrow the
        // journal). Errors were reported to the log by JBD2.
        unsafe { c::jbd2_journal_destroy(self.0.as_ptr()) };
    }
}

/// How a handle takes a block it is about to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// An existing block.
    Write,
    /// A block just allocated, whose old contents do not matter.
    Create,
    /// An allocation bitmap: JBD2 keeps the last committed copy, so bits freed in this
    /// transaction are not handed out again before it commits.
    Undo,
}

/// An open handle (`handle_t`) on the running transaction; stopped on drop.
pub struct Handle<'j> {
    handle: NonNull<c::handle_t>,
    _journal: PhantomData<&'j Journal>,
}

impl Handle<'_> {
    /// Take `bh` into this transaction before changing it; `trigger` (if any) runs on the
    /// copy JBD2 commits (see [`Trigger`]).
    pub fn get_access(&self, bh: &BufferHead, access: Access, trigger: Option<&'static Trigger>) -> Result {
        let (handle, raw) = (self.handle.as_ptr(), bh.as_raw());
        // SAFETY: an open handle and a live buffer we hold a reference on.
        check(unsafe {
            match access {
                Access::Write => c::jbd2_journal_get_write_access(handle, raw),
                // JBD2 wants a new block locked while it takes it (`J_ASSERT_JH`).
                Access::Create => {
                    c::ocfs_bh_lock(raw);
                    let ret = c::jbd2_journal_get_create_access(handle, raw);
                    c::ocfs_bh_unlock(raw);
                    ret
                }
                Access::Undo => c::jbd2_journal_get_undo_access(handle, raw),
            }
        })?;
        if let Some(trigger) = trigger {
            // SAFETY: the buffer now has a journal head; the trigger is a `static`.
            unsafe { c::jbd2_journal_set_triggers(raw, trigger.0.get()) };
        }
        Ok(())
    }

    /// Order data: the page cache of `inode` in `len` bytes from `start` is written back
    /// before this transaction commits (`jbd2_journal_inode_ranged_write`), so that a
    /// crash never shows blocks it maps with what they held before.
    pub fn order_data<T: FileSystem>(&self, inode: &INode<T>, start: u64, len: u64) -> Result {
        // SAFETY: an open handle and a live inode; the caller releases the JBD2 inode from
        // the journal before the inode is freed (`Journal::release_inode`).
        check(unsafe { c::jbd2_journal_inode_ranged_write(self.handle.as_ptr(), inode.jbd2_inode(), start as _, len as _) })
    }

    /// Record that `bh` (taken with [`Handle::get_access`]) was changed.
    pub fn dirty(&self, bh: &BufferHead) -> Result {
        // SAFETY: an open handle and a buffer in its transaction.
        check(unsafe { c::jbd2_journal_dirty_metadata(self.handle.as_ptr(), bh.as_raw()) })
    }

    /// Whether bit `nr` of the bitmap at `offset` of `bh` is set in the last committed
    /// copy of the block (taken with [`Access::Undo`]): such a bit was freed by a
    /// transaction that has not committed, and must not be allocated yet.
    pub fn committed_bit(&self, bh: &BufferHead, offset: usize, nr: u32) -> bool {
        // SAFETY: a live buffer; the helper takes the journal head's state lock.
        unsafe { c::ocfs_jbd2_committed_test_bit(bh.as_raw(), offset, nr) }
    }

    /// Set bit `nr` of the bitmap at `offset` in the last committed copy of `bh`: a bit
    /// this transaction frees stays unallocatable until the transaction commits.
    pub fn set_committed_bit(&self, bh: &BufferHead, offset: usize, nr: u32) {
        // SAFETY: as above.
        unsafe { c::ocfs_jbd2_committed_set_bit(bh.as_raw(), offset, nr) }
    }
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        // SAFETY: our open handle, stopped once. An error here means the journal aborted,
        // which JBD2 logged and every later handle reports.
        unsafe { c::jbd2_journal_stop(self.handle.as_ptr()) };
    }
}

/// What a [`Trigger`] does to the frozen copy of a block that JBD2 is about to commit.
pub trait Frozen {
    /// Finish `block` (e.g. compute its checksum) as it will be written.
    fn frozen(block: &mut [u8]);
}

/// A buffer trigger (`struct jbd2_buffer_trigger_type`): JBD2 calls it on the frozen copy
/// of a buffer it commits, so a checksum is computed on exactly the bytes written even
/// while the live buffer keeps changing. Must be a `static`.
pub struct Trigger(UnsafeCell<c::jbd2_buffer_trigger_type>);

// SAFETY: never written after construction; JBD2 only reads it.
unsafe impl Sync for Trigger {}

impl Trigger {
    /// A trigger that runs `F::frozen`.
    pub const fn new<F: Frozen>() -> Self {
        Self(UnsafeCell::new(c::jbd2_buffer_trigger_type {
            t_frozen: Some(frozen_trampoline::<F>),
            t_abort: None,
        }))
    }
}

unsafe extern "C" fn frozen_trampoline<F: Frozen>(
    _trigger: *mut c::jbd2_buffer_trigger_type,
    _bh: *mut c::buffer_head,
    data: *mut c_void,
    size: usize,
) {
    if data.is_null() {
        return;
    }
    // SAFETY: JBD2 passes the mapped frozen copy, `size` bytes it owns for the call.
    let block = unsafe { core::slice::from_raw_parts_mut(data.cast::<u8>(), size) };
    F::frozen(block);
}
