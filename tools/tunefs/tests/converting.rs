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

/// Toggles `features` on twins of `image` with both tools and compares them.
fn assert_toggle_matches(scratch: &Scratch, label: &str, image: &Path, features: &str) {
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
