//! ocfs-inspect against debugfs.ocfs2 1.8.7 on volumes made by mkfs.ocfs2 and by our
//! mkfs.ocfs: the facts both print must agree, and `check` must pass clean volumes and
//! name the first broken block of broken ones.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const INSPECT: &str = env!("CARGO_BIN_EXE_ocfs-inspect");
const GIB: u64 = 1 << 30;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ocfs-inspect-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }

    /// Images of `size` bytes made with `options` by mkfs.ocfs2 and by our mkfs.ocfs (when
    /// they are there; a message says which is skipped).
    fn images(&self, name: &str, size: u64, options: &[&str]) -> Vec<(String, PathBuf)> {
        let mut makers = Vec::new();
        if Path::new("/sbin/mkfs.ocfs2").exists() {
            makers.push(("oracle", PathBuf::from("/sbin/mkfs.ocfs2")));
        } else {
            eprintln!("skipping: /sbin/mkfs.ocfs2 is missing (install ocfs2-tools)");
            return Vec::new();
        }
        match our_mkfs() {
            Some(p) => makers.push(("ours", p)),
            None => {
                eprintln!("skipping mkfs.ocfs images: build it first (cargo build -p mkfs-ocfs)")
            }
        }
        makers
            .into_iter()
            .map(|(maker, program)| {
                let label = format!("{maker}-{name}");
                let path = self.0.join(&label);
                std::fs::File::create(&path)
                    .and_then(|f| f.set_len(size))
                    .expect("sparse image");
                let out = Command::new(&program)
                    .args(["-q", "-F"])
                    .args(options)
                    .arg(&path)
                    .output()
                    .expect("run mkfs");
                assert!(
                    out.status.success(),
                    "{label}: mkfs failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                (label, path)
            })
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn our_mkfs() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("mkfs-ocfs");
    path.exists().then_some(path)
}

fn inspect(image: &Path, args: &[&str]) -> Output {
    Command::new(INSPECT)
        .arg(image)
        .args(args)
        .output()
        .expect("run ocfs-inspect")
}

/// What ocfs-inspect prints, which must succeed.
fn inspect_ok(image: &Path, args: &[&str]) -> String {
    let out = inspect(image, args);
    assert!(
        out.status.success(),
        "ocfs-inspect {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn debugfs(image: &Path, request: &str) -> String {
    let out = Command::new("debugfs.ocfs2")
        .arg("-R")
        .arg(request)
        .arg(image)
        .output()
        .expect("run debugfs.ocfs2");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text after `key` on the line that starts with it (leading tabs aside).
fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("{key} missing from:\n{text}"))
        .trim()
}

fn first_word(text: &str) -> u64 {
    text.split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number in {text:?}"))
}

/// (inode, name) pairs of a listing whose lines start with the inode and end with the name.
fn listing(text: &str) -> Vec<(u64, String)> {
    let mut pairs: Vec<(u64, String)> = text
        .lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            Some((words.first()?.parse().ok()?, words.last()?.to_string()))
        })
        .collect();
    pairs.sort();
    pairs
}

fn bmap(image: &Path, file: &str, lblk: u64) -> u64 {
    first_word(&debugfs(image, &format!("bmap {file} {lblk}")))
}

fn poke(image: &Path, offset: u64, bytes: &[u8]) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(image)
        .expect("open image");
    f.write_all_at(bytes, offset).expect("poke");
}

fn peek(image: &Path, offset: u64, len: usize) -> Vec<u8> {
    let f = std::fs::File::open(image).expect("open image");
    let mut buf = vec![0; len];
    f.read_exact_at(&mut buf, offset).expect("peek");
    buf
}

const CONFIGS: &[(&str, &[&str])] = &[
    ("default", &["-L", "first volume", "-N", "2"]),
    (
        "b512",
        &["-b", "512", "-C", "4K", "-L", "small blocks", "-N", "2"],
    ),
    ("compat", &["--fs-feature-level=max-compat", "-N", "3"]),
    (
        "metaecc",
        &[
            "--fs-feature-level=max-features",
            "--fs-features=noinline-data",
            "-b",
            "2K",
            "-C",
            "16K",
            "-N",
            "2",
        ],
    ),
];

#[test]
fn superblock_and_listings_match_debugfs() {
    let scratch = Scratch::new("facts");
    for (name, options) in CONFIGS {
        for (label, image) in scratch.images(name, GIB, options) {
            let ours = inspect_ok(&image, &["super"]);
            let theirs = debugfs(&image, "stats");
            assert_eq!(field(&ours, "Label:"), field(&theirs, "Label:"), "{label}");
            assert_eq!(
                first_word(field(&ours, "Block size:")),
                1 << first_word(field(&theirs, "Block Size Bits:")),
                "{label}"
            );
            assert_eq!(
                field(&ours, "Max node slots:"),
                field(&theirs, "Max Node Slots:"),
                "{label}"
            );
            assert_eq!(field(&ours, "UUID:"), field(&theirs, "UUID:"), "{label}");
            for dir in ["//", "/", "/lost+found"] {
                let ours = listing(&inspect_ok(&image, &["ls", dir]));
                let theirs = listing(&debugfs(&image, &format!("ls -l {dir}")));
                assert!(ours.len() > 1, "{label} {dir}: nothing listed");
                assert_eq!(ours, theirs, "{label} ls {dir}");
            }
        }
    }
}

