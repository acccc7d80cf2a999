//! The operations that allocate (-N, -J size=, -S) against tunefs.ocfs2 1.8.7: each is run
//! by tunefs.ocfs2 on one twin and by tunefs.ocfs on the other, on volumes made by
//! mkfs.ocfs2 and by our mkfs.ocfs.  The twins must then hold the same bytes (inode times,
//! metaecc checks and directory padding aside, see `common::compare`), debugfs.ocfs2 must
//! show the same (stats, system directory, system inodes, slot map, new journals, global
//! bitmap), and `fsck.ocfs2 -fn` must pass on ours.
//!
//! tunefs.ocfs2 needs the cluster stack to change a clustered volume, so the twins are local
//! volumes; clustered ones are changed by tunefs.ocfs alone and checked with fsck.ocfs2.
//! The last test interrupts operations at their crash points (a test-only hook) and checks
//! what the volume carries, how tunefs.ocfs2, tunefs.ocfs and fsck.ocfs2 treat it, and that
//! a file planted beforehand survives.

mod common;

use common::compare::{assert_debugfs_agree, differing_blocks};
use common::plant::{pattern, plant_file, read_with_debugfs};
use common::*;
use ocfs_format::dinode::JOURNAL_DIRTY_FL;
use ocfs_format::dir::FT_REG_FILE;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Volume, Writer};
use std::path::{Path, PathBuf};
use std::process::Command;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// Both formatters' images of one configuration.
fn images(scratch: &Scratch, name: &str, size: u64, options: &[&str]) -> Vec<(String, PathBuf)> {
    [Maker::Oracle, Maker::Ours]
        .into_iter()
        .filter_map(|maker| {
            let label = format!("{maker:?}-{name}");
            scratch
                .mkfs(maker, &label, size, options)
                .map(|image| (label, image))
        })
        .collect()
}

fn set_len(image: &Path, size: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(image)
        .and_then(|f| f.set_len(size))
        .expect("grow the image");
}

/// Twins of `image` changed by tunefs.ocfs2 and tunefs.ocfs with `args` (and `size`, the
/// argument after the device, for -S); both must succeed.  Returns (theirs, ours).
fn run_twins(
    scratch: &Scratch,
    label: &str,
    image: &Path,
    args: &[&str],
    size: Option<&str>,
) -> (PathBuf, PathBuf) {
    let theirs = scratch.twin(image, &format!("{label}-theirs"));
    let ours = scratch.twin(image, &format!("{label}-ours"));
    let tail: Vec<&str> = size.into_iter().collect();
    let mut all = vec!["-y"];
    all.extend_from_slice(args);
    let out = Command::new("tunefs.ocfs2")
        .args(&all)
        .arg(&theirs)
        .args(&tail)
        .output()
        .expect("run tunefs.ocfs2");
    assert!(
        out.status.success(),
        "{label} {args:?}: tunefs.ocfs2 failed: {}",
        text(&out)
    );
    let out = Command::new(TUNEFS_OCFS)
        .args(args)
        .arg(&ours)
        .args(&tail)
        .output()
        .expect("run tunefs.ocfs");
    assert!(
        out.status.success(),
        "{label} {args:?}: tunefs.ocfs failed: {}",
        text(&out)
    );
    (theirs, ours)
}

/// The twins agree block for block except in `allowed` blocks, debugfs.ocfs2 shows the same
/// for `requests`, and fsck.ocfs2 passes on ours with no problem `base` did not have.
fn assert_twins_agree(
    base: &Path,
    theirs: &Path,
    ours: &Path,
    requests: &[String],
    allowed: &[u64],
    what: &str,
) {
    let differ = differing_blocks(theirs, ours, block_size(theirs));
    let unexpected: Vec<u64> = differ
        .iter()
        .copied()
        .filter(|b| !allowed.contains(b))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{what}: the twins differ in blocks {unexpected:?}"
    );
    assert_debugfs_agree(theirs, ours, requests, what);
    assert_fsck_clean_since(base, ours, what);
}

