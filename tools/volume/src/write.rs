//! Checked writes, one per kind of metadata block: each block is validated as it will be read
//! back, its metaecc recomputed (when the volume has "metaecc"), then written.  Nothing here
//! decides what to write; the allocators, extent trees and directories above do.

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use ocfs_format::dinode::{Dinode, INODE_SIGNATURE};
use ocfs_format::dir::{dir_block_check_offset, dir_trailer};
use ocfs_format::dx::DxRoot;
use ocfs_format::extent::ExtentBlock;
use ocfs_format::group::GroupDesc;

/// Bytes zeroed per write when clearing a range.
const ZERO_CHUNK: u64 = 1 << 20;

impl Volume {
    /// A group descriptor: `ocfs2_validate_gd_self()`, then its metaecc.
    pub fn write_group(&self, blkno: u64, block: &mut [u8]) -> Result<()> {
        GroupDesc::new(&*block)
            .and_then(|gd| gd.validate(blkno, self.params()))
            .map_err(|e| Error::Format(e.at_block(blkno)))?;
        self.store_ecc(block, GroupDesc::<()>::CHECK_OFFSET, blkno)?;
        self.write_block(blkno, block)
    }

    /// An extent block.
    pub fn write_extent_block(&self, blkno: u64, block: &mut [u8]) -> Result<()> {
        ExtentBlock::new(&*block)
            .and_then(|eb| eb.validate(blkno, self.params()))
            .map_err(|e| Error::Format(e.at_block(blkno)))?;
        self.store_ecc(block, ExtentBlock::<()>::CHECK_OFFSET, blkno)?;
        self.write_block(blkno, block)
    }

    /// A directory block of directory `dir`: its trailer is checked and carries the metaecc
    /// when the directory has trailers (`ocfs2_write_dir_block`).
    pub fn write_dir_block(&self, dir: &Inode, blkno: u64, block: &mut [u8]) -> Result<()> {
        if self.dir_has_trailer(dir) {
            dir_trailer(block)
                .and_then(|t| t.validate(blkno, dir.blkno))
                .map_err(|e| Error::Format(e.at_block(blkno)))?;
            self.store_ecc(block, dir_block_check_offset(block.len()), blkno)?;
        }
        self.write_block(blkno, block)
    }

    /// A directory index root.
    pub fn write_dx_root(&self, blkno: u64, block: &mut [u8]) -> Result<()> {
        DxRoot::new(&*block)
            .and_then(|dx| dx.validate(blkno, self.params()))
            .map_err(|e| Error::Format(e.at_block(blkno)))?;
        self.store_ecc(block, DxRoot::<()>::CHECK_OFFSET, blkno)?;
        self.write_block(blkno, block)
    }

    /// An inode that is being freed (VALID cleared), which `write_inode` would refuse: only
    /// its signature and block number are checked.
    pub fn write_freed_inode(&self, inode: &mut Inode) -> Result<()> {
        let blkno = inode.blkno;
        let d = inode.dinode();
        if !d.i_signature().starts_with(INODE_SIGNATURE) || d.i_blkno() != blkno {
            return Err(Error::Invalid(format!(
                "block {blkno} does not hold the inode being freed"
            )));
        }
        self.store_ecc(inode.bytes_mut(), Dinode::<()>::CHECK_OFFSET, blkno)?;
        self.write_block(blkno, inode.bytes())
    }

    /// Zeroes `count` blocks from `blkno`.
    pub fn zero_blocks(&self, blkno: u64, count: u64) -> Result<()> {
        let bs = u64::from(self.block_size());
        let end = blkno + count;
        if end > self.fs_blocks() {
            return Err(Error::Invalid(format!(
                "blocks {blkno}..{end} lie outside the volume"
            )));
        }
        let chunk_blocks = ZERO_CHUNK / bs;
        let zeros = vec![0u8; ZERO_CHUNK as usize];
        let mut at = blkno;
        while at < end {
            let n = chunk_blocks.min(end - at);
            self.device()
                .write_at(at * bs, &zeros[..(n * bs) as usize])
                .map_err(|e| Error::io(format!("cannot zero blocks {at}..+{n}"), e))?;
            at += n;
        }
        Ok(())
    }
}
