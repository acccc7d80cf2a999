//! The `--fs-features` toggles that rewrite more than the superblock, against tunefs.ocfs2
//! 1.8.7 on twins made by mkfs.ocfs2 and by mkfs.ocfs: the twins must hold the same bytes
//! (inode times and checks aside), debugfs.ocfs2 must show the same, fsck.ocfs2 -fn must
//! pass, and a file planted beforehand must read back unchanged.  What tunefs.ocfs refuses
//! (data it would have to delete) must leave the volume untouched.

mod common;

use common::compare::{assert_debugfs_agree, differing_blocks};
use common::plant::{pattern, plant_file, read_with_debugfs};
use common::*;
use ocfs_format::dinode::{HAS_REFCOUNT_FL, HAS_XATTR_FL};
use ocfs_format::extent::EXT_UNWRITTEN;
use ocfs_format::system::SystemFile;
use ocfs_volume::{ChainAllocator, Volume};
use std::path::{Path, PathBuf};

const MIB: u64 = 1 << 20;

/// Both formatters' images of one configuration.
fn images(scratch: &Scratch, name: &str, options: &[&str]) -> Vec<(String, PathBuf)> {
    [Maker::Oracle, Maker::Ours]
        .into_iter()
        .filter_map(|maker| {
            let label = format!("{maker:?}-{name}");
            // 4K blocks unless the options say otherwise.
            let mut all = vec!["-M", "local", "-J", "size=4M", "-N", "3"];
            if !options.contains(&"-b") {
                all.extend(["-b", "4K"]);
            }
            all.extend_from_slice(options);
            scratch
                .mkfs(maker, &label, 128 * MIB, &all)
                .map(|image| (label, image))
        })
        .collect()
}

/// What debugfs.ocfs2 is asked about the twins.
const REQUESTS: &[&str] = &[
    "stats",
    "ls -l //",
    "slotmap",
    "stat //slot_map",
    "stat //inode_alloc:0000",
    "stat //inode_alloc:0002",
    "stat //extent_alloc:0000",
    "stat /kept",
];

/// Toggles `features` on twins of `image` with both tools and compares them; returns the
/// twins (tunefs.ocfs2's, ours).
fn assert_toggle_matches(
    scratch: &Scratch,
    label: &str,
    image: &Path,
    features: &str,
) -> (PathBuf, PathBuf) {
    assert_toggle_matches_except(scratch, label, image, features, &|_, _, _| false)
}

/// [`assert_toggle_matches`], where the blocks `tolerated(theirs, ours, blkno)` accepts
/// may differ.
fn assert_toggle_matches_except(
    scratch: &Scratch,
    label: &str,
    image: &Path,
    features: &str,
    tolerated: &dyn Fn(&Path, &Path, u64) -> bool,
) -> (PathBuf, PathBuf) {
    let what = format!("{label} --fs-features={features}");
    let arg = format!("--fs-features={features}");
    let theirs = scratch.twin(image, &format!("{label}-{features}-theirs"));
    let ours = scratch.twin(image, &format!("{label}-{features}-ours"));
    let out = tunefs_ocfs2(&[&arg], &theirs);
    assert!(out.status.success(), "{what}: tunefs.ocfs2: {}", text(&out));
    let out = tunefs_ocfs(&[&arg], &ours);
    assert!(out.status.success(), "{what}: tunefs.ocfs: {}", text(&out));
    let mut differ = differing_blocks(&theirs, &ours, block_size(image));
    differ.retain(|&blkno| !tolerated(&theirs, &ours, blkno));
    assert!(
        differ.is_empty(),
        "{what}: the twins differ in blocks {differ:?}"
    );
    let requests: Vec<String> = REQUESTS.iter().map(|r| r.to_string()).collect();
    assert_debugfs_agree(&theirs, &ours, &requests, &what);
    assert_fsck_clean_since(image, &ours, &what);
    assert_eq!(
        read_with_debugfs(&ours, "kept"),
        pattern(200_000, 3),
        "{what}"
    );
    (theirs, ours)
}

#[test]
fn data_toggles_match_tunefs_ocfs2() {
    let scratch = Scratch::new("convert");
    // (name, mkfs options, toggles, one at a time)
    let configs: &[(&str, &[&str], &[&str])] = &[
        (
            "max-features",
            &["--fs-feature-level=max-features"],
            // "norefcount" with no refcount tree: the bit alone, like "nometaecc" (one run).
            &[
                "nometaecc,norefcount",
                "nodiscontig-bg",
                "noextended-slotmap",
            ],
        ),
        // Without indexed directories, "noxattr" zeroes s_uuid_hash as tunefs.ocfs2 does.
        ("no-dx", &["--fs-features=noindexed-dirs"], &["noxattr"]),
        // The old slot map to the extended one.
        (
            "max-compat",
            &["--fs-feature-level=max-compat"],
            &["extended-slotmap"],
        ),
    ];
    for (name, options, toggles) in configs {
        for (label, image) in images(&scratch, name, options) {
            // Its inode comes from inode_alloc:0002, whose group descriptors some toggles
            // rewrite.
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            for features in *toggles {
                assert_toggle_matches(&scratch, &label, &image, features);
            }
        }
    }
}

#[test]
fn directory_indexes_are_removed_as_tunefs_ocfs2_removes_them() {
    let scratch = Scratch::new("unindex");
    // mkfs.ocfs2 indexes the system and orphan directories of volumes without inline data:
    // indexes held in their root block.
    for (label, image) in images(&scratch, "inline-roots", &["--fs-features=noinline-data"]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        assert!(
            debugfs(&image, "stat //orphan_dir:0000").contains("IndexedDir"),
            "{label}"
        );
        assert_toggle_matches(&scratch, &label, &image, "noindexed-dirs");
    }
    // A directory of 40 names at 512-byte blocks, indexed by tunefs.ocfs2 afterwards: its
    // index outgrows the root (19 entries) into a cluster of dx leaves.
    for (label, image) in images(
        &scratch,
        "dx-leaves",
        &["-b", "512", "-C", "4K", "--fs-features=noindexed-dirs"],
    ) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        for i in 0..40 {
            plant_file(&image, &format!("file-{i:02}"), &pattern(100, i), 0);
        }
        let out = tunefs_ocfs2(&["--fs-features=indexed-dirs"], &image);
        assert!(out.status.success(), "{label}: {}", text(&out));
        let root = debugfs(&image, "dx_dump /");
        assert!(root.contains("Leaf"), "{label}: no dx leaves:\n{root}");
        assert_toggle_matches(&scratch, &label, &image, "noindexed-dirs");
    }
}

/// The superblock's `s_uuid_hash`, which debugfs.ocfs2 does not print.
fn uuid_hash(image: &Path) -> u32 {
    Volume::open(image, false)
        .expect("open")
        .superblock()
        .super_block()
        .s_uuid_hash()
}

#[test]
fn noxattr_keeps_the_hash_seed_of_indexed_directories_and_refuses_to_delete_attributes() {
    let scratch = Scratch::new("noxattr");
    for (label, image) in images(&scratch, "default", &[]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        // Indexed directories hash names with s_uuid_hash (the kernel's osb_dx_seed[3]):
        // it stays, where tunefs.ocfs2 zeroes it.
        let ours = scratch.twin(&image, &format!("{label}-ours"));
        let out = tunefs_ocfs(&["--fs-features=noxattr"], &ours);
        assert!(out.status.success(), "{label}: {}", text(&out));
        assert!(!debugfs(&ours, "stats").contains(" xattr"), "{label}");
        assert_ne!(uuid_hash(&ours), 0, "{label}");
        assert_eq!(uuid_hash(&ours), uuid_hash(&image), "{label}");
        assert_fsck_clean_since(&image, &ours, &label);

        // A file with attributes: tunefs.ocfs2 would delete them; this tool refuses.
        let busy = scratch.twin(&image, &format!("{label}-busy"));
        let blkno = {
            let vol = Volume::open(&busy, true).expect("open");
            let blkno = vol.resolve("/kept").expect("kept");
            let mut inode = vol.read_inode(blkno).expect("inode");
            let flags = inode.dinode().i_dyn_features() | HAS_XATTR_FL;
            inode.dinode_mut().set_i_dyn_features(flags);
            vol.write_inode(&mut inode).expect("write");
            vol.sync().expect("sync");
            blkno
        };
        let twin = scratch.twin(&busy, &format!("{label}-refused"));
        let out = tunefs_ocfs(&["--fs-features=noxattr"], &twin);
        assert!(
            !out.status.success()
                && text(&out).contains(&format!("inode {blkno} has extended attributes")),
            "{label}: {}",
            text(&out)
        );
        assert_eq!(
            first_difference(&busy, &twin, block_size(&busy), &[]),
            None,
            "{label}: the refusal changed the volume"
        );
    }
}

