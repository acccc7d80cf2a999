//! tunefs.ocfs against tunefs.ocfs2 1.8.7: each change is made to one twin by tunefs.ocfs2
//! and to the other by tunefs.ocfs; the twins must then be the same byte for byte (UUIDs
//! aside where random), show the same `debugfs.ocfs2 -R stats`, and pass `fsck.ocfs2 -fn`.
//! Volumes come from mkfs.ocfs2 and from our mkfs.ocfs.
//!
//! The volumes are local mounts ("local"): tunefs.ocfs2 needs the running cluster stack to
//! change a clustered volume, and there is none here.

mod common;

use common::*;
use ocfs_format::dinode::JOURNAL_DIRTY_FL;
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::system::SystemFile;
use ocfs_volume::{crc32_le, Volume};
use std::path::{Path, PathBuf};
use std::time::Duration;

const GIB: u64 = 1 << 30;

/// The volumes each capability is tried on: with and without metaecc, small and large
/// blocks, and a backup superblock (at 1G) in the larger one.
const VOLUMES: &[(&str, u64, &[&str])] = &[
    ("default", GIB, &["-M", "local", "-N", "2"]),
    (
        "metaecc",
        2 * GIB,
        &[
            "-M",
            "local",
            "--fs-feature-level=max-features",
            "-b",
            "2K",
            "-C",
            "8K",
            "-N",
            "3",
        ],
    ),
];

/// Every (maker, volume) image, freshly made.
fn volumes(scratch: &Scratch, volumes: &[(&str, u64, &[&str])]) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for maker in [Maker::Oracle, Maker::Ours] {
        for (name, size, options) in volumes {
            let label = format!("{maker:?}-{name}");
            if let Some(image) = scratch.mkfs(maker, &label, *size, options) {
                out.push((label, image));
            }
        }
    }
    out
}

/// The superblock copies: block 2 and the backups inside the volume.
fn superblock_blocks(image: &Path) -> Vec<u64> {
    let vol = Volume::open(image, false).expect("open");
    let bs = vol.block_size();
    std::iter::once(2)
        .chain(ocfs_format::superblock::backup_super_blknos(
            bs,
            vol.fs_blocks() * u64::from(bs),
        ))
        .collect()
}

/// Applies `ours` with tunefs.ocfs and `theirs` with tunefs.ocfs2 to twins of `image`;
/// both must succeed and give the same bytes, except in `skip` blocks.  Returns the twins.
fn twins_agree(
    scratch: &Scratch,
    label: &str,
    image: &Path,
    ours: &[&str],
    theirs: &[&str],
    skip: &[u64],
) -> (PathBuf, PathBuf) {
    let what = format!("{label} {ours:?}");
    let a = scratch.twin(image, &format!("{label}-ours"));
    let b = scratch.twin(image, &format!("{label}-theirs"));
    let out = tunefs_ocfs(ours, &a);
    assert!(
        out.status.success(),
        "{what}: tunefs.ocfs failed: {}",
        text(&out)
    );
    let out = tunefs_ocfs2(theirs, &b);
    assert!(
        out.status.success(),
        "{what}: tunefs.ocfs2 failed: {}",
        text(&out)
    );
    if let Some(at) = first_difference(&a, &b, block_size(image), skip) {
        panic!(
            "{what}: the twins differ at byte {at} (block {})",
            at / block_size(image)
        );
    }
    assert_fsck_clean(&a, &what);
    (a, b)
}

#[test]
fn labels_are_set_as_tunefs_ocfs2_sets_them() {
    let scratch = Scratch::new("label");
    // Two backup superblocks (1G and 4G) on the largest volume.
    let five = [(
        "backups",
        5 * GIB,
        &["-M", "local", "-b", "1K", "-C", "4K", "-N", "1"][..],
    )];
    for (label, image) in volumes(&scratch, VOLUMES)
        .into_iter()
        .chain(volumes(&scratch, &five))
    {
        for new in ["cluster data 7", &"x".repeat(70)] {
            let (a, b) = twins_agree(&scratch, &label, &image, &["-L", new], &["-L", new], &[]);
            assert_eq!(debugfs(&a, "stats"), debugfs(&b, "stats"), "{label}");
            let shown = &new[..new.len().min(64)];
            assert!(
                debugfs(&a, "stats").contains(&format!("Label: {shown}\n")),
                "{label}: label {shown} not set"
            );
        }
    }
}

