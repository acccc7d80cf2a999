// SPDX-License-Identifier: GPL-2.0
//! Changing the entries of one directory region (a block less its trailer,
//! or the inline data of an inode) the way the kernel's ocfs2 does
//! (`__ocfs2_add_entry`, `__ocfs2_delete_entry`, `ocfs2_empty_dir`).
//!
//! Every change is planned on the region as it is, then applied: planning
//! walks and checks every entry and can fail; applying a plan to the same
//! bytes cannot, so a caller that must not fail halfway (a journal
//! transaction) plans first.

use super::dir::{dir_entries, dir_rec_len, write_dir_entry, DirEntry, MAX_FILENAME_LEN};
use super::error::{FormatError, Problem, Structure};
use super::raw::{window, window_mut};

/// Where a new entry goes: at `offset`, taking over an unused entry, or
/// splitting the slack off the live entry there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insert {
    /// Where the entry that takes the new one starts.
    pub offset: usize,
    /// The live entry at `offset` keeps its first `keep` bytes; the new
    /// entry starts after them. 0: the entry at `offset` is unused.
    pub keep: usize,
}

/// What planning an insertion found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertPlan {
    /// There is room.
    Room(Insert),
    /// The name is already in the region.
    Exists,
    /// No entry has room for the name.
    Full,
}

/// Plans adding `name` to `region` (from block `blkno`, for errors): the
/// first unused entry that is long enough, or the first live entry whose
/// slack is, as `__ocfs2_add_entry` picks.
pub fn plan_insert(region: &[u8], blkno: u64, name: &[u8]) -> Result<InsertPlan, FormatError> {
    check_name(name)?;
    let need = dir_rec_len(name.len());
    let mut room = None;
    for entry in dir_entries(region, blkno) {
        let (offset, de) = entry?;
        if de.is_live() && de.name() == name {
            return Ok(InsertPlan::Exists);
        }
        if room.is_some() {
            continue;
        }
        let rec_len = usize::from(de.rec_len());
        if !de.is_live() && rec_len >= need {
            room = Some(Insert { offset, keep: 0 });
        } else if de.is_live() && rec_len >= de.needed_len() + need {
            room = Some(Insert { offset, keep: de.needed_len() });
        }
    }
    Ok(room.map_or(InsertPlan::Full, InsertPlan::Room))
}

/// Applies a plan of [`plan_insert`] for `name` to the same region.
pub fn apply_insert(region: &mut [u8], at: Insert, name: &[u8], ino: u64, file_type: u8) {
    let rec_len = usize::from(
        DirEntry::new(window(region, at.offset, usize::MAX)).map_or(0, |de| de.rec_len()),
    );
    let (offset, len) = if at.keep == 0 {
        (at.offset, rec_len)
    } else {
        if let Ok(mut live) = DirEntry::new(window_mut(region, at.offset, at.keep)) {
            live.set_rec_len(at.keep as u16);
        }
        (at.offset + at.keep, rec_len.saturating_sub(at.keep))
    };
    let _ = write_dir_entry(window_mut(region, offset, len), ino, len as u16, name, file_type);
}

/// Where a live entry is, and the entry before it in the region (which
/// absorbs it on removal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// Where the entry starts.
    pub offset: usize,
    /// Where the entry before it in the region starts, if any.
    pub previous: Option<usize>,
    /// The inode it names.
    pub ino: u64,
    /// Its `FT_*`.
    pub file_type: u8,
}

/// Finds the live entry `name` in `region`.
pub fn find(region: &[u8], blkno: u64, name: &[u8]) -> Result<Option<Found>, FormatError> {
    let mut previous = None;
    for entry in dir_entries(region, blkno) {
        let (offset, de) = entry?;
        if de.is_live() && de.name() == name {
            return Ok(Some(Found { offset, previous, ino: de.inode(), file_type: de.file_type() }));
        }
        previous = Some(offset);
    }
    Ok(None)
}

/// Removes the entry [`find`] found: the previous entry takes its bytes,
/// or, first in the region, it stays as an unused entry
/// (`__ocfs2_delete_entry`).
pub fn apply_remove(region: &mut [u8], found: Found) {
    let rec_len = DirEntry::new(window(region, found.offset, usize::MAX)).map_or(0, |de| de.rec_len());
    match found.previous {
        Some(previous) => {
            if let Ok(mut prev) = DirEntry::new(window_mut(region, previous, usize::MAX)) {
                let merged = prev.rec_len().saturating_add(rec_len);
                prev.set_rec_len(merged);
            }
        }
        None => {
            if let Ok(mut de) = DirEntry::new(window_mut(region, found.offset, usize::MAX)) {
                de.set_inode(0);
            }
        }
    }
}

