//! ocfs-volume on volumes made by mkfs.ocfs2 1.8.7, checked against debugfs.ocfs2.

mod common;

use common::{debugfs, debugfs_ls, debugfs_number, fsck, peek, poke, Scratch};
use ocfs_format::blockcheck::Verdict;
use ocfs_format::dinode::Dinode;
use ocfs_format::extent::ExtentBlock;
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::system::SystemFile;
use ocfs_volume::{crc32_le, Error, LinuxCrc, Volume};
use std::path::Path;
use std::time::Duration;

const GIB: u64 = 1 << 30;

/// The configurations exercised: inline and block directories, trailers, metaecc, small and
/// large blocks and clusters.
const CONFIGS: &[(&str, &[&str])] = &[
    ("default", &["-N", "2"]),
    ("b512", &["-b", "512", "-C", "4K", "-N", "3"]),
    ("maxcompat", &["--fs-feature-level=max-compat", "-N", "2"]),
    (
        "metaecc",
        &[
            "--fs-feature-level=max-features",
            "-b",
            "2K",
            "-C",
            "64K",
            "-N",
            "4",
        ],
    ),
];

fn open(image: &Path) -> Volume {
    Volume::open(image, false).expect("open volume")
}

#[test]
fn superblock_facts_match_debugfs() {
    let scratch = Scratch::new("super");
    for (name, options) in CONFIGS {
        let Some(image) = scratch.mkfs(name, GIB, options) else {
            return;
        };
        let vol = open(&image);
        let stats = debugfs(&image, "stats");
        let p = vol.params();
        assert_eq!(
            u64::from(p.block_size),
            1 << debugfs_number(&stats, "Block Size Bits:"),
            "{name}"
        );
        assert_eq!(
            u64::from(p.cluster_size),
            1 << debugfs_number(&stats, "Cluster Size Bits:"),
            "{name}"
        );
        assert_eq!(
            u64::from(p.max_slots),
            debugfs_number(&stats, "Max Node Slots:"),
            "{name}"
        );
        let sb = vol.superblock();
        assert_eq!(
            sb.super_block().s_root_blkno(),
            debugfs_number(&stats, "Root Blknum:"),
            "{name}"
        );
        assert_eq!(
            sb.super_block().s_system_dir_blkno(),
            debugfs_number(&stats, "System Dir Blknum:"),
            "{name}"
        );
        assert_eq!(
            u64::from(p.features.incompat.bits()),
            debugfs_number(&stats, "Feature Incompat:"),
            "{name}"
        );
        assert_eq!(vol.fs_blocks() * u64::from(p.block_size), GIB, "{name}");
    }
}

#[test]
fn directories_match_debugfs_listings() {
    let scratch = Scratch::new("dirs");
    for (name, options) in CONFIGS {
        let Some(image) = scratch.mkfs(name, GIB, options) else {
            return;
        };
        let vol = open(&image);
        for dir in ["//", "/", "/lost+found"] {
            let blkno = vol.resolve(dir).expect("resolve");
            let inode = vol.read_inode(blkno).expect("read dir inode");
            let mut ours: Vec<(u64, String)> = vol
                .read_dir(&inode)
                .expect("read dir")
                .iter()
                .map(|e| (e.inode, e.name_lossy()))
                .collect();
            let mut theirs = debugfs_ls(&image, dir);
            ours.sort();
            theirs.sort();
            assert!(!theirs.is_empty(), "{name} {dir}: debugfs listed nothing");
            assert_eq!(ours, theirs, "{name} {dir}");
        }
    }
}

