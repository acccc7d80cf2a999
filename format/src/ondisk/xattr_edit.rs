// SPDX-License-Identifier: GPL-2.0
//! Writing xattr tables the way the kernel's ocfs2 keeps "block storage"
//! (the inline area of an inode and an unindexed xattr block,
//! `ocfs2_xa_block_*`): entries one after another after the header,
//! names and values packed without holes from the end of the region
//! downwards, `xh_free_start` and `xh_name_value_len` unused (zero).
//!
//! Values of at most [`XATTR_INLINE_SIZE`] bytes sit after their name;
//! longer ones live in clusters of their own, and the table holds a value
//! root ([`XATTR_ROOT_SIZE`] bytes: `ocfs2_xattr_def_value_root`, an
//! extent list of one record) after the name instead.
//!
//! A table is rewritten whole from the list of its entries: [`table_fits`]
//! says whether a list fits a region (with the gap the kernel keeps), and
//! [`write_table`] writes it.  Also the name hash (`ocfs2_xattr_name_hash`)
//! and the POSIX ACL value format (`ocfs2_acl_entry`).

use super::extent::{ExtentList, ExtentRec};
use super::xattr::{
    xattr_size, XATTR_BUCKET_SIZE, XattrEntry, XattrHeader, XattrValueRoot, HASH_SHIFT, XATTR_ENTRY_LOCAL,
    XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_INDEX_POSIX_ACL_DEFAULT, XATTR_TYPE_MASK,
};

/// `OCFS2_XATTR_INLINE_SIZE`: the longest value kept next to its name.
pub const XATTR_INLINE_SIZE: usize = 80;
/// `OCFS2_XATTR_ROOT_SIZE`: a value root with room for one extent record.
pub const XATTR_ROOT_SIZE: usize = XattrValueRoot::<()>::SIZE + ExtentRec::<()>::SIZE;
/// `OCFS2_XATTR_HEADER_GAP`: bytes kept free between the entries and the
/// names.
pub const XATTR_HEADER_GAP: usize = 4;
/// `XATTR_SIZE_MAX` of Linux: the longest value.
pub const XATTR_SIZE_MAX: usize = 65536;
/// `XATTR_NAME_MAX`: the longest name (without its prefix).
pub const XATTR_NAME_MAX: usize = 255;

/// `ocfs2_xattr_name_hash()`: the volume's `s_uuid_hash` rotated through
/// the name (without its prefix), unsigned bytes.
pub fn name_hash(uuid_hash: u32, name: &[u8]) -> u32 {
    name.iter().fold(uuid_hash, |hash, &b| {
        (hash << HASH_SHIFT) ^ (hash >> (32 - HASH_SHIFT)) ^ u32::from(b)
    })
}

/// Whether a value of `value_len` bytes is kept next to its name.
pub const fn is_local(value_len: usize) -> bool {
    value_len <= XATTR_INLINE_SIZE
}

/// `namevalue_size()`: bytes a name and its value (or value root) take.
pub const fn namevalue_size(name_len: usize, value_len: usize) -> usize {
    if is_local(value_len) {
        xattr_size(name_len) + xattr_size(value_len)
    } else {
        xattr_size(name_len) + XATTR_ROOT_SIZE
    }
}

/// `ocfs2_xattr_entry_real_size()`: bytes one attribute takes in a table.
pub const fn entry_usage(name_len: usize, value_len: usize) -> usize {
    namevalue_size(name_len, value_len) + XattrEntry::<()>::SIZE
}

/// One attribute of a table: `stored` is the value itself (local) or its
/// value root (`XATTR_ROOT_SIZE` bytes) when `value_len` is too long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableEntry<'a> {
    /// `XATTR_INDEX_*`.
    pub name_index: u8,
    /// The name without its prefix (empty for POSIX ACLs).
    pub name: &'a [u8],
    /// [`name_hash`] of the name.
    pub hash: u32,
    /// The value's length.
    pub value_len: u64,
    /// The value, or its value root.
    pub stored: &'a [u8],
}

