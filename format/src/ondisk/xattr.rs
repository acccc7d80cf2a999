// SPDX-License-Identifier: GPL-2.0
//! Extended attributes: the entry table (`ocfs2_xattr_header` +
//! `ocfs2_xattr_entry`) found inline at the end of an inode, in an xattr
//! block (`ocfs2_xattr_block`) or at the start of a 4K bucket; values too
//! big for the table live in an extent tree (`ocfs2_xattr_value_root`);
//! many attributes make the block an index (`ocfs2_xattr_tree_root`).
//!
//! Name offsets are relative to the start of the header (inline and block
//! tables) or of the bucket.  Names and local values are padded to 4 bytes
//! (`xattr_size`).

use super::blockcheck::BlockCheck;
use super::error::{Ctx, FormatError, Structure};
use super::extent::{extent_recs_in, ExtentList};
use super::raw::{tail, tail_mut, window};
use super::records::{rec_bytes, rec_bytes_mut, room, Records};
use super::superblock::FsParams;

/// `OCFS2_XATTR_BLOCK_SIGNATURE`.
pub const XATTR_BLOCK_SIGNATURE: &[u8] = b"XATTR01";
/// `OCFS2_XATTR_INDEXED` in `xb_flags`: the block is a tree root.
pub const XATTR_INDEXED: u16 = 0x1;
/// `OCFS2_HASH_SHIFT` of the name hash.
pub const HASH_SHIFT: u32 = 5;
/// `OCFS2_XATTR_ROUND`.
pub const XATTR_ROUND: usize = 3;
/// `OCFS2_XATTR_BUCKET_SIZE`.
pub const XATTR_BUCKET_SIZE: usize = 4096;
/// `OCFS2_XATTR_MAX_BLOCKS_PER_BUCKET`.
pub const XATTR_MAX_BLOCKS_PER_BUCKET: usize = XATTR_BUCKET_SIZE / 512;
/// `OCFS2_XATTR_ENTRY_LOCAL` in `xe_type`: the value is in the table.
pub const XATTR_ENTRY_LOCAL: u8 = 0x80;
/// `OCFS2_XATTR_TYPE_MASK` of `xe_type`: the name index.
pub const XATTR_TYPE_MASK: u8 = 0x7f;
/// `OCFS2_XATTR_INDEX_USER` ("user.").
pub const XATTR_INDEX_USER: u8 = 1;
/// `OCFS2_XATTR_INDEX_POSIX_ACL_ACCESS`.
pub const XATTR_INDEX_POSIX_ACL_ACCESS: u8 = 2;
/// `OCFS2_XATTR_INDEX_POSIX_ACL_DEFAULT`.
pub const XATTR_INDEX_POSIX_ACL_DEFAULT: u8 = 3;
/// `OCFS2_XATTR_INDEX_TRUSTED` ("trusted.").
pub const XATTR_INDEX_TRUSTED: u8 = 4;
/// `OCFS2_XATTR_INDEX_SECURITY` ("security.").
pub const XATTR_INDEX_SECURITY: u8 = 5;

/// `OCFS2_XATTR_SIZE()`: `size` rounded up to 4.
pub const fn xattr_size(size: usize) -> usize {
    size.saturating_add(XATTR_ROUND) & !XATTR_ROUND
}

view! {
    /// `struct ocfs2_xattr_entry`.
    XattrEntry, XattrEntry, 0x10
}

fields! { XattrEntry: Le {
    /// Hash of prefix + name.
    xe_name_hash, set_xe_name_hash: u32 = 0x00;
    /// Offset of the name from the start of the table/bucket.
    xe_name_offset, set_xe_name_offset: u16 = 0x04;
    /// Name length (without prefix).
    xe_name_len, set_xe_name_len: u8 = 0x06;
    /// Name index (low 7 bits) and `XATTR_ENTRY_LOCAL`.
    xe_type, set_xe_type: u8 = 0x07;
    /// Value length.
    xe_value_size, set_xe_value_size: u64 = 0x08;
}}

impl<B: AsRef<[u8]>> XattrEntry<B> {
    /// Whether the value is stored next to the name.
    pub fn is_local(&self) -> bool {
        self.xe_type() & XATTR_ENTRY_LOCAL != 0
    }

    /// The name index (`XATTR_INDEX_*`).
    pub fn name_index(&self) -> u8 {
        self.xe_type() & XATTR_TYPE_MASK
    }

    /// Offset of the value (or value root) from the table start.
    pub fn value_offset(&self) -> usize {
        usize::from(self.xe_name_offset()) + xattr_size(self.xe_name_len().into())
    }
}

