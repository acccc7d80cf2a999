// SPDX-License-Identifier: GPL-2.0
//! Refcount trees ("refcount"): `ocfs2_refcount_block` holds either
//! refcount records (a leaf, or the root of a small tree) or, with
//! `REFCOUNT_TREE_FL`, an extent list of refcount leaf blocks.

use super::blockcheck::BlockCheck;
use super::error::{Ctx, FormatError, Structure};
use super::extent::{extent_recs_in, ExtentList};
use super::raw::{tail, tail_mut};
use super::records::{rec_bytes, rec_bytes_mut, room, Records};
use super::superblock::FsParams;

/// `OCFS2_REFCOUNT_BLOCK_SIGNATURE`.
pub const REFCOUNT_BLOCK_SIGNATURE: &[u8] = b"REFCNT1";
/// `OCFS2_REFCOUNT_LEAF_FL`: a leaf of a tree (`rf_parent` valid).
pub const REFCOUNT_LEAF_FL: u32 = 0x0000_0001;
/// `OCFS2_REFCOUNT_TREE_FL`: the union is an extent list.
pub const REFCOUNT_TREE_FL: u32 = 0x0000_0002;
/// `OCFS2_32BIT_POS_MASK`: low 32 bits of `r_cpos` are the cluster.
pub const POS_MASK_32: u64 = 0xffff_ffff;
/// Refcount block flag names as ocfs2-tools prints them.
pub const REFCOUNT_FLAG_NAMES: &[(&str, u32)] =
    &[("Leaf", REFCOUNT_LEAF_FL), ("Tree", REFCOUNT_TREE_FL)];

view! {
    /// `struct ocfs2_refcount_rec`.
    RefcountRec, RefcountRec, 0x10
}

fields! { RefcountRec: Le {
    /// First physical cluster.
    r_cpos, set_r_cpos: u64 = 0x00;
    /// Clusters covered.
    r_clusters, set_r_clusters: u32 = 0x08;
    /// References.
    r_refcount, set_r_refcount: u32 = 0x0c;
}}

view! {
    /// `struct ocfs2_refcount_list` (header; records follow).
    RefcountList, RefcountList, 0x10
}

fields! { RefcountList: Le {
    /// Record slots.
    rl_count, set_rl_count: u16 = 0x00;
    /// Records in use.
    rl_used, set_rl_used: u16 = 0x02;
    /// Reserved.
    rl_reserved2, set_rl_reserved2: u32 = 0x04;
    /// Reserved (pads to one record).
    rl_reserved1, set_rl_reserved1: u64 = 0x08;
}}

impl<B: AsRef<[u8]>> RefcountList<B> {
    /// Record slots that fit.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), Self::SIZE, RefcountRec::<()>::SIZE)
    }

    /// Record `i`, if it fits.
    pub fn rec(&self, i: usize) -> Option<RefcountRec<&[u8]>> {
        rec_bytes(self.buf.as_ref(), Self::SIZE, RefcountRec::<()>::SIZE, i).map(RefcountRec::wrap)
    }

    /// The used records.
    pub fn recs(&self) -> Records<'_, RefcountRec<&[u8]>> {
        let used = self.rl_used().min(self.rl_count());
        Records::new(
            self.buf.as_ref(),
            Self::SIZE,
            RefcountRec::<()>::SIZE,
            used.into(),
            RefcountRec::wrap,
        )
    }
}

impl<B: AsMut<[u8]>> RefcountList<B> {
    /// Writable record `i`, if it fits.
    pub fn rec_mut(&mut self, i: usize) -> Option<RefcountRec<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), Self::SIZE, RefcountRec::<()>::SIZE, i)
            .map(RefcountRec::wrap)
    }
}

view! {
    /// `struct ocfs2_refcount_block`.
    RefcountBlock, RefcountBlock, 0x90
}

impl<B> RefcountBlock<B> {
    /// Offset of `rf_check`.
    pub const CHECK_OFFSET: usize = 0x20;
    /// Offset of the `rf_records` / `rf_list` union.
    pub const UNION_OFFSET: usize = 0x80;
}

