// SPDX-License-Identifier: GPL-2.0
//! Group descriptors, `ocfs2_group_desc`: the header block of each
//! allocation group, with the group's bitmap.  With "discontig-bg" a
//! suballocator group may be made of several extents, listed in `bg_list`
//! after a bitmap capped at 256 bytes.

use super::blockcheck::BlockCheck;
use super::dinode::Dinode;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::extent::{extent_recs_in, ExtentList};
use super::features::IncompatFeatures;
use super::raw::{signature, tail, tail_mut, window, window_mut};
use super::superblock::FsParams;

/// `OCFS2_GROUP_DESC_SIGNATURE`.
pub const GROUP_DESC_SIGNATURE: &[u8] = b"GROUP01";
/// `OCFS2_MAX_BG_BITMAP_SIZE`: bitmap bytes of a suballocator group when
/// discontiguous groups are enabled.
pub const MAX_BG_BITMAP_SIZE: usize = 256;

view! {
    /// `struct ocfs2_group_desc`.  `SIZE` covers the discontiguous layout
    /// (256-byte bitmap then `bg_list` header).
    GroupDesc, GroupDesc, 0x150
}

impl<B> GroupDesc<B> {
    /// Offset of `bg_check`.
    pub const CHECK_OFFSET: usize = 0x30;
    /// Offset of `bg_bitmap`.
    pub const BITMAP_OFFSET: usize = 0x40;
    /// Offset of `bg_list` (discontiguous groups).
    pub const LIST_OFFSET: usize = 0x140;
}

fields! { GroupDesc: Le {
    /// "GROUP01\0".
    bg_signature, set_bg_signature: [u8; 8] = 0x00;
    /// Bytes of bitmap.
    bg_size, set_bg_size: u16 = 0x08;
    /// Bits the group represents.
    bg_bits, set_bg_bits: u16 = 0x0a;
    /// Free bits.
    bg_free_bits_count, set_bg_free_bits_count: u16 = 0x0c;
    /// Chain this group is on.
    bg_chain, set_bg_chain: u16 = 0x0e;
    /// Must equal the fs generation.
    bg_generation, set_bg_generation: u32 = 0x10;
    /// Longest run of free bits (maintained by newer kernels).
    bg_contig_free_bits, set_bg_contig_free_bits: u16 = 0x14;
    /// Reserved.
    bg_reserved1, set_bg_reserved1: u16 = 0x16;
    /// Next group on the chain.
    bg_next_group, set_bg_next_group: u64 = 0x18;
    /// The allocator inode owning the group.
    bg_parent_dinode, set_bg_parent_dinode: u64 = 0x20;
    /// This block's own number.
    bg_blkno, set_bg_blkno: u64 = 0x28;
    /// metaecc.
    bg_check, set_bg_check: BlockCheck = Self::CHECK_OFFSET;
    /// Reserved.
    bg_reserved2, set_bg_reserved2: u64 = 0x38;
}}

/// `ocfs2_extent_recs_per_gd()`: records of `bg_list`.
pub const fn extent_recs_per_gd(block_size: usize) -> usize {
    extent_recs_in(block_size.saturating_sub(GroupDesc::<()>::LIST_OFFSET))
}

/// `ocfs2_group_bitmap_size()`: the bitmap bytes a group may have.  The
/// global bitmap's cluster groups use the whole block; suballocator groups
/// are capped at 256 bytes when "discontig-bg" is on.
pub const fn group_bitmap_size(
    block_size: usize,
    suballocator: bool,
    incompat: IncompatFeatures,
) -> usize {
    if suballocator && incompat.contains(IncompatFeatures::DISCONTIG_BG) {
        MAX_BG_BITMAP_SIZE
    } else {
        block_size.saturating_sub(GroupDesc::<()>::BITMAP_OFFSET)
    }
}

impl<B: AsRef<[u8]>> GroupDesc<B> {
    /// Whether the signature is "GROUP01".
    pub fn has_signature(&self) -> bool {
        super::raw::signature_is(&self.bg_signature(), GROUP_DESC_SIGNATURE)
    }

    /// `bg_bitmap`: `bg_size` bytes, clipped to the block.
    pub fn bg_bitmap(&self) -> &[u8] {
        window(
            self.buf.as_ref(),
            Self::BITMAP_OFFSET,
            self.bg_size().into(),
        )
    }

    /// `bg_list` (meaningful only for discontiguous groups).
    pub fn bg_list(&self) -> ExtentList<&[u8]> {
        ExtentList::wrap(tail(self.buf.as_ref(), Self::LIST_OFFSET))
    }

