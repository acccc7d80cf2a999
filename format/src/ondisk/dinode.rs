// SPDX-License-Identifier: GPL-2.0
//! The inode block, `ocfs2_dinode`, with its id1 and id2 unions.
//!
//! What id2 holds is decided by `i_flags` / `i_dyn_features` / `i_mode`:
//! superblock (`SUPER_BLOCK_FL`), local alloc bitmap (`LOCAL_ALLOC_FL`),
//! chain list (`CHAIN_FL`), truncate log (`DEALLOC_FL`), inline data
//! (`INLINE_DATA_FL`), fast symlink (a symlink without clusters), and an
//! extent list otherwise.  Every id2 accessor is available regardless; the
//! caller (or [`Dinode::id2_kind`]) picks the right one.

use super::blockcheck::BlockCheck;
use super::chain::ChainList;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::extent::{extent_recs_in, ExtentList};
use super::local_alloc::LocalAlloc;
use super::raw::{signature, tail, tail_mut, window, window_mut};
use super::superblock::{FsParams, SuperBlock};
use super::truncate_log::TruncateLog;
use super::xattr::{validate_xattr_region, XattrHeader};

/// `OCFS2_INODE_SIGNATURE`.
pub const INODE_SIGNATURE: &[u8] = b"INODE01";

/// `OCFS2_VALID_FL`: the inode is in use.
pub const VALID_FL: u32 = 0x0000_0001;
/// `OCFS2_UNUSED2_FL`.
pub const UNUSED2_FL: u32 = 0x0000_0002;
/// `OCFS2_ORPHANED_FL`: on an orphan directory (`i_orphaned_slot`).
pub const ORPHANED_FL: u32 = 0x0000_0004;
/// `OCFS2_UNUSED3_FL`.
pub const UNUSED3_FL: u32 = 0x0000_0008;
/// `OCFS2_SYSTEM_FL`: a system inode.
pub const SYSTEM_FL: u32 = 0x0000_0010;
/// `OCFS2_SUPER_BLOCK_FL`: id2 is the superblock.
pub const SUPER_BLOCK_FL: u32 = 0x0000_0020;
/// `OCFS2_LOCAL_ALLOC_FL`: id2 is a local alloc bitmap.
pub const LOCAL_ALLOC_FL: u32 = 0x0000_0040;
/// `OCFS2_BITMAP_FL`: an allocation bitmap (id1 is bitmap1).
pub const BITMAP_FL: u32 = 0x0000_0080;
/// `OCFS2_JOURNAL_FL`: a slot journal (id1 is journal1).
pub const JOURNAL_FL: u32 = 0x0000_0100;
/// `OCFS2_HEARTBEAT_FL`: the heartbeat area.
pub const HEARTBEAT_FL: u32 = 0x0000_0200;
/// `OCFS2_CHAIN_FL`: id2 is a chain list.
pub const CHAIN_FL: u32 = 0x0000_0400;
/// `OCFS2_DEALLOC_FL`: id2 is a truncate log.
pub const DEALLOC_FL: u32 = 0x0000_0800;
/// `OCFS2_QUOTA_FL`: a quota file.
pub const QUOTA_FL: u32 = 0x0000_1000;
/// `OCFS2_DIO_ORPHANED_FL`: orphaned for append direct I/O
/// (`i_dio_orphaned_slot`).
pub const DIO_ORPHANED_FL: u32 = 0x0000_2000;

/// `OCFS2_INLINE_DATA_FL` (`i_dyn_features`): data in id2.
pub const INLINE_DATA_FL: u16 = 0x0001;
/// `OCFS2_HAS_XATTR_FL`.
pub const HAS_XATTR_FL: u16 = 0x0002;
/// `OCFS2_INLINE_XATTR_FL`: xattrs in the last `i_xattr_inline_size`
/// bytes of the block.
pub const INLINE_XATTR_FL: u16 = 0x0004;
/// `OCFS2_INDEXED_DIR_FL`: `i_dx_root` points at a dx root.
pub const INDEXED_DIR_FL: u16 = 0x0008;
/// `OCFS2_HAS_REFCOUNT_FL`: `i_refcount_loc` points at a refcount tree.
pub const HAS_REFCOUNT_FL: u16 = 0x0010;