/// Sets `OCFS2_EXT_UNWRITTEN` on every record of `/name`'s (depth 0) extent list, as
/// fallocate() leaves them.
fn mark_unwritten(image: &Path, name: &str) {
    let vol = Volume::open(image, true).expect("open");
    let blkno = vol.resolve(&format!("/{name}")).expect(name);
    let mut inode = vol.read_inode(blkno).expect("inode");
    {
        let mut d = inode.dinode_mut();
        let mut list = d.extent_list_mut();
        assert_eq!(list.l_tree_depth(), 0, "{name}");
        for i in 0..usize::from(list.l_next_free_rec()) {
            let mut rec = list.rec_mut(i).expect("record");
            rec.set_e_flags(rec.e_flags() | EXT_UNWRITTEN);
        }
    }
    vol.write_inode(&mut inode).expect("write");
    vol.sync().expect("sync");
}

#[test]
fn nounwritten_zeroes_and_marks_written_as_tunefs_ocfs2() {
    let scratch = Scratch::new("nounwritten");
    for (label, image) in images(&scratch, "default", &["--fs-features=nometaecc"]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        // Stale bytes under an unwritten extent: they read as zeros, and must stay zeros
        // once the extent is written.
        plant_file(&image, "prealloc", &pattern(50_000, 9), 1);
        mark_unwritten(&image, "prealloc");
        assert!(
            debugfs(&image, "stat /prealloc").contains("Unwritten"),
            "{label}"
        );
        let (theirs, ours) = assert_toggle_matches(&scratch, &label, &image, "nounwritten");
        for twin in [&theirs, &ours] {
            assert!(
                !debugfs(twin, "stats").contains("unwritten"),
                "{label}: {}",
                twin.display()
            );
        }
        let stat = |image: &Path| common::compare::debugfs_masked(image, "stat /prealloc");
        assert_eq!(stat(&theirs), stat(&ours), "{label}");
        assert!(!stat(&ours).contains("Unwritten"), "{label}");
        assert_eq!(
            read_with_debugfs(&ours, "prealloc"),
            vec![0u8; 50_000],
            "{label}"
        );
    }
}

#[test]
fn metaecc_checks_every_metadata_block_as_tunefs_ocfs2() {
    let scratch = Scratch::new("metaecc");
    // Indexed directories (trailers already there), then directories that get trailers.
    let configs: &[(&str, &[&str])] = &[
        ("default", &["--fs-features=nometaecc"]),
        ("max-compat", &["--fs-feature-level=max-compat"]),
    ];
    for (name, options) in configs {
        for (label, image) in images(&scratch, name, options) {
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            let (_, ours) = assert_toggle_matches(&scratch, &label, &image, "metaecc");
            assert!(debugfs(&ours, "stats").contains(" metaecc"), "{label}");
        }
    }
}

/// The first 8 bytes of block `blkno`.
fn signature(image: &Path, blkno: u64) -> Vec<u8> {
    peek(image, blkno * block_size(image), 8)
}

#[test]
fn metaecc_also_checks_directory_indexes_which_tunefs_ocfs2_leaves_unchecked() {
    let scratch = Scratch::new("metaecc-dx");
    // Without inline data, mkfs.ocfs2 indexes the system and orphan directories.
    for (label, image) in images(&scratch, "dx", &["--fs-features=nometaecc,noinline-data"]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        let theirs = scratch.twin(&image, &format!("{label}-theirs"));
        let ours = scratch.twin(&image, &format!("{label}-ours"));
        let out = tunefs_ocfs2(&["--fs-features=metaecc"], &theirs);
        assert!(out.status.success(), "{label}: {}", text(&out));
        let out = tunefs_ocfs(&["--fs-features=metaecc"], &ours);
        assert!(out.status.success(), "{label}: {}", text(&out));
        // tunefs.ocfs2's index blocks keep no check: fsck.ocfs2 fails on them.
        assert!(
            !text(&run("fsck.ocfs2", &["-fn"], &theirs)).contains("All passes succeeded"),
            "{label}: fsck.ocfs2 now passes tunefs.ocfs2's volume"
        );
        assert_fsck_clean_since(&image, &ours, &label);
        let differ = differing_blocks(&theirs, &ours, block_size(&image));
        assert!(!differ.is_empty(), "{label}: no index block was checked");
        for blkno in differ {
            let sig = signature(&ours, blkno);
            assert!(
                sig.starts_with(b"DXDIR") || sig.starts_with(b"DXLEAF"),
                "{label}: block {blkno} ({sig:?}) differs from tunefs.ocfs2's"
            );
        }
        assert_eq!(
            read_with_debugfs(&ours, "kept"),
            pattern(200_000, 3),
            "{label}"
        );
    }
}

#[test]
fn metaecc_refuses_a_directory_block_without_room_for_its_trailer() {
    let scratch = Scratch::new("metaecc-full");
    for (label, image) in images(&scratch, "full", &["--fs-feature-level=max-compat"]) {
        // '.' and '..' take 24 bytes, each of these 212: the 19th reaches into the last 64
        // bytes of the root's first block.
        for i in 0..19u8 {
            let name = format!("{i:02}{}", "x".repeat(198));
            plant_file(&image, &name, &pattern(100, i), 0);
        }
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        assert_ours_refuses(&image, &twin, &["--fs-features=metaecc"], "where its trailer goes", &label);
    }
}

/// Gives `/name` to `uid`:`gid`.
fn set_owner(image: &Path, name: &str, uid: u32, gid: u32) {
    let vol = Volume::open(image, true).expect("open");
    let blkno = vol.resolve(&format!("/{name}")).expect(name);
    let mut inode = vol.read_inode(blkno).expect("inode");
    {
        let mut d = inode.dinode_mut();
        d.set_i_uid(uid);
        d.set_i_gid(gid);
    }
    vol.write_inode(&mut inode).expect("write");
    vol.sync().expect("sync");
}

/// `(inodes, bytes)` charged to `id` in the global quota file dumped at `path`, found by
/// walking its radix tree as the kernel does (`find_tree_dqentry`).
fn charged(path: &Path, bs: usize, id: u32) -> Option<(u64, u64)> {
    let data = std::fs::read(path).expect("dump");
    let block = |n: u32| &data[n as usize * bs..(n as usize + 1) * bs];
    let u32_at = |b: &[u8], off: usize| u32::from_le_bytes(b[off..off + 4].try_into().unwrap());
    let u64_at = |b: &[u8], off: usize| u64::from_le_bytes(b[off..off + 8].try_into().unwrap());
    let epb = ((bs - 8) / 4) as u32;
    let mut depth = 1;
    let mut entries = u128::from(epb);
    while entries < 1 << 32 {
        entries *= u128::from(epb);
        depth += 1;
    }
    let mut blk = 1;
    for level in 0..depth {
        let mut i = id;
        for _ in 0..(depth - level - 1) {
            i /= epb;
        }
        blk = u32_at(block(blk), (i % epb) as usize * 4);
        if blk == 0 {
            return None;
        }
    }
    let leaf = block(blk);
    (0..(bs - 8 - 16) / 88)
        .map(|i| 16 + i * 88)
        .find(|&off| u32_at(leaf, off) == id && u64_at(leaf, off + 0x18) != 0)
        .map(|off| (u64_at(leaf, off + 0x18), u64_at(leaf, off + 0x30)))
}