    /// `ocfs2_gd_is_discontig()`: the bitmap ends exactly at `bg_list` and
    /// the list has records.
    pub fn is_discontig(&self) -> bool {
        Self::BITMAP_OFFSET + usize::from(self.bg_size()) == Self::LIST_OFFSET
            && self.bg_list().l_next_free_rec() != 0
    }

    /// Free bits counted in the bitmap (first `bg_bits` bits).
    pub fn count_free_bits(&self) -> u32 {
        let bitmap = self.bg_bitmap();
        (0..usize::from(self.bg_bits()))
            .filter(|&b| !super::raw::test_bit(bitmap, b))
            .count() as u32
    }

    /// `ocfs2_validate_gd_self()` plus the block-size bound of the bitmap
    /// and, for discontiguous groups, the flat `bg_list`.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::GroupDesc);
        let bs = params.block_size as usize;
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig("bg_signature", GROUP_DESC_SIGNATURE, self.bg_signature())?;
        ctx.eq("bg_blkno", blkno, self.bg_blkno())?;
        ctx.eq(
            "bg_generation",
            params.fs_generation.into(),
            self.bg_generation().into(),
        )?;
        ctx.le(
            "bg_free_bits_count",
            self.bg_bits().into(),
            self.bg_free_bits_count().into(),
        )?;
        ctx.le(
            "bg_bits",
            8 * u64::from(self.bg_size()),
            self.bg_bits().into(),
        )?;
        ctx.le(
            "bg_size",
            group_bitmap_size(bs, false, params.features.incompat) as u64,
            self.bg_size().into(),
        )?;
        if self.is_discontig() {
            let list = self.bg_list();
            list.validate(blkno, extent_recs_per_gd(bs))?;
            ctx.eq("l_tree_depth", 0, list.l_tree_depth().into())?;
        }
        Ok(())
    }

    /// `ocfs2_validate_gd_parent()`: the group belongs to allocator
    /// `parent` (the inode whose chain led here).  `suballocator` is the
    /// kernel's notion: true for the per-slot inode and extent allocators,
    /// whose groups are capped at 256 bitmap bytes with "discontig-bg";
    /// false for the global bitmap (and for the userspace-only
    /// `global_inode_alloc`, whose groups mkfs.ocfs2 sizes to the block).
    /// `resize` allows `bg_chain == cl_next_free_rec` as during resize.
    pub fn validate_parent<P: AsRef<[u8]>>(
        &self,
        blkno: u64,
        parent: &Dinode<P>,
        params: &FsParams,
        suballocator: bool,
        resize: bool,
    ) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::GroupDesc);
        ctx.eq(
            "bg_parent_dinode",
            parent.i_blkno(),
            self.bg_parent_dinode(),
        )?;
        let max_size = group_bitmap_size(
            params.block_size as usize,
            suballocator,
            params.features.incompat,
        ) as u64;
        ctx.le("bg_size", max_size, self.bg_size().into())?;
        ctx.le("bg_bits", max_size * 8, self.bg_bits().into())?;
        let cl = parent.chain_list();
        let max_bits = u64::from(cl.cl_cpg()) * u64::from(cl.cl_bpc());
        ctx.le("bg_bits", max_bits, self.bg_bits().into())?;
        let chain = u64::from(self.bg_chain());
        let next_free = u64::from(cl.cl_next_free_rec());
        if chain > next_free || (chain == next_free && !resize) {
            return Err(ctx.err(
                "bg_chain",
                Problem::TooLarge {
                    max: next_free.saturating_sub(if resize { 0 } else { 1 }),
                    found: chain,
                },
            ));
        }
        Ok(())
    }
}

impl<B: AsMut<[u8]>> GroupDesc<B> {
    /// Writable bitmap, `bg_size` bytes (clipped to the block).
    pub fn bg_bitmap_mut(&mut self) -> &mut [u8] {
        let size = GroupDesc::wrap(&*self.buf.as_mut()).bg_size().into();
        window_mut(self.buf.as_mut(), Self::BITMAP_OFFSET, size)
    }

    /// Writable `bg_list`.
    pub fn bg_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        ExtentList::wrap(tail_mut(self.buf.as_mut(), Self::LIST_OFFSET))
    }

    /// Writes the "GROUP01" signature.
    pub fn set_group_signature(&mut self) {
        self.set_bg_signature(signature(GROUP_DESC_SIGNATURE));
    }
}