/// `OCFS2_JOURNAL_DIRTY_FL` (`ij_flags`): the journal needs recovery.
pub const JOURNAL_DIRTY_FL: u32 = 0x0000_0001;

/// Inode attribute bits (`i_attr`, the ext2 `FS_*_FL` values).
pub mod attr {
    /// `OCFS2_SECRM_FL`.
    pub const SECRM: u32 = 0x0000_0001;
    /// `OCFS2_UNRM_FL`.
    pub const UNRM: u32 = 0x0000_0002;
    /// `OCFS2_COMPR_FL`.
    pub const COMPR: u32 = 0x0000_0004;
    /// `OCFS2_SYNC_FL`.
    pub const SYNC: u32 = 0x0000_0008;
    /// `OCFS2_IMMUTABLE_FL`.
    pub const IMMUTABLE: u32 = 0x0000_0010;
    /// `OCFS2_APPEND_FL`.
    pub const APPEND: u32 = 0x0000_0020;
    /// `OCFS2_NODUMP_FL`.
    pub const NODUMP: u32 = 0x0000_0040;
    /// `OCFS2_NOATIME_FL`.
    pub const NOATIME: u32 = 0x0000_0080;
    /// `OCFS2_DIRSYNC_FL`.
    pub const DIRSYNC: u32 = 0x0001_0000;
    /// `OCFS2_FL_VISIBLE` (`FS_FL_USER_VISIBLE`).
    pub const USER_VISIBLE: u32 = 0x0003_DFFF;
    /// `OCFS2_FL_MODIFIABLE` (`FS_FL_USER_MODIFIABLE`).
    pub const USER_MODIFIABLE: u32 = 0x0003_80FF;
}

/// File type bits of `i_mode` (`S_IF*`).
pub mod mode {
    /// `S_IFMT`.
    pub const FMT: u16 = 0o170000;
    /// `S_IFSOCK`.
    pub const SOCK: u16 = 0o140000;
    /// `S_IFLNK`.
    pub const LNK: u16 = 0o120000;
    /// `S_IFREG`.
    pub const REG: u16 = 0o100000;
    /// `S_IFBLK`.
    pub const BLK: u16 = 0o060000;
    /// `S_IFDIR`.
    pub const DIR: u16 = 0o040000;
    /// `S_IFCHR`.
    pub const CHR: u16 = 0o020000;
    /// `S_IFIFO`.
    pub const FIFO: u16 = 0o010000;
}

/// `OCFS2_LINK_MAX`: link limit without indexed dirs.
pub const LINK_MAX: u32 = 32000;
/// `OCFS2_DX_LINK_MAX`: link limit with indexed dirs.
pub const DX_LINK_MAX: u32 = (1 << 31) - 1;

/// What the id2 union of an inode holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id2Kind {
    /// `i_super`.
    SuperBlock,
    /// `i_lab`.
    LocalAlloc,
    /// `i_chain`.
    ChainList,
    /// `i_dealloc`.
    TruncateLog,
    /// `i_data`.
    InlineData,
    /// `i_symlink`.
    FastSymlink,
    /// `i_list`.
    ExtentList,
}

view! {
    /// `struct ocfs2_dinode`: one inode, one block.  `SIZE` is 512 (the
    /// header plus the largest id2 member, the superblock): the smallest
    /// block.
    Dinode, Dinode, 0x200
}

impl<B> Dinode<B> {
    /// Offset of `i_check`.
    pub const CHECK_OFFSET: usize = 0x80;
    /// Offset of the id1 union.
    pub const ID1_OFFSET: usize = 0xb8;
    /// Offset of the id2 union.
    pub const ID2_OFFSET: usize = 0xc0;
    /// Offset of `id2.i_data.id_data`.
    pub const INLINE_DATA_OFFSET: usize = 0xc8;
}