#[test]
fn stat_finds_inodes_by_path_and_number() {
    let scratch = Scratch::new("stat");
    for (label, image) in scratch.images("img", GIB, &["-N", "2"]) {
        let by_path = inspect_ok(&image, &["stat", "//journal:0001"]);
        let blkno = first_word(field(&by_path, "Inode:"));
        assert_eq!(
            blkno,
            first_word(field(&debugfs(&image, "stat //journal:0001"), "Inode:")),
            "{label}"
        );
        assert_eq!(
            inspect_ok(&image, &["stat", &format!("#{blkno}")]),
            by_path,
            "{label}"
        );
        assert_eq!(
            inspect_ok(&image, &["stat", &format!("<{blkno}>")]),
            by_path,
            "{label}"
        );
        assert!(
            by_path.contains("Flags: Valid System Journal"),
            "{label}: {by_path}"
        );
        // The one extent row: "0  0  CLUSTERS  BLOCK  0x0".
        let row = by_path
            .lines()
            .skip_while(|l| !l.starts_with("## Offset"))
            .nth(1)
            .expect("an extent row");
        let words: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            words[3].parse::<u64>().ok(),
            Some(bmap(&image, "//journal:0001", 0)),
            "{label}: {row}"
        );
        let missing = inspect(&image, &["stat", "/nothing/here"]);
        assert!(!missing.status.success());
        assert!(
            String::from_utf8_lossy(&missing.stderr)
                .contains("/nothing: no such file or directory"),
            "{label}"
        );
    }
}

#[test]
fn blocks_are_identified_and_decoded() {
    let scratch = Scratch::new("block");
    for (label, image) in scratch.images("img", GIB, CONFIGS[3].1) {
        let stats = debugfs(&image, "stats");
        let block = |n: u64| inspect_ok(&image, &["block", &n.to_string()]);
        assert!(
            block(2).starts_with("metaecc: Intact\nSuperblock: valid"),
            "{label}: {}",
            block(2)
        );
        let group = first_word(field(&stats, "First Cluster Group Blknum:"));
        assert!(
            block(group).contains("Group descriptor: valid"),
            "{label}: {}",
            block(group)
        );
        let root = first_word(field(&stats, "Root Blknum:"));
        let inode = block(root);
        assert!(
            inode.contains("Inode: valid") && inode.contains("Type: Directory"),
            "{label}: {inode}"
        );
        let dir_block = bmap(&image, "/", 0);
        let dir = block(dir_block);
        assert!(
            dir.contains("Directory block: trailer valid") && dir.contains("lost+found"),
            "{label}: {dir}"
        );
        assert!(
            dir.contains(&format!("Parent inode: {root}")),
            "{label}: {dir}"
        );
        // A block of the free space at the end: zeros.
        let free = block(GIB / 2048 - 8);
        assert!(
            free.starts_with("No OCFS2 signature") && free.contains("\n*\n"),
            "{label}: {free}"
        );
    }
}

#[test]
fn groups_match_debugfs_chain_tables() {
    let scratch = Scratch::new("groups");
    for (label, image) in scratch.images("img", GIB, &["-N", "2"]) {
        let ours = inspect_ok(&image, &["groups", "//global_bitmap"]);
        let theirs = debugfs(&image, "stat //global_bitmap");
        let rows: Vec<Vec<u64>> = theirs
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
        let chains: Vec<&str> = ours.lines().filter(|l| l.starts_with("Chain ")).collect();
        assert_eq!(chains.len(), rows.len(), "{label}");
        for (line, row) in chains.iter().zip(&rows) {
            // debugfs: index, total, used, free, block.
            assert_eq!(
                line,
                &format!(
                    "Chain {}: total {} free {} first group {}",
                    row[0], row[1], row[3], row[4]
                ),
                "{label}"
            );
        }
    }
}

