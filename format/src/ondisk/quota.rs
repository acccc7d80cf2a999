// SPDX-License-Identifier: GPL-2.0
//! Quota files ("usrquota", "grpquota").
//!
//! Every quota block ends in `QBLK_RESERVED_SPACE` bytes whose first 8
//! are an `ocfs2_disk_dqtrailer` (the block's metaecc).
//!
//! * Global files (`aquota.user`, `aquota.group`): block 0 has the generic
//!   header (`ocfs2_disk_dqheader`) and `ocfs2_global_disk_dqinfo`; the
//!   rest is a generic quota radix tree (root at block `QT_TREEOFF`) whose
//!   data blocks start with `qt_disk_dqdbheader` and hold
//!   `ocfs2_global_disk_dqblk` entries.
//! * Local files (`aquota.user:NNNN`): block 0 has the header and
//!   `ocfs2_local_disk_dqinfo`; then chunks, each a header block
//!   (`ocfs2_local_disk_chunk`: free count + bitmap) followed by up to
//!   `ol_chunk_blocks` blocks of `ocfs2_local_disk_dqblk`.

use super::blockcheck::BlockCheck;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::raw::window;

/// `OCFS2_QBLK_RESERVED_SPACE`.
pub const QBLK_RESERVED_SPACE: usize = 8;
/// `OCFS2_GLOBAL_QMAGICS`, indexed by [`QuotaType`].
pub const GLOBAL_QMAGICS: [u32; 2] = [0x0cf5_2470, 0x0cf5_2471];
/// `OCFS2_GLOBAL_QVERSIONS`.
pub const GLOBAL_QVERSIONS: [u32; 2] = [0, 0];
/// `OCFS2_LOCAL_QMAGICS`.
pub const LOCAL_QMAGICS: [u32; 2] = [0x0cf5_24c0, 0x0cf5_24c1];
/// `OCFS2_LOCAL_QVERSIONS`.
pub const LOCAL_QVERSIONS: [u32; 2] = [0, 0];
/// `OLQF_CLEAN` in `dqi_flags`: the local file was cleanly turned off.
pub const OLQF_CLEAN: u32 = 0x0001;
/// `QT_TREEOFF`: block of the tree root in a global file.
pub const QT_TREEOFF: u32 = 1;
/// Depth of the generic quota tree.
pub const QT_TREEDEPTH: u32 = 4;
/// `OCFS2_GLOBAL_INFO_OFF` / `OCFS2_LOCAL_INFO_OFF`.
pub const INFO_OFFSET: usize = 8;

/// Which quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuotaType {
    /// `USRQUOTA`.
    User = 0,
    /// `GRPQUOTA`.
    Group = 1,
}

/// Usable bytes of a quota block (`dqi_usable_bs`).
pub const fn quota_usable_bytes(block_size: usize) -> usize {
    block_size.saturating_sub(QBLK_RESERVED_SPACE)
}

/// Offset of a quota block's trailer check.
pub const fn quota_block_check_offset(block_size: usize) -> usize {
    quota_usable_bytes(block_size)
}

/// `ol_quota_entries_per_block()`.
pub const fn ol_quota_entries_per_block(block_size: usize) -> usize {
    quota_usable_bytes(block_size) / LocalDqBlk::<()>::SIZE
}

/// `ol_chunk_blocks()`: data blocks per chunk.
pub const fn ol_chunk_blocks(block_size: usize) -> usize {
    let epb = ol_quota_entries_per_block(block_size);
    if epb == 0 {
        return 0;
    }
    block_size
        .saturating_sub(LocalChunk::<()>::SIZE + QBLK_RESERVED_SPACE)
        .saturating_mul(8)
        / epb
}

/// `ol_chunk_entries()`.
pub const fn ol_chunk_entries(block_size: usize) -> usize {
    ol_chunk_blocks(block_size).saturating_mul(ol_quota_entries_per_block(block_size))
}

/// `ol_quota_chunk_block()`: block of chunk `c`'s header.
pub const fn ol_quota_chunk_block(block_size: usize, c: usize) -> usize {
    (ol_chunk_blocks(block_size) + 1)
        .saturating_mul(c)
        .saturating_add(1)
}

/// `ol_dqblk_block()`: block holding entry `off` of chunk `c`.
pub const fn ol_dqblk_block(block_size: usize, c: usize, off: usize) -> Option<usize> {
    let epb = ol_quota_entries_per_block(block_size);
    if epb == 0 {
        return None;
    }
    Some(ol_quota_chunk_block(block_size, c).saturating_add(1 + off / epb))
}

/// `ol_dqblk_block_off()`: byte offset of entry `off` in its block.
pub const fn ol_dqblk_block_off(block_size: usize, off: usize) -> Option<usize> {
    let epb = ol_quota_entries_per_block(block_size);
    if epb == 0 {
        return None;
    }
    Some((off % epb) * LocalDqBlk::<()>::SIZE)
}

/// Global dquot entries per tree data block.
pub const fn global_entries_per_block(block_size: usize) -> usize {
    quota_usable_bytes(block_size).saturating_sub(QtDataHeader::<()>::SIZE)
        / GlobalDqBlk::<()>::SIZE
}