fields! { Dinode: Le {
    /// "INODE01\0" (the superblock inode has "OCFSV2").
    i_signature, set_i_signature: [u8; 8] = 0x00;
    /// Inode generation (NFS handles, lock names).
    i_generation, set_i_generation: u32 = 0x08;
    /// Slot of the suballocator the inode came from.
    i_suballoc_slot, set_i_suballoc_slot: u16 = 0x0c;
    /// Bit in the suballocator group.
    i_suballoc_bit, set_i_suballoc_bit: u16 = 0x0e;
    /// High 16 bits of the link count.
    i_links_count_hi, set_i_links_count_hi: u16 = 0x10;
    /// Bytes at the end of the block used for inline xattrs.
    i_xattr_inline_size, set_i_xattr_inline_size: u16 = 0x12;
    /// Clusters allocated.
    i_clusters, set_i_clusters: u32 = 0x14;
    /// Owner.
    i_uid, set_i_uid: u32 = 0x18;
    /// Group.
    i_gid, set_i_gid: u32 = 0x1c;
    /// Size in bytes.
    i_size, set_i_size: u64 = 0x20;
    /// Mode (`mode::*` type bits + permissions).
    i_mode, set_i_mode: u16 = 0x28;
    /// Low 16 bits of the link count.
    i_links_count, set_i_links_count: u16 = 0x2a;
    /// `*_FL` flags.
    i_flags, set_i_flags: u32 = 0x2c;
    /// Access time (seconds).
    i_atime, set_i_atime: u64 = 0x30;
    /// Change time.
    i_ctime, set_i_ctime: u64 = 0x38;
    /// Modification time.
    i_mtime, set_i_mtime: u64 = 0x40;
    /// Deletion time.
    i_dtime, set_i_dtime: u64 = 0x48;
    /// This inode's own block number.
    i_blkno, set_i_blkno: u64 = 0x50;
    /// Last extent block of the tree.
    i_last_eb_blk, set_i_last_eb_blk: u64 = 0x58;
    /// Must equal the superblock inode's.
    i_fs_generation, set_i_fs_generation: u32 = 0x60;
    /// Nanoseconds of `i_atime`.
    i_atime_nsec, set_i_atime_nsec: u32 = 0x64;
    /// Nanoseconds of `i_ctime`.
    i_ctime_nsec, set_i_ctime_nsec: u32 = 0x68;
    /// Nanoseconds of `i_mtime`.
    i_mtime_nsec, set_i_mtime_nsec: u32 = 0x6c;
    /// `attr::*` flags.
    i_attr, set_i_attr: u32 = 0x70;
    /// Orphan directory slot (with `ORPHANED_FL`).
    i_orphaned_slot, set_i_orphaned_slot: u16 = 0x74;
    /// `*_FL` dynamic features (16 bits).
    i_dyn_features, set_i_dyn_features: u16 = 0x76;
    /// Xattr block.
    i_xattr_loc, set_i_xattr_loc: u64 = 0x78;
    /// metaecc.
    i_check, set_i_check: BlockCheck = Self::CHECK_OFFSET;
    /// dx root block (indexed directories).
    i_dx_root, set_i_dx_root: u64 = 0x88;
    /// Refcount tree root block.
    i_refcount_loc, set_i_refcount_loc: u64 = 0x90;
    /// Suballocator group (discontiguous groups only).
    i_suballoc_loc, set_i_suballoc_loc: u64 = 0x98;
    /// Orphan slot for append direct I/O (with `DIO_ORPHANED_FL`).
    i_dio_orphaned_slot, set_i_dio_orphaned_slot: u16 = 0xa0;
    /// `id1.dev1.i_rdev`: device number (device inodes).
    i_rdev, set_i_rdev: u64 = Self::ID1_OFFSET;
    /// `id1.bitmap1.i_used`: bits used (bitmap system inodes).
    i_used, set_i_used: u32 = Self::ID1_OFFSET;
    /// `id1.bitmap1.i_total`: bits total.
    i_total, set_i_total: u32 = 0xbc;
    /// `id1.journal1.ij_flags`: `JOURNAL_DIRTY_FL`.
    ij_flags, set_ij_flags: u32 = Self::ID1_OFFSET;
    /// `id1.journal1.ij_recovery_generation`.
    ij_recovery_generation, set_ij_recovery_generation: u32 = 0xbc;
    /// `id2.i_data.id_count`: inline data capacity.
    id_count, set_id_count: u16 = Self::ID2_OFFSET;
}}