#[test]
fn explicit_uuids_are_set_as_tunefs_ocfs2_sets_them() {
    let scratch = Scratch::new("uuid");
    for (label, image) in volumes(&scratch, VOLUMES) {
        let hash_before = stats_line(&debugfs(&image, "stats"), "Hash:");
        let plain = "-U2A4D1C581FAA42A1A41D26EFC90C1315";
        let (a, _) = twins_agree(&scratch, &label, &image, &[plain], &[plain], &[]);
        let dashed = "--uuid-reset=2a4d1c58-1faa-42a1-a41d-26efc90c1315";
        twins_agree(&scratch, &label, &image, &[dashed], &[dashed], &[]);
        let stats = debugfs(&a, "stats");
        assert!(
            stats.contains("UUID: 2A4D1C581FAA42A1A41D26EFC90C1315"),
            "{label}"
        );
        assert_eq!(
            stats_line(&stats, "Hash:"),
            hash_before,
            "{label}: s_uuid_hash must stay"
        );
    }
}

#[test]
fn random_and_time_uuids_change_only_the_uuid() {
    let scratch = Scratch::new("uuidrand");
    for (label, image) in volumes(&scratch, VOLUMES) {
        let skip = superblock_blocks(&image);
        let (a, b) = twins_agree(&scratch, &label, &image, &["-U"], &["-U"], &skip);
        let before = debugfs(&image, "stats");
        let (sa, sb) = (debugfs(&a, "stats"), debugfs(&b, "stats"));
        let uuid = |s: &str| stats_line(s, "UUID:");
        assert_ne!(uuid(&sa), uuid(&before), "{label}: -U kept the UUID");
        assert_ne!(uuid(&sa), uuid(&sb), "{label}: two random UUIDs agree");
        // The UUID, and with metaecc the superblock's check, are all that may differ.
        let masked = |s: &str| {
            let s = s.replace(&uuid(s), "UUID: (new)");
            s.replace(&stats_line(&s, "CRC32:"), "CRC32: (new)")
        };
        assert_eq!(masked(&sa), masked(&sb), "{label}");
        assert_eq!(
            masked(&sa),
            masked(&before),
            "{label}: more than the UUID changed"
        );
        let t = scratch.twin(&image, &format!("{label}-time"));
        let out = tunefs_ocfs(&["--uuid-reset=time"], &t);
        assert!(out.status.success(), "{label}: {}", text(&out));
        let version = uuid(&debugfs(&t, "stats")).chars().nth(12 + "UUID: ".len());
        assert_eq!(version, Some('1'), "{label}: a time UUID is version 1");
        assert_fsck_clean(&t, &label);
    }
}

fn stats_line(stats: &str, key: &str) -> String {
    stats
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("{key} missing"))
        .to_string()
}

/// Volumes for the feature toggles, each with the toggles that change it: most features off
/// (with sparse, which "unwritten" needs), the default set, and metaecc with a backup.
const FEATURE_VOLUMES: &[(&str, u64, &[&str], &[&str])] = &[
    (
        "few",
        GIB,
        &[
            "-M",
            "local",
            "--fs-feature-level=max-compat",
            "--fs-features=sparse",
            "-N",
            "2",
        ],
        &[
            "inline-data",
            "xattr,refcount,append-dio,discontig-bg",
            "unwritten",
        ],
    ),
    (
        "default",
        GIB,
        &["-M", "local", "-N", "2"],
        &["noappend-dio", "append-dio,xattr"],
    ),
    (
        "metaecc",
        2 * GIB,
        &[
            "-M",
            "local",
            "--fs-feature-level=max-features",
            "-b",
            "1K",
            "-N",
            "2",
        ],
        &["noappend-dio"],
    ),
];

#[test]
fn superblock_only_feature_toggles_match_tunefs_ocfs2() {
    let scratch = Scratch::new("features");
    for (name, size, options, toggles) in FEATURE_VOLUMES {
        for (label, image) in volumes(&scratch, &[(name, *size, options)]) {
            for toggle in *toggles {
                let arg = format!("--fs-features={toggle}");
                let (a, b) = twins_agree(&scratch, &label, &image, &[&arg], &[&arg], &[]);
                assert_eq!(
                    debugfs(&a, "stats"),
                    debugfs(&b, "stats"),
                    "{label} {toggle}"
                );
            }
        }
    }
}