impl TableEntry<'_> {
    fn local(&self) -> bool {
        usize::try_from(self.value_len).is_ok_and(is_local)
    }

    fn usage(&self) -> usize {
        xattr_size(self.name.len()) + xattr_size(self.stored.len()) + XattrEntry::<()>::SIZE
    }

    /// Whether `stored` is the right size for `value_len`.
    fn consistent(&self) -> bool {
        let stored_ok = if self.local() {
            self.stored.len() as u64 == self.value_len
        } else {
            self.stored.len() == XATTR_ROOT_SIZE
        };
        // Only the POSIX ACLs are stored without a name.
        let acl = matches!(self.name_index, XATTR_INDEX_POSIX_ACL_ACCESS | XATTR_INDEX_POSIX_ACL_DEFAULT);
        stored_ok
            && self.name.len() <= XATTR_NAME_MAX
            && (acl || !self.name.is_empty())
            && self.name_index & !XATTR_TYPE_MASK == 0
    }
}

/// Whether `entries` fit a table region of `region_size` bytes, keeping
/// the header gap (`ocfs2_xa_check_space_helper`).
pub fn table_fits<'a>(region_size: usize, entries: impl IntoIterator<Item = TableEntry<'a>>) -> bool {
    let used: usize = entries.into_iter().map(|e| e.usage()).sum();
    XattrHeader::<()>::SIZE + used + XATTR_HEADER_GAP <= region_size
}

/// Why a table could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The entries do not fit the region.
    Full,
    /// An entry's stored bytes do not match its value length, or its name
    /// is too long.
    Inconsistent,
}

