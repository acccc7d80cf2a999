//! Twin images: one changed by tunefs.ocfs2 1.8.7 (the oracle), one by tunefs.ocfs.
#![allow(dead_code)]

pub mod compare;
pub mod plant;

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const TUNEFS_OCFS: &str = env!("CARGO_BIN_EXE_tunefs-ocfs");

/// Who formats the volume.
#[derive(Clone, Copy, Debug)]
pub enum Maker {
    /// Debian's mkfs.ocfs2 1.8.7.
    Oracle,
    /// Our mkfs.ocfs (tools/mkfs), from the same target directory.
    Ours,
}

/// The mkfs.ocfs binary built beside this test (target/<profile>/mkfs-ocfs), else the
/// release build (`cargo build --release -p mkfs-ocfs`), if either was built.
pub fn our_mkfs() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile = exe.parent()?.parent()?;
    [
        profile.join("mkfs-ocfs"),
        profile.parent()?.join("release").join("mkfs-ocfs"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// A scratch directory removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ocfs-tunefs-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }

    /// A sparse image of `size` bytes formatted by `maker` with `options`; None (with a
    /// message) when that formatter is not available.
    pub fn mkfs(&self, maker: Maker, name: &str, size: u64, options: &[&str]) -> Option<PathBuf> {
        if !Path::new("/sbin/tunefs.ocfs2").exists() {
            eprintln!("skipping: ocfs2-tools are missing (install them)");
            return None;
        }
        let program = match maker {
            Maker::Oracle => PathBuf::from("/sbin/mkfs.ocfs2"),
            Maker::Ours => match our_mkfs() {
                Some(p) => p,
                None => {
                    eprintln!(
                        "skipping mkfs.ocfs images: build it first (cargo build -p mkfs-ocfs)"
                    );
                    return None;
                }
            },
        };
        let path = self.0.join(name);
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
            "{maker:?} mkfs {options:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(path)
    }

    /// A copy of `image` named `name`.
    pub fn twin(&self, image: &Path, name: &str) -> PathBuf {
        let path = self.0.join(name);
        let out = Command::new("cp")
            .arg("--sparse=always")
            .arg(image)
            .arg(&path)
            .output()
            .expect("cp");
        assert!(out.status.success(), "cp {}", image.display());
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // OCFS_KEEP_SCRATCH=1 keeps the images for a look after a failure.
        if std::env::var_os("OCFS_KEEP_SCRATCH").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a command with no standard input (tunefs.ocfs2 -y answers its own questions).
pub fn run(program: &str, args: &[&str], image: &Path) -> Output {
    Command::new(program)
        .args(args)
        .arg(image)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

pub fn tunefs_ocfs2(args: &[&str], image: &Path) -> Output {
    let mut all = vec!["-y"];
    all.extend_from_slice(args);
    run("tunefs.ocfs2", &all, image)
}

pub fn tunefs_ocfs(args: &[&str], image: &Path) -> Output {
    run(TUNEFS_OCFS, args, image)
}

pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

pub fn debugfs(image: &Path, request: &str) -> String {
    let out = Command::new("debugfs.ocfs2")
        .arg("-R")
        .arg(request)
        .arg(image)
        .output()
        .expect("run debugfs.ocfs2");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `fsck.ocfs2 -fn` on `image`.
fn fsck(image: &Path) -> Output {
    Command::new("fsck.ocfs2")
        .arg("-fn")
        .arg(image)
        .output()
        .expect("run fsck.ocfs2")
}

/// The "[CODE] ..." lines of an fsck.ocfs2 run.
fn problems_of(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('['))
        .map(str::to_string)
        .collect()
}

/// `fsck.ocfs2 -fn`, which must pass.
pub fn assert_fsck_clean(image: &Path, what: &str) {
    let out = fsck(image);
    assert!(
        out.status.success(),
        "{what}: fsck.ocfs2 -fn fails:\n{}",
        text(&out)
    );
}

/// The problems `fsck.ocfs2 -fn` reports (its "[CODE] ..." lines).
pub fn fsck_problems(image: &Path) -> Vec<String> {
    problems_of(&fsck(image))
}

/// `fsck.ocfs2 -fn` passes on `image` and reports nothing it did not already report on
/// `before` (mkfs.ocfs2 leaves `DX_TREE_MISSING` on some system directories).  One run
/// on `image`; `before` is checked only when that run reports something.
pub fn assert_fsck_clean_since(before: &Path, image: &Path, what: &str) {
    let out = fsck(image);
    assert!(
        out.status.success(),
        "{what}: fsck.ocfs2 -fn fails:\n{}",
        text(&out)
    );
    let problems = problems_of(&out);
    if problems.is_empty() {
        return;
    }
    let known = fsck_problems(before);
    let new: Vec<String> = problems
        .into_iter()
        .filter(|p| !known.contains(p))
        .collect();
    assert!(new.is_empty(), "{what}: fsck.ocfs2 -fn reports {new:?}");
}

/// The first byte offset where the images differ, skipping the given blocks (holes of both
/// are skipped: they read as zeros in both).
pub fn first_difference(a: &Path, b: &Path, block_size: u64, skip: &[u64]) -> Option<u64> {
    const CHUNK: u64 = 1 << 20;
    let (fa, fb) = (
        std::fs::File::open(a).expect("open a"),
        std::fs::File::open(b).expect("open b"),
    );
    let len = fa.metadata().expect("size").len();
    assert_eq!(
        len,
        fb.metadata().expect("size").len(),
        "twins differ in size"
    );
    let mut ranges = compare::data_ranges(&fa);
    ranges.extend(compare::data_ranges(&fb));
    ranges.sort_unstable();
    let mut done = 0u64;
    for (start, end) in ranges {
        let mut offset = start.max(done) / CHUNK * CHUNK;
        let end = end.min(len);
        while offset < end {
            let n = CHUNK.min(len - offset) as usize;
            let (mut ba, mut bb) = (vec![0u8; n], vec![0u8; n]);
            fa.read_exact_at(&mut ba, offset).expect("read a");
            fb.read_exact_at(&mut bb, offset).expect("read b");
            if ba != bb {
                for i in 0..n {
                    let at = offset + i as u64;
                    if ba[i] != bb[i] && !skip.contains(&(at / block_size)) {
                        return Some(at);
                    }
                }
            }
            offset += n as u64;
        }
        done = done.max(offset);
    }
    None
}

/// Bytes of an image.
pub fn peek(image: &Path, offset: u64, len: usize) -> Vec<u8> {
    let f = std::fs::File::open(image).expect("open image");
    let mut buf = vec![0; len];
    f.read_exact_at(&mut buf, offset).expect("peek");
    buf
}

pub fn poke(image: &Path, offset: u64, bytes: &[u8]) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(image)
        .expect("open image");
    f.write_all_at(bytes, offset).expect("poke");
}

/// The image's block size, from its superblock.
pub fn block_size(image: &Path) -> u64 {
    u64::from(ocfs_volume::Volume::open(image, false).expect("open").block_size())
}

/// Run tunefs.ocfs `args` on `twin`, a copy of `image`: it must fail, say `says`, and leave
/// the twin identical to `image`.
pub fn assert_ours_refuses(image: &Path, twin: &Path, args: &[&str], says: &str, label: &str) {
    let out = tunefs_ocfs(args, twin);
    assert!(!out.status.success(), "{label}: tunefs.ocfs {args:?} succeeded: {}", text(&out));
    assert!(text(&out).contains(says), "{label}: {}", text(&out));
    assert_eq!(
        first_difference(image, twin, block_size(image), &[]),
        None,
        "{label}: the refusal changed the volume"
    );
}