#[test]
fn slots_and_heartbeats_show_what_nodes_wrote() {
    let scratch = Scratch::new("nodes");
    for (label, image) in scratch.images("img", GIB, &["-N", "4"]) {
        assert_eq!(
            inspect_ok(&image, &["slots"]).matches("(empty)").count(),
            4,
            "{label}"
        );
        // Node 9 in slot 1 (extended slot map: valid byte, then the node number).
        let slot_map = bmap(&image, "//slot_map", 0);
        poke(&image, slot_map * 4096 + 8, &[1, 0, 0, 0, 9, 0, 0, 0]);
        let slots = inspect_ok(&image, &["slots"]);
        assert!(slots.contains("\n1     9\n"), "{label}: {slots}");
        // Node 4 beats in its 512-byte heartbeat block while we watch.
        let hb = bmap(&image, "//heartbeat", 0) * 4096 + 4 * 512;
        let writer_image = image.clone();
        let writer = std::thread::spawn(move || {
            for seq in 1..=14u64 {
                let mut block = [0u8; 512];
                block[..8].copy_from_slice(&(1_700_000_000 + seq).to_le_bytes());
                block[8] = 4;
                let crc = crc32_le_bitwise(&block);
                block[12..16].copy_from_slice(&crc.to_le_bytes());
                poke(&writer_image, hb, &block);
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
        });
        let beats = inspect_ok(&image, &["heartbeat"]);
        writer.join().expect("writer");
        let line = beats
            .lines()
            .find(|l| l.starts_with("4 "))
            .unwrap_or_else(|| panic!("{label}: {beats}"));
        assert!(
            line.contains("ok") && line.ends_with("live"),
            "{label}: {line}"
        );
        let later = inspect_ok(&image, &["heartbeat"]);
        assert!(
            later
                .lines()
                .any(|l| l.starts_with("4 ") && l.ends_with("stopped")),
            "{label}: {later}"
        );
        assert_eq!(peek(&image, hb + 8, 1), [4]);
    }
}

/// Linux `crc32_le(0, block)`, the o2hb checksum, bit by bit (independent of the code
/// under test).
fn crc32_le_bitwise(block: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in block {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    crc
}

/// `check` on a copy of `image` broken by `breaker`: it must fail and say `expect`.
fn check_fails(
    scratch: &Scratch,
    label: &str,
    image: &Path,
    breaker: impl Fn(&Path),
    expect: &[&str],
) {
    let broken = scratch.0.join(format!("{label}-broken"));
    std::fs::copy(image, &broken).expect("copy");
    breaker(&broken);
    let out = inspect(&broken, &["check"]);
    let message = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{label}: check passed a broken volume: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    for e in expect {
        assert!(message.contains(e), "{label}: {e:?} not in: {message}");
    }
    let _ = std::fs::remove_file(&broken);
}

#[test]
fn check_passes_clean_volumes_and_names_the_first_broken_block() {
    let scratch = Scratch::new("check");
    for (name, options) in CONFIGS {
        for (label, image) in scratch.images(name, GIB, options) {
            let out = inspect_ok(&image, &["check"]);
            assert!(
                out.contains(": clean (") && out.contains("inodes"),
                "{label}: {out}"
            );
            let stats = debugfs(&image, "stats");
            let bs = 1u64 << first_word(field(&stats, "Block Size Bits:"));
            // A group descriptor of the global bitmap loses its signature.
            let groups = inspect_ok(&image, &["groups", "//global_bitmap"]);
            let group: u64 = groups
                .lines()
                .find_map(|l| l.trim_start().strip_prefix("group "))
                .map(first_word)
                .expect("a group");
            let metaecc = name.starts_with("metaecc");
            let why = if metaecc { "crc32" } else { "bg_signature" };
            check_fails(
                &scratch,
                &label,
                &image,
                |p| poke(p, group * bs, b"XROUP01"),
                &["//global_bitmap", &format!("block {group}"), why],
            );
            // The first chain claims one free bit too few.
            let bitmap = first_word(field(&debugfs(&image, "stat //global_bitmap"), "Inode:"));
            let c_free = bitmap * bs + 0xc0 + 0x10;
            let free = u32::from_le_bytes(peek(&image, c_free, 4).try_into().expect("4 bytes"));
            if !metaecc {
                check_fails(
                    &scratch,
                    &label,
                    &image,
                    |p| poke(p, c_free, &(free ^ 1).to_le_bytes()),
                    &["//global_bitmap", "chain 0", "c_free"],
                );
            } else {
                // With metaecc, one flipped bit is caught (and named) before anything else.
                check_fails(
                    &scratch,
                    &label,
                    &image,
                    |p| poke(p, c_free, &(free ^ 1).to_le_bytes()),
                    &["//global_bitmap", &format!("block {bitmap}"), "flipped"],
                );
            }
            // The root directory's first entry gets a rec_len no entry can have.
            let root = first_word(field(&stats, "Root Blknum:"));
            let dir_block = bmap(&image, "/", 0);
            if dir_block != 0 && name == &"compat" {
                check_fails(
                    &scratch,
                    &label,
                    &image,
                    |p| poke(p, dir_block * bs + 8, &[5, 0]),
                    &[
                        &format!("inode {root}"),
                        &format!("block {dir_block}"),
                        "rec_len",
                    ],
                );
            }
        }
    }
}