/// What debugfs.ocfs2 is asked about twins after a slot or journal change.
fn slot_requests(slots: u16) -> Vec<String> {
    let mut r: Vec<String> = [
        "stats",
        "ls -l //",
        "stat_sysdir",
        "slotmap",
        "stat //global_bitmap",
        "stat //global_inode_alloc",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for slot in 0..slots {
        r.push(format!("logdump {slot}"));
        r.push(format!("stat //journal:{slot:04}"));
    }
    r
}

fn stats_line(image: &Path, key: &str) -> String {
    debugfs(image, "stats")
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("{key} missing"))
        .to_string()
}

#[test]
fn adding_slots_matches_tunefs_ocfs2() {
    let scratch = Scratch::new("addslots");
    // (name, size, mkfs options, new slot count)
    let configs: &[(&str, u64, &[&str], u16)] = &[
        (
            "default",
            256 * MIB,
            &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "2"],
            4,
        ),
        (
            "metaecc-quota",
            256 * MIB,
            &[
                "-M",
                "local",
                "--fs-feature-level=max-features",
                "-b",
                "2K",
                "-C",
                "8K",
                "-J",
                "size=4M",
                "-N",
                "3",
            ],
            5,
        ),
        // A block system directory (1K blocks) that grows by a block.
        (
            "1k-blocks",
            256 * MIB,
            &["-M", "local", "-b", "1K", "-J", "size=4M", "-N", "2"],
            6,
        ),
        // An inline system directory that outgrows its inode (1848 bytes at 2K): converted
        // to a block and indexed (small journals keep the test quick).
        (
            "inline-overflow",
            256 * MIB,
            &["-M", "local", "-b", "2K", "-J", "size=4M", "-N", "2"],
            11,
        ),
        // No inline data, no trailers, the old slot map.
        (
            "max-compat",
            256 * MIB,
            &[
                "-M",
                "local",
                "-b",
                "4K",
                "--fs-feature-level=max-compat",
                "-J",
                "size=4M",
                "-N",
                "2",
            ],
            3,
        ),
    ];
    for (name, size, options, slots) in configs {
        for (label, image) in images(&scratch, name, *size, options) {
            let arg = slots.to_string();
            let (theirs, ours) = run_twins(&scratch, &label, &image, &["-N", &arg], None);
            let mut requests = slot_requests(*slots);
            requests.push("dx_dump //".into());
            assert_twins_agree(
                &image,
                &theirs,
                &ours,
                &requests,
                &[],
                &format!("{label} -N {slots}"),
            );
            assert_eq!(
                stats_line(&ours, "Max Node Slots:"),
                format!("Max Node Slots: {slots}"),
                "{label}"
            );
            if *name == "inline-overflow" {
                assert!(
                    debugfs(&ours, "stat //").contains("IndexedDir"),
                    "{label}: the system directory was not converted and indexed"
                );
            }
        }
    }
    // A clustered volume, which tunefs.ocfs2 cannot change here: fsck.ocfs2 judges ours.
    for (label, image) in images(
        &scratch,
        "clustered",
        256 * MIB,
        &["-J", "size=4M", "-N", "2"],
    ) {
        let before = scratch.twin(&image, &format!("{label}-before"));
        let out = tunefs_ocfs(&["-N", "4"], &image);
        assert!(out.status.success(), "{label}: {}", text(&out));
        assert_fsck_clean_since(&before, &image, &label);
        assert_eq!(stats_line(&image, "Max Node Slots:"), "Max Node Slots: 4");
    }
}