view! {
    /// `struct ocfs2_xattr_header`: the table header.  The view covers the
    /// whole table region (inline area, rest of the block, or bucket).
    XattrHeader, XattrHeader, 0x10
}

impl<B> XattrHeader<B> {
    /// Offset of `xh_check` (used only by buckets).
    pub const CHECK_OFFSET: usize = 0x08;
}

fields! { XattrHeader: Le {
    /// Entries in the table.
    xh_count, set_xh_count: u16 = 0x00;
    /// Where the name/value area starts.
    xh_free_start, set_xh_free_start: u16 = 0x02;
    /// Bytes of names and values.
    xh_name_value_len, set_xh_name_value_len: u16 = 0x04;
    /// Buckets in this extent (first bucket only).
    xh_num_buckets, set_xh_num_buckets: u16 = 0x06;
    /// metaecc of a bucket (zero in blocks and inodes).
    xh_check, set_xh_check: BlockCheck = Self::CHECK_OFFSET;
}}

impl<B: AsRef<[u8]>> XattrHeader<B> {
    /// Entry slots that fit in the region.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), Self::SIZE, XattrEntry::<()>::SIZE)
    }

    /// Entry `i`, if it fits.
    pub fn entry(&self, i: usize) -> Option<XattrEntry<&[u8]>> {
        rec_bytes(self.buf.as_ref(), Self::SIZE, XattrEntry::<()>::SIZE, i).map(XattrEntry::wrap)
    }

    /// The `xh_count` entries (clipped to the region).
    pub fn entries(&self) -> Records<'_, XattrEntry<&[u8]>> {
        Records::new(
            self.buf.as_ref(),
            Self::SIZE,
            XattrEntry::<()>::SIZE,
            self.xh_count().into(),
            XattrEntry::wrap,
        )
    }

    /// The name of `e`, if it lies wholly inside the region.
    pub fn name<E: AsRef<[u8]>>(&self, e: &XattrEntry<E>) -> Option<&[u8]> {
        bytes_at(
            self.buf.as_ref(),
            e.xe_name_offset().into(),
            e.xe_name_len().into(),
        )
    }

    /// The value of a local entry, if it lies wholly inside the region.
    pub fn local_value<E: AsRef<[u8]>>(&self, e: &XattrEntry<E>) -> Option<&[u8]> {
        if !e.is_local() {
            return None;
        }
        bytes_at(
            self.buf.as_ref(),
            e.value_offset(),
            usize::try_from(e.xe_value_size()).ok()?,
        )
    }

    /// The value root of a non-local entry, if it fits in the region.
    pub fn value_root<E: AsRef<[u8]>>(&self, e: &XattrEntry<E>) -> Option<XattrValueRoot<&[u8]>> {
        if e.is_local() {
            return None;
        }
        bytes_at(
            self.buf.as_ref(),
            e.value_offset(),
            XattrValueRoot::<()>::SIZE,
        )?;
        XattrValueRoot::new(tail(self.buf.as_ref(), e.value_offset())).ok()
    }
}

impl<B: AsMut<[u8]>> XattrHeader<B> {
    /// Writable entry `i`, if it fits.
    pub fn entry_mut(&mut self, i: usize) -> Option<XattrEntry<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), Self::SIZE, XattrEntry::<()>::SIZE, i)
            .map(XattrEntry::wrap)
    }
}

fn bytes_at(buf: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    let w = window(buf, off, len);
    (w.len() == len && off <= buf.len()).then_some(w)
}

/// `ocfs2_validate_xattr_entries_flat()`: the table occupying `region`
/// (the inline area of an inode, or an xattr block from `xb_attrs` on):
/// count within the region, every name and value (or value root) inside.
pub fn validate_xattr_region(region: &[u8], blkno: u64) -> Result<(), FormatError> {
    let ctx = Ctx::new(blkno, Structure::XattrHeader);
    let size = region.len();
    ctx.ge("region", XattrHeader::<()>::SIZE as u64, size as u64)?;
    let xh = XattrHeader::wrap(region);
    let max_entries = (size - XattrHeader::<()>::SIZE) / XattrEntry::<()>::SIZE;
    ctx.le("xh_count", max_entries as u64, xh.xh_count().into())?;
    for (i, e) in xh.entries().enumerate() {
        check_entry(blkno, i, &e, e.xe_name_offset().into(), size)?;
    }
    Ok(())
}

