//! `ocfs2_init_local_quota_file()`: a new slot's local quota file gets two blocks (one
//! cluster or more) and `i_size` of two blocks; block 0 holds the header and the info
//! (clean, one chunk, two blocks), block 1 the empty chunk header; with "metaecc" each block's
//! trailer carries its check.

use ocfs_format::blockcheck::compute_meta_ecc;
use ocfs_format::dinode::{QUOTA_FL, SYSTEM_FL, VALID_FL};
use ocfs_format::quota::{
    quota_block_check_offset, LocalDqInfo, QuotaHeader, INFO_OFFSET, LOCAL_QMAGICS,
    LOCAL_QVERSIONS, OLQF_CLEAN,
};
use ocfs_volume::{LinuxCrc, Writer};

/// Blocks a new local quota file starts with.
const INIT_BLOCKS: u64 = 2;

/// `kind`: 0 user, 1 group.
pub fn init_local(w: &mut Writer, kind: usize, blkno: u64) -> Result<(), String> {
    let vol = w.volume();
    let mut inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
    let need = VALID_FL | SYSTEM_FL | QUOTA_FL;
    if inode.dinode().i_flags() & need != need {
        return Err(format!("inode {blkno} is not a quota file"));
    }
    let bs = u64::from(vol.block_size());
    let clusters = INIT_BLOCKS.div_ceil(vol.blocks_per_cluster()) as u32;
    w.extend_allocation(&mut inode, clusters)
        .map_err(|e| e.to_string())?;
    let now = w.now();
    {
        let mut d = inode.dinode_mut();
        d.set_i_size(INIT_BLOCKS * bs);
        d.set_i_mtime(now);
    }
    vol.write_inode(&mut inode).map_err(|e| e.to_string())?;
    let mut blocks = vec![vec![0u8; bs as usize]; INIT_BLOCKS as usize];
    {
        let block = &mut blocks[0];
        let mut h = QuotaHeader::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        h.set_dqh_magic(LOCAL_QMAGICS[kind]);
        h.set_dqh_version(LOCAL_QVERSIONS[kind]);
        let mut info = LocalDqInfo::new(&mut block[INFO_OFFSET..]).map_err(|e| e.to_string())?;
        info.set_dqi_chunks(1);
        info.set_dqi_blocks(INIT_BLOCKS as u32);
        info.set_dqi_flags(OLQF_CLEAN);
    }
    let tree = vol.file_extents(&inode).map_err(|e| e.to_string())?;
    for (lblk, block) in blocks.iter_mut().enumerate() {
        compute_meta_ecc(
            &LinuxCrc,
            vol.params(),
            block,
            quota_block_check_offset(bs as usize),
        )
        .map_err(|e| e.to_string())?;
        let pblk = tree
            .map_block(lblk as u64, vol.blocks_per_cluster())
            .ok_or_else(|| format!("quota file {blkno}: block {lblk} is a hole"))?;
        vol.write_block(pblk, block).map_err(|e| e.to_string())?;
    }
    Ok(())
}