#[test]
fn removing_slots_matches_tunefs_ocfs2() {
    let scratch = Scratch::new("rmslots");
    // (name, size, mkfs options, new slot count, plant a file in the last slot's inode_alloc)
    let configs: &[(&str, u64, &[&str], u16, bool)] = &[
        (
            "default",
            256 * MIB,
            &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "4"],
            2,
            true,
        ),
        (
            "metaecc-quota",
            256 * MIB,
            &[
                "-M",
                "local",
                "--fs-feature-level=max-features",
                "-b",
                "2K",
                "-C",
                "8K",
                "-J",
                "size=4M",
                "-N",
                "4",
            ],
            1,
            false,
        ),
        // Block orphan directories with indexes.
        (
            "noinline",
            256 * MIB,
            &[
                "-M",
                "local",
                "-b",
                "4K",
                "--fs-features=noinline-data",
                "-J",
                "size=4M",
                "-N",
                "4",
            ],
            2,
            true,
        ),
        (
            "max-compat",
            256 * MIB,
            &[
                "-M",
                "local",
                "-b",
                "4K",
                "--fs-feature-level=max-compat",
                "-J",
                "size=4M",
                "-N",
                "4",
            ],
            3,
            true,
        ),
    ];
    for (name, size, options, slots, plant) in configs {
        for (label, image) in images(&scratch, name, *size, options) {
            let data = pattern(100_000, 7);
            if *plant {
                // Its inode comes from inode_alloc:0003, whose group moves to another slot.
                plant_file(&image, "moved", &data, 3);
            }
            let arg = slots.to_string();
            let (theirs, ours) = run_twins(&scratch, &label, &image, &["-N", &arg], None);
            let mut requests = slot_requests(*slots);
            requests.extend(
                [
                    "ls -l /",
                    "stat //extent_alloc:0000",
                    "stat //inode_alloc:0000",
                ]
                .map(String::from),
            );
            if *plant {
                requests.push("stat /moved".into());
            }
            assert_twins_agree(
                &image,
                &theirs,
                &ours,
                &requests,
                &[],
                &format!("{label} -N {slots}"),
            );
            if *plant {
                assert_eq!(
                    read_with_debugfs(&ours, "moved"),
                    data,
                    "{label}: the file changed"
                );
            }
        }
    }
    for (label, image) in images(
        &scratch,
        "clustered",
        256 * MIB,
        &["-J", "size=4M", "-N", "4"],
    ) {
        let before = scratch.twin(&image, &format!("{label}-before"));
        let out = tunefs_ocfs(&["-N", "2"], &image);
        assert!(out.status.success(), "{label}: {}", text(&out));
        assert_fsck_clean_since(&before, &image, &label);
        assert_eq!(stats_line(&image, "Max Node Slots:"), "Max Node Slots: 2");
    }
    // A slot whose orphan directory holds an entry is refused by both, before any write.
    for (label, image) in images(
        &scratch,
        "orphans",
        256 * MIB,
        &["-M", "local", "-J", "size=4M", "-N", "4"],
    ) {
        plant_file(&image, "victim", &pattern(5000, 1), 0);
        {
            let vol = Volume::open(&image, true).expect("open");
            let victim = vol.resolve("/victim").expect("victim");
            let orphans = vol
                .system_file(SystemFile::OrphanDir, 3)
                .expect("orphan_dir:0003");
            Writer::new(&vol)
                .link(orphans, b"0000000000001234", victim, FT_REG_FILE)
                .expect("orphan entry");
            vol.sync().expect("sync");
        }
        let theirs = tunefs_ocfs2(&["-N", "2"], &scratch.twin(&image, &format!("{label}-t")));
        assert!(
            !theirs.status.success(),
            "{label}: tunefs.ocfs2 removed a slot with orphans"
        );
        let twin = scratch.twin(&image, &format!("{label}-o"));
        assert_ours_refuses(&image, &twin, &["-N", "2"], "orphan dir for slot 3", &label);
    }
}

