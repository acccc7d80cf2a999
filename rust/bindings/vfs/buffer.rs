// SPDX-License-Identifier: GPL-2.0

//! Blocks read through the buffer cache (`struct buffer_head`).

use crate::bindings as c;
use core::ptr::NonNull;
use kernel::error::{Error, Result};

/// A block read through the buffer cache; released on drop.
///
/// Invariant: holds a reference on an uptodate buffer.
pub struct BufferHead(NonNull<c::buffer_head>);

// SAFETY: a buffer reference may be dropped on any thread; the data is only read.
unsafe impl Send for BufferHead {}
// SAFETY: shared access only reads the block.
unsafe impl Sync for BufferHead {}

impl BufferHead {
    /// Takes over the reference `bh` holds (from `sb_bread`).
    pub(super) fn from_raw(bh: NonNull<c::buffer_head>) -> Self {
        Self(bh)
    }

    /// The block's bytes.
    pub fn data(&self) -> &[u8] {
        // SAFETY: by the invariant, `b_data` points to `b_size` readable bytes until `drop`.
        unsafe {
            let bh = self.0.as_ref();
            core::slice::from_raw_parts(bh.b_data.cast::<u8>(), bh.b_size)
        }
    }
}

impl BufferHead {
    /// Forget the cached contents (they failed a check), so the next read goes to the disk
    /// and checks them again.
    pub fn discard(&self) {
        // SAFETY: by the invariant the buffer is live; a buffer that is not uptodate is
        // simply read again.
        unsafe { c::ocfs_bh_clear_uptodate(self.0.as_ptr()) };
    }
}

impl BufferHead {
    /// The C buffer, for other parts of the binding layer (JBD2 takes buffers into
    /// transactions).
    pub fn as_raw(&self) -> *mut c::buffer_head {
        self.0.as_ptr()
    }

    /// The block's number on the device.
    pub fn block_number(&self) -> u64 {
        // SAFETY: by the invariant the buffer is live.
        unsafe { self.0.as_ref().b_blocknr }
    }

    /// Change the block in place under the buffer lock, so two writers never interleave.
    /// Writing it out is the caller's business: through a journal handle (taken before the
    /// change), or [`BufferHead::write_sync`]. Readers of a block being changed must be
    /// kept out by the filesystem's own locks, as in C.
    pub fn modify<R>(&self, change: impl FnOnce(&mut [u8]) -> R) -> R {
        let bh = self.0.as_ptr();
        // SAFETY: by the invariant the buffer is live and uptodate; holding its lock makes
        // us the only writer of `b_data` while `change` runs.
        unsafe {
            c::ocfs_bh_lock(bh);
            let result = change(core::slice::from_raw_parts_mut((*bh).b_data.cast::<u8>(), (*bh).b_size));
            c::ocfs_bh_unlock(bh);
            result
        }
    }

    /// Write the block to disk now and wait for it, outside any journal (for the few
    /// writes a journal cannot carry: marking the journal itself dirty or clean).
    pub fn write_sync(&self) -> Result {
        let bh = self.0.as_ptr();
        // SAFETY: by the invariant the buffer is live and uptodate.
        let ret = unsafe {
            c::mark_buffer_dirty(bh);
            c::sync_dirty_buffer(bh)
        };
        if ret == 0 { Ok(()) } else { Err(Error::from_errno(ret)) }
    }
}

impl Drop for BufferHead {
    fn drop(&mut self) {
        // SAFETY: releases the reference the invariant says we hold.
        unsafe { c::__brelse(self.0.as_ptr()) };
    }
}
