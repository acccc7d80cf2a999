//! An open volume: the validated superblock and checked block and inode I/O.

use crate::crc::LinuxCrc;
use crate::device::Device;
use crate::error::{Error, Result};
use ocfs_format::blockcheck::{compute_meta_ecc, validate_meta_ecc, Verdict};
use ocfs_format::dinode::Dinode;
use ocfs_format::superblock::{FsParams, SUPER_BLOCK_BLKNO};
use std::cell::Cell;
use std::path::Path;

/// The block sizes OCFS2 allows, the order in which the superblock is probed.
const BLOCK_SIZES: [u32; 4] = [512, 1024, 2048, 4096];

/// An OCFS2 volume opened on a device or image.
pub struct Volume {
    dev: Device,
    params: FsParams,
    /// The primary superblock as read (metaecc checked).
    superblock: Inode,
    /// Whether a metaecc repair counts as an error (for checkers) instead of being applied.
    strict_ecc: Cell<bool>,
}

/// One inode block, read from `blkno`.
#[derive(Clone, Debug)]
pub struct Inode {
    pub blkno: u64,
    view: Dinode<Vec<u8>>,
}

impl Inode {
    /// Wraps a block read from `blkno` (refused if shorter than an inode).
    pub fn from_block(blkno: u64, buf: Vec<u8>) -> Result<Self> {
        let view = Dinode::new(buf).map_err(|e| Error::Format(e.at_block(blkno)))?;
        Ok(Self { blkno, view })
    }

    pub fn dinode(&self) -> Dinode<&[u8]> {
        self.view.by_ref()
    }

    pub fn dinode_mut(&mut self) -> Dinode<&mut [u8]> {
        self.view.by_mut()
    }

    pub fn bytes(&self) -> &[u8] {
        self.view.as_bytes()
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.view.as_bytes_mut()
    }
}

impl Volume {
    /// Opens the volume on `path` and validates its superblock (and its metaecc).
    pub fn open(path: &Path, writable: bool) -> Result<Self> {
        let shown = path.display().to_string();
        let dev = Device::open(path, writable)
            .map_err(|e| Error::io(format!("cannot open {shown}"), e))?;
        let mut last = String::from("device too small for a superblock");
        for bs in BLOCK_SIZES {
            let offset = SUPER_BLOCK_BLKNO * u64::from(bs);
            if offset + u64::from(bs) > dev.size() {
                break;
            }
            let mut block = vec![0u8; bs as usize];
            dev.read_at(offset, &mut block)
                .map_err(|e| Error::io(format!("cannot read {shown} at byte {offset}"), e))?;
            let params = match Dinode::new(block.as_slice())
                .and_then(|d| d.validate_superblock(SUPER_BLOCK_BLKNO))
            {
                Ok(p) => p,
                Err(e) => {
                    last = format!("with {bs}-byte blocks: {e}");
                    continue;
                }
            };
            validate_meta_ecc(&LinuxCrc, &params, &mut block, Dinode::<()>::CHECK_OFFSET)
                .map_err(|e| e.at_block(SUPER_BLOCK_BLKNO))?;
            let superblock = Inode::from_block(SUPER_BLOCK_BLKNO, block)?;
            return Ok(Self {
                dev,
                params,
                superblock,
                strict_ecc: Cell::new(false),
            });
        }
        Err(Error::NotOcfs2 {
            device: shown,
            detail: last,
        })
    }

    pub fn device(&self) -> &Device {
        &self.dev
    }

    pub fn params(&self) -> &FsParams {
        &self.params
    }

    pub fn block_size(&self) -> u32 {
        self.params.block_size
    }

    /// Blocks per cluster.
    pub fn blocks_per_cluster(&self) -> u64 {
        u64::from(self.params.cluster_size / self.params.block_size)
    }

    /// The primary superblock, block 2, as read.
    pub fn superblock(&self) -> Dinode<&[u8]> {
        self.superblock.dinode()
    }

    /// The superblock inode (block 2) as read.
    pub fn superblock_inode(&self) -> &Inode {
        &self.superblock
    }

    /// Blocks of the filesystem (its clusters, as the superblock's `i_clusters` says; the
    /// device may be larger).
    pub fn fs_blocks(&self) -> u64 {
        u64::from(self.superblock().i_clusters()) * self.blocks_per_cluster()
    }

    /// Replaces the superblock this handle works from with `block` (as just written to
    /// block 2): a grown volume's new size, a new slot count.  The block must be a valid
    /// superblock of this volume, within the device.
    pub fn adopt_superblock(&mut self, block: Vec<u8>) -> Result<()> {
        let params = Dinode::new(block.as_slice())
            .and_then(|d| d.validate_superblock(SUPER_BLOCK_BLKNO))
            .map_err(|e| e.at_block(SUPER_BLOCK_BLKNO))?;
        if params.block_size != self.params.block_size
            || params.cluster_size != self.params.cluster_size
            || params.fs_generation != self.params.fs_generation
        {
            return Err(Error::Invalid(
                "the new superblock belongs to another volume".into(),
            ));
        }
        let inode = Inode::from_block(SUPER_BLOCK_BLKNO, block)?;
        let bytes = u64::from(inode.dinode().i_clusters()) * u64::from(params.cluster_size);
        if bytes > self.dev.size() {
            return Err(Error::Invalid(format!(
                "the new superblock counts {bytes} bytes; the device holds {}",
                self.dev.size()
            )));
        }
        self.params = params;
        self.superblock = inode;
        Ok(())
    }