#[test]
fn journal_sizes_match_tunefs_ocfs2() {
    let scratch = Scratch::new("journals");
    let configs: &[(&str, u64, &[&str], &[&str])] = &[
        (
            "default",
            512 * MIB,
            &["-M", "local", "-b", "4K", "-N", "2"],
            &["size=100M", "size=16M"],
        ),
        (
            "metaecc",
            512 * MIB,
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
            &["size=40M"],
        ),
    ];
    for (name, size, options, sizes) in configs {
        for (label, image) in images(&scratch, name, *size, options) {
            let slots = Volume::open(&image, false)
                .expect("open")
                .params()
                .max_slots;
            for size in *sizes {
                let (theirs, ours) = run_twins(&scratch, &label, &image, &["-J", size], None);
                let mut requests = slot_requests(slots);
                requests.push("stat //global_bitmap".into());
                assert_twins_agree(
                    &image,
                    &theirs,
                    &ours,
                    &requests,
                    &[],
                    &format!("{label} -J {size}"),
                );
            }
            // Under 4 MiB is refused by both, before anything changes.
            let theirs = tunefs_ocfs2(
                &["-J", "size=3M"],
                &scratch.twin(&image, &format!("{label}-t3")),
            );
            assert!(
                !theirs.status.success(),
                "{label}: tunefs.ocfs2 made a 3M journal"
            );
            let twin = scratch.twin(&image, &format!("{label}-o3"));
            assert_ours_refuses(&image, &twin, &["-J", "size=3M"], "at least 1024 blocks", &label);
        }
    }
}

/// Blocks of the global bitmap inode and of the group holding `cluster`.
fn bitmap_blocks(image: &Path, cluster: u64) -> Vec<u64> {
    let vol = Volume::open(image, false).expect("open");
    let gb = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .expect("global_bitmap");
    let inode = vol.read_inode(gb).expect("inode");
    let cpg = u64::from(inode.dinode().chain_list().cl_cpg());
    let group = cluster / cpg;
    let gd = if group == 0 {
        vol.superblock().super_block().s_first_cluster_group()
    } else {
        group * cpg * vol.blocks_per_cluster()
    };
    vec![gb, gd]
}

fn bitmap_used(image: &Path) -> u64 {
    let line = debugfs(image, "stat //global_bitmap")
        .lines()
        .find(|l| l.contains("Bitmap Total:"))
        .expect("bitmap line")
        .to_string();
    line.split_whitespace()
        .skip_while(|w| *w != "Used:")
        .nth(1)
        .and_then(|w| w.parse().ok())
        .expect("used count")
}

#[test]
fn volume_growth_matches_tunefs_ocfs2() {
    let scratch = Scratch::new("grow");
    let requests: Vec<String> = ["stats", "stat //global_bitmap", "ls -l //"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // No backup superblock in the added space: the same bytes.
    for (label, image) in images(
        &scratch,
        "256m",
        256 * MIB,
        &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "2"],
    ) {
        set_len(&image, 768 * MIB);
        let (theirs, ours) = run_twins(&scratch, &label, &image, &["-S"], None);
        assert_twins_agree(
            &image,
            &theirs,
            &ours,
            &requests,
            &[],
            &format!("{label} -S"),
        );
        assert!(
            debugfs(&ours, "stats").contains("Clusters: 196608"),
            "{label}"
        );
        // A size in blocks, as the argument after the device.
        let (theirs, ours) = run_twins(&scratch, &label, &image, &["-S"], Some("150000"));
        assert_twins_agree(
            &image,
            &theirs,
            &ours,
            &requests,
            &[],
            &format!("{label} -S 150000"),
        );
        // Shrinking is refused by both.
        let theirs = Command::new("tunefs.ocfs2")
            .args(["-y", "-S"])
            .arg(scratch.twin(&image, &format!("{label}-t")))
            .arg("100")
            .output()
            .expect("tunefs.ocfs2");
        assert!(!theirs.status.success());
        let out = Command::new(TUNEFS_OCFS)
            .arg("-S")
            .arg(scratch.twin(&image, &format!("{label}-o")))
            .arg("100")
            .output()
            .expect("tunefs.ocfs");
        assert!(
            text(&out).contains("Shrinking ocfs2 filesystems is not supported"),
            "{}",
            text(&out)
        );
    }
    // New backup superblocks in the added space: tunefs.ocfs2 writes them without marking
    // their clusters used; ours marks them (Documentation/tunefs.md).  The global bitmap
    // inode and the groups holding them are all that may differ, by exactly those bits.
    let configs: &[(&str, u64, &[&str], u64, u64)] = &[
        // (name, size, options, grown size, backup byte offset)
        (
            "768m",
            768 * MIB,
            &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "2"],
            5 * GIB / 4,
            GIB,
        ),
        (
            "metaecc",
            768 * MIB,
            &[
                "-M",
                "local",
                "--fs-feature-level=max-features",
                "-b",
                "2K",
                "-C",
                "8K",
                "-J",
                "size=4M",
                "-N",
                "3",
            ],
            5 * GIB / 4,
            GIB,
        ),
    ];
    for (name, size, options, grown, backup) in configs {
        for (label, image) in images(&scratch, name, *size, options) {
            set_len(&image, *grown);
            let (theirs, ours) = run_twins(&scratch, &label, &image, &["-S"], None);
            let cluster = *backup
                / u64::from(
                    Volume::open(&ours, false)
                        .expect("open")
                        .params()
                        .cluster_size,
                );
            let allowed = bitmap_blocks(&ours, cluster);
            let requests: Vec<String> = ["stats", "ls -l //", "stat //global_inode_alloc"]
                .map(String::from)
                .to_vec();
            assert_twins_agree(
                &image,
                &theirs,
                &ours,
                &requests,
                &allowed,
                &format!("{label} -S"),
            );
            assert_eq!(
                bitmap_used(&ours),
                bitmap_used(&theirs) + 1,
                "{label}: the backup's cluster"
            );
            // The new backup is a valid superblock (debugfs reads backup 1..n with -s).
            let bs = block_size(&ours);
            let index = ocfs_format::superblock::backup_super_blknos(bs as u32, *grown)
                .position(|b| b * bs == *backup)
                .expect("a backup location")
                + 1;
            let out = Command::new("debugfs.ocfs2")
                .args(["-s", &index.to_string(), "-R", "stats"])
                .arg(&ours)
                .output()
                .expect("debugfs");
            let shown = String::from_utf8_lossy(&out.stdout);
            assert!(
                shown.contains(&format!("Clusters: {}", grown / (cluster_size(&ours)))),
                "{label}: {shown}"
            );
        }
    }
}

