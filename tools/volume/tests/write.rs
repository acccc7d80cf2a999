//! The write side against the oracles: files grown through the range allocator (extent
//! trees one level deep included), truncated and freed, and directories linked until they
//! grow (inline to block, indexed, block by block), each state judged by fsck.ocfs2 and
//! read back through debugfs.ocfs2.

mod common;

use common::*;
use ocfs_format::dinode::{self, mode, VALID_FL};
use ocfs_format::dir::FT_REG_FILE;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Inode, Volume, Writer};
use std::path::Path;

/// fsck.ocfs2 -fn passes and reports no problem the fresh image did not already have
/// (mkfs.ocfs2 leaves `DX_TREE_MISSING` on some system directories).
fn assert_clean(image: &Path, before: &[String], what: &str) {
    let out = std::process::Command::new("fsck.ocfs2")
        .arg("-fn")
        .arg(image)
        .output()
        .expect("fsck.ocfs2");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{what}: fsck.ocfs2 failed:\n{text}");
    let new: Vec<String> = problems(&text)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert!(new.is_empty(), "{what}: fsck.ocfs2 reports {new:?}");
}

fn problems(fsck_output: &str) -> Vec<String> {
    fsck_output
        .lines()
        .filter(|l| l.starts_with('['))
        .map(str::to_string)
        .collect()
}

fn fsck_problems(image: &Path) -> Vec<String> {
    let out = std::process::Command::new("fsck.ocfs2")
        .arg("-fn")
        .arg(image)
        .output()
        .expect("fsck.ocfs2");
    problems(&String::from_utf8_lossy(&out.stdout))
}

