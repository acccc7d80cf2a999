//! `--discard` (the default) and `--nodiscard`, as mkfs.ocfs2 1.8.7 has them: with discard
//! the whole volume is thrown away before formatting (a hole punched in an image file), so no
//! block of what was there before survives; with `--nodiscard` what mkfs does not write keeps
//! its old bytes, the same blocks as mkfs.ocfs2 leaves.  Refusals and dry runs discard
//! nothing.

use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const MKFS_OCFS: &str = env!("CARGO_BIN_EXE_mkfs-ocfs");
const SIZE: u64 = 64 << 20;
const BLOCK: usize = 4096;
const OPTIONS: &[&str] = &["-q", "-M", "local", "-b", "4K", "-N", "2", "-J", "size=4M"];

fn stale_block() -> Vec<u8> {
    b"stale data from before mkfs ".repeat(BLOCK / 28 + 1)[..BLOCK].to_vec()
}

/// An image every block of which holds the stale pattern (no holes).
fn stale_image(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("image");
    let chunk = stale_block().repeat(256);
    for offset in (0..SIZE).step_by(chunk.len()) {
        file.write_all_at(&chunk, offset).expect("fill");
    }
    path
}

/// How many blocks still hold the stale pattern.
fn stale_blocks(image: &Path) -> usize {
    let data = std::fs::read(image).expect("read image");
    let stale = stale_block();
    data.chunks(BLOCK).filter(|b| *b == stale.as_slice()).count()
}

fn allocated_bytes(image: &Path) -> u64 {
    std::fs::metadata(image).expect("stat").blocks() * 512
}

fn mkfs(program: &str, extra: &[&str], image: &Path) -> (bool, String) {
    let out = Command::new(program)
        .args(OPTIONS)
        .args(extra)
        .arg(image)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn assert_fsck_clean(image: &Path) {
    let out = Command::new("fsck.ocfs2").arg("-fn").arg(image).output().expect("run fsck.ocfs2");
    assert!(out.status.success(), "fsck.ocfs2 -fn:\n{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn discard_throws_the_old_contents_away_and_nodiscard_keeps_them() {
    if std::env::var_os("OCFS_SKIP_ORACLE").is_some() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ocfs-mkfs-discard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let total = SIZE as usize / BLOCK;

    // The default, and --discard, and the last of the two options winning, as with getopt.
    for extra in [&["-F"][..], &["-F", "--discard"], &["-F", "--nodiscard", "--discard"]] {
        let image = stale_image(&dir, "discarded");
        assert_eq!(stale_blocks(&image), total);
        let (ok, text) = mkfs(MKFS_OCFS, extra, &image);
        assert!(ok, "{extra:?}: {text}");
        assert_eq!(stale_blocks(&image), 0, "{extra:?}: stale blocks survived");
        assert!(allocated_bytes(&image) < SIZE / 4, "{extra:?}: the image was not punched");
        assert_fsck_clean(&image);
    }

    // --nodiscard: the blocks mkfs.ocfs2 does not write keep their bytes, and ours are the same.
    let theirs = stale_image(&dir, "theirs");
    let (ok, text) = mkfs("mkfs.ocfs2", &["-F", "--nodiscard"], &theirs);
    assert!(ok, "mkfs.ocfs2: {text}");
    let kept_by_theirs = stale_blocks(&theirs);
    assert!(kept_by_theirs > total / 2, "mkfs.ocfs2 --nodiscard kept {kept_by_theirs} blocks");
    for extra in [&["-F", "--nodiscard"][..], &["-F", "--discard", "--nodiscard"]] {
        let ours = stale_image(&dir, "kept");
        let (ok, text) = mkfs(MKFS_OCFS, extra, &ours);
        assert!(ok, "{extra:?}: {text}");
        assert_eq!(stale_blocks(&ours), kept_by_theirs, "{extra:?}");
        assert_fsck_clean(&ours);
    }

    // Neither a refusal (an OCFS2 volume is there, no -F) nor a dry run discards anything.
    let ours = dir.join("kept");
    let before = stale_blocks(&ours);
    let (ok, text) = mkfs(MKFS_OCFS, &[], &ours);
    assert!(!ok && text.contains("holds an OCFS2 volume"), "{text}");
    assert_eq!(stale_blocks(&ours), before, "the refusal discarded blocks");
    let fresh = stale_image(&dir, "dry");
    let (ok, text) = mkfs(MKFS_OCFS, &["-F", "-n"], &fresh);
    assert!(ok, "{text}");
    assert_eq!(stale_blocks(&fresh), total, "the dry run discarded blocks");

    let _ = std::fs::remove_dir_all(&dir);
}