fn cluster_size(image: &Path) -> u64 {
    u64::from(
        Volume::open(image, false)
            .expect("open")
            .params()
            .cluster_size,
    )
}

/// tunefs.ocfs stopped at `point` (exit 99).
fn crash_at(point: &str, args: &[&str], image: &Path) {
    let out = Command::new(TUNEFS_OCFS)
        .env("TUNEFS_OCFS_TEST_CRASH", point)
        .args(args)
        .arg(image)
        .output()
        .expect("run tunefs.ocfs");
    assert_eq!(out.status.code(), Some(99), "{point}: {}", text(&out));
}

fn fsck(image: &Path, flags: &str) -> (i32, String) {
    let out = Command::new("fsck.ocfs2")
        .arg(flags)
        .arg(image)
        .output()
        .expect("run fsck.ocfs2");
    (out.status.code().unwrap_or(-1), text(&out))
}

/// After an interruption: the marker is on disk; tunefs.ocfs2 and tunefs.ocfs refuse every
/// change; fsck.ocfs2 -n notices; fsck.ocfs2 -fy clears it (repairing what the interrupted
/// step left, exit 0 or 1).
fn assert_marked_then_cleared(
    image: &Path,
    marker: &str,
    fsck_says: &str,
    tunefs_says: &str,
    what: &str,
) {
    let stats = debugfs(image, "stats");
    assert!(
        stats.contains(marker),
        "{what}: no {marker} marker:\n{stats}"
    );
    let theirs = tunefs_ocfs2(&["-L", "x"], image);
    assert!(!theirs.status.success(), "{what}: tunefs.ocfs2 ran");
    assert!(
        text(&theirs).contains(tunefs_says),
        "{what}: {}",
        text(&theirs)
    );
    let ours = tunefs_ocfs(&["-L", "x"], image);
    assert!(!ours.status.success(), "{what}: tunefs.ocfs ran");
    assert!(
        text(&ours).contains(marker) && text(&ours).contains("fsck.ocfs2 -f"),
        "{what}: {}",
        text(&ours)
    );
    let (_, out) = fsck(image, "-n");
    assert!(
        out.contains(fsck_says),
        "{what}: fsck.ocfs2 -n did not notice:\n{out}"
    );
    let (code, out) = fsck(image, "-fy");
    assert!(
        code == 0 || code == 1,
        "{what}: fsck.ocfs2 -fy failed ({code}):\n{out}"
    );
    assert!(
        !debugfs(image, "stats").contains(marker),
        "{what}: fsck left the marker"
    );
    assert_fsck_clean(image, what);
    assert_eq!(
        fsck_problems(image),
        Vec::<String>::new(),
        "{what}: after fsck.ocfs2 -fy"
    );
}

