// SPDX-License-Identifier: GPL-2.0

//! Blocks read through the buffer cache (`struct buffer_head`).

use crate::bindings as c;
use core::ptr::NonNull;

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

impl Drop for BufferHead {
    fn drop(&mut self) {
        // SAFETY: releases the reference the invariant says we hold.
        unsafe { c::__brelse(self.0.as_ptr()) };
    }
}