fields! { RefcountBlock: Le {
    /// "REFCNT1\0".
    rf_signature, set_rf_signature: [u8; 8] = 0x00;
    /// Suballocator slot.
    rf_suballoc_slot, set_rf_suballoc_slot: u16 = 0x08;
    /// Suballocator bit.
    rf_suballoc_bit, set_rf_suballoc_bit: u16 = 0x0a;
    /// Must equal the fs generation.
    rf_fs_generation, set_rf_fs_generation: u32 = 0x0c;
    /// This block's own number.
    rf_blkno, set_rf_blkno: u64 = 0x10;
    /// Parent block (with `REFCOUNT_LEAF_FL`).
    rf_parent, set_rf_parent: u64 = 0x18;
    /// metaecc.
    rf_check, set_rf_check: BlockCheck = Self::CHECK_OFFSET;
    /// Last extent block.
    rf_last_eb_blk, set_rf_last_eb_blk: u64 = 0x28;
    /// Inodes sharing the tree.
    rf_count, set_rf_count: u32 = 0x30;
    /// `REFCOUNT_*_FL`.
    rf_flags, set_rf_flags: u32 = 0x34;
    /// Clusters covered by the tree.
    rf_clusters, set_rf_clusters: u32 = 0x38;
    /// Cluster offset in the tree.
    rf_cpos, set_rf_cpos: u32 = 0x3c;
    /// Generation, the same in every block of one tree.
    rf_generation, set_rf_generation: u32 = 0x40;
    /// Reserved.
    rf_reserved0, set_rf_reserved0: u32 = 0x44;
    /// Suballocator group (discontiguous groups only).
    rf_suballoc_loc, set_rf_suballoc_loc: u64 = 0x48;
}}

/// `ocfs2_extent_recs_per_rb()`.
pub const fn extent_recs_per_rb(block_size: usize) -> usize {
    extent_recs_in(block_size.saturating_sub(RefcountBlock::<()>::UNION_OFFSET))
}

/// `ocfs2_refcount_recs_per_rb()`.
pub const fn refcount_recs_per_rb(block_size: usize) -> usize {
    block_size.saturating_sub(RefcountBlock::<()>::UNION_OFFSET + RefcountList::<()>::SIZE)
        / RefcountRec::<()>::SIZE
}

impl<B: AsRef<[u8]>> RefcountBlock<B> {
    /// Whether the union is an extent list.
    pub fn is_tree(&self) -> bool {
        self.rf_flags() & REFCOUNT_TREE_FL != 0
    }

    /// The union as refcount records.
    pub fn rf_records(&self) -> RefcountList<&[u8]> {
        RefcountList::wrap(tail(self.buf.as_ref(), Self::UNION_OFFSET))
    }

    /// The union as an extent list.
    pub fn rf_list(&self) -> ExtentList<&[u8]> {
        ExtentList::wrap(tail(self.buf.as_ref(), Self::UNION_OFFSET))
    }

    /// `ocfs2_validate_refcount_block()`: signature, `rf_blkno`, fs
    /// generation; records: `rl_count` exact, `rl_used <= rl_count`; tree:
    /// the extent list counts.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::RefcountBlock);
        let bs = params.block_size as usize;
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig(
            "rf_signature",
            REFCOUNT_BLOCK_SIGNATURE,
            self.rf_signature(),
        )?;
        ctx.eq("rf_blkno", blkno, self.rf_blkno())?;
        ctx.eq(
            "rf_fs_generation",
            params.fs_generation.into(),
            self.rf_fs_generation().into(),
        )?;
        if self.is_tree() {
            self.rf_list().validate(blkno, extent_recs_per_rb(bs))
        } else {
            let rl = self.rf_records();
            let lctx = Ctx::new(blkno, Structure::RefcountList);
            lctx.eq(
                "rl_count",
                refcount_recs_per_rb(bs) as u64,
                rl.rl_count().into(),
            )?;
            lctx.le("rl_used", rl.rl_count().into(), rl.rl_used().into())
        }
    }
}

impl<B: AsMut<[u8]>> RefcountBlock<B> {
    /// Writable records.
    pub fn rf_records_mut(&mut self) -> RefcountList<&mut [u8]> {
        RefcountList::wrap(tail_mut(self.buf.as_mut(), Self::UNION_OFFSET))
    }

    /// Writable extent list.
    pub fn rf_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        ExtentList::wrap(tail_mut(self.buf.as_mut(), Self::UNION_OFFSET))
    }
}
