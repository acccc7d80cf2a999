// SPDX-License-Identifier: GPL-2.0
//! The per-slot truncate log, `ocfs2_truncate_log`, in the id2 of the
//! `truncate_log:NNNN` system inode: clusters freed by truncate and not
//! yet returned to the global bitmap.

use super::error::{Ctx, FormatError, Problem, Structure};
use super::records::{rec_bytes, rec_bytes_mut, room, Records};
use super::superblock::FsParams;

view! {
    /// `struct ocfs2_truncate_log` (header; records follow).
    TruncateLog, TruncateLog, 0x08
}

fields! { TruncateLog: Le {
    /// Record slots.
    tl_count, set_tl_count: u16 = 0x00;
    /// Records in use.
    tl_used, set_tl_used: u16 = 0x02;
    /// Reserved.
    tl_reserved1, set_tl_reserved1: u32 = 0x04;
}}

view! {
    /// `struct ocfs2_truncate_rec`: a run of freed clusters.
    TruncateRec, TruncateRec, 0x08
}

fields! { TruncateRec: Le {
    /// First cluster.
    t_start, set_t_start: u32 = 0x00;
    /// Number of clusters.
    t_clusters, set_t_clusters: u32 = 0x04;
}}

/// `ocfs2_truncate_recs_per_inode()`.
pub const fn truncate_recs_per_inode(block_size: usize) -> usize {
    block_size.saturating_sub(super::dinode::Dinode::<()>::ID2_OFFSET + TruncateLog::<()>::SIZE)
        / TruncateRec::<()>::SIZE
}

impl<B: AsRef<[u8]>> TruncateLog<B> {
    /// Record slots that fit in the buffer.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), Self::SIZE, TruncateRec::<()>::SIZE)
    }

    /// Record `i`, if it fits.
    pub fn rec(&self, i: usize) -> Option<TruncateRec<&[u8]>> {
        rec_bytes(self.buf.as_ref(), Self::SIZE, TruncateRec::<()>::SIZE, i).map(TruncateRec::wrap)
    }

    /// The used records.
    pub fn recs(&self) -> Records<'_, TruncateRec<&[u8]>> {
        let used = self.tl_used().min(self.tl_count());
        Records::new(
            self.buf.as_ref(),
            Self::SIZE,
            TruncateRec::<()>::SIZE,
            used.into(),
            TruncateRec::wrap,
        )
    }

    /// `tl_count` is non-zero and fits the inode; `tl_used <= tl_count`
    /// (the kernel BUGs on either).
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::TruncateLog);
        let count = self.tl_count();
        if count == 0 {
            return Err(ctx.err("tl_count", Problem::Invalid { found: 0 }));
        }
        let max = truncate_recs_per_inode(params.block_size as usize).min(self.room());
        ctx.le("tl_count", max as u64, count.into())?;
        ctx.le("tl_used", count.into(), self.tl_used().into())
    }
}

impl<B: AsMut<[u8]>> TruncateLog<B> {
    /// Writable record `i`, if it fits.
    pub fn rec_mut(&mut self, i: usize) -> Option<TruncateRec<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), Self::SIZE, TruncateRec::<()>::SIZE, i)
            .map(TruncateRec::wrap)
    }
}