/// End of the header and info in block 0 of a global quota file.
const GLOBAL_INFO_END: usize = 8 + 24;

/// Block 0 of a global quota file, alike up to the end of its info:
/// `ocfs2_write_global_quota_info()` writes an unzeroed buffer (`ocfs2_malloc_block()`),
/// so tunefs.ocfs2 leaves whatever the heap held after the info (and a check over it);
/// tunefs.ocfs writes zeros.
fn global_info_garbage(theirs: &Path, ours: &Path, blkno: u64) -> bool {
    let vol = Volume::open(theirs, false).expect("open");
    let is_info = [SystemFile::UserQuota, SystemFile::GroupQuota]
        .into_iter()
        .filter_map(|kind| vol.system_file(kind, 0).ok())
        .any(|ino| {
            let inode = vol.read_inode(ino).expect("inode");
            let tree = vol.file_extents(&inode).expect("extents");
            tree.map_block(0, vol.blocks_per_cluster()) == Some(blkno)
        });
    let bs = vol.block_size() as u64;
    is_info && peek(theirs, blkno * bs, GLOBAL_INFO_END) == peek(ours, blkno * bs, GLOBAL_INFO_END)
}

/// Dumps `//name` of `image` with debugfs.ocfs2.
fn dump_system_file(image: &Path, name: &str) -> PathBuf {
    let out = image.with_extension(name.replace(':', "-"));
    let request = format!("dump //{name} {}", out.display());
    debugfs(image, &request);
    assert!(out.exists(), "{}: no dump of {name}", image.display());
    out
}

#[test]
fn quotas_are_turned_on_as_tunefs_ocfs2_turns_them_on() {
    let scratch = Scratch::new("quota-on");
    // (file, bytes, uid, gid): ids past one index block's 1022 references, and one
    // (8192) sharing a hash bucket with 0.
    let owned: &[(&str, usize, u32, u32)] = &[
        ("u1000-a", 9_000, 1000, 100),
        ("u1000-b", 30_000, 1000, 100),
        ("u1001", 5_000, 1001, 8192),
        ("u70000", 100_000, 70_000, 70_000),
    ];
    let cases: &[(&str, &[&str], &[&str])] =
        &[("default", &[], &["grpquota", "usrquota,grpquota"])];
    for (name, options, toggles) in cases {
        for (label, image) in images(&scratch, name, options) {
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            for (i, &(file, len, uid, gid)) in owned.iter().enumerate() {
                plant_file(&image, file, &pattern(len, i as u8), (i % 3) as u16);
                set_owner(&image, file, uid, gid);
            }
            let bs = block_size(&image) as usize;
            let cluster = u64::from(
                Volume::open(&image, false)
                    .expect("open")
                    .params()
                    .cluster_size,
            );
            for features in *toggles {
                let (theirs, ours) = assert_toggle_matches_except(
                    &scratch,
                    &label,
                    &image,
                    features,
                    &global_info_garbage,
                );
                let what = format!("{label} {features}");
                for (kind, global) in [("usrquota", "aquota.user"), ("grpquota", "aquota.group")] {
                    if !features.contains(kind) {
                        continue;
                    }
                    let mut names = vec![global.to_string()];
                    names.extend((0..3).map(|s| format!("{global}:{s:04}")));
                    for file in &names {
                        let stat = |image: &Path| {
                            common::compare::debugfs_masked(image, &format!("stat //{file}"))
                        };
                        assert_eq!(stat(&theirs), stat(&ours), "{what}: {file}");
                        let (a, b) = (
                            dump_system_file(&theirs, file),
                            dump_system_file(&ours, file),
                        );
                        let (mut a, mut b) = (
                            std::fs::read(&a).expect("dump"),
                            std::fs::read(&b).expect("dump"),
                        );
                        if file == global {
                            // Past the info: tunefs.ocfs2's uninitialised memory.
                            a[GLOBAL_INFO_END..bs].fill(0);
                            b[GLOBAL_INFO_END..bs].fill(0);
                        }
                        assert!(a == b, "{what}: {file} differs");
                    }
                    let dump = dump_system_file(&ours, global);
                    let ids: Vec<u32> = owned
                        .iter()
                        .map(|o| if kind == "usrquota" { o.2 } else { o.3 })
                        .collect();
                    for &id in &ids {
                        let (inodes, bytes) = owned
                            .iter()
                            .zip(&ids)
                            .filter(|(_, &i)| i == id)
                            .fold((0, 0), |(n, b), (o, _)| {
                                (n + 1, b + (o.1 as u64).div_ceil(cluster) * cluster)
                            });
                        assert_eq!(
                            charged(&dump, bs, id),
                            Some((inodes, bytes)),
                            "{what}: {global} id {id}"
                        );
                    }
                    assert!(charged(&dump, bs, 0).is_some(), "{what}: id 0");
                    assert_eq!(charged(&dump, bs, 4242), None, "{what}");
                }
                for (i, &(file, len, _, _)) in owned.iter().enumerate() {
                    assert_eq!(
                        read_with_debugfs(&ours, file),
                        pattern(len, i as u8),
                        "{what}"
                    );
                }
            }
        }
    }
}

#[test]
fn quotas_are_turned_off_as_tunefs_ocfs2_turns_them_off() {
    let scratch = Scratch::new("quota-off");
    // An inline system directory, and one grown by 18 slots out of its inode and indexed.
    for name in ["default", "dx"] {
        for (label, image) in images(&scratch, name, &["--fs-features=usrquota,grpquota"]) {
            if name == "dx" {
                let out = tunefs_ocfs2(&["-N", "18"], &image);
                assert!(out.status.success(), "{label}: {}", text(&out));
                assert!(debugfs(&image, "stat //").contains("IndexedDir"), "{label}");
            }
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            let sysdir = debugfs(&image, "ls -l //");
            assert!(sysdir.contains("aquota.group:0002"), "{label}: {sysdir}");
            let ours = scratch.twin(&image, &format!("{label}-ours"));
            let theirs = scratch.twin(&image, &format!("{label}-theirs"));
            let arg = "--fs-features=nousrquota,nogrpquota";
            let out = tunefs_ocfs2(&[arg], &theirs);
            assert!(
                out.status.success(),
                "{label}: tunefs.ocfs2: {}",
                text(&out)
            );
            let out = tunefs_ocfs(&[arg], &ours);
            assert!(out.status.success(), "{label}: tunefs.ocfs: {}", text(&out));
            let listing = debugfs(&ours, "ls -l //");
            assert!(!listing.contains("aquota"), "{label}: {listing}");
            assert!(!debugfs(&ours, "stats").contains("quota"), "{label}");
            assert_fsck_clean_since(&image, &ours, &label);
            assert_eq!(
                read_with_debugfs(&ours, "kept"),
                pattern(200_000, 3),
                "{label}"
            );
            // The clusters and inodes come back as tunefs.ocfs2 returns them.
            for request in ["stat //global_bitmap", "stat //global_inode_alloc", "stats"] {
                let stat = |image: &Path| common::compare::debugfs_masked(image, request);
                assert_eq!(stat(&theirs), stat(&ours), "{label}: {request}");
            }
            let differ = differing_blocks(&theirs, &ours, block_size(&image));
            if name == "default" {
                assert!(
                    differ.is_empty(),
                    "{label}: the twins differ in blocks {differ:?}"
                );
            } else {
                // tunefs.ocfs2 leaves the index entries of the removed names
                // (ocfs2_dir_iterate() does not touch the index); this tool removes them.
                let root = Volume::open(&ours, false)
                    .expect("open")
                    .read_inode(
                        Volume::open(&ours, false)
                            .expect("open")
                            .superblock()
                            .super_block()
                            .s_system_dir_blkno(),
                    )
                    .expect("sysdir")
                    .dinode()
                    .i_dx_root();
                assert!(
                    differ == [root],
                    "{label}: the twins differ in blocks {differ:?} (dx root {root})"
                );
                let entries = |image: &Path| -> u32 {
                    let dump = debugfs(image, "dx_dump //");
                    dump.lines()
                        .find_map(|l| l.trim().strip_prefix("Total Entry Count: "))
                        .and_then(|n| n.trim().parse().ok())
                        .unwrap_or_else(|| panic!("{label}: no entry count in\n{dump}"))
                };
                // The two global files and 18 local files of each type.
                assert_eq!(entries(&ours) + 2 + 2 * 18, entries(&theirs), "{label}");
            }
        }
    }
}