view! {
    /// `struct ocfs2_disk_dqheader`: start of block 0 of every quota file.
    QuotaHeader, QuotaHeader, 0x08
}

fields! { QuotaHeader: Le {
    /// `*_QMAGICS[type]`.
    dqh_magic, set_dqh_magic: u32 = 0x00;
    /// `*_QVERSIONS[type]`.
    dqh_version, set_dqh_version: u32 = 0x04;
}}

impl<B: AsRef<[u8]>> QuotaHeader<B> {
    /// Magic and version of a global (`local == false`) or local file of
    /// type `t`.
    pub fn validate(&self, blkno: u64, t: QuotaType, local: bool) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::QuotaHeader);
        let (magics, versions) = if local {
            (LOCAL_QMAGICS, LOCAL_QVERSIONS)
        } else {
            (GLOBAL_QMAGICS, GLOBAL_QVERSIONS)
        };
        let i = t as usize;
        let magic = magics.get(i).copied().unwrap_or(0);
        let version = versions.get(i).copied().unwrap_or(0);
        ctx.eq("dqh_magic", magic.into(), self.dqh_magic().into())?;
        ctx.eq("dqh_version", version.into(), self.dqh_version().into())
    }

    /// The quota type and locality a magic number stands for.
    pub fn kind(&self) -> Option<(QuotaType, bool)> {
        match self.dqh_magic() {
            m if m == GLOBAL_QMAGICS[0] => Some((QuotaType::User, false)),
            m if m == GLOBAL_QMAGICS[1] => Some((QuotaType::Group, false)),
            m if m == LOCAL_QMAGICS[0] => Some((QuotaType::User, true)),
            m if m == LOCAL_QMAGICS[1] => Some((QuotaType::Group, true)),
            _ => None,
        }
    }
}

view! {
    /// `struct ocfs2_global_disk_dqinfo`, at `INFO_OFFSET` of block 0 of a
    /// global file.
    GlobalDqInfo, GlobalQuotaInfo, 0x18
}

fields! { GlobalDqInfo: Le {
    /// Block grace time (s).
    dqi_bgrace, set_dqi_bgrace: u32 = 0x00;
    /// Inode grace time (s).
    dqi_igrace, set_dqi_igrace: u32 = 0x04;
    /// Sync interval of local changes (ms).
    dqi_syncms, set_dqi_syncms: u32 = 0x08;
    /// Blocks in the file.
    dqi_blocks, set_dqi_blocks: u32 = 0x0c;
    /// First free block.
    dqi_free_blk, set_dqi_free_blk: u32 = 0x10;
    /// First block with a free entry.
    dqi_free_entry, set_dqi_free_entry: u32 = 0x14;
}}

impl<B: AsRef<[u8]>> GlobalDqInfo<B> {
    /// Free list heads inside the file; the tree root exists.
    pub fn validate(&self, blkno: u64) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::GlobalQuotaInfo);
        let blocks = u64::from(self.dqi_blocks());
        ctx.ge("dqi_blocks", u64::from(QT_TREEOFF) + 1, blocks)?;
        ctx.le("dqi_free_blk", blocks - 1, self.dqi_free_blk().into())?;
        ctx.le("dqi_free_entry", blocks - 1, self.dqi_free_entry().into())
    }
}

view! {
    /// `struct ocfs2_global_disk_dqblk`: one id's limits and usage.
    GlobalDqBlk, GlobalQuotaBlock, 0x58
}

fields! { GlobalDqBlk: Le {
    /// User or group id.
    dqb_id, set_dqb_id: u32 = 0x00;
    /// Nodes referencing the entry.
    dqb_use_count, set_dqb_use_count: u32 = 0x04;
    /// Inode hard limit.
    dqb_ihardlimit, set_dqb_ihardlimit: u64 = 0x08;
    /// Inode soft limit.
    dqb_isoftlimit, set_dqb_isoftlimit: u64 = 0x10;
    /// Inodes used.
    dqb_curinodes, set_dqb_curinodes: u64 = 0x18;
    /// Space hard limit.
    dqb_bhardlimit, set_dqb_bhardlimit: u64 = 0x20;
    /// Space soft limit.
    dqb_bsoftlimit, set_dqb_bsoftlimit: u64 = 0x28;
    /// Space used (bytes).
    dqb_curspace, set_dqb_curspace: u64 = 0x30;
    /// Space grace deadline.
    dqb_btime, set_dqb_btime: u64 = 0x38;
    /// Inode grace deadline.
    dqb_itime, set_dqb_itime: u64 = 0x40;
    /// Padding.
    dqb_pad1, set_dqb_pad1: u64 = 0x48;
    /// Padding.
    dqb_pad2, set_dqb_pad2: u64 = 0x50;
}}

view! {
    /// `struct qt_disk_dqdbheader`: header of a quota tree data block.
    QtDataHeader, QuotaDataHeader, 0x10
}

