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

    /// Change the block in place, under the buffer lock, and write it to disk before
    /// returning (for the few writes made outside a journal, like marking a journal clean).
    pub fn write_sync(&self, change: impl FnOnce(&mut [u8])) -> Result {
        let bh = self.0.as_ptr();
        // SAFETY: by the invariant the buffer is live and uptodate; holding its lock makes
        // us the only writer of `b_data` while `change` runs.
        unsafe {
            c::ocfs_bh_lock(bh);
            change(core::slice::from_raw_parts_mut((*bh).b_data.cast::<u8>(), (*bh).b_size));
            c::mark_buffer_dirty(bh);
            c::ocfs_bh_unlock(bh);
        }
        // SAFETY: as above.
        let ret = unsafe { c::sync_dirty_buffer(bh) };
        if ret == 0 { Ok(()) } else { Err(Error::from_errno(ret)) }
    }
}

impl Drop for BufferHead {
    fn drop(&mut self) {
        // SAFETY: releases the reference the invariant says we hold.
        unsafe { c::__brelse(self.0.as_ptr()) };
    }
}