#[test]
fn norefcount_refuses_a_file_with_a_refcount_tree() {
    let scratch = Scratch::new("norefcount");
    for (label, image) in images(&scratch, "default", &[]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        assert!(debugfs(&image, "stats").contains(" refcount"), "{label}");
        // A refcount tree tunefs.ocfs2 would copy the shared extents out of: refused.
        let blkno = {
            let vol = Volume::open(&image, true).expect("open");
            let blkno = vol.resolve("/kept").expect("kept");
            let mut inode = vol.read_inode(blkno).expect("inode");
            let flags = inode.dinode().i_dyn_features() | HAS_REFCOUNT_FL;
            inode.dinode_mut().set_i_dyn_features(flags);
            inode.dinode_mut().set_i_refcount_loc(blkno + 1);
            vol.write_inode(&mut inode).expect("write");
            vol.sync().expect("sync");
            blkno
        };
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        let says = format!("inode {blkno} has a refcount tree");
        assert_ours_refuses(&image, &twin, &["--fs-features=norefcount"], &says, &label);
    }
}

const GIB: u64 = 1 << 30;

/// Whether the global bitmap of `image` marks the cluster holding block `blkno` used.
fn cluster_used(image: &Path, blkno: u64) -> bool {
    let vol = Volume::open(image, false).expect("open");
    let gb = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .expect("global_bitmap");
    let bitmap = ChainAllocator::load(&vol, gb).expect("bitmap");
    let cluster = blkno / vol.blocks_per_cluster();
    let region = bitmap
        .regions
        .iter()
        .find(|r| cluster >= r.first_bit && cluster < r.first_bit + r.bits())
        .expect("a group holds the cluster");
    region.is_set(cluster - region.first_bit)
}

#[test]
fn backup_superblocks_are_added_and_removed_as_tunefs_ocfs2_does() {
    let scratch = Scratch::new("backup-super");
    // Just past 1 GiB: one backup location (block 262144 at 4K blocks).
    let backup = GIB / 4096;
    for maker in [Maker::Oracle, Maker::Ours] {
        let label = format!("{maker:?}-backup");
        let options = [
            "-M",
            "local",
            "-J",
            "size=4M",
            "-N",
            "3",
            "-b",
            "4K",
            "--fs-features=nobackup-super",
        ];
        let Some(image) = scratch.mkfs(maker, &label, GIB + 64 * MIB, &options) else {
            continue;
        };
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        assert!(!cluster_used(&image, backup), "{label}");
        let (_, ours) = assert_toggle_matches(&scratch, &label, &image, "backup-super");
        assert!(debugfs(&ours, "stats").contains("backup-super"), "{label}");
        assert!(cluster_used(&ours, backup), "{label}");
        let copy = peek(&ours, backup * 4096, 4096);
        assert!(
            ocfs_format::dinode::Dinode::new(copy.as_slice())
                .and_then(|d| d.validate_superblock(backup))
                .is_ok(),
            "{label}: no superblock copy at block {backup}"
        );
        // And off again.
        let (_, off) = assert_toggle_matches(&scratch, &label, &ours, "nobackup-super");
        assert!(!debugfs(&off, "stats").contains("backup-super"), "{label}");
        assert!(!cluster_used(&off, backup), "{label}");

        // --backup-super is the same toggle.
        let alias = scratch.twin(&image, &format!("{label}-alias"));
        let out = tunefs_ocfs(&["--backup-super"], &alias);
        assert!(out.status.success(), "{label}: {}", text(&out));
        assert!(debugfs(&alias, "stats").contains("backup-super"), "{label}");
        assert!(cluster_used(&alias, backup), "{label}");

        // The location's cluster already in use: both tools refuse; this one names the block
        // and changes nothing.
        let busy = scratch.twin(&image, &format!("{label}-busy"));
        {
            let vol = Volume::open(&busy, true).expect("open");
            let gb = vol
                .system_file(SystemFile::GlobalBitmap, 0)
                .expect("global_bitmap");
            let mut bitmap = ChainAllocator::load(&vol, gb).expect("bitmap");
            assert!(bitmap
                .change_bit(backup / vol.blocks_per_cluster(), true)
                .expect("bit"));
            bitmap.write(&vol).expect("write");
            vol.sync().expect("sync");
        }
        let theirs = scratch.twin(&busy, &format!("{label}-busy-theirs"));
        // tunefs.ocfs2 1.8.7 says so but exits 0.
        let out = tunefs_ocfs2(&["--fs-features=backup-super"], &theirs);
        assert!(
            text(&out).contains("already in use")
                && !debugfs(&theirs, "stats").contains("backup-super"),
            "{label}: tunefs.ocfs2 accepted: {}",
            text(&out)
        );
        let twin = scratch.twin(&busy, &format!("{label}-refused"));
        let out = tunefs_ocfs(&["--fs-features=backup-super"], &twin);
        assert!(
            !out.status.success() && text(&out).contains(&format!("block {backup}")),
            "{label}: {}",
            text(&out)
        );
        assert_eq!(
            first_difference(&busy, &twin, 4096, &[]),
            None,
            "{label}: the refusal changed the volume"
        );
    }
}

/// Inline files and directories for "noinline-data": `/small`, a file filling its inode
/// (`/full`), `/d` holding `/d/inner` and `/d/e`, and `/many`, a directory of 12 names;
/// inodes from three slots.  Returns the regular files with their contents.
fn plant_inline_tree(image: &Path) -> Vec<(String, Vec<u8>)> {
    use common::plant::{plant_dir, plant_inline_file};
    let room = block_size(image) as usize - 200;
    let files = vec![
        ("/small".to_string(), pattern(100, 1), 0),
        ("/full".to_string(), pattern(room, 2), 1),
        ("/d/inner".to_string(), pattern(room / 3, 3), 2),
    ];
    plant_inline_file(image, "/", "small", &files[0].1, 0);
    plant_dir(image, "/", "d", 0);
    plant_inline_file(image, "/", "full", &files[1].1, 1);
    plant_inline_file(image, "/d", "inner", &files[2].1, 2);
    plant_dir(image, "/d", "e", 1);
    plant_dir(image, "/", "many", 2);
    for i in 0..12u8 {
        plant_inline_file(image, "/many", &format!("f{i}"), &pattern(7, i), (i % 3).into());
    }
    let mut all: Vec<(String, Vec<u8>)> = files.into_iter().map(|(p, d, _)| (p, d)).collect();
    all.extend((0..12u8).map(|i| (format!("/many/f{i}"), pattern(7, i))));
    for (path, data) in &all {
        assert_eq!(&common::plant::dump_with_debugfs(image, path), data, "{path}");
    }
    assert_fsck_clean(image, "the planted inline tree");
    all
}

/// The directories `plant_inline_tree` makes, and those mkfs made.
const INLINE_DIRS: &[&str] = &["/", "/lost+found", "/d", "/d/e", "/many", "//", "//orphan_dir:0000"];