#[test]
fn paths_resolve_as_debugfs_names_them() {
    let scratch = Scratch::new("paths");
    let Some(image) = scratch.mkfs("img", GIB, &["-N", "2"]) else {
        return;
    };
    let vol = open(&image);
    for (inode, name) in debugfs_ls(&image, "//") {
        if name != "." && name != ".." {
            assert_eq!(
                vol.resolve(&format!("//{name}"))
                    .expect("resolve system file"),
                inode,
                "//{name}"
            );
        }
    }
    let root = vol.superblock().super_block().s_root_blkno();
    assert_eq!(vol.resolve("/").expect("root"), root);
    assert_eq!(vol.resolve("/lost+found/..").expect("dotdot"), root);
    assert_eq!(
        vol.system_file(SystemFile::Journal, 1)
            .expect("journal:0001"),
        vol.resolve("//journal:0001").expect("path")
    );
    match vol.resolve("/lost+found/nothing") {
        Err(Error::NotFound { path }) => assert_eq!(path, "/lost+found/nothing"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    match vol.resolve("//slot_map/x") {
        Err(Error::NotADirectory { path, .. }) => assert_eq!(path, "//slot_map"),
        other => panic!("expected NotADirectory, got {other:?}"),
    }
    assert!(matches!(vol.resolve("relative"), Err(Error::Invalid(_))));
}

/// `debugfs.ocfs2 -R "bmap FILE N"`: the physical block of logical block N.
fn bmap(image: &Path, file: &str, lblk: u64) -> u64 {
    let out = debugfs(image, &format!("bmap {file} {lblk}"));
    out.trim()
        .parse()
        .unwrap_or_else(|_| panic!("bmap {file} {lblk}: {out:?}"))
}

#[test]
fn extent_mapping_matches_debugfs_bmap() {
    let scratch = Scratch::new("bmap");
    let Some(image) = scratch.mkfs("img", GIB, &["-b", "1K", "-C", "8K", "-N", "2"]) else {
        return;
    };
    let vol = open(&image);
    let journal = vol
        .read_inode(vol.resolve("//journal:0001").expect("journal"))
        .expect("inode");
    let tree = vol.file_extents(&journal).expect("extents");
    let blocks = journal.dinode().i_size() / 1024;
    for lblk in [0, 1, 7, 8, 1000, blocks - 1] {
        assert_eq!(
            tree.map_block(lblk, vol.blocks_per_cluster()),
            Some(bmap(&image, "//journal:0001", lblk)),
            "block {lblk}"
        );
    }
    assert_eq!(tree.map_block(blocks + 64, vol.blocks_per_cluster()), None);
}

/// Rebuilds the extent list of `//journal:0000` as a depth-2 tree (one interior extent
/// block over two leaf blocks, the single extent cut into eight) in free blocks at the end
/// of the volume, with metaecc when the volume has it.
fn deepen_journal(image: &Path) -> (u64, Vec<u64>) {
    let vol = open(image);
    let params = *vol.params();
    let bs = params.block_size as usize;
    let bpc = vol.blocks_per_cluster();
    let mut journal = vol
        .read_inode(vol.resolve("//journal:0000").expect("journal"))
        .expect("inode");
    let tree = vol.file_extents(&journal).expect("extents");
    assert_eq!(tree.extents.len(), 1, "mkfs makes journals of one extent");
    let whole = tree.extents[0];
    let pieces = 8u32;
    let piece = whole.clusters / pieces;
    // Three blocks well after the last group descriptor, which mkfs leaves free.
    let top = vol.fs_blocks() - 16;
    let (interior, leaves) = (top, [top + 1, top + 2]);
    let generation = params.fs_generation;
    let write = |blkno: u64, fill: &dyn Fn(&mut ExtentBlock<&mut [u8]>)| {
        let mut block = vec![0u8; bs];
        let mut eb = ExtentBlock::new(block.as_mut_slice()).expect("eb");
        eb.init(blkno, generation);
        eb.set_h_suballoc_slot(0);
        fill(&mut eb);
        if params.meta_ecc() {
            ocfs_format::blockcheck::store_block_check(
                &LinuxCrc,
                &mut block,
                ExtentBlock::<()>::CHECK_OFFSET,
            )
            .expect("ecc");
        }
        poke(image, blkno * bs as u64, &block);
    };
    for (half, &leaf) in leaves.iter().enumerate() {
        write(leaf, &|eb| {
            let mut list = eb.h_list_mut();
            for i in 0..pieces / 2 {
                let n = half as u32 * pieces / 2 + i;
                let mut rec = list.rec_mut(i as usize).expect("rec");
                rec.set_e_cpos(n * piece);
                rec.set_e_leaf_clusters(if n == pieces - 1 {
                    (whole.clusters - n * piece) as u16
                } else {
                    piece as u16
                });
                rec.set_e_blkno(whole.blkno + u64::from(n * piece) * bpc);
            }
            list.set_l_next_free_rec((pieces / 2) as u16);
        });
    }
    write(interior, &|eb| {
        let mut list = eb.h_list_mut();
        list.set_l_tree_depth(1);
        for (i, &leaf) in leaves.iter().enumerate() {
            let mut rec = list.rec_mut(i).expect("rec");
            let start = i as u32 * (pieces / 2) * piece;
            rec.set_e_cpos(start);
            rec.set_e_int_clusters(if i == 0 {
                (pieces / 2) * piece
            } else {
                whole.clusters - start
            });
            rec.set_e_blkno(leaf);
        }
        list.set_l_next_free_rec(2);
    });
    {
        let mut d = journal.dinode_mut();
        d.set_i_last_eb_blk(leaves[1]);
        let mut list = d.extent_list_mut();
        list.set_l_tree_depth(2);
        let mut rec = list.rec_mut(0).expect("rec");
        rec.set_e_cpos(0);
        rec.set_e_int_clusters(whole.clusters);
        rec.set_e_blkno(interior);
    }
    let blkno = journal.blkno;
    if params.meta_ecc() {
        ocfs_format::blockcheck::store_block_check(
            &LinuxCrc,
            journal.bytes_mut(),
            Dinode::<()>::CHECK_OFFSET,
        )
        .expect("ecc");
    }
    poke(image, blkno * bs as u64, journal.bytes());
    (whole.blkno, vec![interior, leaves[0], leaves[1]])
}

#[test]
fn deep_extent_trees_map_like_debugfs() {
    let scratch = Scratch::new("deep");
    for (name, options) in [
        ("plain", &["-N", "1"][..]),
        (
            "metaecc",
            &["--fs-feature-level=max-features", "-N", "1"][..],
        ),
    ] {
        let Some(image) = scratch.mkfs(name, GIB, options) else {
            return;
        };
        let (first, ebs) = deepen_journal(&image);
        let vol = open(&image);
        let journal = vol
            .read_inode(vol.resolve("//journal:0000").expect("journal"))
            .expect("inode");
        let tree = vol.file_extents(&journal).expect("deep extents");
        assert_eq!(tree.depth, 2, "{name}");
        assert_eq!(tree.extents.len(), 8, "{name}");
        assert_eq!(
            tree.blocks.iter().map(|(b, _)| *b).collect::<Vec<_>>(),
            ebs,
            "{name}"
        );
        let blocks = journal.dinode().i_size() / u64::from(vol.block_size());
        for lblk in [0, 1, blocks / 8, blocks / 2 - 1, blocks / 2, blocks - 1] {
            let ours = tree.map_block(lblk, vol.blocks_per_cluster());
            assert_eq!(ours, Some(first + lblk), "{name} block {lblk}");
            assert_eq!(
                ours,
                Some(bmap(&image, "//journal:0000", lblk)),
                "{name} block {lblk} vs debugfs"
            );
        }
    }
}

#[test]
fn broken_extent_blocks_are_refused_with_their_block() {
    let scratch = Scratch::new("badeb");
    let Some(image) = scratch.mkfs("img", GIB, &["-N", "1"]) else {
        return;
    };
    let (_, ebs) = deepen_journal(&image);
    let bs = u64::from(open(&image).block_size());
    // A leaf that claims to be interior: the depths no longer agree.
    poke(
        &image,
        ebs[1] * bs + ExtentBlock::<()>::LIST_OFFSET as u64,
        &[1, 0],
    );
    let vol = open(&image);
    let journal = vol
        .read_inode(vol.resolve("//journal:0000").expect("journal"))
        .expect("inode");
    let err = vol
        .file_extents(&journal)
        .expect_err("depth mismatch")
        .to_string();
    assert!(
        err.contains(&format!("extent block {}", ebs[1])) && err.contains("l_tree_depth 1"),
        "{err}"
    );
    // A leaf whose signature is gone.
    poke(&image, ebs[2] * bs, b"XXXXXXX");
    let err = vol.file_extents(&journal).expect_err("bad signature");
    let text = err.to_string();
    assert!(
        text.contains(&format!("block {}", ebs[1])) || text.contains(&format!("block {}", ebs[2])),
        "{text}"
    );
}

#[test]
fn metaecc_repairs_one_bit_and_refuses_two() {
    let scratch = Scratch::new("ecc");
    let Some(image) = scratch.mkfs("img", GIB, &["--fs-feature-level=max-features", "-N", "2"])
    else {
        return;
    };
    let vol = open(&image);
    let root = vol.superblock().super_block().s_root_blkno();
    let bs = u64::from(vol.block_size());
    let offset = root * bs + 0x30; // i_atime
    let original = peek(&image, offset, 1)[0];
    poke(&image, offset, &[original ^ 0x04]);
    let mut block = vol.read_block(root).expect("read");
    let verdict = vol
        .check_ecc(&mut block, Dinode::<()>::CHECK_OFFSET, root)
        .expect("one bit is repairable");
    assert!(matches!(verdict, Verdict::Repaired { .. }), "{verdict:?}");
    assert_eq!(block[0x30], original, "repaired in memory");
    poke(&image, offset, &[original ^ 0x14]);
    let err = vol
        .read_inode(root)
        .expect_err("two bits are not repairable")
        .to_string();
    assert!(
        err.contains(&format!("block {root}")) && err.contains("crc32"),
        "{err}"
    );
}

#[test]
fn inode_writes_keep_metaecc_and_fsck_clean() {
    let scratch = Scratch::new("write");
    for (name, options) in [
        ("plain", &["-N", "2"][..]),
        (
            "metaecc",
            &["--fs-feature-level=max-features", "-N", "2"][..],
        ),
    ] {
        let Some(image) = scratch.mkfs(name, GIB, options) else {
            return;
        };
        let vol = Volume::open(&image, true).expect("open rw");
        let blkno = vol.resolve("/lost+found").expect("lost+found");
        let mut inode = vol.read_inode(blkno).expect("inode");
        inode.dinode_mut().set_i_mtime(1_234_567_890);
        vol.write_inode(&mut inode).expect("write");
        vol.sync().expect("sync");
        assert_eq!(
            open(&image)
                .read_inode(blkno)
                .expect("reread")
                .dinode()
                .i_mtime(),
            1_234_567_890,
            "{name}"
        );
        assert!(
            debugfs(&image, "stat /lost+found").contains("mtime: 0x499602d2"),
            "{name}"
        );
        fsck(&image).unwrap_or_else(|e| panic!("{name}: fsck after write_inode:\n{e}"));
    }
}

#[test]
fn chains_match_debugfs_global_bitmap() {
    let scratch = Scratch::new("chains");
    let Some(image) = scratch.mkfs("img", GIB, &["-N", "2"]) else {
        return;
    };
    let vol = open(&image);
    let bitmap = vol
        .read_inode(
            vol.system_file(SystemFile::GlobalBitmap, 0)
                .expect("bitmap"),
        )
        .expect("inode");
    let chains = vol.chains(&bitmap).expect("chains");
    let stat = debugfs(&image, "stat //global_bitmap");
    // "##   Total   Used   Free   Block#" rows of the chain list.
    let rows: Vec<Vec<u64>> = stat
        .lines()
        .skip_while(|l| !l.contains("##   Total"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), chains.len());
    for (row, chain) in rows.iter().zip(&chains) {
        assert_eq!(
            row[..],
            [
                u64::from(chain.index),
                u64::from(chain.c_total),
                u64::from(chain.c_total - chain.c_free),
                u64::from(chain.c_free),
                chain.c_blkno
            ]
        );
        let free: u32 = chain.groups.iter().map(|g| u32::from(g.free)).sum();
        assert_eq!(free, chain.c_free);
        assert!(chain
            .groups
            .iter()
            .all(|g| g.counted_free == u32::from(g.free)));
    }
    let inode_alloc = vol
        .read_inode(
            vol.system_file(SystemFile::InodeAlloc, 1)
                .expect("inode_alloc"),
        )
        .expect("inode");
    vol.chains(&inode_alloc)
        .expect("a per-slot allocator validates as a suballocator");
}

#[test]
fn slot_maps_read_in_both_layouts() {
    let scratch = Scratch::new("slots");
    for (name, options) in [
        ("extended", &["-N", "4"][..]),
        ("old", &["--fs-feature-level=max-compat", "-N", "4"][..]),
    ] {
        let Some(image) = scratch.mkfs(name, GIB, options) else {
            return;
        };
        let vol = open(&image);
        assert_eq!(vol.slot_map().expect("slot map"), vec![None; 4], "{name}");
        // Node 7 takes slot 2, as the kernel would write it.
        let file = vol
            .read_inode(vol.system_file(SystemFile::SlotMap, 0).expect("slot_map"))
            .expect("inode");
        let first = vol.file_extents(&file).expect("extents").extents[0].blkno;
        let bs = u64::from(vol.block_size());
        if vol.extended_slot_map() {
            poke(&image, first * bs + 2 * 8, &[1, 0, 0, 0, 7, 0, 0, 0]);
        } else {
            poke(&image, first * bs + 2 * 2, &[7, 0]);
        }
        assert_eq!(
            open(&image).slot_map().expect("slot map"),
            vec![None, None, Some(7), None],
            "{name}"
        );
        let theirs = debugfs(&image, "slotmap");
        let row: Vec<u64> = theirs
            .lines()
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(row, [2, 7], "{name}: debugfs says {theirs}");
    }
}

#[test]
fn heartbeat_liveness_follows_a_writing_node() {
    let scratch = Scratch::new("hb");
    let Some(image) = scratch.mkfs("img", GIB, &["-N", "2"]) else {
        return;
    };
    let vol = open(&image);
    let area = vol.heartbeat_area().expect("area");
    assert_eq!(
        (area.count, area.block_bytes),
        (255, 512),
        "255 sector-sized blocks on an image"
    );
    assert!(
        vol.live_nodes(Duration::from_millis(600))
            .expect("sample")
            .is_empty(),
        "nobody beats on a new volume"
    );
    // Node 3 beats every 200 ms while the sampler watches.
    let offset = area.offset(3);
    let writer_image = image.clone();
    let writer = std::thread::spawn(move || {
        for seq in 1..=8u64 {
            let mut block = vec![0u8; 512];
            let mut hb = HeartbeatBlock::new(block.as_mut_slice()).expect("hb");
            hb.set_hb_seq(1_700_000_000 + seq);
            hb.set_hb_node(3);
            hb.set_hb_generation(0xfeed);
            hb.set_hb_dead_ms(30_000);
            hb.store_cksum(&crc32_le);
            poke(&writer_image, offset, &block);
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    let live = vol.live_nodes(Duration::from_millis(700)).expect("sample");
    writer.join().expect("writer");
    assert_eq!(live.iter().map(|b| b.slot).collect::<Vec<_>>(), [3]);
    assert!(live[0].cksum_ok && live[0].node == 3 && live[0].generation == 0xfeed);
    // Stopped: the block stays, but no longer moves.
    assert!(vol
        .live_nodes(Duration::from_millis(500))
        .expect("sample")
        .is_empty());
    assert!(
        debugfs(&image, "hb")
            .lines()
            .any(|l| l.trim_start().starts_with("3:")),
        "debugfs sees node 3's block"
    );
}

#[test]
fn non_ocfs2_devices_are_refused_by_name() {
    let scratch = Scratch::new("notfs");
    let path = std::env::temp_dir().join(format!("ocfs-volume-test-{}-zeros", std::process::id()));
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(1 << 20))
        .expect("zeros");
    let err = Volume::open(&path, false)
        .err()
        .expect("zeros are no volume");
    let _ = std::fs::remove_file(&path);
    drop(scratch);
    let text = err.to_string();
    assert!(
        text.contains("holds no OCFS2 volume") && text.contains("bad signature"),
        "{text}"
    );
}