/// `ocfs2_extent_recs_per_inode()`.
pub const fn extent_recs_per_inode(block_size: usize) -> usize {
    extent_recs_in(block_size.saturating_sub(Dinode::<()>::ID2_OFFSET))
}

/// `ocfs2_max_inline_data_with_xattr()` without inline xattrs.
pub const fn max_inline_data(block_size: usize) -> usize {
    block_size.saturating_sub(Dinode::<()>::INLINE_DATA_OFFSET)
}

/// `ocfs2_fast_symlink_chars()`: bytes available to a fast symlink
/// (including its terminating NUL).
pub const fn fast_symlink_chars(block_size: usize) -> usize {
    block_size.saturating_sub(Dinode::<()>::ID2_OFFSET)
}

/// Whether `m` has one of the seven POSIX file types
/// (`fs_umode_to_ftype(m) != FT_UNKNOWN`).
pub const fn is_valid_mode(m: u16) -> bool {
    matches!(
        m & mode::FMT,
        mode::SOCK | mode::LNK | mode::REG | mode::BLK | mode::DIR | mode::CHR | mode::FIFO
    )
}

impl<B: AsRef<[u8]>> Dinode<B> {
    /// Whether the signature is "INODE01".
    pub fn has_signature(&self) -> bool {
        super::raw::signature_is(&self.i_signature(), INODE_SIGNATURE)
    }

    /// Full link count (`i_links_count_hi << 16 | i_links_count`).
    pub fn links(&self) -> u32 {
        u32::from(self.i_links_count_hi()) << 16 | u32::from(self.i_links_count())
    }