    /// Reads `count` blocks from `blkno`; refuses blocks outside the filesystem.
    pub fn read_blocks(&self, blkno: u64, count: u64) -> Result<Vec<u8>> {
        let bs = u64::from(self.block_size());
        let end = blkno.checked_add(count);
        let limit = self.fs_blocks().min(self.dev.size() / bs);
        if end.is_none_or(|end| end > limit) {
            return Err(Error::Invalid(format!(
                "blocks {blkno}..+{count} lie outside the volume ({limit} blocks)"
            )));
        }
        let len = usize::try_from(count * bs)
            .map_err(|_| Error::Invalid(format!("{count} blocks is too many to read")))?;
        let mut buf = vec![0u8; len];
        self.dev
            .read_at(blkno * bs, &mut buf)
            .map_err(|e| Error::io(format!("cannot read block {blkno}"), e))?;
        Ok(buf)
    }

    pub fn read_block(&self, blkno: u64) -> Result<Vec<u8>> {
        self.read_blocks(blkno, 1)
    }

    /// Checks the metaecc of a block read from `blkno` whose check is at `check_off`, when
    /// the volume has "metaecc"; a single flipped bit is repaired in `block`, as the kernel
    /// does, and reported in the verdict.
    pub fn check_ecc(&self, block: &mut [u8], check_off: usize, blkno: u64) -> Result<Verdict> {
        let verdict = validate_meta_ecc(&LinuxCrc, &self.params, block, check_off)
            .map_err(|e| Error::Format(e.at_block(blkno)))?;
        if let (true, Verdict::Repaired { bit }) = (self.strict_ecc.get(), verdict) {
            return Err(Error::Invalid(format!(
                "block {blkno}: metaecc: bit {bit} is flipped (the hamming code can repair it; fsck.ocfs2 would)"
            )));
        }
        Ok(verdict)
    }

    /// Makes every later metaecc repair an error: a checker reports the flipped bit
    /// instead of reading past it.
    pub fn set_strict_ecc(&self, strict: bool) {
        self.strict_ecc.set(strict);
    }

    /// Recomputes the metaecc of a block about to be written, when the volume has "metaecc".
    pub fn store_ecc(&self, block: &mut [u8], check_off: usize, blkno: u64) -> Result<()> {
        compute_meta_ecc(&LinuxCrc, &self.params, block, check_off)
            .map_err(|e| Error::Format(e.at_block(blkno)))
    }

    /// Reads and validates the inode at `blkno` (the superblock inode too, at block 2).
    pub fn read_inode(&self, blkno: u64) -> Result<Inode> {
        let mut buf = self.read_block(blkno)?;
        self.check_ecc(&mut buf, Dinode::<()>::CHECK_OFFSET, blkno)?;
        let inode = Inode::from_block(blkno, buf)?;
        let d = inode.dinode();
        if blkno == SUPER_BLOCK_BLKNO && !d.has_signature() {
            d.validate_superblock(blkno)?;
        } else {
            d.validate(blkno, &self.params)?;
        }
        Ok(inode)
    }

    /// Writes an inode back: validates it, recomputes its metaecc, writes the block.
    pub fn write_inode(&self, inode: &mut Inode) -> Result<()> {
        inode.dinode().validate(inode.blkno, &self.params)?;
        let blkno = inode.blkno;
        self.store_ecc(inode.bytes_mut(), Dinode::<()>::CHECK_OFFSET, blkno)?;
        self.write_block(blkno, inode.bytes())
    }

    /// Writes one whole block as it is (the caller has set its metaecc).
    pub fn write_block(&self, blkno: u64, block: &[u8]) -> Result<()> {
        let bs = u64::from(self.block_size());
        if block.len() as u64 != bs {
            return Err(Error::Invalid(format!(
                "a write of {} bytes to block {blkno} is not one block",
                block.len()
            )));
        }
        if blkno >= self.fs_blocks() {
            return Err(Error::Invalid(format!(
                "block {blkno} lies outside the volume"
            )));
        }
        self.dev
            .write_at(blkno * bs, block)
            .map_err(|e| Error::io(format!("cannot write block {blkno}"), e))
    }

    /// Makes every write so far durable.
    pub fn sync(&self) -> Result<()> {
        self.dev
            .sync()
            .map_err(|e| Error::io(format!("cannot sync {}", self.dev.path().display()), e))
    }
}
