// SPDX-License-Identifier: GPL-2.0
//! The superblock (`ocfs2_super_block`, inside the id2 union of the dinode
//! at block 2), backup superblock locations and [`FsParams`], the volume
//! facts every other validator needs.

use super::dinode::Dinode;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::features::{CompatFeatures, Features, IncompatFeatures, RoCompatFeatures};
use super::raw::{fill, until_nul};

/// `OCFS2_SUPER_BLOCK_SIGNATURE` (in the dinode's `i_signature`).
pub const SUPER_BLOCK_SIGNATURE: &[u8] = b"OCFSV2";
/// `OCFS2_SUPER_BLOCK_BLKNO`: the superblock's block number, in blocks of
/// the volume's own block size.
pub const SUPER_BLOCK_BLKNO: u64 = 2;
/// `OCFS2_MAJOR_REV_LEVEL`.
pub const MAJOR_REV_LEVEL: u16 = 0;
/// `OCFS2_MINOR_REV_LEVEL`.
pub const MINOR_REV_LEVEL: u16 = 90;
/// `OCFS2_MIN_BLOCKSIZE`.
pub const MIN_BLOCKSIZE: u32 = 512;
/// `OCFS2_MAX_BLOCKSIZE`.
pub const MAX_BLOCKSIZE: u32 = 4096;
/// `OCFS2_MIN_CLUSTERSIZE`.
pub const MIN_CLUSTERSIZE: u32 = 4096;
/// `OCFS2_MAX_CLUSTERSIZE`.
pub const MAX_CLUSTERSIZE: u32 = 1 << 20;
/// `OCFS2_MAX_SLOTS`.
pub const MAX_SLOTS: u16 = 255;
/// `OCFS2_INVALID_SLOT`: an empty slot / no slot.
pub const INVALID_SLOT: u16 = 0xffff;
/// `OCFS2_MAX_VOL_LABEL_LEN`.
pub const MAX_VOL_LABEL_LEN: usize = 64;
/// `OCFS2_VOL_UUID_LEN`.
pub const VOL_UUID_LEN: usize = 16;
/// `OCFS2_STACK_LABEL_LEN`.
pub const STACK_LABEL_LEN: usize = 4;
/// `OCFS2_CLUSTER_NAME_LEN`.
pub const CLUSTER_NAME_LEN: usize = 16;
/// `OCFS2_CLASSIC_CLUSTER_STACK`.
pub const CLASSIC_CLUSTER_STACK: &[u8] = b"o2cb";
/// `OCFS2_CLUSTER_O2CB_GLOBAL_HEARTBEAT` in `ci_stackflags`.
pub const CLUSTER_O2CB_GLOBAL_HEARTBEAT: u8 = 0x01;
/// `OCFS2_ERROR_FS` in `s_state`.
pub const ERROR_FS: u16 = 0x0001;
/// `OCFS2_MIN_JOURNAL_SIZE` in bytes.
pub const MIN_JOURNAL_SIZE: u64 = 4 << 20;
/// `OCFS2_MIN_XATTR_INLINE_SIZE`.
pub const MIN_XATTR_INLINE_SIZE: u16 = 256;
/// `OCFS2_BACKUP_SB_START`: byte offset of the first backup superblock.
pub const BACKUP_SB_START: u64 = 1 << 30;
/// `OCFS2_MAX_BACKUP_SUPERBLOCKS`.
pub const MAX_BACKUP_SUPERBLOCKS: usize = 6;

view! {
    /// `struct ocfs2_super_block`, the id2 of the superblock dinode.
    SuperBlock, SuperBlock, 0x140
}