/// Whether block `blkno` is the first data block of one of `files` in `ours`, alike in
/// both twins up to the file's size: libocfs2 copies the inline bytes into an unzeroed
/// buffer (`ocfs2_malloc_block()`), so tunefs.ocfs2 writes heap leftovers after them;
/// tunefs.ocfs writes zeros.
fn inline_tail(files: &[(String, Vec<u8>)], theirs: &Path, ours: &Path, blkno: u64) -> bool {
    let vol = Volume::open(ours, false).expect("open");
    let bs = vol.block_size() as u64;
    files.iter().any(|(path, data)| {
        let inode = vol.read_inode(vol.resolve(path).expect(path)).expect("inode");
        let first = vol
            .file_extents(&inode)
            .expect("extents")
            .map_block(0, vol.blocks_per_cluster());
        first == Some(blkno)
            && peek(theirs, blkno * bs, data.len()) == peek(ours, blkno * bs, data.len())
            && peek(ours, blkno * bs + data.len() as u64, (bs as usize) - data.len())
                .iter()
                .all(|&b| b == 0)
    })
}

/// Checks what every inode inline in `before` looks like in `image`: no inline data, one
/// cluster (directories a block long), and the same contents as before.
fn assert_moved_out(before: &Path, image: &Path, files: &[(String, Vec<u8>)], what: &str) {
    let old = Volume::open(before, false).expect("open");
    let vol = Volume::open(image, false).expect("open");
    for path in files.iter().map(|(p, _)| p.as_str()).chain(INLINE_DIRS.iter().copied()) {
        let was = old.read_inode(old.resolve(path).expect(path)).expect("inode");
        let planted = !path.starts_with("//") && path != "/" && path != "/lost+found";
        if was.dinode().i_dyn_features() & ocfs_format::dinode::INLINE_DATA_FL == 0 {
            assert!(!planted, "{what}: {path} was not inline");
            continue;
        }
        let inode = vol.read_inode(vol.resolve(path).expect(path)).expect("inode");
        let d = inode.dinode();
        assert_eq!(d.i_dyn_features() & ocfs_format::dinode::INLINE_DATA_FL, 0, "{what}: {path}");
        assert_eq!(d.i_clusters(), 1, "{what}: {path}");
        if d.is_dir() {
            assert_eq!(d.i_size(), u64::from(vol.block_size()), "{what}: {path}");
        }
    }
    for (path, data) in files {
        assert_eq!(&common::plant::dump_with_debugfs(image, path), data, "{what}: {path}");
    }
    for dir in ["/", "/d", "/many", "//"] {
        let listing = debugfs(image, &format!("ls {dir}"));
        assert!(listing.contains(" .."), "{what}: {dir}: {listing}");
    }
    assert!(!debugfs(image, "stats").contains("inline-data"), "{what}");
}

#[test]
fn noinline_data_moves_files_and_directories_out_as_tunefs_ocfs2() {
    let scratch = Scratch::new("noinline");
    // Without "indexed-dirs" tunefs.ocfs2 leaves a clean volume: the twins must match.
    // Trailers (metaecc), none, and 512-byte blocks with clusters of 8 blocks.
    let configs: &[(&str, &[&str])] = &[
        ("trailers", &["--fs-features=noindexed-dirs"]),
        ("no-trailers", &["--fs-features=noindexed-dirs,nometaecc"]),
        ("512", &["-b", "512", "-C", "4K", "--fs-features=noindexed-dirs"]),
    ];
    for (name, options) in configs {
        for (label, image) in images(&scratch, name, options) {
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            let files = plant_inline_tree(&image);
            let tail = |t: &Path, o: &Path, b: u64| inline_tail(&files, t, o, b);
            let (theirs, ours) =
                assert_toggle_matches_except(&scratch, &label, &image, "noinline-data", &tail);
            assert_moved_out(&image, &ours, &files, &label);
            assert_moved_out(&image, &theirs, &files, &label);
            let listing = |image: &Path, dir: &str| {
                common::compare::debugfs_masked(image, &format!("ls -l {dir}"))
            };
            for dir in INLINE_DIRS {
                assert_eq!(listing(&theirs, dir), listing(&ours, dir), "{label}: {dir}");
            }
        }
    }
}

/// Used bits of a chain allocator of `image`: (`i_used`, group descriptor blocks).
fn allocator_use(image: &Path, kind: SystemFile, slot: u16) -> (u32, Vec<u64>) {
    let vol = Volume::open(image, false).expect("open");
    let inode = vol.read_inode(vol.system_file(kind, slot).expect("allocator")).expect("inode");
    let groups = vol
        .chains(&inode)
        .expect("chains")
        .into_iter()
        .flat_map(|c| c.groups.into_iter().map(|g| g.blkno))
        .collect();
    (inode.dinode().i_used(), groups)
}

/// What indexing the converted directories changes beyond tunefs.ocfs2's result: the
/// directory inodes (`INDEXED_DIR_FL`, `i_dx_root`), their blocks' trailers (free space
/// list), dx roots and new extent allocator groups where tunefs.ocfs2 left free space, and
/// the allocators' inodes and groups (their counts are checked apart).
fn indexing(theirs: &Path, ours: &Path, blkno: u64) -> bool {
    let vol = Volume::open(ours, false).expect("open");
    let bs = u64::from(vol.block_size());
    let (a, b) = (peek(theirs, blkno * bs, bs as usize), peek(ours, blkno * bs, bs as usize));
    let mut allocators = vec![vol.system_file(SystemFile::GlobalBitmap, 0).expect("bitmap")];
    allocators.extend(
        (0..vol.params().max_slots)
            .map(|slot| vol.system_file(SystemFile::ExtentAlloc, slot).expect("extent_alloc")),
    );
    if allocators.contains(&blkno) {
        return true;
    }
    if (b.starts_with(b"DXDIR01") || b.starts_with(b"GROUP01")) && a.iter().all(|&x| x == 0) {
        return true;
    }
    if a.starts_with(b"GROUP01") && b.starts_with(b"GROUP01") {
        let parent = |g: &[u8]| u64::from_le_bytes(g[0x20..0x28].try_into().expect("8 bytes"));
        return parent(&a) == parent(&b) && allocators.contains(&parent(&b));
    }
    if a.starts_with(b"INODE01") && b.starts_with(b"INODE01") {
        let inode = vol.read_inode(blkno).expect("inode");
        let d = inode.dinode();
        let masked = |block: &[u8]| {
            let mut m = block.to_vec();
            for (lo, hi) in [(0x30, 0x50), (0x64, 0x70), (0x76, 0x78), (0x80, 0x90)] {
                m[lo..hi].fill(0);
            }
            m
        };
        return d.is_dir()
            && d.i_dyn_features() & ocfs_format::dinode::INDEXED_DIR_FL != 0
            && masked(&a) == masked(&b);
    }
    // A directory block: the same entries, a different trailer.
    let trailer = bs as usize - 64;
    a[..trailer] == b[..trailer] && b[trailer + 0x10..].starts_with(b"DIRTRL1")
}