/// One entry against a name/value limit: name inside, value start inside,
/// local value or value root inside.  `name_offset` is relative to the
/// area of `nv_limit` bytes.
fn check_entry(
    blkno: u64,
    i: usize,
    e: &XattrEntry<&[u8]>,
    name_offset: usize,
    nv_limit: usize,
) -> Result<(), FormatError> {
    let ctx = Ctx::new(blkno, Structure::XattrEntry);
    let at = |r: Result<(), FormatError>| r.map_err(|err| err.at_index(i as u64));
    at(ctx.le("xe_name_offset", nv_limit as u64, name_offset as u64))?;
    at(ctx.le(
        "xe_name_len",
        (nv_limit - name_offset) as u64,
        e.xe_name_len().into(),
    ))?;
    let value_offset = name_offset + xattr_size(e.xe_name_len().into());
    at(ctx.le("xe_name_len", nv_limit as u64, value_offset as u64))?;
    let room = (nv_limit - value_offset) as u64;
    if e.is_local() {
        at(ctx.le("xe_value_size", room, e.xe_value_size()))
    } else {
        at(ctx
            .ge("xe_value_size", XattrValueRoot::<()>::SIZE as u64, room)
            .map_err(|mut err| {
                err.field = "value root";
                err
            }))
    }
}

/// `ocfs2_validate_xattr_bucket()`: a bucket of `bucket.len() / block_size`
/// blocks.  Entries must sit in the first block and no name or value may
/// cross a block boundary.
pub fn validate_xattr_bucket(
    bucket: &[u8],
    block_size: u32,
    blkno: u64,
) -> Result<(), FormatError> {
    let ctx = Ctx::new(blkno, Structure::XattrHeader);
    let bs = block_size as usize;
    ctx.ge("block_size", XattrHeader::<()>::SIZE as u64, bs as u64)?;
    let blocks = bucket.len() / bs;
    let region_size = blocks * bs;
    ctx.ge("region", bs as u64, region_size as u64)?;
    let xh = XattrHeader::wrap(window(bucket, 0, bs));
    let max_entries = (bs - XattrHeader::<()>::SIZE) / XattrEntry::<()>::SIZE;
    ctx.le("xh_count", max_entries as u64, xh.xh_count().into())?;
    for (i, e) in xh.entries().enumerate() {
        let name_offset = usize::from(e.xe_name_offset());
        Ctx::new(blkno, Structure::XattrEntry)
            .le(
                "xe_name_offset",
                region_size.saturating_sub(1) as u64,
                name_offset as u64,
            )
            .map_err(|err| err.at_index(i as u64))?;
        check_entry(blkno, i, &e, name_offset % bs, bs)?;
    }
    Ok(())
}

view! {
    /// `struct ocfs2_xattr_value_root`: the extent tree of a big value.
    XattrValueRoot, XattrValueRoot, 0x20
}

impl<B> XattrValueRoot<B> {
    /// Offset of `xr_list`.
    pub const LIST_OFFSET: usize = 0x10;
}

fields! { XattrValueRoot: Le {
    /// Clusters of the value.
    xr_clusters, set_xr_clusters: u32 = 0x00;
    /// Reserved.
    xr_reserved0, set_xr_reserved0: u32 = 0x04;
    /// Last extent block.
    xr_last_eb_blk, set_xr_last_eb_blk: u64 = 0x08;
}}

impl<B: AsRef<[u8]>> XattrValueRoot<B> {
    /// The extent list (as far as the buffer reaches).
    pub fn xr_list(&self) -> ExtentList<&[u8]> {
        ExtentList::wrap(tail(self.buf.as_ref(), Self::LIST_OFFSET))
    }
}

impl<B: AsMut<[u8]>> XattrValueRoot<B> {
    /// Writable extent list.
    pub fn xr_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        ExtentList::wrap(tail_mut(self.buf.as_mut(), Self::LIST_OFFSET))
    }
}

view! {
    /// `struct ocfs2_xattr_tree_root`: the bucket tree of an indexed
    /// xattr block.
    XattrTreeRoot, XattrTreeRoot, 0x20
}

impl<B> XattrTreeRoot<B> {
    /// Offset of `xt_list`.
    pub const LIST_OFFSET: usize = 0x10;
}

fields! { XattrTreeRoot: Le {
    /// Clusters of buckets.
    xt_clusters, set_xt_clusters: u32 = 0x00;
    /// Reserved.
    xt_reserved0, set_xt_reserved0: u32 = 0x04;
    /// Last extent block.
    xt_last_eb_blk, set_xt_last_eb_blk: u64 = 0x08;
}}

