//! mkfs.ocfs against the oracles: for each configuration, make one image with mkfs.ocfs and one
//! with Debian's mkfs.ocfs2 1.8.7 using the same options; `fsck.ocfs2 -fn` must pass on ours,
//! and what `debugfs.ocfs2` shows of both must match line for line, UUIDs, times,
//! generations and the random directory-hash seeds aside.
//!
//! Needs ocfs2-tools (scripts/setup installs them); set OCFS_SKIP_ORACLE=1 to skip on a
//! machine without them.

use std::path::{Path, PathBuf};
use std::process::Command;

const MKFS_OCFS: &str = env!("CARGO_BIN_EXE_mkfs-ocfs");

/// What debugfs.ocfs2 is asked about each image.
const QUERIES: &[&str] = &[
    "stats",
    "ls -l //",
    "stat_sysdir",
    "stat /",
    "ls -l /",
    "stat /lost+found",
    "slotmap",
    "logdump 0",
    "dirblocks //",
];

fn oracles_present() -> bool {
    if std::env::var_os("OCFS_SKIP_ORACLE").is_some() {
        return false;
    }
    assert!(
        Path::new("/sbin/mkfs.ocfs2").exists(),
        "ocfs2-tools are missing: run scripts/setup (or set OCFS_SKIP_ORACLE=1)"
    );
    true
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ocfs-mkfs-oracle-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }

    fn image(&self, name: &str, size: u64) -> PathBuf {
        let path = self.0.join(name);
        let file = std::fs::File::create(&path).expect("image file");
        file.set_len(size).expect("sparse image");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Replace what legitimately differs between two formats of the same volume.
fn normalize(text: &str, image: &Path) -> String {
    let image = image.display().to_string();
    text.lines()
        .map(|line| {
            let line = line.replace(&image, "IMAGE");
            let trimmed = line.trim_start();
            // Checksums cover generations and times, so they differ too; fsck.ocfs2 verifies ours.
            let keep = ["Last Check:", "UUID:", "Hash:", "DX Seeds:", "ctime:", "atime:", "mtime:", "dtime:", "CRC32:"];
            if keep.iter().any(|k| trimmed.starts_with(k) || trimmed.contains(&format!(" {k}"))) && !trimmed.starts_with("Inode:") {
                let (key, _) = trimmed.split_once(':').unwrap_or((trimmed, ""));
                return format!("{key}: (varies)");
            }
            mask_listing_time(&mask_after(&mask_after(&line, "Generation: "), "uuid: "))
        })
        .filter(|l| !l.starts_with("debugfs.ocfs2 1.8.7"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `ls -l` shows times to the minute ("21-Nov-2026 12:38"); two formats a second apart can
/// straddle a minute.
fn mask_listing_time(line: &str) -> String {
    let is_date = |w: &str| {
        let parts: Vec<&str> = w.split('-').collect();
        parts.len() == 3 && parts[0].chars().all(|c| c.is_ascii_digit()) && parts[1].len() == 3 && parts[2].len() == 4
    };
    let words: Vec<&str> = line.split(' ').collect();
    match words.iter().position(|w| is_date(w)) {
        Some(i) if i + 1 < words.len() => {
            let mut out: Vec<&str> = words[..i].to_vec();
            out.push("(time)");
            out.extend(&words[i + 2..]);
            out.join(" ")
        }
        _ => line.to_string(),
    }
}

/// Mask the word following each occurrence of `key`.
fn mask_after(line: &str, key: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at + key.len()]);
        rest = &rest[at + key.len()..];
        let mut end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        // "Generation: 1234 (0x4d2)": the hex form goes too.
        if rest[end..].starts_with(" (0x") {
            end += rest[end..].find(')').map_or(rest.len() - end, |p| p + 1);
        }
        out.push('#');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn describe(image: &Path) -> String {
    QUERIES
        .iter()
        .map(|q| {
            let (_, text) = run(Command::new("debugfs.ocfs2").arg("-R").arg(q).arg(image));
            format!("== {q}\n{}", normalize(&text, image))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Format with both tools and compare.
fn compare(name: &str, size: u64, options: &[&str]) {
    if !oracles_present() {
        return;
    }
    let scratch = Scratch::new(name);
    let ours = scratch.image("ours.img", size);
    let theirs = scratch.image("theirs.img", size);
    let (ok, text) = run(Command::new(MKFS_OCFS).arg("-q").args(options).arg(&ours));
    assert!(ok, "{name}: mkfs.ocfs {options:?} failed:\n{text}");
    let (ok, text) = run(Command::new("mkfs.ocfs2").args(["-q", "-x", "-F", "--nodiscard"]).args(options).arg(&theirs));
    assert!(ok, "{name}: mkfs.ocfs2 {options:?} failed:\n{text}");
    // fsck.ocfs2 refuses heartbeat devices (there is no filesystem to check).
    if !options.contains(&"-H") {
        let (ok, text) = run(Command::new("fsck.ocfs2").arg("-fn").arg(&ours));
        assert!(ok && text.contains("All passes succeeded"), "{name}: fsck.ocfs2 -fn on our volume:\n{text}");
    }
    compare_quota_files(name, &ours, &theirs);
    let (a, b) = (describe(&ours), describe(&theirs));
    if a != b {
        let diff: Vec<String> = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(20)
            .map(|(i, (x, y))| format!("line {i}:\n  ours:   {x}\n  theirs: {y}"))
            .collect();
        panic!(
            "{name}: debugfs.ocfs2 differs ({} vs {} lines):\n{}",
            a.lines().count(),
            b.lines().count(),
            diff.join("\n")
        );
    }
}

/// Quota files hold no times or generations: their bytes must match, but for what
/// mkfs.ocfs2 leaves uninitialised in a global file's first block past its 32-byte header
/// (and hence that block's check).
fn compare_quota_files(name: &str, ours: &Path, theirs: &Path) {
    let (_, stats) = run(Command::new("debugfs.ocfs2").arg("-R").arg("stats").arg(ours));
    let bits: u32 = stats
        .lines()
        .find_map(|l| l.trim().strip_prefix("Block Size Bits: ")?.split_whitespace().next()?.parse().ok())
        .expect("block size in stats");
    let bs = 1usize << bits;
    let (_, listing) = run(Command::new("debugfs.ocfs2").arg("-R").arg("ls //").arg(ours));
    for file in listing.split_whitespace().filter(|w| w.starts_with("aquota.")) {
        let cat = |image: &Path| {
            let out = Command::new("debugfs.ocfs2").arg("-R").arg(format!("cat //{file}")).arg(image).output().unwrap();
            out.stdout
        };
        let (a, b) = (cat(ours), cat(theirs));
        assert_eq!(a.len(), b.len(), "{name}: {file} sizes differ");
        let global = !file.contains(':');
        for (i, (x, y)) in a.chunks(bs).zip(b.chunks(bs)).enumerate() {
            let (x, y) = if global && i == 0 { (&x[..32], &y[..32]) } else { (x, y) };
            assert_eq!(x, y, "{name}: block {i} of {file} differs");
        }
    }
}

const M: u64 = 1 << 20;
const G: u64 = 1 << 30;

#[test]
fn default_1g() {
    compare("default-1g", G, &["-L", "oracle"]);
}

#[test]
fn small_64m() {
    compare("small-64m", 64 * M, &[]);
}

#[test]
fn block_and_cluster_sizes() {
    for (bs, cs, size) in [("512", "4K", 512 * M), ("1K", "8K", G), ("2K", "64K", G), ("4K", "1M", 2 * G), ("512", "1M", G)] {
        compare(&format!("b{bs}-c{cs}"), size, &["-b", bs, "-C", cs]);
    }
}

#[test]
fn slot_counts() {
    compare("n1", G, &["-N", "1"]);
    compare("n8", 4 * G, &["-N", "8"]);
    compare("n32", 8 * G, &["-N", "32"]);
}

#[test]
fn mount_and_stack() {
    compare("local", G, &["-M", "local"]);
    compare("o2cb", G, &["--cluster-stack=o2cb", "--cluster-name=ocfstest"]);
    compare("o2cb-global", G, &["--cluster-stack=o2cb", "--cluster-name=ocfstest", "--global-heartbeat"]);
    compare("pcmk", G, &["--cluster-stack=pcmk", "--cluster-name=pacemaker"]);
}

#[test]
fn feature_levels_and_features() {
    compare("max-compat", G, &["--fs-feature-level=max-compat"]);
    compare("metaecc", G, &["--fs-features=metaecc"]);
    compare("nosparse", G, &["--fs-features=nosparse"]);
    compare("noxattr", G, &["--fs-features=noxattr,norefcount"]);
    // Block directories, indexed: root, orphan dirs and lost+found get dx roots.
    compare("noinline", G, &["--fs-features=noinline-data"]);
    compare("noinline-small", 64 * M, &["--fs-features=noinline-data"]);
    compare("noinline-metaecc", G, &["--fs-features=noinline-data,metaecc"]);
    compare("max-features", G, &["--fs-feature-level=max-features"]);
    compare("quota-512", 256 * M, &["-b", "512", "--fs-features=usrquota,grpquota"]);
    compare("quota-1k-64k", G, &["-b", "1K", "-C", "64K", "--fs-features=grpquota"]);
}

#[test]
fn volume_types_and_journals() {
    compare("mail", 4 * G, &["-T", "mail"]);
    compare("vmstore", 4 * G, &["-T", "vmstore"]);
    compare("datafiles", 4 * G, &["-T", "datafiles"]);
    compare("journal-16m", G, &["-J", "size=16M"]);
    compare("block64", G, &["-J", "block64"]);
}

#[test]
fn backups_and_large_volumes() {
    compare("20g", 20 * G, &[]);
    compare("no-backup", 5 * G, &["--no-backup-super"]);
    compare("200g", 200 * G, &[]);
}

#[test]
fn heartbeat_device() {
    compare("hb-1m", M, &["-H"]);
    compare("hb-big", 64 * M, &["-H"]);
}

#[test]
fn two_tib() {
    compare("2t", 2048 * G, &[]);
}

/// Refusals that protect data: an existing filesystem without -F, a target that is too small.
#[test]
fn refusals() {
    if !oracles_present() {
        return;
    }
    let scratch = Scratch::new("refusals");
    let image = scratch.image("img", G);
    let (ok, _) = run(Command::new(MKFS_OCFS).arg("-q").arg(&image));
    assert!(ok);
    let (ok, text) = run(Command::new(MKFS_OCFS).arg("-q").arg(&image));
    assert!(!ok && text.contains("holds an OCFS2 volume"), "{text}");
    let tiny = scratch.image("tiny", 512 * 1024);
    let (ok, text) = run(Command::new(MKFS_OCFS).arg("-q").arg(&tiny));
    assert!(!ok && text.contains("too small"), "{text}");
    let (ok, text) = run(Command::new(MKFS_OCFS).args(["-q", "-N", "0"]).arg(&image));
    assert!(!ok && text.contains("at least 1"), "{text}");
    let (ok, text) = run(Command::new(MKFS_OCFS).args(["-q", "-M", "local", "--cluster-stack=o2cb", "--cluster-name=x"]).arg(&image));
    assert!(!ok && text.contains("incompatible"), "{text}");
}