fields! { QtDataHeader: Le {
    /// Next block with a free entry.
    dqdh_next_free, set_dqdh_next_free: u32 = 0x00;
    /// Previous block with a free entry.
    dqdh_prev_free, set_dqdh_prev_free: u32 = 0x04;
    /// Valid entries in the block.
    dqdh_entries, set_dqdh_entries: u16 = 0x08;
    /// Padding.
    dqdh_pad1, set_dqdh_pad1: u16 = 0x0a;
    /// Padding.
    dqdh_pad2, set_dqdh_pad2: u32 = 0x0c;
}}

impl<B: AsRef<[u8]>> QtDataHeader<B> {
    /// `dqdh_entries` fits the block.
    pub fn validate(&self, blkno: u64, block_size: u32) -> Result<(), FormatError> {
        Ctx::new(blkno, Structure::QuotaDataHeader).le(
            "dqdh_entries",
            global_entries_per_block(block_size as usize) as u64,
            self.dqdh_entries().into(),
        )
    }

    /// Entry `i` of the data block this header starts.
    pub fn entry(&self, i: usize, block_size: u32) -> Option<GlobalDqBlk<&[u8]>> {
        if i >= global_entries_per_block(block_size as usize) {
            return None;
        }
        let off = Self::SIZE + i * GlobalDqBlk::<()>::SIZE;
        GlobalDqBlk::new(window(self.buf.as_ref(), off, GlobalDqBlk::<()>::SIZE)).ok()
    }
}

view! {
    /// `struct ocfs2_local_disk_dqinfo`, at `INFO_OFFSET` of block 0 of a
    /// local file.
    LocalDqInfo, LocalQuotaInfo, 0x0c
}

fields! { LocalDqInfo: Le {
    /// `OLQF_CLEAN`.
    dqi_flags, set_dqi_flags: u32 = 0x00;
    /// Chunks in the file.
    dqi_chunks, set_dqi_chunks: u32 = 0x04;
    /// Blocks in the file.
    dqi_blocks, set_dqi_blocks: u32 = 0x08;
}}

impl<B: AsRef<[u8]>> LocalDqInfo<B> {
    /// The chunks fit in `dqi_blocks`: every chunk but the last is full and
    /// the last has at least its header block.
    pub fn validate(&self, blkno: u64, block_size: u32) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::LocalQuotaInfo);
        let chunks = u64::from(self.dqi_chunks());
        let per = ol_chunk_blocks(block_size as usize) as u64 + 1;
        let blocks = u64::from(self.dqi_blocks());
        let min = if chunks == 0 {
            1
        } else {
            1 + (chunks - 1) * per + 1
        };
        ctx.ge("dqi_blocks", min, blocks)?;
        ctx.le("dqi_blocks", 1 + chunks * per, blocks)
    }
}

view! {
    /// `struct ocfs2_local_disk_chunk`: chunk header block (free count and
    /// a bitmap of the chunk's entries).
    LocalChunk, LocalQuotaChunk, 0x04
}

fields! { LocalChunk: Le {
    /// Free entries in the chunk.
    dqc_free, set_dqc_free: u32 = 0x00;
}}

impl<B: AsRef<[u8]>> LocalChunk<B> {
    /// `dqc_bitmap`: the chunk's entry bitmap (`ol_chunk_entries` bits).
    pub fn dqc_bitmap(&self, block_size: u32) -> &[u8] {
        window(
            self.buf.as_ref(),
            Self::SIZE,
            ol_chunk_entries(block_size as usize).div_ceil(8),
        )
    }

    /// `dqc_free` cannot exceed the entries of a chunk.
    pub fn validate(&self, blkno: u64, block_size: u32) -> Result<(), FormatError> {
        Ctx::new(blkno, Structure::LocalQuotaChunk).le(
            "dqc_free",
            ol_chunk_entries(block_size as usize) as u64,
            self.dqc_free().into(),
        )
    }
}

view! {
    /// `struct ocfs2_local_disk_dqblk`: one id's pending changes.
    LocalDqBlk, LocalQuotaBlock, 0x18
}

fields! { LocalDqBlk: Le {
    /// User or group id.
    dqb_id, set_dqb_id: u64 = 0x00;
    /// Change in space.
    dqb_spacemod, set_dqb_spacemod: u64 = 0x08;
    /// Change in inodes.
    dqb_inodemod, set_dqb_inodemod: u64 = 0x10;
}}

view! {
    /// `struct ocfs2_disk_dqtrailer`, at `quota_block_check_offset()`.
    QuotaTrailer, QuotaTrailer, 0x08
}

fields! { QuotaTrailer: Le {
    /// metaecc of the quota block.
    dq_check, set_dq_check: BlockCheck = 0x00;
}}

/// The trailer of a quota block.
pub fn quota_trailer(block: &[u8]) -> Result<QuotaTrailer<&[u8]>, FormatError> {
    let off = quota_block_check_offset(block.len());
    if block.len() < QBLK_RESERVED_SPACE {
        return Err(FormatError::new(
            Structure::QuotaTrailer,
            "",
            Problem::TooShort {
                need: QBLK_RESERVED_SPACE as u64,
                have: block.len() as u64,
            },
        ));
    }
    QuotaTrailer::new(window(block, off, QuotaTrailer::<()>::SIZE))
}