    /// `i_mode & S_IFMT`.
    pub fn file_type_bits(&self) -> u16 {
        self.i_mode() & mode::FMT
    }

    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type_bits() == mode::DIR
    }

    /// What id2 holds, decided as `ocfs2_dinode_has_extents()` does.
    pub fn id2_kind(&self) -> Id2Kind {
        let flags = self.i_flags();
        if flags & SUPER_BLOCK_FL != 0 {
            Id2Kind::SuperBlock
        } else if flags & LOCAL_ALLOC_FL != 0 {
            Id2Kind::LocalAlloc
        } else if flags & CHAIN_FL != 0 {
            Id2Kind::ChainList
        } else if flags & DEALLOC_FL != 0 {
            Id2Kind::TruncateLog
        } else if self.file_type_bits() == mode::LNK && self.i_size() != 0 && self.i_clusters() == 0
        {
            Id2Kind::FastSymlink
        } else if self.i_dyn_features() & INLINE_DATA_FL != 0 {
            Id2Kind::InlineData
        } else {
            Id2Kind::ExtentList
        }
    }

    /// The raw id2 bytes (to the end of the block).
    pub fn id2(&self) -> &[u8] {
        tail(self.buf.as_ref(), Self::ID2_OFFSET)
    }

    /// id2 as the superblock.
    pub fn super_block(&self) -> SuperBlock<&[u8]> {
        SuperBlock::wrap(self.id2())
    }

    /// id2 as a local alloc bitmap.
    pub fn local_alloc(&self) -> LocalAlloc<&[u8]> {
        LocalAlloc::wrap(self.id2())
    }

    /// id2 as a chain list.
    pub fn chain_list(&self) -> ChainList<&[u8]> {
        ChainList::wrap(self.id2())
    }

    /// id2 as an extent list.  With inline xattrs the list ends where they
    /// start.
    pub fn extent_list(&self) -> ExtentList<&[u8]> {
        let end = self.id2_end();
        ExtentList::wrap(window(
            self.buf.as_ref(),
            Self::ID2_OFFSET,
            end.saturating_sub(Self::ID2_OFFSET),
        ))
    }

    /// id2 as a truncate log.
    pub fn truncate_log(&self) -> TruncateLog<&[u8]> {
        TruncateLog::wrap(self.id2())
    }

    /// `id2.i_data.id_data` limited to `id_count` and to the space before
    /// any inline xattrs.
    pub fn inline_data(&self) -> &[u8] {
        let room = self.id2_end().saturating_sub(Self::INLINE_DATA_OFFSET);
        window(
            self.buf.as_ref(),
            Self::INLINE_DATA_OFFSET,
            room.min(self.id_count().into()),
        )
    }

    /// The target of a fast symlink: `i_size` bytes of id2 (clipped).
    pub fn fast_symlink(&self) -> &[u8] {
        let len = usize::try_from(self.i_size()).unwrap_or(usize::MAX);
        window(self.id2(), 0, len)
    }

    /// Where id2's usable space ends: the block end, or the start of the
    /// inline xattr area when `INLINE_XATTR_FL` is set.
    pub fn id2_end(&self) -> usize {
        let len = self.buf.as_ref().len();
        if self.i_dyn_features() & INLINE_XATTR_FL != 0 {
            len.saturating_sub(self.i_xattr_inline_size().into())
                .max(Self::ID2_OFFSET)
        } else {
            len
        }
    }

    /// The inline xattr region (`INLINE_XATTR_FL`): the last
    /// `i_xattr_inline_size` bytes of the block, if that fits.
    pub fn inline_xattr(&self) -> Option<XattrHeader<&[u8]>> {
        if self.i_dyn_features() & INLINE_XATTR_FL == 0 {
            return None;
        }
        let buf = self.buf.as_ref();
        let size = usize::from(self.i_xattr_inline_size());
        let start = buf.len().checked_sub(size)?;
        XattrHeader::new(tail(buf, start)).ok()
    }

    /// `ocfs2_validate_inode_block()` of Linux 6.12 (plus its hardening
    /// checks), metaecc aside: `blkno` is the block the inode was read
    /// from.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::Dinode);
        let bs = params.block_size as usize;
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig("i_signature", INODE_SIGNATURE, self.i_signature())?;
        ctx.eq("i_blkno", blkno, self.i_blkno())?;
        let flags = self.i_flags();
        if flags & VALID_FL == 0 {
            return Err(ctx.err(
                "i_flags",
                Problem::FlagMissing {
                    flag: VALID_FL.into(),
                    found: flags.into(),
                },
            ));
        }
        ctx.eq(
            "i_fs_generation",
            params.fs_generation.into(),
            self.i_fs_generation().into(),
        )?;
        let max_slots = u64::from(params.max_slots);
        if flags & DIO_ORPHANED_FL != 0 {
            ctx.le(
                "i_dio_orphaned_slot",
                max_slots.saturating_sub(1),
                self.i_dio_orphaned_slot().into(),
            )
            .and_then(|_| ctx.ge("s_max_slots", 1, max_slots))?;
        }
        if flags & ORPHANED_FL != 0 {
            ctx.le(
                "i_orphaned_slot",
                max_slots.saturating_sub(1),
                self.i_orphaned_slot().into(),
            )
            .and_then(|_| ctx.ge("s_max_slots", 1, max_slots))?;
        }
        let m = self.i_mode();
        if !is_valid_mode(m) {
            return Err(ctx.err("i_mode", Problem::Invalid { found: m.into() }));
        }
        let ft = m & mode::FMT;
        let system = flags & SYSTEM_FL != 0;
        if !system && ft != mode::CHR && ft != mode::BLK && self.i_rdev() != 0 {
            return Err(ctx.err(
                "i_rdev",
                Problem::Invalid {
                    found: self.i_rdev(),
                },
            ));
        }
        let dyn_features = self.i_dyn_features();
        let inline = dyn_features & INLINE_DATA_FL != 0;
        if !system && !inline && self.i_size() != 0 && self.i_clusters() == 0 {
            let sparse = params
                .features
                .incompat
                .contains(super::features::IncompatFeatures::SPARSE_ALLOC);
            if ft == mode::DIR || (!sparse && ft == mode::REG) {
                return Err(ctx.err("i_clusters", Problem::Invalid { found: 0 }));
            }
        }
        if dyn_features & INLINE_XATTR_FL != 0 {
            let size = usize::from(self.i_xattr_inline_size());
            ctx.le("i_xattr_inline_size", bs as u64, size as u64)?;
            ctx.ge(
                "i_xattr_inline_size",
                XattrHeader::<()>::SIZE as u64,
                size as u64,
            )?;
            let region = tail(self.buf.as_ref(), bs - size);
            validate_xattr_region(region, blkno)?;
        }
        if inline {
            ctx.eq("i_clusters", 0, self.i_clusters().into())?;
            let max = self.id2_end().saturating_sub(Self::INLINE_DATA_OFFSET);
            ctx.le("id_count", max as u64, self.id_count().into())?;
            ctx.le("i_size", self.id_count().into(), self.i_size())?;
        }
        let slot = self.i_suballoc_slot();
        if slot != super::superblock::INVALID_SLOT && max_slots > 0 {
            ctx.le("i_suballoc_slot", max_slots - 1, slot.into())?;
        }
        if ft == mode::LNK && self.i_clusters() == 0 {
            let max_inline = fast_symlink_chars(bs) as u64;
            let size = self.i_size();
            if size >= max_inline {
                return Err(ctx.err(
                    "i_size",
                    Problem::TooLarge {
                        max: max_inline.saturating_sub(1),
                        found: size,
                    },
                ));
            }
            let target = window(self.id2(), 0, size as usize + 1);
            if target.iter().position(|&c| c == 0) != Some(size as usize) {
                return Err(Ctx::new(blkno, Structure::FastSymlink)
                    .err("i_symlink", Problem::Invalid { found: size }));
            }
        }
        if flags & CHAIN_FL != 0 {
            self.chain_list().validate(blkno, params.block_size)?;
        }
        if dyn_features & HAS_REFCOUNT_FL != 0 && self.i_refcount_loc() == 0 {
            return Err(ctx.err("i_refcount_loc", Problem::Invalid { found: 0 }));
        }
        match self.id2_kind() {
            Id2Kind::ExtentList => self
                .extent_list()
                .validate(blkno, extent_recs_per_inode(bs))?,
            Id2Kind::LocalAlloc => self.local_alloc().validate(blkno, params)?,
            Id2Kind::TruncateLog => self.truncate_log().validate(blkno, params)?,
            _ => {}
        }
        Ok(())
    }
}

