//! Images made by Debian's mkfs.ocfs2 1.8.7 and answers from debugfs.ocfs2, the oracles.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ocfs-volume-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }

    /// A sparse image of `size` bytes formatted by mkfs.ocfs2 with `options`, or None (with
    /// a message) when ocfs2-tools are not installed.
    pub fn mkfs(&self, name: &str, size: u64, options: &[&str]) -> Option<PathBuf> {
        if !Path::new("/sbin/mkfs.ocfs2").exists() {
            eprintln!("skipping: /sbin/mkfs.ocfs2 is missing (install ocfs2-tools)");
            return None;
        }
        let path = self.0.join(name);
        std::fs::File::create(&path)
            .and_then(|f| f.set_len(size))
            .expect("sparse image");
        let out = Command::new("/sbin/mkfs.ocfs2")
            .args(["-q", "-F"])
            .args(options)
            .arg(&path)
            .output()
            .expect("run mkfs.ocfs2");
        assert!(
            out.status.success(),
            "mkfs.ocfs2 {options:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `debugfs.ocfs2 -R request image` prints.
pub fn debugfs(image: &Path, request: &str) -> String {
    let out = Command::new("debugfs.ocfs2")
        .arg("-R")
        .arg(request)
        .arg(image)
        .output()
        .expect("run debugfs.ocfs2");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The (inode, name) pairs of `debugfs.ocfs2 -R "ls -l DIR"`.
pub fn debugfs_ls(image: &Path, dir: &str) -> Vec<(u64, String)> {
    debugfs(image, &format!("ls -l {dir}"))
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let inode = words.next()?.parse().ok()?;
            let name = words.nth(7)?.to_string();
            Some((inode, name))
        })
        .collect()
}

/// The number after `key` in debugfs output (e.g. "Block Size Bits:").
pub fn debugfs_number(text: &str, key: &str) -> u64 {
    let at = text
        .find(key)
        .unwrap_or_else(|| panic!("{key} not in debugfs output:\n{text}"));
    text[at + key.len()..]
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number after {key}"))
}

/// `fsck.ocfs2 -fn`: Ok, or its output.
pub fn fsck(image: &Path) -> Result<(), String> {
    let out = Command::new("fsck.ocfs2")
        .arg("-fn")
        .arg(image)
        .output()
        .expect("run fsck.ocfs2");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr))
    }
}

/// Overwrites bytes of the image.
pub fn poke(image: &Path, offset: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(image)
        .expect("open image");
    f.write_all_at(bytes, offset).expect("poke");
}

/// Reads bytes of the image.
pub fn peek(image: &Path, offset: u64, len: usize) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(image).expect("open image");
    let mut buf = vec![0; len];
    f.read_exact_at(&mut buf, offset).expect("peek");
    buf
}
