// SPDX-License-Identifier: GPL-2.0

//! Reading metadata blocks: every block is checked (block check when the volume has
//! metaecc, then the structure's own validation) before anything looks at its fields, and
//! every failure is logged with the device, the block and the field.

use crate::crc32;
use crate::format::blockcheck::{verify_block_check, Crc32Le};
use crate::format::dinode::Dinode;
use crate::format::error::FormatError;
use crate::format::extent::ExtentBlock;
use crate::format::superblock::FsParams;
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::errno;
use kernel::prelude::*;

/// The kernel's crc32, as the format crate wants it.
pub struct KernelCrc;

impl Crc32Le for KernelCrc {
    fn crc32_le(&self, seed: u32, data: &[u8]) -> u32 {
        crc32::crc32_le(seed, data)
    }
}

/// Log a corrupt structure and return the error readers get (`EUCLEAN`, "Structure needs
/// cleaning", as ext4 and xfs report corruption).
pub fn corrupt(sb: &NewSuperBlock, err: &FormatError) -> Error {
    pr_err!("{}: corrupt metadata: {}\n", sb.id(), err);
    errno::euclean()
}

/// Read block `blkno`, refusing block numbers outside the volume.
pub fn read(sb: &NewSuperBlock, volume_blocks: u64, blkno: u64, what: &str) -> Result<BufferHead> {
    read_fresh(sb, volume_blocks, blkno, what).map(|(bh, _)| bh)
}

/// [`read`], also saying whether the block came from the disk just now.
fn read_fresh(sb: &NewSuperBlock, volume_blocks: u64, blkno: u64, what: &str) -> Result<(BufferHead, bool)> {
    if blkno == 0 || blkno >= volume_blocks {
        pr_err!(
            "{}: corrupt metadata: {} at block {} is outside the volume ({} blocks)\n",
            sb.id(),
            what,
            blkno,
            volume_blocks
        );
        return Err(errno::euclean());
    }
    sb.read_block_fresh(blkno).inspect_err(|_| {
        pr_err!("{}: I/O error reading {} at block {}\n", sb.id(), what, blkno);
    })
}

/// Read a metadata block whose block check sits at `check_off(block length)`. The check is
/// verified when the block comes from the disk (as the C ocfs2 does): a cached block was
/// verified when it was read, or was changed in memory by us, and its check is recomputed
/// when the journal writes it. A block that fails is dropped from the cache, so it is read
/// and checked again next time.
pub fn read_checked(
    sb: &NewSuperBlock,
    params: &FsParams,
    volume_blocks: u64,
    blkno: u64,
    what: &str,
    check_off: impl FnOnce(usize) -> usize,
) -> Result<BufferHead> {
    let (bh, fresh) = read_fresh(sb, volume_blocks, blkno, what)?;
    if fresh {
        verify_check(sb, params, bh.data(), blkno, check_off(bh.data().len())).inspect_err(|_| bh.discard())?;
    }
    Ok(bh)
}

/// Verify the block check at `check_off` of `block` (read from `blkno`) on metaecc volumes.
pub fn verify_check(sb: &NewSuperBlock, params: &FsParams, block: &[u8], blkno: u64, check_off: usize) -> Result {
    if params.meta_ecc() {
        verify_block_check(&KernelCrc, block, check_off)
            .map_err(|e| corrupt(sb, &e.at_block(blkno)))?;
    }
    Ok(())
}

/// A checked inode block.
pub fn read_dinode(sb: &NewSuperBlock, params: &FsParams, volume_blocks: u64, blkno: u64) -> Result<BufferHead> {
    let bh = read_checked(sb, params, volume_blocks, blkno, "inode", |_| Dinode::<()>::CHECK_OFFSET)?;
    let inode = Dinode::new(bh.data()).map_err(|e| corrupt(sb, &e.at_block(blkno)))?;
    inode.validate(blkno, params).map_err(|e| corrupt(sb, &e))?;
    Ok(bh)
}

/// A checked extent block.
pub fn read_extent_block(
    sb: &NewSuperBlock,
    params: &FsParams,
    volume_blocks: u64,
    blkno: u64,
) -> Result<BufferHead> {
    let bh = read_checked(sb, params, volume_blocks, blkno, "extent block", |_| ExtentBlock::<()>::CHECK_OFFSET)?;
    let eb = ExtentBlock::new(bh.data()).map_err(|e| corrupt(sb, &e.at_block(blkno)))?;
    eb.validate(blkno, params).map_err(|e| corrupt(sb, &e))?;
    Ok(bh)
}