impl<B: AsMut<[u8]>> Dinode<B> {
    /// Writable raw id2.
    pub fn id2_mut(&mut self) -> &mut [u8] {
        tail_mut(self.buf.as_mut(), Self::ID2_OFFSET)
    }

    /// Writable superblock.
    pub fn super_block_mut(&mut self) -> SuperBlock<&mut [u8]> {
        SuperBlock::wrap(self.id2_mut())
    }

    /// Writable local alloc.
    pub fn local_alloc_mut(&mut self) -> LocalAlloc<&mut [u8]> {
        LocalAlloc::wrap(self.id2_mut())
    }

    /// Writable chain list.
    pub fn chain_list_mut(&mut self) -> ChainList<&mut [u8]> {
        ChainList::wrap(self.id2_mut())
    }

    /// Writable truncate log.
    pub fn truncate_log_mut(&mut self) -> TruncateLog<&mut [u8]> {
        TruncateLog::wrap(self.id2_mut())
    }

    /// Writable extent list (up to any inline xattr area).
    pub fn extent_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        let end = Dinode::wrap(&*self.buf.as_mut()).id2_end();
        let start = Self::ID2_OFFSET;
        ExtentList::wrap(window_mut(
            self.buf.as_mut(),
            start,
            end.saturating_sub(start),
        ))
    }

    /// Writable inline data area (all of it, up to any inline xattrs,
    /// regardless of `id_count`).
    pub fn inline_data_mut(&mut self) -> &mut [u8] {
        let end = Dinode::wrap(&*self.buf.as_mut()).id2_end();
        let start = Self::INLINE_DATA_OFFSET;
        window_mut(self.buf.as_mut(), start, end.saturating_sub(start))
    }

    /// Sets the full link count.
    pub fn set_links(&mut self, links: u32) {
        self.set_i_links_count(links as u16);
        self.set_i_links_count_hi((links >> 16) as u16);
    }

    /// Writes the "INODE01" signature.
    pub fn set_inode_signature(&mut self) {
        self.set_i_signature(signature(INODE_SIGNATURE));
    }
}
