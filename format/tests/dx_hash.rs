// SPDX-License-Identifier: GPL-2.0
//! The directory-index hash against mkfs.ocfs2: on a volume it made with block directories
//! (noinline-data), every entry of the root's and lost+found's indexes must carry the hash
//! `dx_name_hash` computes from the volume's seeds. Skipped without ocfs2-tools.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::process::Command;

use ocfs_format::dinode::Dinode;
use ocfs_format::dir::{dir_block_region, dir_entries};
use ocfs_format::dx::DxRoot;
use ocfs_format::dx_hash::{dx_name_hash, dx_seed};

const MKFS: &str = "/sbin/mkfs.ocfs2";

#[test]
fn hashes_match_mkfs_ocfs2() {
    if !std::path::Path::new(MKFS).exists() {
        eprintln!("skipped: {MKFS} is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ocfs-dx-hash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("img");
    File::create(&path).unwrap().set_len(1 << 30).unwrap();
    let status = Command::new(MKFS)
        .args(["-q", "-x", "-F", "--nodiscard", "--fs-features=noinline-data", "-b", "4096"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(status.status.success(), "mkfs.ocfs2 failed");
    let file = File::open(&path).unwrap();
    let block = |n: u64| {
        let mut b = vec![0u8; 4096];
        file.read_exact_at(&mut b, n * 4096).unwrap();
        b
    };
    let sb_block = block(2);
    let sb_inode = Dinode::new(sb_block.as_slice()).unwrap();
    let sb = sb_inode.super_block();
    let seed = dx_seed(sb.s_dx_seed(), sb.s_uuid_hash());

    let mut checked = 0;
    let root_blk = sb.s_root_blkno();
    let root_block = block(root_blk);
    let root = Dinode::new(root_block.as_slice()).unwrap();
    let lf = dir_entries(dir_block_region(&block(root.extent_list().rec(0).unwrap().e_blkno()), true), 0)
        .filter_map(Result::ok)
        .find(|(_, e)| e.name() == b"lost+found")
        .map(|(_, e)| e.inode())
        .expect("lost+found in root");
    for dir_blk in [root_blk, lf] {
        let dir_block = block(dir_blk);
        let dir = Dinode::new(dir_block.as_slice()).unwrap();
        let data = block(dir.extent_list().rec(0).unwrap().e_blkno());
        let names: Vec<Vec<u8>> = dir_entries(dir_block_region(&data, true), 0)
            .filter_map(Result::ok)
            .map(|(_, e)| e.name().to_vec())
            .collect();
        let dx_block = block(dir.i_dx_root());
        let dx = DxRoot::new(dx_block.as_slice()).unwrap();
        let entries: Vec<(u32, u32)> = dx.dr_entries().entries().map(|e| (e.dx_major_hash(), e.dx_minor_hash())).collect();
        assert_eq!(entries.len(), names.len(), "one index entry per name");
        for (name, stored) in names.iter().zip(&entries) {
            assert_eq!(dx_name_hash(seed, name), *stored, "hash of {:?}", String::from_utf8_lossy(name));
            checked += 1;
        }
    }
    assert!(checked >= 5);
    let _ = std::fs::remove_dir_all(&dir);
}