/// A new empty regular file from inode_alloc:0000 (not linked anywhere yet).
fn new_file(vol: &Volume, w: &mut Writer) -> Inode {
    let alloc = vol
        .system_file(SystemFile::InodeAlloc, 0)
        .expect("inode_alloc");
    let sub = w.alloc_block(alloc).expect("inode bit");
    let bs = vol.block_size() as usize;
    let mut inode = Inode::from_block(sub.blkno, vec![0; bs]).expect("inode");
    let sb = vol.superblock();
    let (generation, fs_generation) = (sb.i_generation(), sb.i_fs_generation());
    let now = w.now();
    {
        let mut d = inode.dinode_mut();
        d.set_inode_signature();
        d.set_i_generation(generation);
        d.set_i_fs_generation(fs_generation);
        d.set_i_blkno(sub.blkno);
        d.set_i_suballoc_slot(0);
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
    inode
}

fn fill(vol: &Volume, inode: &Inode, seed: u8) -> Vec<u8> {
    let bs = vol.block_size() as usize;
    let size = inode.dinode().i_size() as usize;
    let data: Vec<u8> = (0..size).map(|i| (i / 7) as u8 ^ seed).collect();
    let tree = vol.file_extents(inode).expect("extents");
    for (i, chunk) in data.chunks(bs).enumerate() {
        let pblk = tree
            .map_block(i as u64, vol.blocks_per_cluster())
            .expect("mapped");
        let mut block = chunk.to_vec();
        block.resize(bs, 0);
        vol.write_block(pblk, &block).expect("data");
    }
    data
}

fn cat(image: &Path, path: &str) -> Vec<u8> {
    std::process::Command::new("debugfs.ocfs2")
        .arg("-R")
        .arg(format!("cat {path}"))
        .arg(image)
        .output()
        .expect("debugfs.ocfs2")
        .stdout
}

#[test]
fn files_grow_into_extent_blocks_and_truncate_back() {
    let scratch = Scratch::new("write-extents");
    // 512-byte blocks: 19 records in the inode, 28 in an extent block.
    let Some(image) = scratch.mkfs(
        "small",
        64 << 20,
        &[
            "-M", "local", "-b", "512", "-C", "4K", "-J", "size=4M", "-N", "1",
        ],
    ) else {
        return;
    };
    let before = fsck_problems(&image);
    let vol = Volume::open(&image, true).expect("open rw");
    let mut w = Writer::new(&vol);
    let root = vol.superblock().super_block().s_root_blkno();
    let mut a = new_file(&vol, &mut w);
    let mut b = new_file(&vol, &mut w);
    // Alternate single clusters between the two files: no two pieces of one file are
    // contiguous, so each takes a record of its own.
    let pieces = 60u32;
    for i in 0..2 * pieces {
        let (blkno, n) = w.new_clusters(1, 1).expect("a cluster");
        assert_eq!(n, 1);
        let file = if i % 2 == 0 { &mut a } else { &mut b };
        let cpos = file.dinode().i_clusters();
        w.insert_extent(file, cpos, blkno, 1).expect("insert");
    }
    let cluster = u64::from(vol.params().cluster_size);
    for file in [&mut a, &mut b] {
        file.dinode_mut().set_i_size(u64::from(pieces) * cluster);
        vol.write_inode(file).expect("write");
    }
    let data_a = fill(&vol, &a, 1);
    let data_b = fill(&vol, &b, 2);
    w.link(root, b"a", a.blkno, FT_REG_FILE).expect("link a");
    w.link(root, b"b", b.blkno, FT_REG_FILE).expect("link b");
    vol.sync().expect("sync");
    assert_clean(&image, &before, "grown");
    for (name, inode) in [("a", &a), ("b", &b)] {
        let stat = debugfs(&image, &format!("stat /{name}"));
        assert!(stat.contains("Tree Depth: 1"), "{name}: {stat}");
        let tree = vol
            .file_extents(&vol.read_inode(inode.blkno).expect("read"))
            .expect("tree");
        assert_eq!(tree.extents.len(), pieces as usize, "{name}");
        assert_eq!(
            tree.blocks.len(),
            3,
            "{name}: 60 records need three 28-record leaves"
        );
    }
    assert_eq!(cat(&image, "/a"), data_a);
    assert_eq!(cat(&image, "/b"), data_b);
    // A cut inside the second leaf, then to nothing: leaves go back to extent_alloc:0000.
    let ext_alloc = vol
        .system_file(SystemFile::ExtentAlloc, 0)
        .expect("extent_alloc");
    let used = |vol: &Volume| vol.read_inode(ext_alloc).expect("alloc").dinode().i_used();
    let used_before = used(&vol);
    let half = 40 * cluster - 1000;
    w.truncate(a.blkno, half).expect("truncate");
    vol.sync().expect("sync");
    assert_clean(&image, &before, "truncated to 40 clusters");
    assert_eq!(used(&vol), used_before - 1, "the third leaf is freed");
    assert_eq!(cat(&image, "/a"), data_a[..half as usize].to_vec());
    w.truncate(a.blkno, 0).expect("truncate");
    vol.sync().expect("sync");
    assert_clean(&image, &before, "truncated to 0");
    assert_eq!(used(&vol), used_before - 3, "every leaf is freed");
    assert!(debugfs(&image, "stat /a").contains("Tree Depth: 0"));
    // Freed: entry cleared, inode released.
    w.truncate(b.blkno, 0).expect("truncate");
    w.delete_inode(a.blkno).expect("delete a");
    w.delete_inode(b.blkno).expect("delete b");
    let cleared = w
        .clear_entries(root, &|name| name == b"a" || name == b"b")
        .expect("clear");
    assert_eq!(cleared.len(), 2);
    vol.sync().expect("sync");
    assert_clean(&image, &before, "freed");
    assert!(debugfs_ls(&image, "/")
        .iter()
        .all(|(_, n)| n != "a" && n != "b"));
}

/// Links `count` names to one file in `/`; returns the names.
fn link_many(image: &Path, count: usize) -> Vec<String> {
    let vol = Volume::open(image, true).expect("open rw");
    let mut w = Writer::new(&vol);
    let root = vol.superblock().super_block().s_root_blkno();
    let mut file = new_file(&vol, &mut w);
    let names: Vec<String> = (0..count)
        .map(|i| format!("name-{i:05}-of-the-linked-file"))
        .collect();
    for name in &names {
        w.link(root, name.as_bytes(), file.blkno, FT_REG_FILE)
            .expect("link");
    }
    file.dinode_mut().set_links(count as u32);
    vol.write_inode(&mut file).expect("links");
    vol.sync().expect("sync");
    names
}

#[test]
fn directories_grow_from_inline_to_indexed_blocks() {
    let scratch = Scratch::new("write-dirs");
    // 4K blocks with inline data and indexed-dirs: the inline root becomes a block
    // directory with an index (which holds 243 entries), then grows block by block.
    let configs: &[(&str, &[&str], usize)] = &[
        (
            "inline-indexed",
            &["-M", "local", "-b", "4K", "-N", "1"],
            200,
        ),
        // No inline data, no trailers: the root's block fills, more blocks follow.
        (
            "max-compat",
            &[
                "-M",
                "local",
                "-b",
                "1K",
                "--fs-feature-level=max-compat",
                "-N",
                "1",
            ],
            300,
        ),
        // metaecc: every block checked, trailers everywhere.
        (
            "metaecc",
            &[
                "-M",
                "local",
                "-b",
                "2K",
                "--fs-feature-level=max-features",
                "-N",
                "1",
            ],
            100,
        ),
    ];
    for (name, options, count) in configs {
        let Some(image) = scratch.mkfs(name, 128 << 20, options) else {
            return;
        };
        let before = fsck_problems(&image);
        let names = link_many(&image, *count);
        assert_clean(&image, &before, name);
        let listed: Vec<String> = debugfs_ls(&image, "/")
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        for n in &names {
            assert!(listed.contains(n), "{name}: {n} is not listed");
        }
        let stat = debugfs(&image, "stat /");
        if *name == "inline-indexed" {
            assert!(stat.contains("IndexedDir"), "{name}: {stat}");
            let dx = debugfs(&image, "dx_dump /");
            // ., .., lost+found and the links.
            assert!(
                dx.contains(&format!("Num Used: {}", count + 3)),
                "{name}: {dx}"
            );
        } else {
            assert!(debugfs_number(&stat, "Size:") > 4096, "{name}: {stat}");
        }
    }
}