fields! { SuperBlock: Le {
    /// Major revision, 0.
    s_major_rev_level, set_s_major_rev_level: u16 = 0x00;
    /// Minor revision, 90.
    s_minor_rev_level, set_s_minor_rev_level: u16 = 0x02;
    /// Mounts since the last check.
    s_mnt_count, set_s_mnt_count: u16 = 0x04;
    /// Mounts allowed between checks.
    s_max_mnt_count, set_s_max_mnt_count: u16 = 0x06;
    /// `ERROR_FS` when errors were seen.
    s_state, set_s_state: u16 = 0x08;
    /// Behaviour on errors.
    s_errors, set_s_errors: u16 = 0x0a;
    /// Seconds allowed between checks.
    s_checkinterval, set_s_checkinterval: u32 = 0x0c;
    /// Time of the last check.
    s_lastcheck, set_s_lastcheck: u64 = 0x10;
    /// Creator OS.
    s_creator_os, set_s_creator_os: u32 = 0x18;
    /// Compatible features.
    s_feature_compat, set_s_feature_compat: u32 = 0x1c;
    /// Incompatible features.
    s_feature_incompat, set_s_feature_incompat: u32 = 0x20;
    /// Read-only compatible features.
    s_feature_ro_compat, set_s_feature_ro_compat: u32 = 0x24;
    /// Block of the root directory inode.
    s_root_blkno, set_s_root_blkno: u64 = 0x28;
    /// Block of the system directory inode.
    s_system_dir_blkno, set_s_system_dir_blkno: u64 = 0x30;
    /// log2 of the block size (9..=12).
    s_blocksize_bits, set_s_blocksize_bits: u32 = 0x38;
    /// log2 of the cluster size (12..=20).
    s_clustersize_bits, set_s_clustersize_bits: u32 = 0x3c;
    /// Node slots.
    s_max_slots, set_s_max_slots: u16 = 0x40;
    /// What an aborted tunefs was doing (`features::tunefs_flags`).
    s_tunefs_flag, set_s_tunefs_flag: u16 = 0x42;
    /// Hash of the uuid; also the fourth dx hash seed.
    s_uuid_hash, set_s_uuid_hash: u32 = 0x44;
    /// Block of the first cluster group descriptor.
    s_first_cluster_group, set_s_first_cluster_group: u64 = 0x48;
    /// Volume label, NUL-padded.
    s_label, set_s_label: [u8; 64] = 0x50;
    /// Volume uuid.
    s_uuid, set_s_uuid: [u8; 16] = 0x90;
    /// `s_cluster_info.ci_stack`: cluster stack name ("o2cb", "pcmk").
    ci_stack, set_ci_stack: [u8; 4] = 0xa0;
    /// `s_cluster_info.ci_stackflags`.
    ci_stackflags, set_ci_stackflags: u8 = 0xa4;
    /// `s_cluster_info.ci_cluster`: cluster name.
    ci_cluster, set_ci_cluster: [u8; 16] = 0xa8;
    /// Bytes reserved for inline xattrs in new inodes.
    s_xattr_inline_size, set_s_xattr_inline_size: u16 = 0xb8;
    /// Reserved.
    s_reserved0, set_s_reserved0: u16 = 0xba;
    /// dx hash seed 0.
    s_dx_seed0, set_s_dx_seed0: u32 = 0xbc;
    /// dx hash seed 1.
    s_dx_seed1, set_s_dx_seed1: u32 = 0xc0;
    /// dx hash seed 2.
    s_dx_seed2, set_s_dx_seed2: u32 = 0xc4;
}}

impl<B: AsRef<[u8]>> SuperBlock<B> {
    /// The three feature words.
    pub fn features(&self) -> Features {
        Features {
            compat: CompatFeatures(self.s_feature_compat()),
            incompat: IncompatFeatures(self.s_feature_incompat()),
            ro_compat: RoCompatFeatures(self.s_feature_ro_compat()),
        }
    }

    /// The label up to its first NUL.
    pub fn label(&self) -> &[u8] {
        until_nul(super::raw::window(
            self.buf.as_ref(),
            0x50,
            MAX_VOL_LABEL_LEN,
        ))
    }

    /// The cluster stack name up to its first NUL.
    pub fn cluster_stack(&self) -> &[u8] {
        until_nul(super::raw::window(self.buf.as_ref(), 0xa0, STACK_LABEL_LEN))
    }

    /// The cluster name up to its first NUL.
    pub fn cluster_name(&self) -> &[u8] {
        until_nul(super::raw::window(
            self.buf.as_ref(),
            0xa8,
            CLUSTER_NAME_LEN,
        ))
    }

    /// The block size if `s_blocksize_bits` is valid (9..=12).
    pub fn block_size(&self) -> Option<u32> {
        match self.s_blocksize_bits() {
            b @ 9..=12 => Some(1 << b),
            _ => None,
        }
    }

    /// The cluster size if `s_clustersize_bits` is valid (12..=20).
    pub fn cluster_size(&self) -> Option<u32> {
        match self.s_clustersize_bits() {
            b @ 12..=20 => Some(1 << b),
            _ => None,
        }
    }

    /// The three dx hash seeds (`s_uuid_hash` is the fourth).
    pub fn s_dx_seed(&self) -> [u32; 3] {
        [self.s_dx_seed0(), self.s_dx_seed1(), self.s_dx_seed2()]
    }
}

impl<B: AsMut<[u8]>> SuperBlock<B> {
    /// Sets the three feature words.
    pub fn set_features(&mut self, f: Features) {
        self.set_s_feature_compat(f.compat.0);
        self.set_s_feature_incompat(f.incompat.0);
        self.set_s_feature_ro_compat(f.ro_compat.0);
    }