#[test]
fn queries_print_what_tunefs_ocfs2_prints() {
    let scratch = Scratch::new("query");
    let mut volumes = volumes(&scratch, VOLUMES);
    volumes.extend(volumes_clustered(&scratch));
    let formats = [
        "%T %N %R %Y %P\n",
        "[%V] [%-70V] [%5N] [%-3U]\n",
        "%U\n",
        "%M|%H|%O\n",
        r"a\tb\\c\qd%%e\a\v\n",
        "%10M%-3H|%0.2N\\",
        "no conversions",
    ];
    for (label, image) in volumes {
        for format in formats {
            let ours = tunefs_ocfs(&["-Q", format], &image);
            let theirs = run("tunefs.ocfs2", &["-Q", format], &image);
            assert!(
                theirs.status.success(),
                "{label}: tunefs.ocfs2 -Q {format:?}: {}",
                text(&theirs)
            );
            assert!(
                ours.status.success(),
                "{label}: tunefs.ocfs -Q {format:?}: {}",
                text(&ours)
            );
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs.stdout),
                "{label} {format:?}"
            );
        }
        // %B, which Debian's tunefs.ocfs2 now refuses (glibc claims it), is the block size.
        let ours = tunefs_ocfs(&["-Q", "%B"], &image);
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            block_size(&image).to_string(),
            "{label}"
        );
        for bad in ["%d", "%s\n", "%*V"] {
            let ours = tunefs_ocfs(&["-Q", bad], &image);
            let theirs = run("tunefs.ocfs2", &["-Q", bad], &image);
            assert!(
                !ours.status.success() && !theirs.status.success(),
                "{label}: {bad:?} must be refused"
            );
            assert!(
                text(&ours).contains("Unknown type specifier in the query format"),
                "{label}: {}",
                text(&ours)
            );
        }
    }
}

/// Clustered (not local) volumes, which tunefs.ocfs2 can only query here.
fn volumes_clustered(scratch: &Scratch) -> Vec<(String, PathBuf)> {
    volumes(
        scratch,
        &[
            ("clustered", GIB, &["-N", "4", "-L", "shared"]),
            ("compat", GIB, &["--fs-feature-level=max-compat", "-N", "2"]),
        ],
    )
}

/// Runs tunefs.ocfs expecting a refusal that mentions `expect`, and checks nothing changed.
fn assert_refused(scratch: &Scratch, label: &str, image: &Path, args: &[&str], expect: &str) {
    let twin = scratch.twin(image, &format!("{label}-refused"));
    let out = tunefs_ocfs(args, &twin);
    assert!(!out.status.success(), "{label} {args:?} was not refused");
    let message = text(&out);
    assert!(message.contains(expect), "{label} {args:?}: {message}");
    assert_eq!(
        first_difference(image, &twin, block_size(image), &[]),
        None,
        "{label} {args:?} changed the volume"
    );
}

#[test]
fn allocating_options_and_conversions_are_refused() {
    let scratch = Scratch::new("refuse");
    let few = FEATURE_VOLUMES[0];
    for (label, image) in volumes(&scratch, &[(few.0, few.1, few.2)]) {
        // The allocating operations (tests/allocating.rs) run one at a time.
        for args in [&["-N", "4", "-L", "x"][..], &["-J", "size=8M", "-N", "3"]] {
            assert_refused(&scratch, &label, &image, args, "each run on their own");
        }
        // Toggles that need the running cluster stack (the data toggles are in
        // tests/converting.rs).
        for toggle in ["clusterinfo", "nolocal"] {
            assert_refused(
                &scratch,
                &label,
                &image,
                &[&format!("--fs-features={toggle}")],
                "not supported yet",
            );
        }
        assert_refused(
            &scratch,
            &label,
            &image,
            &["--fs-features=strict-journal-super"],
            "Unsupported feature(s)",
        );
        assert_refused(
            &scratch,
            &label,
            &image,
            &["--fs-features=sparse,nosparse"],
            "Conflicting features",
        );
        assert_refused(&scratch, &label, &image, &["-Uclear"], "cannot be null");
        assert_refused(&scratch, &label, &image, &["-Unot-a-uuid"], "Invalid UUID");
    }
}

