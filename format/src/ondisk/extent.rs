// SPDX-License-Identifier: GPL-2.0
//! Extent trees: `ocfs2_extent_list`, `ocfs2_extent_rec` and the
//! `ocfs2_extent_block` that holds interior and leaf nodes.
//!
//! The same list header appears in many containers (inode, extent block,
//! discontiguous group, dx root, refcount block, xattr roots); the list
//! view covers the header and the rest of the container's buffer, so its
//! room is what physically fits there.

use super::blockcheck::BlockCheck;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::raw::{signature, tail, tail_mut};
use super::records::{rec_bytes, rec_bytes_mut, room, Records};
use super::superblock::FsParams;

/// `OCFS2_EXTENT_BLOCK_SIGNATURE`.
pub const EXTENT_BLOCK_SIGNATURE: &[u8] = b"EXBLK01";

/// `OCFS2_EXT_UNWRITTEN`: allocated but unwritten (leaf `e_flags`).
pub const EXT_UNWRITTEN: u8 = 0x01;
/// `OCFS2_EXT_REFCOUNTED`: shared through a refcount tree.
pub const EXT_REFCOUNTED: u8 = 0x02;
/// Extent flag names as ocfs2-tools prints them.
pub const EXTENT_FLAG_NAMES: &[(&str, u8)] =
    &[("Unwritten", EXT_UNWRITTEN), ("Refcounted", EXT_REFCOUNTED)];

view! {
    /// `struct ocfs2_extent_list`: a node of an extent tree.
    ExtentList, ExtentList, 0x10
}

fields! { ExtentList: Le {
    /// Depth below this node; 0 means the records point at data.
    l_tree_depth, set_l_tree_depth: u16 = 0x00;
    /// Number of record slots the list owns.
    l_count, set_l_count: u16 = 0x02;
    /// Number of records in use.
    l_next_free_rec, set_l_next_free_rec: u16 = 0x04;
    /// Reserved.
    l_reserved1, set_l_reserved1: u16 = 0x06;
    /// Reserved (pads the header to one record).
    l_reserved2, set_l_reserved2: u64 = 0x08;
}}

view! {
    /// `struct ocfs2_extent_rec`: one range of clusters.
    ExtentRec, ExtentRec, 0x10
}

fields! { ExtentRec: Le {
    /// First logical cluster covered.
    e_cpos, set_e_cpos: u32 = 0x00;
    /// Interior nodes: clusters covered by all children (union with the
    /// next three fields).
    e_int_clusters, set_e_int_clusters: u32 = 0x04;
    /// Leaves: clusters covered by this extent.
    e_leaf_clusters, set_e_leaf_clusters: u16 = 0x04;
    /// Leaves: reserved.
    e_reserved1, set_e_reserved1: u8 = 0x06;
    /// Leaves: `EXT_*` flags.
    e_flags, set_e_flags: u8 = 0x07;
    /// First physical block (of the data, or of the child extent block).
    e_blkno, set_e_blkno: u64 = 0x08;
}}

impl<B: AsRef<[u8]>> ExtentRec<B> {
    /// Clusters covered, read from the union member that applies at tree
    /// depth `depth` (leaf: `e_leaf_clusters`, interior: `e_int_clusters`).
    pub fn clusters(&self, depth: u16) -> u32 {
        if depth == 0 {
            u32::from(self.e_leaf_clusters())
        } else {
            self.e_int_clusters()
        }
    }
}

/// Record slots of an extent list occupying `bytes` bytes (header
/// included).
pub const fn extent_recs_in(bytes: usize) -> usize {
    bytes.saturating_sub(ExtentList::<()>::SIZE) / ExtentRec::<()>::SIZE
}

impl<B: AsRef<[u8]>> ExtentList<B> {
    /// Record slots that physically fit in the buffer.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), Self::SIZE, ExtentRec::<()>::SIZE)
    }

    /// Record `i`, if it fits in the buffer (used or not).
    pub fn rec(&self, i: usize) -> Option<ExtentRec<&[u8]>> {
        rec_bytes(self.buf.as_ref(), Self::SIZE, ExtentRec::<()>::SIZE, i).map(ExtentRec::wrap)
    }

    /// The used records (`l_next_free_rec`, clipped to `l_count` and room).
    pub fn recs(&self) -> Records<'_, ExtentRec<&[u8]>> {
        let used = self.l_next_free_rec().min(self.l_count());
        Records::new(
            self.buf.as_ref(),
            Self::SIZE,
            ExtentRec::<()>::SIZE,
            used.into(),
            ExtentRec::wrap,
        )
    }

    /// Checks the counts: `l_count` is non-zero and at most `max_count`
    /// (the capacity the container allows) and the room, and
    /// `l_next_free_rec <= l_count`.  `blkno` is the block holding the list.
    pub fn validate(&self, blkno: u64, max_count: usize) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::ExtentList);
        let count = self.l_count();
        if count == 0 {
            return Err(ctx.err("l_count", Problem::Invalid { found: 0 }));
        }
        ctx.le("l_count", max_count.min(self.room()) as u64, count.into())?;
        ctx.le(
            "l_next_free_rec",
            count.into(),
            self.l_next_free_rec().into(),
        )
    }
}

