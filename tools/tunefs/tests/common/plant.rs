//! User data for the "nothing is lost" checks: a regular file made in the root directory
//! through ocfs-volume's write side (an inode from a slot's inode_alloc, clusters from the
//! global bitmap), read back through debugfs.ocfs2.

use ocfs_format::dinode::{self, mode, INLINE_DATA_FL, VALID_FL};
use ocfs_format::dir::{FT_DIR, FT_REG_FILE};
use ocfs_format::features::IncompatFeatures;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Inode, Volume, Writer};
use std::path::Path;

/// Some recognisable bytes.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

/// Creates `/name` (`name` may be `dir/file`) holding `data`, its inode from inode_alloc
/// of `slot`.
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
    // "dir/name" goes into /dir.
    let (parent, leaf) = match name.rsplit_once('/') {
        Some((p, l)) => (format!("/{p}"), l),
        None => ("/".to_string(), name),
    };
    let dir = vol.resolve(&parent).expect("parent");
    w.link(dir, leaf.as_bytes(), sub.blkno, FT_REG_FILE)
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

/// A new inode of `mode` from inode_alloc of `slot`, written: inline (`INLINE_DATA_FL`,
/// `id_count` the inode's room) when `inline`, else an empty extent list.
fn new_inode(vol: &Volume, w: &mut Writer, slot: u16, file_mode: u16, inline: bool) -> Inode {
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
        d.set_i_mode(file_mode);
        d.set_links(if file_mode & mode::FMT == mode::DIR { 2 } else { 1 });
        d.set_i_flags(VALID_FL);
        d.set_i_atime(now);
        d.set_i_ctime(now);
        d.set_i_mtime(now);
        if inline {
            d.set_id_count(dinode::max_inline_data(bs) as u16);
            d.set_i_dyn_features(INLINE_DATA_FL);
        } else {
            d.extent_list_mut()
                .set_l_count(dinode::extent_recs_per_inode(bs) as u16);
        }
    }
    vol.write_inode(&mut inode).expect("write inode");
    inode
}

/// Creates `parent/name` holding `data` inline in its inode (the volume must have
/// "inline-data" and `data` must fit), its inode from inode_alloc of `slot`.
pub fn plant_inline_file(image: &Path, parent: &str, name: &str, data: &[u8], slot: u16) {
    let vol = Volume::open(image, true).expect("open rw");
    let mut w = Writer::new(&vol);
    let mut inode = new_inode(&vol, &mut w, slot, mode::REG | 0o644, true);
    {
        let mut d = inode.dinode_mut();
        d.inline_data_mut()[..data.len()].copy_from_slice(data);
        d.set_i_size(data.len() as u64);
    }
    vol.write_inode(&mut inode).expect("write inode");
    let dir = vol.resolve(parent).expect("parent");
    w.link(dir, name.as_bytes(), inode.blkno, FT_REG_FILE)
        .expect("link");
    vol.sync().expect("sync");
}

/// Creates the directory `parent/name` with `.` and `..` (inline when the volume has
/// "inline-data", as `ocfs2_init_dir` makes it), its inode from inode_alloc of `slot`.
pub fn plant_dir(image: &Path, parent: &str, name: &str, slot: u16) {
    let vol = Volume::open(image, true).expect("open rw");
    let inline = vol
        .params()
        .features
        .incompat
        .contains(IncompatFeatures::INLINE_DATA);
    let mut w = Writer::new(&vol);
    let inode = new_inode(&vol, &mut w, slot, mode::DIR | 0o755, inline);
    let dir = vol.resolve(parent).expect("parent");
    w.init_dir(inode.blkno, dir).expect("init_dir");
    w.link(dir, name.as_bytes(), inode.blkno, FT_DIR)
        .expect("link");
    vol.sync().expect("sync");
}

/// Creates `/name`, `size` bytes long, holding `pieces` (logical cluster, bytes) in
/// clusters of their own (in increasing cluster order); the clusters between are holes.
/// The pieces' clusters are allocated last piece first, so that no two pieces are
/// physically contiguous: each keeps its own extent record.
pub fn plant_sparse_file(image: &Path, name: &str, pieces: &[(u32, Vec<u8>)], size: u64, slot: u16) {
    let vol = Volume::open(image, true).expect("open rw");
    let mut w = Writer::new(&vol);
    let mut inode = new_inode(&vol, &mut w, slot, mode::REG | 0o644, false);
    let cluster = u64::from(vol.params().cluster_size);
    let bs = vol.block_size() as usize;
    let clusters = |data: &Vec<u8>| (data.len() as u64).div_ceil(cluster).max(1) as u32;
    let mut runs: Vec<u64> = pieces
        .iter()
        .rev()
        .map(|(_, data)| {
            let n = clusters(data);
            let (blkno, got) = w.new_clusters(n, n).expect("clusters");
            assert_eq!(got, n);
            vol.zero_blocks(blkno, u64::from(n) * vol.blocks_per_cluster())
                .expect("zero");
            blkno
        })
        .collect();
    runs.reverse();
    for ((cpos, data), blkno) in pieces.iter().zip(runs) {
        w.insert_extent(&mut inode, *cpos, blkno, clusters(data))
            .expect("insert");
        for (i, chunk) in data.chunks(bs).enumerate() {
            let mut block = chunk.to_vec();
            block.resize(bs, 0);
            vol.write_block(blkno + i as u64, &block).expect("data");
        }
    }
    inode.dinode_mut().set_i_size(size);
    vol.write_inode(&mut inode).expect("write inode");
    let root = vol.superblock().super_block().s_root_blkno();
    w.link(root, name.as_bytes(), inode.blkno, FT_REG_FILE)
        .expect("link");
    vol.sync().expect("sync");
}

/// The bytes of `path` as debugfs.ocfs2 dumps them.
pub fn dump_with_debugfs(image: &Path, path: &str) -> Vec<u8> {
    let out = std::process::Command::new("debugfs.ocfs2")
        .arg("-R")
        .arg(format!("cat {path}"))
        .arg(image)
        .output()
        .expect("run debugfs.ocfs2");
    out.stdout
}
