// SPDX-License-Identifier: GPL-2.0
//! Shared test helpers: the crc32_le implementations the crate expects its
//! callers to provide.
#![allow(dead_code)]

/// Linux `crc32_le` through the `crc32fast` crate (zlib convention:
/// inverted on entry and exit, hence the two `!`).
pub fn crc32_le(seed: u32, data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(!seed);
    h.update(data);
    !h.finalize()
}

/// Linux `crc32_le`, bit by bit, straight from the definition (reflected
/// polynomial 0xEDB88320, no inversion): an independent reference.
pub fn crc32_le_bitwise(seed: u32, data: &[u8]) -> u32 {
    let mut crc = seed;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    crc
}

/// The provider the crate's functions take.
pub const CRC: fn(u32, &[u8]) -> u32 = crc32_le;

pub const BLOCK_SIZES: [usize; 4] = [512, 1024, 2048, 4096];

pub mod build;
pub mod exercise;

use build::Kind;
use ocfs_format::dinode::Dinode;
use ocfs_format::dir;
use ocfs_format::dx::{DxLeaf, DxRoot};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::group::GroupDesc;
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::jbd2::Jbd2Superblock;
use ocfs_format::quota::{self, GlobalDqInfo, LocalDqInfo, QuotaHeader, QuotaType};
use ocfs_format::refcount::RefcountBlock;
use ocfs_format::superblock::FsParams;
use ocfs_format::xattr::XattrBlock;
use ocfs_format::FormatError;

/// Runs the validator that fits `kind`.
pub fn validate(kind: Kind, blkno: u64, b: &[u8], p: &FsParams) -> Result<(), FormatError> {
    match kind {
        Kind::SuperBlock => Dinode::new(b)?.validate_superblock(blkno).map(|_| ()),
        Kind::Inode => Dinode::new(b)?.validate(blkno, p),
        Kind::ExtentBlock => ExtentBlock::new(b)?.validate(blkno, p),
        Kind::GroupDesc => GroupDesc::new(b)?.validate(blkno, p),
        Kind::DirBlock => {
            dir::dir_trailer(b)?.validate(blkno, 40)?;
            dir::validate_dir_region(dir::dir_block_region(b, true), blkno)
        }
        Kind::DxRoot => DxRoot::new(b)?.validate(blkno, p),
        Kind::DxLeaf => DxLeaf::new(b)?.validate(blkno, p),
        Kind::XattrBlock => XattrBlock::new(b)?.validate(blkno, p),
        Kind::RefcountBlock => RefcountBlock::new(b)?.validate(blkno, p),
        Kind::Heartbeat => HeartbeatBlock::new(b)?.validate(&CRC, blkno, 3),
        Kind::GlobalQuota => {
            QuotaHeader::new(b)?.validate(blkno, QuotaType::Group, false)?;
            GlobalDqInfo::new(b.get(quota::INFO_OFFSET..).unwrap_or(&[]))?.validate(blkno)
        }
        Kind::LocalQuota => {
            QuotaHeader::new(b)?.validate(blkno, QuotaType::User, true)?;
            LocalDqInfo::new(b.get(quota::INFO_OFFSET..).unwrap_or(&[]))?
                .validate(blkno, p.block_size)
        }
        Kind::Journal => Jbd2Superblock::new(b)?.validate(blkno, p.block_size, 4096),
    }
}
