// SPDX-License-Identifier: GPL-2.0

//! Mounting: find the superblock and decide whether this build can mount the volume, with
//! one log line naming the device and the reason for every refusal.

use crate::errno;
use crate::format::dinode::Dinode;
use crate::format::features::{Features, IncompatFeatures};
use crate::format::superblock::FsParams;
use crate::vfs::NewSuperBlock;
use kernel::prelude::*;

/// The superblock's block number, whatever the block size.
const SUPERBLOCK_BLKNO: u64 = 2;

/// Find the superblock as the C ocfs2 does (`ocfs2_sb_probe`): at block 2 for each block
/// size from the device's sector size up to 4 KiB, the first one whose superblock says it
/// uses that size.
pub fn probe(sb: &NewSuperBlock) -> Result<FsParams> {
    let dev = sb.id();
    let mut block_size = sb.logical_block_size().max(512);
    let mut invalid = None;
    while block_size <= 4096 {
        sb.set_block_size(block_size)?;
        let bh = sb.read_block(SUPERBLOCK_BLKNO).inspect_err(|_| {
            pr_err!("{}: cannot read block {} ({}-byte blocks)\n", dev, SUPERBLOCK_BLKNO, block_size);
        })?;
        let inode = Dinode::new(bh.data()).map_err(|_| EINVAL)?;
        if inode.i_signature().starts_with(b"OCFSV2") {
            match inode.validate_superblock(SUPERBLOCK_BLKNO) {
                Ok(params) => return Ok(params),
                // A superblock for another block size: keep probing.
                Err(e) if inode.super_block().block_size() != Some(block_size) => invalid = Some(e),
                Err(e) => {
                    pr_err!("{}: invalid superblock: {}\n", dev, e);
                    return Err(EINVAL);
                }
            }
        }
        block_size <<= 1;
    }
    match invalid {
        Some(e) => pr_err!("{}: invalid superblock: {}\n", dev, e),
        None => pr_err!("{}: not an OCFS2 volume (no superblock signature at block 2)\n", dev),
    }
    Err(EINVAL)
}

/// Refuse what this build cannot mount: features it does not know or implement, and
/// volumes it has no way to share yet.
pub fn check_supported(sb: &NewSuperBlock, params: &FsParams) -> Result {
    let dev = sb.id();
    let unknown = params.features.difference(Features::ALL_KNOWN);
    if !unknown.is_empty() {
        pr_err!(
            "{}: unknown features (compat {:#x}, incompat {:#x}, ro_compat {:#x}): refusing to mount\n",
            dev,
            unknown.compat.bits(),
            unknown.incompat.bits(),
            unknown.ro_compat.bits()
        );
        return Err(EINVAL);
    }
    let unsupported = params.features.unsupported_by_kernel();
    if !unsupported.is_empty() {
        pr_err!("{}: features this kernel does not support: {}\n", dev, unsupported);
        return Err(EINVAL);
    }
    if params.features.incompat.contains(IncompatFeatures::HEARTBEAT_DEV) {
        pr_err!("{}: a heartbeat device holds no filesystem\n", dev);
        return Err(EINVAL);
    }
    if !params.features.incompat.contains(IncompatFeatures::LOCAL_MOUNT) {
        pr_err!("{}: a clustered volume; this build mounts local volumes (mkfs -M local) only\n", dev);
        return Err(errno::code(crate::bindings::EOPNOTSUPP));
    }
    Ok(())
}
