// SPDX-License-Identifier: GPL-2.0
//! The per-slot local alloc bitmap, `ocfs2_local_alloc`, in the id2 of the
//! `local_alloc:NNNN` system inode: a window of the global bitmap that the
//! slot allocates from without cluster locking.

use super::error::{Ctx, FormatError, Structure};
use super::raw::{window, window_mut};
use super::superblock::FsParams;

view! {
    /// `struct ocfs2_local_alloc` (header; the bitmap runs to the end of
    /// the inode block).
    LocalAlloc, LocalAlloc, 0x10
}

impl<B> LocalAlloc<B> {
    /// Offset of `la_bitmap` inside the view.
    pub const BITMAP_OFFSET: usize = 0x10;
}

fields! { LocalAlloc: Le {
    /// First bit of the window in the global bitmap.
    la_bm_off, set_la_bm_off: u32 = 0x00;
    /// Bytes of `la_bitmap` in use.
    la_size, set_la_size: u16 = 0x04;
    /// Reserved.
    la_reserved1, set_la_reserved1: u16 = 0x06;
    /// Reserved.
    la_reserved2, set_la_reserved2: u64 = 0x08;
}}

/// `ocfs2_local_alloc_size()`: the largest `la_size` for a block size
/// (block minus the dinode header and this header).
pub const fn local_alloc_size(block_size: usize) -> usize {
    block_size
        .saturating_sub(super::dinode::Dinode::<()>::ID2_OFFSET + LocalAlloc::<()>::BITMAP_OFFSET)
}

impl<B: AsRef<[u8]>> LocalAlloc<B> {
    /// `la_bitmap`, `la_size` bytes (clipped to the block).
    pub fn la_bitmap(&self) -> &[u8] {
        window(
            self.buf.as_ref(),
            Self::BITMAP_OFFSET,
            self.la_size().into(),
        )
    }

    /// Checks `la_size` against the room in the block.  (The kernel also
    /// refuses `la_size == 0` when it loads the file for use; that is a
    /// mount-time policy, not a format rule, and is left to the caller.)
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::LocalAlloc);
        ctx.le(
            "la_size",
            local_alloc_size(params.block_size as usize) as u64,
            self.la_size().into(),
        )
    }
}

impl<B: AsMut<[u8]>> LocalAlloc<B> {
    /// Writable bitmap: everything after the header.
    pub fn la_bitmap_mut(&mut self) -> &mut [u8] {
        window_mut(self.buf.as_mut(), Self::BITMAP_OFFSET, usize::MAX)
    }
}
