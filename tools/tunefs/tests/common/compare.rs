//! Comparing twins changed by tunefs.ocfs2 and tunefs.ocfs: block by block with what may
//! legitimately differ masked, and through debugfs.ocfs2 with times masked.

use super::debugfs;
use ocfs_format::dir::{dir_entries, DIR_TRAILER_SIGNATURE};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Byte ranges of an inode block that hold times and the metaecc check: stamped with
/// `time(NULL)` when written, so they differ between two runs.
const INODE_VARYING: &[(usize, usize)] = &[(0x30, 0x50), (0x64, 0x70), (0x80, 0x88)];

fn masked_inode(block: &[u8]) -> Vec<u8> {
    let mut b = block.to_vec();
    for &(lo, hi) in INODE_VARYING {
        b[lo..hi].fill(0);
    }
    b
}

/// One directory entry's (inode, rec_len, file type, name), or the trailer's bytes.
type Shape = (u64, u16, u8, Vec<u8>);

/// A directory block's entries (inode, rec_len, type, name) and trailer (without its
/// check), or None if the block does not parse as one.  Padding after names and unused
/// entries' bytes are left out: tunefs.ocfs2 fills some from uninitialised memory.
fn dir_shape(block: &[u8]) -> Option<Vec<Shape>> {
    let bs = block.len();
    let trailer = bs - 64;
    let has_trailer = block.get(trailer + 0x10..trailer + 0x17) == Some(DIR_TRAILER_SIGNATURE);
    let region = if has_trailer {
        &block[..trailer]
    } else {
        block
    };
    let mut shape = Vec::new();
    for entry in dir_entries(region, 0) {
        let (_, e) = entry.ok()?;
        let live = e.inode() != 0;
        shape.push((
            e.inode(),
            e.rec_len(),
            if live { e.file_type() } else { 0 },
            if live { e.name().to_vec() } else { Vec::new() },
        ));
    }
    if shape.is_empty() {
        return None;
    }
    if has_trailer {
        let mut t = block[trailer..].to_vec();
        t[0x38..0x40].fill(0);
        shape.push((0, 0, 0, t));
    }
    Some(shape)
}

/// Whether two blocks differ beyond inode times, checks and directory padding.
fn really_differ(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false;
    }
    if a.starts_with(b"INODE01") && b.starts_with(b"INODE01") {
        return masked_inode(a) != masked_inode(b);
    }
    match (dir_shape(a), dir_shape(b)) {
        (Some(x), Some(y)) => x != y,
        _ => true,
    }
}

/// The byte ranges of a sparse file that hold data (SEEK_DATA / SEEK_HOLE).
pub fn data_ranges(file: &std::fs::File) -> Vec<(u64, u64)> {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    let len = file.metadata().expect("size").len();
    let mut ranges = Vec::new();
    let mut at = 0i64;
    while (at as u64) < len {
        // SAFETY: lseek on an open descriptor with valid whence values.
        let start = unsafe { libc::lseek(fd, at, libc::SEEK_DATA) };
        if start < 0 {
            break;
        }
        // SAFETY: as above.
        let end = unsafe { libc::lseek(fd, start, libc::SEEK_HOLE) };
        let end = if end < 0 { len as i64 } else { end };
        ranges.push((start as u64, end as u64));
        at = end;
    }
    ranges
}

/// The union of two sorted range lists, rounded out to `align`.
fn union(a: &[(u64, u64)], b: &[(u64, u64)], align: u64) -> Vec<(u64, u64)> {
    let mut all: Vec<(u64, u64)> = a
        .iter()
        .chain(b)
        .map(|&(s, e)| (s / align * align, e.div_ceil(align) * align))
        .collect();
    all.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, e) in all {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The blocks where the twins really differ (holes of both are skipped: they read as
/// zeros in both).
pub fn differing_blocks(a: &Path, b: &Path, block_size: u64) -> Vec<u64> {
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
    let bs = block_size as usize;
    let mut out = Vec::new();
    for (start, end) in union(&data_ranges(&fa), &data_ranges(&fb), CHUNK) {
        let mut offset = start;
        while offset < end.min(len) {
            let n = CHUNK.min(end.min(len) - offset) as usize;
            let (mut ba, mut bb) = (vec![0u8; n], vec![0u8; n]);
            fa.read_exact_at(&mut ba, offset).expect("read a");
            fb.read_exact_at(&mut bb, offset).expect("read b");
            if ba != bb {
                for i in (0..n).step_by(bs) {
                    let stop = (i + bs).min(n);
                    if really_differ(&ba[i..stop], &bb[i..stop]) {
                        out.push((offset + i as u64) / block_size);
                    }
                }
            }
            offset += n as u64;
        }
    }
    out
}

/// debugfs.ocfs2's answer with what legitimately differs between twins masked: times
/// (inode times, the listing's minute, "Last Check") and checksums.
pub fn debugfs_masked(image: &Path, request: &str) -> String {
    let path = image.display().to_string();
    debugfs(image, request)
        .lines()
        .map(|line| {
            let line = line.replace(&path, "IMAGE");
            let trimmed = line.trim_start();
            for key in [
                "ctime:",
                "atime:",
                "mtime:",
                "dtime:",
                "Last Check:",
                "CRC32:",
            ] {
                if let Some(at) = trimmed.find(key) {
                    let kept = &trimmed[..at];
                    return format!("{kept}{key} (varies)");
                }
            }
            mask_listing_time(&line)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `ls -l` prints "21-Nov-2026 12:38": the time goes.
fn mask_listing_time(line: &str) -> String {
    let is_date = |w: &str| {
        let parts: Vec<&str> = w.split('-').collect();
        parts.len() == 3
            && parts[0].chars().all(|c| c.is_ascii_digit())
            && parts[1].len() == 3
            && parts[2].len() == 4
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

/// Compares what debugfs.ocfs2 shows of the twins for each request, line by line.
pub fn assert_debugfs_agree(theirs: &Path, ours: &Path, requests: &[String], what: &str) {
    for request in requests {
        let (t, o) = (
            debugfs_masked(theirs, request),
            debugfs_masked(ours, request),
        );
        if t != o {
            let first = t
                .lines()
                .zip(o.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(t.lines().count().min(o.lines().count()));
            panic!(
                "{what}: debugfs.ocfs2 -R '{request}' differs from line {first}:\n--- tunefs.ocfs2\n{}\n--- tunefs.ocfs\n{}",
                t.lines().skip(first).take(6).collect::<Vec<_>>().join("\n"),
                o.lines().skip(first).take(6).collect::<Vec<_>>().join("\n")
            );
        }
    }
}