impl<B: AsMut<[u8]>> ExtentList<B> {
    /// Writable record `i`, if it fits in the buffer.
    pub fn rec_mut(&mut self, i: usize) -> Option<ExtentRec<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), Self::SIZE, ExtentRec::<()>::SIZE, i).map(ExtentRec::wrap)
    }

    /// Keeps the first `keep` used records, zeroing the others.
    pub fn truncate_recs(&mut self, keep: u16) {
        let used = ExtentList::wrap(&*self.buf.as_mut()).l_next_free_rec();
        for index in keep..used {
            if let Some(mut rec) = self.rec_mut(usize::from(index)) {
                rec.as_bytes_mut().fill(0);
            }
        }
        self.set_l_next_free_rec(keep.min(used));
    }
}

view! {
    /// `struct ocfs2_extent_block`: one block of an extent tree, a header
    /// and an extent list filling the rest of the block.
    ExtentBlock, ExtentBlock, 0x40
}

impl<B> ExtentBlock<B> {
    /// Offset of `h_check`.
    pub const CHECK_OFFSET: usize = 0x08;
    /// Offset of `h_list`.
    pub const LIST_OFFSET: usize = 0x30;
}

fields! { ExtentBlock: Le {
    /// "EXBLK01\0".
    h_signature, set_h_signature: [u8; 8] = 0x00;
    /// metaecc.
    h_check, set_h_check: BlockCheck = Self::CHECK_OFFSET;
    /// Slot of the suballocator that owns this block.
    h_suballoc_slot, set_h_suballoc_slot: u16 = 0x10;
    /// Bit in the suballocator group.
    h_suballoc_bit, set_h_suballoc_bit: u16 = 0x12;
    /// Must equal the superblock inode's `i_fs_generation`.
    h_fs_generation, set_h_fs_generation: u32 = 0x14;
    /// This block's own number.
    h_blkno, set_h_blkno: u64 = 0x18;
    /// Suballocator group (only for discontiguous groups).
    h_suballoc_loc, set_h_suballoc_loc: u64 = 0x20;
    /// Next leaf block (leaves only).
    h_next_leaf_blk, set_h_next_leaf_blk: u64 = 0x28;
}}

/// `ocfs2_extent_recs_per_eb()`.
pub const fn extent_recs_per_eb(block_size: usize) -> usize {
    extent_recs_in(block_size.saturating_sub(ExtentBlock::<()>::LIST_OFFSET))
}

impl<B: AsRef<[u8]>> ExtentBlock<B> {
    /// The extent list (header + records to the end of the block).
    pub fn h_list(&self) -> ExtentList<&[u8]> {
        ExtentList::wrap(tail(self.buf.as_ref(), Self::LIST_OFFSET))
    }

    /// Whether the signature is "EXBLK01".
    pub fn has_signature(&self) -> bool {
        super::raw::signature_is(&self.h_signature(), EXTENT_BLOCK_SIGNATURE)
    }

    /// `ocfs2_validate_extent_block()` (without metaecc, see
    /// [`super::blockcheck`]): signature, `h_blkno == blkno`, fs generation,
    /// and the list counts against the block's capacity.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::ExtentBlock);
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig("h_signature", EXTENT_BLOCK_SIGNATURE, self.h_signature())?;
        ctx.eq("h_blkno", blkno, self.h_blkno())?;
        ctx.eq(
            "h_fs_generation",
            params.fs_generation.into(),
            self.h_fs_generation().into(),
        )?;
        self.h_list()
            .validate(blkno, extent_recs_per_eb(params.block_size as usize))
    }
}

impl<B: AsMut<[u8]>> ExtentBlock<B> {
    /// Writable extent list.
    pub fn h_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        ExtentList::wrap(tail_mut(self.buf.as_mut(), Self::LIST_OFFSET))
    }

    /// Writes a fresh header the way the allocators do: signature, block
    /// number, generation, and an empty list sized for the block.
    pub fn init(&mut self, blkno: u64, fs_generation: u32) {
        let len = self.buf.as_mut().len();
        self.set_h_signature(signature(EXTENT_BLOCK_SIGNATURE));
        self.set_h_blkno(blkno);
        self.set_h_fs_generation(fs_generation);
        let mut list = self.h_list_mut();
        list.set_l_tree_depth(0);
        list.set_l_count(extent_recs_per_eb(len).min(u16::MAX as usize) as u16);
        list.set_l_next_free_rec(0);
    }
}
