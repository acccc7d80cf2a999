//! User data for the "nothing is lost" checks: a regular file made in the root directory
//! through ocfs-volume's write side (an inode from a slot's inode_alloc, clusters from the
//! global bitmap), read back through debugfs.ocfs2.

use ocfs_format::dinode::{self, mode, VALID_FL};
use ocfs_format::dir::FT_REG_FILE;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Inode, Volume, Writer};
use std::path::Path;

/// Some recognisable bytes.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

/// Creates `/name` holding `data`, its inode from inode_alloc of `slot`.
pub fn plant_file(image: &Path, name: &str, data: &[u8], slot: u16) {
    let vol = Volume::open(image, true).expect("open rw");
    let mut w = Writer::new(&vol);
    let alloc = vol
        .system_file(SystemFile::InodeAlloc, slot)
        .expect("inode_alloc");
    let sub = w.alloc_block(alloc).expect("an inode bit");
    let bs = vol.block_size() as usize;
    let mut inode = Inode::from_block(sub.blkno, vec![0u8; bs]).expect("inode");
    {
        let sb = vol.superblock();
        let (generation, fs_generation) = (sb.i_generation(), sb.i_fs_generation());
        let now = w.now();
        let mut d = inode.dinode_mut();
        d.set_inode_signature();
        d.set_i_generation(generation);
        d.set_i_fs_generation(fs_generation);
        d.set_i_blkno(sub.blkno);
        d.set_i_suballoc_slot(slot);
        d.set_i_suballoc_bit(sub.bit);
        d.set_i_suballoc_loc(sub.group);
        d.set_i_mode(mode::REG | 0o644);
        d.set_links(1);
        d.set_i_flags(VALID_FL);
        d.set_i_atime(now);
        d.set_i_ctime(now);
        d.set_i_mtime(now);
        d.extent_list_mut()
            .set_l_count(dinode::extent_recs_per_inode(bs) as u16);
    }
    vol.write_inode(&mut inode).expect("write inode");
    let cluster = u64::from(vol.params().cluster_size);
    let clusters = (data.len() as u64).div_ceil(cluster) as u32;
    w.extend_allocation(&mut inode, clusters).expect("clusters");
    inode.dinode_mut().set_i_size(data.len() as u64);
    vol.write_inode(&mut inode).expect("write inode");
    let tree = vol.file_extents(&inode).expect("extents");
    for (i, chunk) in data.chunks(bs).enumerate() {
        let pblk = tree
            .map_block(i as u64, vol.blocks_per_cluster())
            .expect("mapped");
        let mut block = chunk.to_vec();
        block.resize(bs, 0);
        vol.write_block(pblk, &block).expect("data");
    }
    let root = vol.superblock().super_block().s_root_blkno();
    w.link(root, name.as_bytes(), sub.blkno, FT_REG_FILE)
        .expect("link");
    vol.sync().expect("sync");
}

/// The file's bytes as debugfs.ocfs2 reads them.
pub fn read_with_debugfs(image: &Path, name: &str) -> Vec<u8> {
    let out = std::process::Command::new("debugfs.ocfs2")
        .arg("-R")
        .arg(format!("cat /{name}"))
        .arg(image)
        .output()
        .expect("run debugfs.ocfs2");
    out.stdout
}