/// Whether [`write_table`] can write `entries` to a region of
/// `region_size` bytes.
pub fn check_table(region_size: usize, entries: &[TableEntry<'_>]) -> Result<(), TableError> {
    if entries.iter().any(|e| !e.consistent()) {
        return Err(TableError::Inconsistent);
    }
    if !table_fits(region_size, entries.iter().copied()) || region_size > usize::from(u16::MAX) {
        return Err(TableError::Full);
    }
    Ok(())
}

/// Write `entries` as the whole table of `region` (the inline area, or an
/// xattr block from `xb_attrs` on): the region is zeroed, the entries
/// written in order, their names and values packed from the end.
pub fn write_table(region: &mut [u8], entries: &[TableEntry<'_>]) -> Result<(), TableError> {
    check_table(region.len(), entries)?;
    region.fill(0);
    let mut free_start = region.len();
    for (i, e) in entries.iter().enumerate() {
        let name_size = xattr_size(e.name.len());
        let size = name_size + xattr_size(e.stored.len());
        free_start = free_start.checked_sub(size).ok_or(TableError::Full)?;
        let nv = region.get_mut(free_start..free_start + size).ok_or(TableError::Full)?;
        let (name_area, value_area) = nv.split_at_mut(name_size);
        name_area.get_mut(..e.name.len()).ok_or(TableError::Full)?.copy_from_slice(e.name);
        value_area.get_mut(..e.stored.len()).ok_or(TableError::Full)?.copy_from_slice(e.stored);
        let mut table = XattrHeader::wrap(&mut *region);
        let Some(mut entry) = table.entry_mut(i) else { return Err(TableError::Full) };
        entry.set_xe_name_hash(e.hash);
        entry.set_xe_name_offset(free_start as u16);
        entry.set_xe_name_len(e.name.len() as u8);
        entry.set_xe_type(e.name_index | if e.local() { XATTR_ENTRY_LOCAL } else { 0 });
        entry.set_xe_value_size(e.value_len);
    }
    XattrHeader::wrap(region).set_xh_count(entries.len() as u16);
    Ok(())
}

/// Where the names and values of `entries` go in a bucket of
/// `block_size`-byte blocks, packed from the end of the bucket downwards
/// so that none crosses a block (`ocfs2_bucket_align_free_start`):
/// calls `place(i, offset)` and returns `(xh_free_start,
/// xh_name_value_len)`, or why they do not fit.
fn bucket_layout(
    block_size: usize,
    entries: &[TableEntry<'_>],
    mut place: impl FnMut(usize, usize),
) -> Result<(usize, usize), TableError> {
    if entries.iter().any(|e| !e.consistent()) {
        return Err(TableError::Inconsistent);
    }
    if block_size < XattrHeader::<()>::SIZE || block_size > XATTR_BUCKET_SIZE || XATTR_BUCKET_SIZE % block_size != 0 {
        return Err(TableError::Inconsistent);
    }
    if entries.windows(2).any(|w| w[0].hash > w[1].hash) {
        return Err(TableError::Inconsistent);
    }
    let header_end = XattrHeader::<()>::SIZE + entries.len() * XattrEntry::<()>::SIZE;
    if header_end > block_size {
        return Err(TableError::Full);
    }
    let (mut free_start, mut nv_len) = (XATTR_BUCKET_SIZE, 0usize);
    for (i, e) in entries.iter().enumerate() {
        let size = xattr_size(e.name.len()) + xattr_size(e.stored.len());
        if size > block_size || size > free_start {
            return Err(TableError::Full);
        }
        if (free_start - size) / block_size != (free_start - 1) / block_size {
            free_start -= free_start % block_size;
        }
        free_start = free_start.checked_sub(size).ok_or(TableError::Full)?;
        place(i, free_start);
        nv_len += size;
    }
    if header_end + XATTR_HEADER_GAP > free_start {
        return Err(TableError::Full);
    }
    Ok((free_start, nv_len))
}

/// Whether `entries` (sorted by hash) fit one bucket.
pub fn bucket_fits(block_size: usize, entries: &[TableEntry<'_>]) -> bool {
    bucket_layout(block_size, entries, |_, _| {}).is_ok()
}

/// Write `entries` (sorted by hash) as the whole table of `bucket`
/// (`XATTR_BUCKET_SIZE` bytes), as the kernel keeps buckets: entries
/// sorted, `xh_free_start` and `xh_name_value_len` kept, `xh_num_buckets`
/// in the first bucket of a run only.  The check (`xh_check`) is left
/// zero for the caller.
pub fn write_bucket(
    bucket: &mut [u8],
    block_size: usize,
    entries: &[TableEntry<'_>],
    num_buckets: u16,
) -> Result<(), TableError> {
    if bucket.len() != XATTR_BUCKET_SIZE {
        return Err(TableError::Inconsistent);
    }
    let mut offsets = [0u16; XATTR_BUCKET_SIZE / XattrEntry::<()>::SIZE];
    if entries.len() > offsets.len() {
        return Err(TableError::Full);
    }
    let (free_start, nv_len) = bucket_layout(block_size, entries, |i, off| {
        if let Some(o) = offsets.get_mut(i) {
            *o = off as u16;
        }
    })?;
    bucket.fill(0);
    for (i, e) in entries.iter().enumerate() {
        let off = usize::from(offsets.get(i).copied().unwrap_or(0));
        let name_size = xattr_size(e.name.len());
        let nv = bucket.get_mut(off..off + name_size + xattr_size(e.stored.len())).ok_or(TableError::Full)?;
        let (name_area, value_area) = nv.split_at_mut(name_size);
        name_area.get_mut(..e.name.len()).ok_or(TableError::Full)?.copy_from_slice(e.name);
        value_area.get_mut(..e.stored.len()).ok_or(TableError::Full)?.copy_from_slice(e.stored);
        let mut table = XattrHeader::wrap(&mut *bucket);
        let Some(mut entry) = table.entry_mut(i) else { return Err(TableError::Full) };
        entry.set_xe_name_hash(e.hash);
        entry.set_xe_name_offset(off as u16);
        entry.set_xe_name_len(e.name.len() as u8);
        entry.set_xe_type(e.name_index | if e.local() { XATTR_ENTRY_LOCAL } else { 0 });
        entry.set_xe_value_size(e.value_len);
    }
    let mut table = XattrHeader::wrap(bucket);
    table.set_xh_count(entries.len() as u16);
    table.set_xh_free_start(free_start as u16);
    table.set_xh_name_value_len(nv_len as u16);
    table.set_xh_num_buckets(num_buckets);
    Ok(())
}

/// Divide `entries` (sorted by hash) into buckets about half full each, as
/// the kernel divides a full bucket in two (`ocfs2_divide_xattr_bucket`):
/// `start(i)` is called with the index of each bucket's first entry (0
/// first), never dividing one hash.  Half-full buckets keep room for what
/// comes next wherever it lands: filling the lower bucket of a division
/// fuller would leave a trail of nearly empty ones behind names inserted
/// in falling hash order.  `false` when one hash alone does not fit a
/// bucket.
pub fn bucket_partition(block_size: usize, entries: &[TableEntry<'_>], mut start: impl FnMut(usize)) -> bool {
    let total: usize = entries.iter().map(|e| e.usage()).sum();
    let buckets = total.div_ceil(XATTR_BUCKET_SIZE / 2).max(2);
    let share = total.div_ceil(buckets).max(1);
    // Bucket `n` starts at the first hash beginning at or past `n` shares.
    let (mut first, mut started, mut before, mut i) = (0, 1, 0, 0);
    start(0);
    while i < entries.len() {
        // The run of entries sharing entry i's hash.
        let mut end = i + 1;
        while end < entries.len() && entries[end].hash == entries[i].hash {
            end += 1;
        }
        let fits = bucket_fits(block_size, &entries[first..end]);
        if i > first && (!fits || before >= started * share) {
            first = i;
            started += 1;
            start(i);
            if !bucket_fits(block_size, &entries[i..end]) {
                return false;
            }
        } else if !fits {
            return false;
        }
        before += entries[i..end].iter().map(|e| e.usage()).sum::<usize>();
        i = end;
    }
    true
}

/// A value root (`XATTR_ROOT_SIZE` bytes) mapping `clusters` clusters
/// from block `blkno` in one record, as `ocfs2_xattr_value_truncate`
/// leaves a value that got one contiguous run.
pub fn value_root(clusters: u32, blkno: u64) -> [u8; XATTR_ROOT_SIZE] {
    let mut bytes = [0u8; XATTR_ROOT_SIZE];
    let mut root = XattrValueRoot::wrap(&mut bytes[..]);
    root.set_xr_clusters(clusters);
    let mut list = root.xr_list_mut();
    list.set_l_count(1);
    list.set_l_tree_depth(0);
    list.set_l_next_free_rec(1);
    if let Some(mut rec) = list.rec_mut(0) {
        rec.set_e_cpos(0);
        rec.set_e_leaf_clusters(clusters as u16);
        rec.set_e_blkno(blkno);
    }
    bytes
}

/// The records of a value root's list when it is a leaf (depth 0):
/// `(first block, clusters)` of each.
pub fn root_leaf_runs<'a>(list: &'a ExtentList<&'a [u8]>) -> impl Iterator<Item = (u64, u32)> + 'a {
    list.recs().map(|r| (r.e_blkno(), u32::from(r.e_leaf_clusters())))
}

/// `struct ocfs2_acl_entry`: tag, permissions, id, little-endian.
pub const ACL_ENTRY_SIZE: usize = 8;
/// `ACL_UNDEFINED_ID`.
pub const ACL_UNDEFINED_ID: u32 = u32::MAX;
/// `ACL_USER`: a tag whose id names a user.
pub const ACL_USER: u16 = 0x02;
/// `ACL_GROUP`: a tag whose id names a group.
pub const ACL_GROUP: u16 = 0x08;

/// One ACL entry as the VFS holds it (ids in the initial namespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AclEntry {
    /// `ACL_USER_OBJ`, `ACL_USER`, ...
    pub tag: u16,
    /// `ACL_READ | ACL_WRITE | ACL_EXECUTE`.
    pub perm: u16,
    /// The user or group id, for `ACL_USER` and `ACL_GROUP`.
    pub id: u32,
}

/// `ocfs2_acl_to_xattr()`: entry `i` into bytes `8 i ..`; the id is
/// `ACL_UNDEFINED_ID` for tags other than users and groups.
pub fn acl_encode(entry: AclEntry, out: &mut [u8; ACL_ENTRY_SIZE]) {
    let id = match entry.tag {
        ACL_USER | ACL_GROUP => entry.id,
        _ => ACL_UNDEFINED_ID,
    };
    out[0..2].copy_from_slice(&entry.tag.to_le_bytes());
    out[2..4].copy_from_slice(&entry.perm.to_le_bytes());
    out[4..8].copy_from_slice(&id.to_le_bytes());
}

/// `ocfs2_acl_from_xattr()`: the entries of a stored ACL; `None` when the
/// value is shorter than one entry (the kernel's `EINVAL`).  A trailing
/// partial entry is ignored, as there.
pub fn acl_decode(value: &[u8]) -> Option<impl Iterator<Item = AclEntry> + '_> {
    if value.len() < ACL_ENTRY_SIZE {
        return None;
    }
    Some(value.chunks_exact(ACL_ENTRY_SIZE).map(|c| AclEntry {
        tag: u16::from_le_bytes([c[0], c[1]]),
        perm: u16::from_le_bytes([c[2], c[3]]),
        id: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
    }))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;
    use super::super::xattr::XATTR_BUCKET_SIZE;
    use super::super::xattr::validate_xattr_region;
    use super::*;

    fn entry<'a>(name: &'a [u8], stored: &'a [u8], value_len: u64) -> TableEntry<'a> {
        TableEntry { name_index: 1, name, hash: name_hash(7, name), value_len, stored }
    }

    #[test]
    fn hash_matches_the_kernel_formula() {
        // hash = (hash << 5) ^ (hash >> 27) ^ byte, from the uuid hash.
        let mut h: u32 = 0x1234_5678;
        for &b in b"color" {
            h = (h << 5) ^ (h >> 27) ^ u32::from(b);
        }
        assert_eq!(name_hash(0x1234_5678, b"color"), h);
        assert_eq!(name_hash(9, b""), 9);
        // Unsigned bytes: 0xff is 255, not -1.
        assert_eq!(name_hash(0, &[0xff]), 0xff);
    }

    #[test]
    fn sizes() {
        assert_eq!(XATTR_ROOT_SIZE, 48);
        assert_eq!(namevalue_size(5, 4), 8 + 4);
        assert_eq!(namevalue_size(5, 80), 8 + 80);
        assert_eq!(namevalue_size(5, 81), 8 + 48);
        assert_eq!(entry_usage(1, 1), 16 + 8);
    }

    #[test]
    fn table_round_trips_and_validates() {
        let root = value_root(3, 0x1000);
        let entries = [entry(b"color", b"blue", 4), entry(b"big", &root, 5000), entry(b"empty", b"", 0)];
        let mut region = [0xaau8; 256];
        write_table(&mut region, &entries).unwrap();
        validate_xattr_region(&region, 1).unwrap();
        let table = XattrHeader::wrap(&region[..]);
        assert_eq!(table.xh_count(), 3);
        assert_eq!(table.xh_free_start(), 0);
        let got: Vec<_> = table.entries().collect();
        assert_eq!(table.name(&got[0]).unwrap(), b"color");
        assert_eq!(table.local_value(&got[0]).unwrap(), b"blue");
        assert!(!got[1].is_local());
        let r = table.value_root(&got[1]).unwrap();
        assert_eq!(r.xr_clusters(), 3);
        let runs: Vec<_> = root_leaf_runs(&r.xr_list()).collect();
        assert_eq!(runs, [(0x1000, 3)]);
        assert_eq!(got[2].xe_value_size(), 0);
        assert!(got[2].is_local());
        // Packed from the end without holes: the first entry's name ends the region.
        assert_eq!(usize::from(got[0].xe_name_offset()) + 8 + 4, 256);
        let lowest = got.iter().map(|e| usize::from(e.xe_name_offset())).min().unwrap();
        assert_eq!(lowest, 256 - 12 - (4 + 48) - 8);
    }

    #[test]
    fn full_regions_are_refused_before_any_change() {
        let value = [1u8; 80];
        let entries = [entry(b"a", &value, 80), entry(b"b", &value, 80)];
        // 16 header + 2 * (16 + 4 + 80) + 4 gap = 220.
        assert!(table_fits(220, entries.iter().copied()));
        assert!(!table_fits(219, entries.iter().copied()));
        let mut region = [0x55u8; 219];
        assert_eq!(write_table(&mut region, &entries), Err(TableError::Full));
        assert!(region.iter().all(|&b| b == 0x55));
        let mut region = [0u8; 220];
        write_table(&mut region, &entries).unwrap();
        validate_xattr_region(&region, 1).unwrap();
    }

    #[test]
    fn inconsistent_entries_are_refused() {
        let mut region = [0u8; 256];
        assert_eq!(write_table(&mut region, &[entry(b"a", b"xy", 3)]), Err(TableError::Inconsistent));
        assert_eq!(write_table(&mut region, &[entry(b"a", b"short root", 100)]), Err(TableError::Inconsistent));
        assert_eq!(write_table(&mut region, &[entry(b"", b"", 0)]), Err(TableError::Inconsistent));
        // ACLs have no name.
        let acl = TableEntry { name_index: 2, name: b"", hash: 0, value_len: 4, stored: b"abcd" };
        write_table(&mut region, &[acl]).unwrap();
        validate_xattr_region(&region, 1).unwrap();
    }

    fn sorted(mut v: Vec<TableEntry<'_>>) -> Vec<TableEntry<'_>> {
        v.sort_by_key(|e| e.hash);
        v
    }

    #[test]
    fn buckets_keep_names_and_values_inside_blocks() {
        use super::super::xattr::validate_xattr_bucket;
        let names: Vec<Vec<u8>> = (0..40).map(|i| std::format!("attribute-{i}").into_bytes()).collect();
        let value = [7u8; 70];
        let entries = sorted(names.iter().map(|n| entry(n, &value, 70)).collect());
        for bs in [512usize, 1024, 2048, 4096] {
            let mut bucket = std::vec![0u8; XATTR_BUCKET_SIZE];
            let fit = bucket_fits(bs, &entries);
            assert_eq!(write_bucket(&mut bucket, bs, &entries, 1).is_ok(), fit);
            if !fit {
                // Too many entries for the first block of small buckets.
                assert!(bs < 1024);
                continue;
            }
            validate_xattr_bucket(&bucket, bs as u32, 1).unwrap();
            let table = XattrHeader::wrap(&bucket[..]);
            assert_eq!(table.xh_count(), 40);
            assert_eq!(table.xh_num_buckets(), 1);
            assert_eq!(usize::from(table.xh_name_value_len()), 40 * (12 + 72));
            let lowest = table.entries().map(|e| e.xe_name_offset()).min().unwrap();
            assert_eq!(table.xh_free_start(), lowest);
            for (e, want) in table.entries().zip(&entries) {
                assert_eq!(table.name(&e).unwrap(), want.name);
                assert_eq!(table.local_value(&e).unwrap(), &value[..]);
                let start = usize::from(e.xe_name_offset());
                assert_eq!(start / bs, (start + 84 - 1) / bs, "crosses a block at {bs}");
            }
        }
    }

    #[test]
    fn unsorted_buckets_are_refused() {
        let names: Vec<Vec<u8>> = (0..10).map(|i| std::format!("name-{i}").into_bytes()).collect();
        let mut rev = sorted(names.iter().map(|n| entry(n, b"v", 1)).collect());
        rev.reverse();
        let mut bucket = std::vec![0u8; XATTR_BUCKET_SIZE];
        assert_eq!(write_bucket(&mut bucket, 4096, &rev, 1), Err(TableError::Inconsistent));
    }

    #[test]
    fn partitions_fill_buckets_and_keep_hashes_together() {
        let names: Vec<Vec<u8>> = (0..300).map(|i| std::format!("partition-name-{i}").into_bytes()).collect();
        let value = [3u8; 40];
        let mut entries = sorted(names.iter().map(|n| entry(n, &value, 40)).collect());
        // A run of equal hashes.
        for e in entries.iter_mut().skip(100).take(5) {
            e.hash = 0x8000_0000;
        }
        let entries = sorted(entries);
        for bs in [1024usize, 4096] {
            let mut starts = Vec::new();
            assert!(bucket_partition(bs, &entries, |i| starts.push(i)));
            assert_eq!(starts[0], 0);
            starts.push(entries.len());
            for w in starts.windows(2) {
                let part = &entries[w[0]..w[1]];
                assert!(!part.is_empty() && bucket_fits(bs, part));
                if w[0] > 0 {
                    assert_ne!(entries[w[0] - 1].hash, entries[w[0]].hash);
                }
            }
            assert!(starts.len() > 3);
        }
        // A full bucket divides in two halves.
        let full: Vec<_> = entries.iter().copied().take_while({
            let mut used = 0;
            move |e| {
                used += e.usage();
                used < 4000
            }
        }).collect();
        let mut starts = Vec::new();
        assert!(bucket_partition(4096, &full, |i| starts.push(i)));
        assert_eq!(starts.len(), 2);
        assert!(starts[1].abs_diff(full.len() / 2) <= 3);
        let same: Vec<_> = entries.iter().map(|e| TableEntry { hash: 1, ..*e }).collect();
        assert!(!bucket_partition(4096, &same, |_| {}));
    }

    #[test]
    fn acl_entries_round_trip() {
        let entries = [
            AclEntry { tag: 0x01, perm: 6, id: 0 },
            AclEntry { tag: ACL_USER, perm: 4, id: 1000 },
            AclEntry { tag: 0x20, perm: 5, id: 42 },
        ];
        let mut bytes = [0u8; 24];
        for (e, chunk) in entries.iter().zip(bytes.chunks_exact_mut(8)) {
            acl_encode(*e, chunk.try_into().unwrap());
        }
        assert_eq!(&bytes[8..16], &[2, 0, 4, 0, 0xe8, 3, 0, 0]);
        let back: Vec<_> = acl_decode(&bytes).unwrap().collect();
        assert_eq!(back[1], entries[1]);
        // Tags without an id store ACL_UNDEFINED_ID.
        assert_eq!(back[2].id, ACL_UNDEFINED_ID);
        assert!(acl_decode(&bytes[..7]).is_none());
    }
}