    /// Sets the label (truncated to 64 bytes, NUL-padded).
    pub fn set_label(&mut self, label: &[u8]) {
        let mut l = [0u8; MAX_VOL_LABEL_LEN];
        fill(&mut l, label);
        self.set_s_label(l);
    }
}

/// The facts about a volume that validators of other structures need.
/// Built by [`Dinode::validate_superblock`] or by hand (mkfs, tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FsParams {
    /// Block size in bytes (512..=4096, a power of two).
    pub block_size: u32,
    /// Cluster size in bytes (4K..=1M, a power of two).
    pub cluster_size: u32,
    /// The superblock inode's `i_fs_generation`, stamped in every block.
    pub fs_generation: u32,
    /// `s_max_slots`.
    pub max_slots: u16,
    /// Feature words.
    pub features: Features,
}

impl FsParams {
    /// `s_blocksize_bits`.
    pub const fn block_size_bits(&self) -> u32 {
        self.block_size.trailing_zeros()
    }

    /// `s_clustersize_bits`.
    pub const fn cluster_size_bits(&self) -> u32 {
        self.cluster_size.trailing_zeros()
    }

    /// Whether metaecc is on (the block checks must be verified).
    pub const fn meta_ecc(&self) -> bool {
        self.features.incompat.contains(IncompatFeatures::META_ECC)
    }
}

/// `ocfs2_backup_super_blkno()`: block of backup superblock `index`
/// (0..6, at 1G << 2*index bytes) for `block_size`.
pub const fn backup_super_blkno(block_size: u32, index: usize) -> Option<u64> {
    if index >= MAX_BACKUP_SUPERBLOCKS || block_size == 0 {
        return None;
    }
    Some((BACKUP_SB_START << (2 * index)) / block_size as u64)
}

/// The backup superblocks a volume of `volume_bytes` bytes has: those of
/// the six locations that lie inside it (`ocfs2_get_backup_super_offsets`
/// stops at the first block number `>=` the block count).
pub fn backup_super_blknos(block_size: u32, volume_bytes: u64) -> impl Iterator<Item = u64> {
    let blocks = volume_bytes.checked_div(u64::from(block_size)).unwrap_or(0);
    (0..MAX_BACKUP_SUPERBLOCKS)
        .map_while(move |i| backup_super_blkno(block_size, i))
        .take_while(move |&b| b < blocks)
}

impl<B: AsRef<[u8]>> Dinode<B> {
    /// `ocfs2_verify_volume()` (metaecc aside): the block read at `blkno`
    /// is a superblock of the supported revision whose block size is the
    /// buffer's length; returns the volume facts.
    pub fn validate_superblock(&self, blkno: u64) -> Result<FsParams, FormatError> {
        let ctx = Ctx::new(blkno, Structure::SuperBlock);
        ctx.sig("i_signature", SUPER_BLOCK_SIGNATURE, self.i_signature())?;
        let sb = self.super_block();
        let bits = sb.s_blocksize_bits();
        if !(9..=12).contains(&bits) {
            return Err(ctx.err("s_blocksize_bits", Problem::Invalid { found: bits.into() }));
        }
        let block_size = 1u32 << bits;
        ctx.eq(
            "s_blocksize_bits",
            self.as_bytes().len() as u64,
            block_size.into(),
        )?;
        ctx.eq(
            "s_major_rev_level",
            MAJOR_REV_LEVEL.into(),
            sb.s_major_rev_level().into(),
        )?;
        ctx.eq(
            "s_minor_rev_level",
            MINOR_REV_LEVEL.into(),
            sb.s_minor_rev_level().into(),
        )?;
        ctx.eq("i_blkno", blkno, self.i_blkno())?;
        let cbits = sb.s_clustersize_bits();
        if !(12..=20).contains(&cbits) {
            return Err(ctx.err(
                "s_clustersize_bits",
                Problem::Invalid {
                    found: cbits.into(),
                },
            ));
        }
        if sb.s_root_blkno() == 0 {
            return Err(ctx.err("s_root_blkno", Problem::Invalid { found: 0 }));
        }
        if sb.s_system_dir_blkno() == 0 {
            return Err(ctx.err("s_system_dir_blkno", Problem::Invalid { found: 0 }));
        }
        ctx.le("s_max_slots", MAX_SLOTS.into(), sb.s_max_slots().into())?;
        Ok(FsParams {
            block_size,
            cluster_size: 1 << cbits,
            fs_generation: self.i_fs_generation(),
            max_slots: sb.s_max_slots(),
            features: sb.features(),
        })
    }
}