#[test]
fn interrupted_operations_leave_markers_that_fsck_clears() {
    let scratch = Scratch::new("crash");
    let data = pattern(300_000, 42);
    // Slot removal stopped after the last slot was emptied, before the slot count dropped.
    for (label, image) in images(
        &scratch,
        "rmslot",
        256 * MIB,
        &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "4"],
    ) {
        plant_file(&image, "kept", &data, 0);
        plant_file(&image, "moved", &data, 3);
        crash_at("remove-slots:slot-emptied", &["-N", "2"], &image);
        assert!(
            debugfs(&image, "stats").contains("Tunefs Incomplete: 1 remove-slot"),
            "{label}"
        );
        assert_marked_then_cleared(
            &image,
            "aborted-tunefs",
            "incomplete tunefs operation detected",
            "in the process of another tunefs.ocfs2 operation",
            &label,
        );
        let out = tunefs_ocfs(&["-N", "2"], &image);
        assert!(
            out.status.success(),
            "{label}: the removal again: {}",
            text(&out)
        );
        assert_fsck_clean(&image, &label);
        assert_eq!(fsck_problems(&image), Vec::<String>::new(), "{label}");
        assert_eq!(stats_line(&image, "Max Node Slots:"), "Max Node Slots: 2");
        for file in ["kept", "moved"] {
            assert_eq!(
                read_with_debugfs(&image, file),
                data,
                "{label}: {file} changed"
            );
        }
    }
    // Adding slots stopped after the new system files, before the journals: tunefs.ocfs2
    // marks nothing for this, and nothing needs it: the files are unused extras until the
    // slot count is written; fsck.ocfs2 is content and a second run completes.
    for (label, image) in images(
        &scratch,
        "addslot",
        256 * MIB,
        &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "2"],
    ) {
        crash_at("add-slots:files-created", &["-N", "4"], &image);
        let stats = debugfs(&image, "stats");
        assert!(
            !stats.contains("aborted") && stats.contains("Max Node Slots: 2"),
            "{label}: {stats}"
        );
        assert_fsck_clean(&image, &label);
        assert_eq!(fsck_problems(&image), Vec::<String>::new(), "{label}");
        let out = tunefs_ocfs(&["-N", "4"], &image);
        assert!(out.status.success(), "{label}: again: {}", text(&out));
        assert_eq!(stats_line(&image, "Max Node Slots:"), "Max Node Slots: 4");
        assert_eq!(fsck_problems(&image), Vec::<String>::new(), "{label}");
    }
    // A resize stopped after the new groups were written, before the bitmap inode: the
    // volume is still its old size; fsck clears the marker and the resize runs again.
    for (label, image) in images(
        &scratch,
        "resize",
        512 * MIB,
        &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "2"],
    ) {
        plant_file(&image, "kept", &data, 0);
        set_len(&image, 768 * MIB);
        crash_at("resize:groups-written", &["-S"], &image);
        assert_marked_then_cleared(
            &image,
            "aborted-resize",
            "incomplete volume resize detected",
            "in the process of resizing",
            &label,
        );
        assert!(
            debugfs(&image, "stats").contains("Clusters: 131072"),
            "{label}"
        );
        let out = tunefs_ocfs(&["-S"], &image);
        assert!(
            out.status.success(),
            "{label}: the resize again: {}",
            text(&out)
        );
        assert!(
            debugfs(&image, "stats").contains("Clusters: 196608"),
            "{label}"
        );
        assert_fsck_clean(&image, &label);
        assert_eq!(
            read_with_debugfs(&image, "kept"),
            data,
            "{label}: the file changed"
        );
    }
    // Stopped after the bitmap inode, before the superblock: fsck.ocfs2 trusts the bitmap
    // and the volume has its new size.
    for (label, image) in images(
        &scratch,
        "resize2",
        512 * MIB,
        &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "2"],
    ) {
        plant_file(&image, "kept", &data, 0);
        set_len(&image, 768 * MIB);
        crash_at("resize:bitmap-written", &["-S"], &image);
        let (_, out) = fsck(&image, "-n");
        assert!(out.contains("SUPERBLOCK_CLUSTERS"), "{label}: {out}");
        assert_marked_then_cleared(
            &image,
            "aborted-resize",
            "incomplete volume resize detected",
            "in the process of resizing",
            &label,
        );
        assert!(
            debugfs(&image, "stats").contains("Clusters: 196608"),
            "{label}"
        );
        let out = tunefs_ocfs(&["-v", "-S"], &image);
        assert!(
            text(&out).contains("nothing to do"),
            "{label}: {}",
            text(&out)
        );
        assert_eq!(
            read_with_debugfs(&image, "kept"),
            data,
            "{label}: the file changed"
        );
    }
}