#[test]
fn noinline_data_indexes_the_directories_it_moves_out() {
    let scratch = Scratch::new("noinline-dx");
    for (label, image) in images(&scratch, "indexed", &[]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        let files = plant_inline_tree(&image);
        let theirs = scratch.twin(&image, &format!("{label}-theirs"));
        let ours = scratch.twin(&image, &format!("{label}-ours"));
        let arg = "--fs-features=noinline-data";
        let out = tunefs_ocfs2(&[arg], &theirs);
        assert!(out.status.success(), "{label}: tunefs.ocfs2: {}", text(&out));
        let out = tunefs_ocfs(&[arg], &ours);
        assert!(out.status.success(), "{label}: tunefs.ocfs: {}", text(&out));
        // tunefs.ocfs2 leaves every directory it moved out without its index.
        let missing: Vec<String> = fsck_problems(&theirs)
            .into_iter()
            .filter(|p| p.starts_with("[DX_TREE_MISSING]"))
            .collect();
        assert!(missing.len() >= 5, "{label}: {missing:?}");
        assert_fsck_clean_since(&image, &ours, &label);
        assert_moved_out(&image, &ours, &files, &label);
        let mut differ = differing_blocks(&theirs, &ours, block_size(&image));
        differ.retain(|&b| !inline_tail(&files, &theirs, &ours, b) && !indexing(&theirs, &ours, b));
        assert!(differ.is_empty(), "{label}: the twins differ in blocks {differ:?}");
        // The clusters are tunefs.ocfs2's plus the extent allocator's new groups; one
        // index root per converted directory.
        let (their_used, _) = allocator_use(&theirs, SystemFile::GlobalBitmap, 0);
        let (our_used, _) = allocator_use(&ours, SystemFile::GlobalBitmap, 0);
        // The roots come from the extent allocator of each directory's slot.
        let (mut their_roots, mut our_roots, mut new_groups) = (0, 0, 0);
        for slot in 0..3 {
            let (theirs_used, their_groups) = allocator_use(&theirs, SystemFile::ExtentAlloc, slot);
            let (ours_used, our_groups) = allocator_use(&ours, SystemFile::ExtentAlloc, slot);
            their_roots += theirs_used;
            our_roots += ours_used;
            new_groups += our_groups.iter().filter(|g| !their_groups.contains(g)).count() as u32;
        }
        let cpg = {
            let vol = Volume::open(&ours, false).expect("open");
            let alloc = vol.system_file(SystemFile::ExtentAlloc, 0).expect("extent_alloc");
            u32::from(vol.read_inode(alloc).expect("inode").dinode().chain_list().cl_cpg())
        };
        assert_eq!(our_used, their_used + new_groups * cpg, "{label}");
        let mut dirs = 0;
        Volume::open(&image, false)
            .expect("open")
            .for_each_inode(|inode| {
                let d = inode.dinode();
                if d.is_dir() && d.i_dyn_features() & ocfs_format::dinode::INLINE_DATA_FL != 0 {
                    dirs += 1;
                }
                Ok(())
            })
            .expect("inodes");
        assert!(dirs >= INLINE_DIRS.len() as u32, "{label}: {dirs} inline directories");
        // Bit 0 of each new group is its descriptor.
        assert_eq!(our_roots, their_roots + dirs + new_groups, "{label}");
        for dir in INLINE_DIRS {
            // The extent allocators grew by the index roots.
            let listing = |image: &Path| {
                common::compare::debugfs_masked(image, &format!("ls -l {dir}"))
                    .lines()
                    .filter(|l| !l.contains("extent_alloc:"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(listing(&theirs), listing(&ours), "{label}: {dir}");
            let dump = debugfs(&ours, &format!("dx_dump {dir}"));
            assert!(dump.contains("Total Entry Count"), "{label}: {dir}: {dump}");
        }
    }
}

#[test]
fn noinline_data_gives_no_cluster_to_an_empty_file() {
    let scratch = Scratch::new("noinline-empty");
    for (label, image) in images(&scratch, "empty", &["--fs-features=noindexed-dirs"]) {
        common::plant::plant_inline_file(&image, "/", "empty", &[], 1);
        assert_fsck_clean(&image, &label);
        let theirs = scratch.twin(&image, &format!("{label}-theirs"));
        let ours = scratch.twin(&image, &format!("{label}-ours"));
        let arg = "--fs-features=noinline-data";
        assert!(tunefs_ocfs2(&[arg], &theirs).status.success(), "{label}");
        let out = tunefs_ocfs(&[arg], &ours);
        assert!(out.status.success(), "{label}: {}", text(&out));
        // tunefs.ocfs2 allocates a cluster to the empty file, which fsck.ocfs2 reports.
        assert!(
            fsck_problems(&theirs).iter().any(|p| p.starts_with("[INODE_SPARSE_SIZE]")),
            "{label}"
        );
        assert_fsck_clean_since(&image, &ours, &label);
        let stat = debugfs(&ours, "stat /empty");
        assert!(stat.contains("Size: 0") && stat.contains("Clusters: 0"), "{label}: {stat}");
        assert!(!stat.contains("InlineData"), "{label}: {stat}");
    }
}

#[test]
fn noinline_data_refuses_a_corrupt_inline_directory() {
    let scratch = Scratch::new("noinline-corrupt");
    for (label, image) in images(&scratch, "corrupt", &[]) {
        common::plant::plant_dir(&image, "/", "bad", 0);
        let blkno = {
            let vol = Volume::open(&image, true).expect("open");
            let blkno = vol.resolve("/bad").expect("bad");
            let mut inode = vol.read_inode(blkno).expect("inode");
            // i_size past the entries' end.
            let size = inode.dinode().i_size();
            inode.dinode_mut().set_i_size(size - 16);
            vol.write_inode(&mut inode).expect("write");
            vol.sync().expect("sync");
            blkno
        };
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        let says = format!("inode {blkno}");
        assert_ours_refuses(&image, &twin, &["--fs-features=noinline-data"], &says, &label);
    }
    // Extended attributes kept in the inode beside inline data.
    for (label, image) in images(&scratch, "xattr", &[]) {
        common::plant::plant_inline_file(&image, "/", "attrs", &pattern(100, 1), 0);
        let blkno = {
            let vol = Volume::open(&image, true).expect("open");
            let blkno = vol.resolve("/attrs").expect("attrs");
            let mut inode = vol.read_inode(blkno).expect("inode");
            let flags = inode.dinode().i_dyn_features() | ocfs_format::dinode::INLINE_XATTR_FL;
            let mut d = inode.dinode_mut();
            d.set_i_dyn_features(flags);
            // 256 bytes of attributes (none yet) at the end of the inode.
            d.set_i_xattr_inline_size(256);
            let room = d.id_count() - 256;
            d.set_id_count(room);
            vol.write_inode(&mut inode).expect("write");
            vol.sync().expect("sync");
            blkno
        };
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        let says = format!("inode {blkno}: its extended attributes");
        assert_ours_refuses(&image, &twin, &["--fs-features=noinline-data"], &says, &label);
    }
}

/// The bytes a sparse file planted from `pieces` reads as: zeros in its holes.
fn sparse_contents(pieces: &[(u32, Vec<u8>)], size: u64, cluster: u64) -> Vec<u8> {
    let mut all = vec![0u8; size as usize];
    for (cpos, data) in pieces {
        let at = (u64::from(*cpos) * cluster) as usize;
        let end = (at + data.len()).min(all.len());
        if at < end {
            all[at..end].copy_from_slice(&data[..end - at]);
        }
    }
    all
}

/// A planted sparse file: name, (cluster, bytes) pieces, size.
type SparseFile<'a> = (&'a str, Vec<(u32, Vec<u8>)>, u64);

/// Sparse files for "nosparse": holes inside and at the end, allocation past `i_size`,
/// an unwritten extent past it, and a full inode extent list that must gain a level.
/// Returns (name, contents).
fn plant_sparse_files(image: &Path) -> Vec<(String, Vec<u8>)> {
    use common::plant::plant_sparse_file;
    let vol = Volume::open(image, false).expect("open");
    let cluster = u64::from(vol.params().cluster_size);
    let recs = ocfs_format::dinode::extent_recs_per_inode(vol.block_size() as usize) as u32;
    drop(vol);
    let c = cluster as usize;
    let mut files: Vec<SparseFile> = vec![
        // Holes before, between and after.
        ("holes", vec![(1, pattern(c + 100, 4)), (4, pattern(100, 5))], 7 * cluster + 10),
        // Two clusters past i_size, and a tail to zero in the last kept one.
        ("past", vec![(0, pattern(3 * c, 6))], cluster + c as u64 / 2),
        // A hole at the end only.
        ("tail", vec![(0, pattern(c, 7))], 3 * cluster),
    ];
    // The inode's list full (one record per cluster, 0..recs-3), then three records with
    // a hole before each: the first fill moves the records to an extent block.
    let mut wide: Vec<(u32, Vec<u8>)> = (0..recs - 3).map(|i| (i, pattern(16, i as u8))).collect();
    wide.extend((0..3).map(|i| (recs - 3 + 2 * i + 1, pattern(16, 200 + i as u8))));
    let wide_size = u64::from(recs + 3) * cluster;
    files.push(("wide", wide, wide_size));
    // Two extent leaves (the first full), holes only in the second: filled in place.
    let leaf = ocfs_format::extent::extent_recs_per_eb(block_size(image) as usize) as u32;
    let mut leaves: Vec<(u32, Vec<u8>)> = (0..leaf + 5).map(|i| (i, pattern(16, i as u8))).collect();
    leaves.extend((0..3).map(|i| (leaf + 5 + 2 * i + 1, pattern(16, 100 + i as u8))));
    files.push(("leaves", leaves, u64::from(leaf + 11) * cluster));
    let mut out = Vec::new();
    for (i, (name, pieces, size)) in files.iter().enumerate() {
        plant_sparse_file(image, name, pieces, *size, (i % 3) as u16);
        out.push((name.to_string(), sparse_contents(pieces, *size, cluster)));
    }
    // Preallocated past i_size, unwritten.
    let pieces = vec![(0, pattern(2 * c, 8))];
    plant_sparse_file(image, "prealloc", &pieces, cluster / 2, 1);
    mark_unwritten(image, "prealloc");
    // Unwritten: zeros, and zeros once marked written (nounwritten zeroes it first).
    out.push(("prealloc".to_string(), vec![0u8; c / 2]));
    for (name, data) in &out {
        assert!(&read_with_debugfs(image, name) == data, "{name} reads back otherwise");
    }
    assert!(debugfs(image, "stat /wide").contains(&format!("Next Free Rec: {recs}")));
    assert_fsck_clean(image, "the planted sparse files");
    out
}

/// An extent block libocfs2 copied before an insert (`duplicate_extent_block()`): it
/// keeps the old block's `h_suballoc_bit` and `h_suballoc_loc`, where tunefs.ocfs writes
/// the copy's own (and so its check differs too).
fn copied_extent_block(theirs: &Path, ours: &Path, blkno: u64) -> bool {
    let bs = block_size(ours) as usize;
    let (a, b) = (peek(theirs, blkno * bs as u64, bs), peek(ours, blkno * bs as u64, bs));
    let masked = |block: &[u8]| {
        let mut m = block.to_vec();
        for (lo, hi) in [(0x08, 0x10), (0x12, 0x14), (0x20, 0x28)] {
            m[lo..hi].fill(0);
        }
        m
    };
    a.starts_with(b"EXBLK01") && b.starts_with(b"EXBLK01") && masked(&a) == masked(&b)
}

#[test]
fn nosparse_fills_holes_and_cuts_past_i_size_as_tunefs_ocfs2() {
    let scratch = Scratch::new("nosparse");
    // Default features (unwritten on: cleared too), and 512-byte blocks with 4K clusters.
    let configs: &[(&str, &[&str])] = &[
        ("default", &[]),
        ("512", &["-b", "512", "-C", "4K", "--fs-features=noindexed-dirs"]),
    ];
    for (name, options) in configs {
        for (label, image) in images(&scratch, name, options) {
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            let files = plant_sparse_files(&image);
            let (theirs, ours) = assert_toggle_matches_except(
                &scratch,
                &label,
                &image,
                "nosparse",
                &copied_extent_block,
            );
            let stats = debugfs(&ours, "stats");
            assert!(!stats.contains("sparse") && !stats.contains("unwritten"), "{label}: {stats}");
            let vol = Volume::open(&ours, false).expect("open");
            let cluster = u64::from(vol.params().cluster_size);
            for (file, data) in &files {
                assert!(&read_with_debugfs(&ours, file) == data, "{label}: {file} differs");
                // The extent blocks libocfs2 copied name their old bit (copied_extent_block).
                let stat = |image: &Path| {
                    common::compare::debugfs_masked(image, &format!("stat /{file}"))
                        .lines()
                        .filter(|l| !l.contains("SubAlloc Bit:"))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                assert_eq!(stat(&theirs), stat(&ours), "{label}: {file}");
                // No holes, nothing past i_size.
                let inode = vol.read_inode(vol.resolve(&format!("/{file}")).expect(file)).expect("inode");
                let size = inode.dinode().i_size();
                let tree = vol.file_extents(&inode).expect("extents");
                let mapped: u64 = tree.extents.iter().map(|e| u64::from(e.clusters)).sum();
                assert_eq!(mapped, size.div_ceil(cluster), "{label}: {file}");
                assert_eq!(u64::from(inode.dinode().i_clusters()), mapped, "{label}: {file}");
            }
            assert!(debugfs(&ours, "stat /wide").contains("Tree Depth: 1"), "{label}");
            let leaves = debugfs(&ours, "stat /leaves");
            assert!(leaves.contains("Tree Depth: 1") && leaves.contains("Next Free Rec: 2"), "{label}: {leaves}");
            // Every extent block of ours names its own bit and group.
            for file in ["wide", "leaves"] {
                let inode = vol.read_inode(vol.resolve(&format!("/{file}")).expect(file)).expect("inode");
                for (blkno, _) in vol.file_extents(&inode).expect("extents").blocks {
                    let block = vol.read_block(blkno).expect("block");
                    let eb = ocfs_format::extent::ExtentBlock::new(block.as_slice()).expect("eb");
                    assert_eq!(
                        blkno - eb.h_suballoc_loc(),
                        u64::from(eb.h_suballoc_bit()),
                        "{label}: {file}: extent block {blkno}"
                    );
                }
            }
        }
    }
}

#[test]
fn nosparse_refuses_what_it_cannot_fill() {
    let scratch = Scratch::new("nosparse-refused");
    // A hole in the left one of two extent leaves: the kernel rotates records from leaf
    // to leaf to make room.
    for (label, image) in images(&scratch, "leaves", &[]) {
        let pieces: Vec<(u32, Vec<u8>)> = (0..300).map(|i| (2 * i, pattern(16, i as u8))).collect();
        common::plant::plant_sparse_file(&image, "leaves", &pieces, 600 * 4096, 0);
        assert!(debugfs(&image, "stat /leaves").contains("Tree Depth: 1"), "{label}");
        assert_fsck_clean(&image, &label);
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        assert_ours_refuses(&image, &twin, &["--fs-features=nosparse"], "rotate", &label);
    }
    // With quotas, an owner the quota file does not know yet (tunefs.ocfs2 would add it).
    for (label, image) in images(&scratch, "quota", &["--fs-features=usrquota"]) {
        common::plant::plant_sparse_file(&image, "holes", &[(2, pattern(100, 1))], 4 * 4096, 0);
        set_owner(&image, "holes", 4242, 0);
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        assert_ours_refuses(&image, &twin, &["--fs-features=nosparse"], "no entry for id 4242", &label);
    }
}

/// A block of a global quota file, where the twins' usage may differ (see below).
fn global_quota_block(_theirs: &Path, ours: &Path, blkno: u64) -> bool {
    let vol = Volume::open(ours, false).expect("open");
    [SystemFile::UserQuota, SystemFile::GroupQuota]
        .into_iter()
        .filter_map(|kind| vol.system_file(kind, 0).ok())
        .any(|ino| {
            let inode = vol.read_inode(ino).expect("inode");
            let tree = vol.file_extents(&inode).expect("extents");
            let blocks = inode.dinode().i_size() / u64::from(vol.block_size());
            (0..blocks).any(|l| tree.map_block(l, vol.blocks_per_cluster()) == Some(blkno))
        })
}

#[test]
fn nosparse_charges_filled_and_cut_clusters_to_their_owners() {
    let scratch = Scratch::new("nosparse-quota");
    for (label, image) in images(&scratch, "quota", &[]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        let c = 4096usize;
        // 1000:100 gains three clusters, 1001:100 loses two, 1002:200 both.
        common::plant::plant_sparse_file(&image, "holes", &[(1, pattern(c, 1))], 4 * c as u64, 0);
        common::plant::plant_sparse_file(&image, "past", &[(0, pattern(3 * c, 2))], c as u64, 1);
        common::plant::plant_sparse_file(&image, "both", &[(2, pattern(3 * c, 3))], 4 * c as u64, 2);
        set_owner(&image, "holes", 1000, 100);
        set_owner(&image, "past", 1001, 100);
        set_owner(&image, "both", 1002, 200);
        // Quotas on afterwards, so that every owner has its entry (tunefs.ocfs2 counts them).
        let out = tunefs_ocfs2(&["--fs-features=usrquota,grpquota"], &image);
        assert!(out.status.success(), "{label}: {}", text(&out));
        assert_fsck_clean(&image, &label);
        let (theirs, ours) = assert_toggle_matches_except(
            &scratch,
            &label,
            &image,
            "nosparse",
            &global_quota_block,
        );
        let bs = block_size(&image) as usize;
        // tunefs.ocfs2 charges the filled clusters but not the cut ones: it reads the
        // inode's i_clusters before truncate_to_i_size() changes it.
        let their_users = dump_system_file(&theirs, "aquota.user");
        let b = c as u64;
        assert_eq!(charged(&their_users, bs, 1001), Some((1, 3 * b)), "{label}");
        assert_eq!(charged(&their_users, bs, 1002), Some((1, 5 * b)), "{label}");
        let users = dump_system_file(&ours, "aquota.user");
        let groups = dump_system_file(&ours, "aquota.group");
        assert_eq!(charged(&users, bs, 1000), Some((1, 4 * b)), "{label}");
        assert_eq!(charged(&users, bs, 1001), Some((1, b)), "{label}");
        assert_eq!(charged(&users, bs, 1002), Some((1, 4 * b)), "{label}");
        assert_eq!(charged(&groups, bs, 100), Some((2, 5 * b)), "{label}");
        assert_eq!(charged(&groups, bs, 200), Some((1, 4 * b)), "{label}");
        let holes = [vec![0u8; c], pattern(c, 1), vec![0u8; 2 * c]].concat();
        assert!(read_with_debugfs(&ours, "holes") == holes, "{label}: holes");
        assert!(read_with_debugfs(&ours, "past") == pattern(3 * c, 2)[..c], "{label}: past");
        let both = [vec![0u8; 2 * c], pattern(2 * c, 3)].concat();
        assert!(read_with_debugfs(&ours, "both") == both, "{label}: both");
    }
}

#[test]
fn sparse_on_cuts_allocation_past_i_size_as_tunefs_ocfs2() {
    let scratch = Scratch::new("sparse-on");
    for (label, image) in images(&scratch, "nosparse", &["--fs-features=nosparse"]) {
        plant_file(&image, "kept", &pattern(200_000, 3), 2);
        // Three clusters, i_size a cluster and a half; and one exactly at its size.
        let c = 4096usize;
        common::plant::plant_sparse_file(&image, "past", &[(0, pattern(3 * c, 6))], (c + c / 2) as u64, 1);
        common::plant::plant_sparse_file(&image, "exact", &[(0, pattern(2 * c, 7))], 2 * c as u64, 0);
        assert_fsck_clean(&image, &label);
        let (_, ours) = assert_toggle_matches(&scratch, &label, &image, "sparse");
        assert!(debugfs(&ours, "stats").contains(" sparse"), "{label}");
        assert!(read_with_debugfs(&ours, "past") == pattern(3 * c, 6)[..c + c / 2], "{label}");
        assert!(read_with_debugfs(&ours, "exact") == pattern(2 * c, 7), "{label}");
        assert!(debugfs(&ours, "stat /past").contains("Clusters: 2"), "{label}");
    }
}

/// `--fs-features=indexed-dirs` on a twin of `image` with tunefs.ocfs2, then on another
/// with tunefs.ocfs given the seed tunefs.ocfs2 drew (`TUNEFS_OCFS_TEST_DX_SEED`): the
/// twins must match block for block.  Returns (theirs, ours).
fn assert_indexing_matches(scratch: &Scratch, label: &str, image: &Path) -> (PathBuf, PathBuf) {
    let arg = "--fs-features=indexed-dirs";
    let theirs = scratch.twin(image, &format!("{label}-dx-theirs"));
    let ours = scratch.twin(image, &format!("{label}-dx-ours"));
    let out = tunefs_ocfs2(&[arg], &theirs);
    assert!(out.status.success(), "{label}: tunefs.ocfs2: {}", text(&out));
    let seed = Volume::open(&theirs, false)
        .expect("open")
        .superblock()
        .super_block()
        .s_dx_seed();
    let out = std::process::Command::new(TUNEFS_OCFS)
        .arg(arg)
        .arg(&ours)
        .env("TUNEFS_OCFS_TEST_DX_SEED", format!("{},{},{}", seed[0], seed[1], seed[2]))
        .output()
        .expect("run tunefs.ocfs");
    assert!(out.status.success(), "{label}: tunefs.ocfs: {}", text(&out));
    let differ = differing_blocks(&theirs, &ours, block_size(image));
    assert!(differ.is_empty(), "{label}: the twins differ in blocks {differ:?}");
    let mut requests: Vec<String> = REQUESTS.iter().map(|r| r.to_string()).collect();
    requests.extend(["dx_dump /", "dx_dump //", "dx_dump /d", "ls -l /d"].map(String::from));
    assert_debugfs_agree(&theirs, &ours, &requests, label);
    assert_fsck_clean_since(image, &ours, label);
    assert_eq!(read_with_debugfs(&ours, "kept"), pattern(200_000, 3), "{label}");
    (theirs, ours)
}

#[test]
fn indexed_dirs_on_indexes_every_directory_as_tunefs_ocfs2() {
    let scratch = Scratch::new("indexed-dirs");
    // Directories in blocks with trailers (metaecc) and without; and inline ones, which
    // stay unindexed.
    let configs: &[(&str, &[&str])] = &[
        ("trailers", &["--fs-features=noinline-data,noindexed-dirs"]),
        ("no-trailers", &["--fs-features=noinline-data,noindexed-dirs,nometaecc"]),
        ("inline", &["--fs-features=noindexed-dirs"]),
    ];
    for (name, options) in configs {
        for (label, image) in images(&scratch, name, options) {
            plant_file(&image, "kept", &pattern(200_000, 3), 2);
            common::plant::plant_dir(&image, "/", "d", 1);
            for i in 0..20u8 {
                let name = if i % 2 == 0 { format!("f{i:02}") } else { format!("d/f{i:02}") };
                plant_file(&image, &name, &pattern(50, i), 0);
            }
            assert_fsck_clean(&image, &label);
            let (_, ours) = assert_indexing_matches(&scratch, &label, &image);
            let stat = debugfs(&ours, "stat /d");
            assert_eq!(stat.contains("IndexedDir"), *name != "inline", "{label}: {stat}");
        }
    }
}

#[test]
fn indexed_dirs_on_refuses_a_directory_that_needs_dx_leaves() {
    let scratch = Scratch::new("indexed-dirs-leaves");
    // 512-byte blocks: an index root holds 19 entries.
    let options = ["-b", "512", "-C", "4K", "--fs-features=noinline-data,noindexed-dirs"];
    for (label, image) in images(&scratch, "leaves", &options) {
        for i in 0..20u8 {
            plant_file(&image, &format!("f{i:02}"), &pattern(50, i), 0);
        }
        let twin = scratch.twin(&image, &format!("{label}-refused"));
        assert_ours_refuses(&image, &twin, &["--fs-features=indexed-dirs"], "dx leaf", &label);
    }
}