impl<B: AsRef<[u8]>> XattrTreeRoot<B> {
    /// The extent list.
    pub fn xt_list(&self) -> ExtentList<&[u8]> {
        ExtentList::wrap(tail(self.buf.as_ref(), Self::LIST_OFFSET))
    }
}

impl<B: AsMut<[u8]>> XattrTreeRoot<B> {
    /// Writable extent list.
    pub fn xt_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        ExtentList::wrap(tail_mut(self.buf.as_mut(), Self::LIST_OFFSET))
    }
}

view! {
    /// `struct ocfs2_xattr_block`.
    XattrBlock, XattrBlock, 0x50
}

impl<B> XattrBlock<B> {
    /// Offset of `xb_check`.
    pub const CHECK_OFFSET: usize = 0x18;
    /// Offset of `xb_attrs`.
    pub const ATTRS_OFFSET: usize = 0x30;
}

fields! { XattrBlock: Le {
    /// "XATTR01\0".
    xb_signature, set_xb_signature: [u8; 8] = 0x00;
    /// Suballocator slot.
    xb_suballoc_slot, set_xb_suballoc_slot: u16 = 0x08;
    /// Suballocator bit.
    xb_suballoc_bit, set_xb_suballoc_bit: u16 = 0x0a;
    /// Must equal the fs generation.
    xb_fs_generation, set_xb_fs_generation: u32 = 0x0c;
    /// This block's own number.
    xb_blkno, set_xb_blkno: u64 = 0x10;
    /// metaecc.
    xb_check, set_xb_check: BlockCheck = Self::CHECK_OFFSET;
    /// `XATTR_INDEXED`.
    xb_flags, set_xb_flags: u16 = 0x20;
    /// Reserved.
    xb_reserved0, set_xb_reserved0: u16 = 0x22;
    /// Reserved.
    xb_reserved1, set_xb_reserved1: u32 = 0x24;
    /// Suballocator group (discontiguous groups only).
    xb_suballoc_loc, set_xb_suballoc_loc: u64 = 0x28;
}}

/// `ocfs2_xattr_recs_per_xb()`.
pub const fn xattr_recs_per_xb(block_size: usize) -> usize {
    extent_recs_in(
        block_size
            .saturating_sub(XattrBlock::<()>::ATTRS_OFFSET + XattrTreeRoot::<()>::LIST_OFFSET),
    )
}

impl<B: AsRef<[u8]>> XattrBlock<B> {
    /// Whether the block is a tree root.
    pub fn is_indexed(&self) -> bool {
        self.xb_flags() & XATTR_INDEXED != 0
    }

    /// `xb_attrs` as a table (non-indexed blocks).
    pub fn xb_header(&self) -> XattrHeader<&[u8]> {
        XattrHeader::wrap(tail(self.buf.as_ref(), Self::ATTRS_OFFSET))
    }

    /// `xb_attrs` as a tree root (indexed blocks).
    pub fn xb_root(&self) -> XattrTreeRoot<&[u8]> {
        XattrTreeRoot::wrap(tail(self.buf.as_ref(), Self::ATTRS_OFFSET))
    }

    /// `ocfs2_validate_xattr_block()`: signature, `xb_blkno`, fs
    /// generation, then the table (flat check) or the tree root's list.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::XattrBlock);
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig("xb_signature", XATTR_BLOCK_SIGNATURE, self.xb_signature())?;
        ctx.eq("xb_blkno", blkno, self.xb_blkno())?;
        ctx.eq(
            "xb_fs_generation",
            params.fs_generation.into(),
            self.xb_fs_generation().into(),
        )?;
        if self.is_indexed() {
            self.xb_root()
                .xt_list()
                .validate(blkno, xattr_recs_per_xb(params.block_size as usize))
        } else {
            validate_xattr_region(tail(self.buf.as_ref(), Self::ATTRS_OFFSET), blkno)
        }
    }
}

impl<B: AsMut<[u8]>> XattrBlock<B> {
    /// Writable table.
    pub fn xb_header_mut(&mut self) -> XattrHeader<&mut [u8]> {
        XattrHeader::wrap(tail_mut(self.buf.as_mut(), Self::ATTRS_OFFSET))
    }

    /// Writable tree root.
    pub fn xb_root_mut(&mut self) -> XattrTreeRoot<&mut [u8]> {
        XattrTreeRoot::wrap(tail_mut(self.buf.as_mut(), Self::ATTRS_OFFSET))
    }
}