/// Points the live entry at `offset` to another inode (rename over an
/// existing name, `..` of a moved directory).
pub fn apply_retarget(region: &mut [u8], offset: usize, ino: u64, file_type: u8) {
    if let Ok(mut de) = DirEntry::new(window_mut(region, offset, usize::MAX)) {
        de.set_inode(ino);
        de.set_file_type(file_type);
    }
}

/// Whether `region` holds no live entry but `.` and `..`.
pub fn only_dots(region: &[u8], blkno: u64) -> Result<bool, FormatError> {
    for entry in dir_entries(region, blkno) {
        let (_, de) = entry?;
        if de.is_live() && de.name() != b"." && de.name() != b".." {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Fills a new directory's first region with `.` (`dir`) and `..`
/// (`parent`), `..` taking the rest (`ocfs2_fill_initial_dirents`).
pub fn fill_dots(region: &mut [u8], dir: u64, parent: u64) -> Result<(), FormatError> {
    let dot = dir_rec_len(1);
    let rest = region.len().saturating_sub(dot);
    if rest < dir_rec_len(2) || region.len() > usize::from(u16::MAX) {
        return Err(FormatError::new(
            Structure::DirEntry,
            "rec_len",
            Problem::TooShort { need: (dot + dir_rec_len(2)) as u64, have: region.len() as u64 },
        ));
    }
    write_dir_entry(window_mut(region, 0, dot), dir, dot as u16, b".", super::dir::FT_DIR)?;
    write_dir_entry(window_mut(region, dot, rest), parent, rest as u16, b"..", super::dir::FT_DIR)?;
    Ok(())
}

/// `ocfs2_find_max_rec_len()`: the longest room a new entry could take in
/// `region` (an unused entry, or the slack after a live one), or 0 when it
/// is too short for any entry. Indexed directories keep it in each
/// block's trailer (`db_free_rec_len`).
pub fn max_free_rec_len(region: &[u8]) -> u16 {
    let mut largest = 0usize;
    for entry in dir_entries(region, 0) {
        let Ok((_, de)) = entry else { break };
        let rec_len = usize::from(de.rec_len());
        let hole = if de.is_live() { rec_len.saturating_sub(de.needed_len()) } else { rec_len };
        largest = largest.max(hole);
    }
    if largest >= super::dir::DIR_MIN_REC_LEN { largest as u16 } else { 0 }
}

fn check_name(name: &[u8]) -> Result<(), FormatError> {
    if name.is_empty() || name.len() > MAX_FILENAME_LEN {
        return Err(FormatError::new(
            Structure::DirEntry,
            "name_len",
            Problem::TooLarge { max: MAX_FILENAME_LEN as u64, found: name.len() as u64 },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::ondisk::dir::FT_REG_FILE;
    use std::vec;
    use std::vec::Vec;

    fn names(region: &[u8]) -> Vec<(Vec<u8>, u64)> {
        dir_entries(region, 0)
            .map(|e| e.unwrap().1)
            .filter(|de| de.is_live())
            .map(|de| (de.name().to_vec(), de.inode()))
            .collect()
    }

    fn new_dir(size: usize) -> Vec<u8> {
        let mut region = vec![0u8; size];
        fill_dots(&mut region, 10, 2).unwrap();
        region
    }

    #[test]
    fn insert_splits_slack_then_fills_until_full() {
        let mut region = new_dir(128);
        let mut added = 0;
        loop {
            let name = std::format!("file{added}");
            match plan_insert(&region, 0, name.as_bytes()).unwrap() {
                InsertPlan::Room(at) => apply_insert(&mut region, at, name.as_bytes(), 100 + added, FT_REG_FILE),
                InsertPlan::Full => break,
                InsertPlan::Exists => panic!("{name} exists"),
            }
            added += 1;
        }
        // 128 bytes: "." 16 + ".." 16, then 20-byte entries for "fileN": 4 fit.
        assert_eq!(added, 4);
        assert_eq!(names(&region).len(), 6);
        crate::ondisk::dir::validate_dir_region(&region, 0).unwrap();
        assert_eq!(plan_insert(&region, 0, b"file3").unwrap(), InsertPlan::Exists);
    }

    #[test]
    fn remove_merges_into_previous_and_space_is_reused() {
        let mut region = new_dir(256);
        for (i, name) in [&b"a"[..], b"bb", b"ccc"].iter().enumerate() {
            let InsertPlan::Room(at) = plan_insert(&region, 0, name).unwrap() else { panic!() };
            apply_insert(&mut region, at, name, 20 + i as u64, FT_REG_FILE);
        }
        let found = find(&region, 0, b"bb").unwrap().unwrap();
        assert_eq!(found.ino, 21);
        apply_remove(&mut region, found);
        crate::ondisk::dir::validate_dir_region(&region, 0).unwrap();
        assert_eq!(names(&region).iter().map(|n| n.0.clone()).collect::<Vec<_>>(), [&b"."[..], b"..", b"a", b"ccc"]);
        assert!(find(&region, 0, b"bb").unwrap().is_none());
        assert!(!only_dots(&region, 0).unwrap());
        for name in [&b"a"[..], b"ccc"] {
            let found = find(&region, 0, name).unwrap().unwrap();
            apply_remove(&mut region, found);
        }
        assert!(only_dots(&region, 0).unwrap());
        crate::ondisk::dir::validate_dir_region(&region, 0).unwrap();
    }

    #[test]
    fn first_entry_removed_stays_unused_and_is_refilled() {
        // A block whose first entry is a file (not "."), as in a directory's second block.
        let mut region = vec![0u8; 64];
        write_dir_entry(&mut region, 5, 64, b"only", FT_REG_FILE).unwrap();
        let found = find(&region, 0, b"only").unwrap().unwrap();
        assert_eq!(found.previous, None);
        apply_remove(&mut region, found);
        assert!(names(&region).is_empty());
        let InsertPlan::Room(at) = plan_insert(&region, 0, b"again").unwrap() else { panic!() };
        assert_eq!(at, Insert { offset: 0, keep: 0 });
        apply_insert(&mut region, at, b"again", 6, FT_REG_FILE);
        assert_eq!(names(&region), [(b"again".to_vec(), 6)]);
    }

    #[test]
    fn free_room_follows_inserts_and_removals() {
        let mut region = new_dir(64);
        // ".." holds 64 - 16 - 16 = 32 spare bytes.
        assert_eq!(max_free_rec_len(&region), 32);
        let InsertPlan::Room(at) = plan_insert(&region, 0, b"abcdefghijklmnopq").unwrap() else { panic!() };
        apply_insert(&mut region, at, b"abcdefghijklmnopq", 7, FT_REG_FILE);
        assert_eq!(max_free_rec_len(&region), 0);
        let found = find(&region, 0, b"abcdefghijklmnopq").unwrap().unwrap();
        apply_remove(&mut region, found);
        assert_eq!(max_free_rec_len(&region), 32);
    }

    #[test]
    fn dx_lists_push_and_remove_in_place() {
        use crate::ondisk::dx::DxEntryList;
        let mut buf = vec![0u8; 8 + 3 * 16];
        let mut list = DxEntryList::new(&mut buf[..]).unwrap();
        list.set_de_count(3);
        for i in 0..3u32 {
            assert!(list.push(i, i + 10, u64::from(i) + 100));
        }
        assert!(!list.push(9, 9, 9));
        list.remove(0);
        let list = DxEntryList::new(&buf[..]).unwrap();
        let kept: Vec<_> = list.entries().map(|e| (e.dx_major_hash(), e.dx_dirent_blk())).collect();
        assert_eq!(kept, [(1, 101), (2, 102)]);
        assert!(buf[8 + 32..].iter().all(|&b| b == 0));
    }

    #[test]
    fn bad_names_and_corrupt_regions_are_errors() {
        let region = new_dir(64);
        assert!(plan_insert(&region, 0, b"").is_err());
        assert!(plan_insert(&region, 0, &[b'x'; 256]).is_err());
        let mut corrupt = new_dir(64);
        corrupt[8] = 3; // "." rec_len 3
        assert!(plan_insert(&corrupt, 0, b"x").is_err());
        assert!(find(&corrupt, 0, b"x").is_err());
    }
}