#[test]
fn live_heartbeats_refuse_changes_and_name_the_nodes() {
    let scratch = Scratch::new("live");
    for (label, image) in volumes_clustered(&scratch) {
        let twin = scratch.twin(&image, &format!("{label}-live"));
        let area = Volume::open(&twin, false)
            .expect("open")
            .heartbeat_area()
            .expect("area");
        let (writer_image, offset) = (twin.clone(), area.offset(5));
        let writer = std::thread::spawn(move || {
            for seq in 1..=20u64 {
                let mut block = vec![0u8; 512];
                let mut hb = HeartbeatBlock::new(block.as_mut_slice()).expect("hb");
                hb.set_hb_seq(1_700_000_000 + seq);
                hb.set_hb_node(5);
                hb.set_hb_generation(7);
                hb.store_cksum(&crc32_le);
                poke(&writer_image, offset, &block);
                std::thread::sleep(Duration::from_millis(250));
            }
        });
        let out = tunefs_ocfs(&["-L", "stolen"], &twin);
        writer.join().expect("writer");
        assert!(
            !out.status.success(),
            "{label}: changed a volume node 5 heartbeats on"
        );
        assert!(
            text(&out).contains("node(s) 5 are heartbeating"),
            "{label}: {}",
            text(&out)
        );
        assert!(!debugfs(&twin, "stats").contains("stolen"), "{label}");
        // Once the node is gone, the same change goes through.
        let out = tunefs_ocfs(&["-L", "stolen"], &twin);
        assert!(out.status.success(), "{label}: {}", text(&out));
        assert!(debugfs(&twin, "stats").contains("Label: stolen"), "{label}");
        assert_fsck_clean(&twin, &label);
    }
}

#[test]
fn dirty_journals_refuse_changes_like_tunefs_ocfs2() {
    let scratch = Scratch::new("dirty");
    for (label, image) in volumes(&scratch, VOLUMES) {
        let dirty = scratch.twin(&image, &format!("{label}-dirty"));
        {
            let vol = Volume::open(&dirty, true).expect("open rw");
            let mut journal = vol
                .read_inode(
                    vol.system_file(SystemFile::Journal, 1)
                        .expect("journal:0001"),
                )
                .expect("inode");
            journal.dinode_mut().set_ij_flags(JOURNAL_DIRTY_FL);
            vol.write_inode(&mut journal).expect("write");
            vol.sync().expect("sync");
        }
        let theirs = tunefs_ocfs2(
            &["-L", "x"],
            &scratch.twin(&dirty, &format!("{label}-dirty2")),
        );
        assert!(
            !theirs.status.success(),
            "{label}: tunefs.ocfs2 changed a volume with a dirty journal"
        );
        assert_refused(
            &scratch,
            &label,
            &dirty,
            &["-L", "x"],
            "slot 1's journal is dirty",
        );
    }
}

#[test]
fn enabling_local_changes_one_bit_and_clusterinfo_clears_to_userspace_stack() {
    let scratch = Scratch::new("local");
    for (label, image) in volumes_clustered(&scratch) {
        let before = debugfs(&image, "stats");
        let twin = scratch.twin(&image, &format!("{label}-local"));
        let out = tunefs_ocfs(&["--fs-features=local"], &twin);
        assert!(out.status.success(), "{label}: {}", text(&out));
        let after = debugfs(&twin, "stats");
        let changed: Vec<(&str, &str)> = before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1, "{label}: {changed:?}");
        assert!(
            changed[0].1.contains("Feature Incompat:") && changed[0].1.contains("local"),
            "{label}: {changed:?}"
        );
        assert_fsck_clean(&twin, &label);
    }
    let pcmk = [
        "--cluster-stack=pcmk",
        "--cluster-name=mycl",
        "--fs-features=clusterinfo",
    ];
    let Some(image) = scratch.mkfs(Maker::Oracle, "pcmk", GIB, &pcmk) else {
        return;
    };
    let out = tunefs_ocfs(&["--fs-features=noclusterinfo"], &image);
    assert!(out.status.success(), "noclusterinfo: {}", text(&out));
    let stats = debugfs(&image, "stats");
    let incompat = stats_line(&stats, "Feature Incompat:");
    assert!(
        incompat.contains("userspace-stack") && !incompat.contains("clusterinfo"),
        "{incompat}"
    );
    assert!(stats.contains("Cluster stack: pcmk"), "{stats}");
    let global = [
        "--cluster-stack=o2cb",
        "--cluster-name=mycl",
        "--global-heartbeat",
    ];
    let Some(image) = scratch.mkfs(Maker::Oracle, "global", GIB, &global) else {
        return;
    };
    assert_refused(
        &scratch,
        "global",
        &image,
        &["--fs-features=noclusterinfo"],
        "global heartbeat",
    );
}
