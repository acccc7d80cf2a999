//! The `--fs-features` toggles that rewrite more than the superblock, against tunefs.ocfs2
//! 1.8.7 on twins made by mkfs.ocfs2 and by mkfs.ocfs: the twins must hold the same bytes
//! (inode times and checks aside), debugfs.ocfs2 must show the same, fsck.ocfs2 -fn must
//! pass, and a file planted beforehand must read back unchanged.  What tunefs.ocfs refuses
//! (data it would have to delete) must leave the volume untouched.

mod common;

use common::compare::{assert_debugfs_agree, differing_blocks};
use common::plant::{pattern, plant_file, read_with_debugfs};
use common::*;
use ocfs_format::dinode::HAS_XATTR_FL;
use ocfs_format::extent::EXT_UNWRITTEN;
use ocfs_volume::Volume;
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

fn block_size(image: &Path) -> u64 {
    u64::from(Volume::open(image, false).expect("open").block_size())
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
    let what = format!("{label} --fs-features={features}");
    let arg = format!("--fs-features={features}");
    let theirs = scratch.twin(image, &format!("{label}-{features}-theirs"));
    let ours = scratch.twin(image, &format!("{label}-{features}-ours"));
    let out = tunefs_ocfs2(&[&arg], &theirs);
    assert!(out.status.success(), "{what}: tunefs.ocfs2: {}", text(&out));
    let out = tunefs_ocfs(&[&arg], &ours);
    assert!(out.status.success(), "{what}: tunefs.ocfs: {}", text(&out));
    let differ = differing_blocks(&theirs, &ours, block_size(image));
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
            &["nometaecc", "nodiscontig-bg", "noextended-slotmap"],
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
        let out = tunefs_ocfs(&["--fs-features=metaecc"], &twin);
        assert!(
            !out.status.success() && text(&out).contains("where its trailer goes"),
            "{label}: {}",
            text(&out)
        );
        assert_eq!(
            first_difference(&image, &twin, block_size(&image), &[]),
            None,
            "{label}: the refusal changed the volume"
        );
    }
}
