// SPDX-License-Identifier: GPL-2.0
//! Chain allocators: the `ocfs2_chain_list` in the id2 of the global
//! bitmap and of the inode/extent suballocators.  Each chain record heads
//! a linked list of group descriptors (see [`super::group`]).

use super::error::{Ctx, FormatError, Structure};
use super::records::{rec_bytes, rec_bytes_mut, room, Records};

view! {
    /// `struct ocfs2_chain_list` (header; records follow).
    ChainList, ChainList, 0x10
}

fields! { ChainList: Le {
    /// Clusters per group.
    cl_cpg, set_cl_cpg: u16 = 0x00;
    /// Bits per cluster (1 for the global bitmap, blocks per cluster for
    /// suballocators).
    cl_bpc, set_cl_bpc: u16 = 0x02;
    /// Chain slots.
    cl_count, set_cl_count: u16 = 0x04;
    /// Chains in use.
    cl_next_free_rec, set_cl_next_free_rec: u16 = 0x06;
    /// Reserved.
    cl_reserved1, set_cl_reserved1: u64 = 0x08;
}}

view! {
    /// `struct ocfs2_chain_rec`: one chain of groups.
    ChainRec, ChainRec, 0x10
}

fields! { ChainRec: Le {
    /// Free bits in the chain.
    c_free, set_c_free: u32 = 0x00;
    /// Total bits in the chain.
    c_total, set_c_total: u32 = 0x04;
    /// First group descriptor of the chain.
    c_blkno, set_c_blkno: u64 = 0x08;
}}

/// `ocfs2_chain_recs_per_inode()`.
pub const fn chain_recs_per_inode(block_size: usize) -> usize {
    block_size.saturating_sub(super::dinode::Dinode::<()>::ID2_OFFSET + ChainList::<()>::SIZE)
        / ChainRec::<()>::SIZE
}

impl<B: AsRef<[u8]>> ChainList<B> {
    /// Record slots that fit in the buffer.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), Self::SIZE, ChainRec::<()>::SIZE)
    }

    /// Record `i`, if it fits.
    pub fn rec(&self, i: usize) -> Option<ChainRec<&[u8]>> {
        rec_bytes(self.buf.as_ref(), Self::SIZE, ChainRec::<()>::SIZE, i).map(ChainRec::wrap)
    }

    /// The used records.
    pub fn recs(&self) -> Records<'_, ChainRec<&[u8]>> {
        let used = self.cl_next_free_rec().min(self.cl_count());
        Records::new(
            self.buf.as_ref(),
            Self::SIZE,
            ChainRec::<()>::SIZE,
            used.into(),
            ChainRec::wrap,
        )
    }

    /// `cl_count` is the exact capacity for the block size (as the
    /// kernel requires) and `cl_next_free_rec <= cl_count`.
    pub fn validate(&self, blkno: u64, block_size: u32) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::ChainList);
        ctx.eq(
            "cl_count",
            chain_recs_per_inode(block_size as usize) as u64,
            self.cl_count().into(),
        )?;
        ctx.le(
            "cl_next_free_rec",
            self.cl_count().into(),
            self.cl_next_free_rec().into(),
        )
    }
}

impl<B: AsMut<[u8]>> ChainList<B> {
    /// Writable record `i`, if it fits.
    pub fn rec_mut(&mut self, i: usize) -> Option<ChainRec<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), Self::SIZE, ChainRec::<()>::SIZE, i).map(ChainRec::wrap)
    }
}