/// Leaves work in slot 3 that removing it would lose: the refusal names the slot and what.
fn leave_work_in_slot_3(image: &Path, what: &str) {
    let vol = Volume::open(image, true).expect("open");
    let kind = match what {
        "local alloc" => SystemFile::LocalAlloc,
        "truncate log" => SystemFile::TruncateLog,
        _ => SystemFile::Journal,
    };
    let mut inode = vol
        .read_inode(vol.system_file(kind, 3).expect("system file"))
        .expect("inode");
    {
        let mut d = inode.dinode_mut();
        match kind {
            // A window of clusters held by slot 3, as a node leaves it when it crashes.
            SystemFile::LocalAlloc => d.set_i_total(8),
            // One logged truncation whose clusters are not yet freed.
            SystemFile::TruncateLog => {
                let mut log = d.truncate_log_mut();
                log.set_tl_used(1);
                let mut rec = log.rec_mut(0).expect("a record");
                rec.set_t_start(100);
                rec.set_t_clusters(1);
            }
            _ => d.set_ij_flags(JOURNAL_DIRTY_FL),
        }
    }
    vol.write_inode(&mut inode).expect("write");
    vol.sync().expect("sync");
}

#[test]
fn removed_slots_holding_work_are_refused() {
    let scratch = Scratch::new("busyslot");
    let cases = [
        ("local alloc", "Local alloc for slot 3 is not empty"),
        ("truncate log", "Truncate log for slot 3 is not empty"),
        ("dirty journal", "slot 3's journal is dirty"),
    ];
    for (label, image) in images(
        &scratch,
        "busy",
        256 * MIB,
        &["-M", "local", "-b", "4K", "-J", "size=4M", "-N", "4"],
    ) {
        for (what, says) in cases {
            let busy = scratch.twin(&image, &format!("{label}-{what}"));
            leave_work_in_slot_3(&busy, what);
            let theirs = tunefs_ocfs2(&["-N", "2"], &scratch.twin(&busy, "theirs"));
            assert!(
                !theirs.status.success(),
                "{label}: tunefs.ocfs2 removed a slot holding a {what}"
            );
            let ours = scratch.twin(&busy, "ours");
            let mut runs = vec![vec!["-N", "2"]];
            if what == "dirty journal" {
                // A dirty journal refuses every change, not only slot removal.
                runs.extend([vec!["-J", "size=8M"], vec!["-S"], vec!["-N", "5"]]);
            }
            for args in runs {
                let out = tunefs_ocfs(&args, &ours);
                assert!(
                    !out.status.success() && text(&out).contains(says),
                    "{label} {what} {args:?}: {}",
                    text(&out)
                );
            }
            assert_eq!(
                first_difference(&busy, &ours, block_size(&busy), &[]),
                None,
                "{label} {what}: the refusal changed the volume"
            );
        }
    }
}
