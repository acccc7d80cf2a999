// SPDX-License-Identifier: GPL-2.0
//! Editing the records of one extent-tree leaf, the way the kernel's ocfs2
//! keeps them (`ocfs2_insert_at_leaf`, `ocfs2_mark_extent_written`,
//! `ocfs2_remove_extent`): sorted by `e_cpos`, never overlapping, a record
//! merged with its neighbour when they continue each other logically and on
//! disk with the same flags.
//!
//! The functions work on a caller's buffer of [`Rec`]s, `used` of them
//! live, with room for the records an edit may add (one for an insert or a
//! removal, two for a flag change); they return the new count. They check
//! everything they rely on and never panic, so a caller plans an edit in
//! memory and writes it to the tree only once it succeeded.

/// One extent record, either kind: a leaf's (`clusters` fits in
/// `e_leaf_clusters`, `flags` are `EXT_*`) or an interior node's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rec {
    /// First logical cluster.
    pub cpos: u32,
    /// Clusters covered.
    pub clusters: u32,
    /// First block: of the data (leaf), of the child extent block (interior).
    pub blkno: u64,
    /// `EXT_*` (leaf records only).
    pub flags: u8,
}

impl Rec {
    /// One past the last logical cluster covered.
    pub fn end(&self) -> u64 {
        u64::from(self.cpos) + u64::from(self.clusters)
    }
}

/// Why an edit cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditError {
    /// The new record overlaps a record already in the leaf.
    Overlap,
    /// The range to change is not inside one record.
    NotMapped,
    /// The buffer has no room for the records the edit adds.
    NoRoom,
    /// The records are not sorted and disjoint, or a record is empty.
    Unsorted,
}

/// The most clusters one leaf record holds (`e_leaf_clusters` is 16 bits).
pub const MAX_LEAF_CLUSTERS: u32 = u16::MAX as u32;

/// The block `clusters` clusters past `blkno`.
fn past(blkno: u64, clusters: u32, blocks_per_cluster: u64) -> u64 {
    blkno.saturating_add(u64::from(clusters).saturating_mul(blocks_per_cluster))
}

/// Whether `right` continues `left`: logically, on disk (`blocks_per_cluster`
/// blocks per cluster), with the same flags, and the two fit in one record.
pub fn continues(left: &Rec, right: &Rec, blocks_per_cluster: u64) -> bool {
    left.end() == u64::from(right.cpos)
        && left.flags == right.flags
        && left.clusters.saturating_add(right.clusters) <= MAX_LEAF_CLUSTERS
        && past(left.blkno, left.clusters, blocks_per_cluster) == right.blkno
}

/// Check that `recs` are sorted, disjoint and non-empty.
pub fn check_sorted(recs: &[Rec]) -> Result<(), EditError> {
    let mut end = 0u64;
    for rec in recs {
        if rec.clusters == 0 || u64::from(rec.cpos) < end {
            return Err(EditError::Unsorted);
        }
        end = rec.end();
    }
    Ok(())
}

fn get(recs: &[Rec], i: usize) -> Rec {
    recs.get(i).copied().unwrap_or_default()
}

fn put(recs: &mut [Rec], i: usize, rec: Rec) {
    if let Some(slot) = recs.get_mut(i) {
        *slot = rec;
    }
}

/// Shift `recs[at..used]` up by `by` places, if the buffer has room.
fn open_gap(recs: &mut [Rec], used: usize, at: usize, by: usize) -> Result<(), EditError> {
    if used.saturating_add(by) > recs.len() || at > used {
        return Err(EditError::NoRoom);
    }
    for i in (at..used).rev() {
        let rec = get(recs, i);
        put(recs, i.saturating_add(by), rec);
    }
    Ok(())
}

/// Remove `recs[at]`, shifting the later ones down.
fn close_gap(recs: &mut [Rec], used: usize, at: usize) -> usize {
    if at >= used {
        return used;
    }
    for i in at..used - 1 {
        let rec = get(recs, i + 1);
        put(recs, i, rec);
    }
    put(recs, used - 1, Rec::default());
    used - 1
}

/// Merge `recs[i]` with `recs[i + 1]` when the second continues the first.
fn merge_at(recs: &mut [Rec], used: usize, i: usize, blocks_per_cluster: u64) -> usize {
    let (left, right) = (get(recs, i), get(recs, i.saturating_add(1)));
    if i.saturating_add(1) < used && continues(&left, &right, blocks_per_cluster) {
        put(recs, i, Rec { clusters: left.clusters.saturating_add(right.clusters), ..left });
        return close_gap(recs, used, i + 1);
    }
    used
}

/// Put `rec` at index `at` of `recs[..used]`, later records moving up one
/// (interior lists, where the caller knows the place).
pub fn insert_at(recs: &mut [Rec], used: usize, at: usize, rec: Rec) -> Result<usize, EditError> {
    open_gap(recs, used, at, 1)?;
    put(recs, at, rec);
    Ok(used + 1)
}

/// Take record `at` out of `recs[..used]`, later records moving down one.
pub fn remove_at(recs: &mut [Rec], used: usize, at: usize) -> usize {
    close_gap(recs, used, at)
}

/// Insert `new` in its sorted place among `recs[..used]`, merged with the
/// records it continues or that continue it.
pub fn insert(recs: &mut [Rec], used: usize, new: Rec, blocks_per_cluster: u64) -> Result<usize, EditError> {
    let at = place(recs, used, new)?;
    let mut used = merge_at(recs, used + 1, at, blocks_per_cluster);
    if at > 0 {
        used = merge_at(recs, used, at - 1, blocks_per_cluster);
    }
    Ok(used)
}

/// Insert `new` in its sorted place among `recs[..used]`, never merged: for trees whose
/// records each stand for something of their own (an xattr tree's record heads a run of
/// buckets, `ocfs2_xattr_tree_et_ops`).
pub fn insert_unmerged(recs: &mut [Rec], used: usize, new: Rec) -> Result<usize, EditError> {
    place(recs, used, new)?;
    Ok(used + 1)
}

/// Put `new` at its sorted place among `recs[..used]` (checked: sorted, no overlap,
/// room); returns its index.
fn place(recs: &mut [Rec], used: usize, new: Rec) -> Result<usize, EditError> {
    let live = recs.get(..used).ok_or(EditError::NoRoom)?;
    check_sorted(live)?;
    if new.clusters == 0 || new.clusters > MAX_LEAF_CLUSTERS {
        return Err(EditError::Unsorted);
    }
    // The index of the first record starting after the new one.
    let at = live.iter().position(|rec| rec.cpos > new.cpos).unwrap_or(used);
    let overlaps_left = at > 0 && get(live, at - 1).end() > u64::from(new.cpos);
    let overlaps_right = at < used && new.end() > u64::from(get(live, at).cpos);
    if overlaps_left || overlaps_right {
        return Err(EditError::Overlap);
    }
    open_gap(recs, used, at, 1)?;
    put(recs, at, new);
    Ok(at)
}

/// Give `cpos..cpos + len`, inside one record, the flags `(flags & !clear) |
/// set`: the record splits in up to three (`ocfs2_split_extent`) and the
/// changed part merges with neighbours it continues.
pub fn set_flags(
    recs: &mut [Rec],
    used: usize,
    cpos: u32,
    len: u32,
    set: u8,
    clear: u8,
    blocks_per_cluster: u64,
) -> Result<usize, EditError> {
    let live = recs.get(..used).ok_or(EditError::NoRoom)?;
    check_sorted(live)?;
    let end = u64::from(cpos) + u64::from(len);
    let i = live
        .iter()
        .position(|rec| rec.cpos <= cpos && end <= rec.end())
        .filter(|_| len > 0)
        .ok_or(EditError::NotMapped)?;
    let old = get(live, i);
    let flags = (old.flags & !clear) | set;
    if flags == old.flags {
        return Ok(used);
    }
    let head = cpos - old.cpos;
    let tail = (old.end() - end) as u32;
    let pieces = [
        Rec { cpos: old.cpos, clusters: head, blkno: old.blkno, flags: old.flags },
        Rec { cpos, clusters: len, blkno: past(old.blkno, head, blocks_per_cluster), flags },
        Rec { cpos: end as u32, clusters: tail, blkno: past(old.blkno, head + len, blocks_per_cluster), flags: old.flags },
    ];
    let added = usize::from(head > 0) + usize::from(tail > 0);
    open_gap(recs, used, i + 1, added)?;
    let mut at = i;
    for piece in pieces.iter().filter(|p| p.clusters > 0) {
        put(recs, at, *piece);
        at += 1;
    }
    // The changed piece is at `i` or `i + 1`; merge rightwards first so indices stay.
    let changed = if head > 0 { i + 1 } else { i };
    let mut used = merge_at(recs, used + added, changed, blocks_per_cluster);
    if changed > 0 {
        used = merge_at(recs, used, changed - 1, blocks_per_cluster);
    }
    Ok(used)
}

/// Remove logical clusters `start..end` from `recs[..used]`: records inside go,
/// records across an edge shrink, a record across both splits in two. Each
/// run of clusters given up is passed to `freed` (`Rec` with its flags).
pub fn remove(
    recs: &mut [Rec],
    used: usize,
    start: u32,
    end: u32,
    blocks_per_cluster: u64,
    freed: &mut dyn FnMut(Rec),
) -> Result<usize, EditError> {
    let live = recs.get(..used).ok_or(EditError::NoRoom)?;
    check_sorted(live)?;
    if start >= end {
        return Ok(used);
    }
    // A record holding the whole range with some left on both sides splits.
    if let Some(i) = live.iter().position(|r| r.cpos < start && u64::from(end) < r.end()) {
        let old = get(live, i);
        open_gap(recs, used, i + 1, 1)?;
        let head = start - old.cpos;
        let skip = end - old.cpos;
        put(recs, i, Rec { clusters: head, ..old });
        put(
            recs,
            i + 1,
            Rec { cpos: end, clusters: old.clusters - skip, blkno: past(old.blkno, skip, blocks_per_cluster), flags: old.flags },
        );
        freed(Rec { cpos: start, clusters: end - start, blkno: past(old.blkno, head, blocks_per_cluster), flags: old.flags });
        return Ok(used + 1);
    }
    let mut used = used;
    let mut i = 0;
    while i < used {
        let rec = get(recs, i);
        let lo = rec.cpos.max(start);
        let hi = rec.end().min(u64::from(end)) as u32;
        if lo >= hi {
            i += 1;
            continue;
        }
        let offset = lo - rec.cpos;
        freed(Rec { cpos: lo, clusters: hi - lo, blkno: past(rec.blkno, offset, blocks_per_cluster), flags: rec.flags });
        if lo == rec.cpos && u64::from(hi) == rec.end() {
            used = close_gap(recs, used, i);
            continue;
        }
        if lo == rec.cpos {
            // The head goes.
            let cut = hi - rec.cpos;
            put(recs, i, Rec { cpos: hi, clusters: rec.clusters - cut, blkno: past(rec.blkno, cut, blocks_per_cluster), flags: rec.flags });
        } else {
            // The tail goes.
            put(recs, i, Rec { clusters: lo - rec.cpos, ..rec });
        }
        i += 1;
    }
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BPC: u64 = 8;

    fn rec(cpos: u32, clusters: u32, blkno: u64) -> Rec {
        Rec { cpos, clusters, blkno, flags: 0 }
    }

    fn buf(recs: &[Rec]) -> ([Rec; 16], usize) {
        let mut b = [Rec::default(); 16];
        b[..recs.len()].copy_from_slice(recs);
        (b, recs.len())
    }

    #[test]
    fn insert_sorted_into_a_hole() {
        let (mut b, used) = buf(&[rec(0, 1, 100), rec(10, 1, 500)]);
        let used = insert(&mut b, used, rec(5, 1, 300), BPC).unwrap();
        assert_eq!(&b[..used], &[rec(0, 1, 100), rec(5, 1, 300), rec(10, 1, 500)]);
    }

    #[test]
    fn insert_merges_both_neighbours() {
        let (mut b, used) = buf(&[rec(0, 1, 100), rec(2, 1, 116)]);
        let used = insert(&mut b, used, rec(1, 1, 108), BPC).unwrap();
        assert_eq!(&b[..used], &[rec(0, 3, 100)]);
    }

    #[test]
    fn insert_merges_left_only_when_on_disk_contiguous() {
        let (mut b, used) = buf(&[rec(0, 1, 100)]);
        let used = insert(&mut b, used, rec(1, 1, 200), BPC).unwrap();
        assert_eq!(used, 2);
        let used = insert(&mut b, used, rec(2, 1, 208), BPC).unwrap();
        assert_eq!(&b[..used], &[rec(0, 1, 100), rec(1, 2, 200)]);
    }

    #[test]
    fn insert_unmerged_keeps_continuing_records_apart() {
        let (mut b, used) = buf(&[rec(0, 1, 100), rec(2, 1, 116)]);
        let used = insert_unmerged(&mut b, used, rec(1, 1, 108)).unwrap();
        assert_eq!(&b[..used], &[rec(0, 1, 100), rec(1, 1, 108), rec(2, 1, 116)]);
        assert_eq!(insert_unmerged(&mut b, used, rec(2, 1, 900)), Err(EditError::Overlap));
    }

    #[test]
    fn insert_refuses_overlap_and_flag_mismatch_does_not_merge() {
        let (mut b, used) = buf(&[rec(0, 4, 100)]);
        assert_eq!(insert(&mut b, used, rec(3, 2, 900), BPC), Err(EditError::Overlap));
        let unwritten = Rec { flags: 1, ..rec(4, 1, 132) };
        let used = insert(&mut b, used, unwritten, BPC).unwrap();
        assert_eq!(used, 2);
    }

    #[test]
    fn insert_needs_room() {
        let mut b = [rec(0, 1, 100)];
        assert_eq!(insert(&mut b, 1, rec(4, 1, 900), BPC), Err(EditError::NoRoom));
    }

    #[test]
    fn set_flags_splits_in_three_and_merges() {
        let un = |cpos, clusters, blkno| Rec { flags: 1, ..rec(cpos, clusters, blkno) };
        let (mut b, used) = buf(&[un(0, 10, 100)]);
        let used = set_flags(&mut b, used, 4, 2, 0, 1, BPC).unwrap();
        assert_eq!(&b[..used], &[un(0, 4, 100), rec(4, 2, 132), un(6, 4, 148)]);
        // Writing the rest merges back into one written record.
        let used = set_flags(&mut b, used, 0, 4, 0, 1, BPC).unwrap();
        assert_eq!(&b[..used], &[rec(0, 6, 100), un(6, 4, 148)]);
        let used = set_flags(&mut b, used, 6, 4, 0, 1, BPC).unwrap();
        assert_eq!(&b[..used], &[rec(0, 10, 100)]);
        assert_eq!(set_flags(&mut b, used, 8, 4, 0, 1, BPC), Err(EditError::NotMapped));
    }

    #[test]
    fn remove_splits_shrinks_and_drops() {
        let (mut b, used) = buf(&[rec(0, 10, 100), rec(20, 5, 400)]);
        let mut freed = [Rec::default(); 4];
        let mut n = 0;
        let used = remove(&mut b, used, 3, 5, BPC, &mut |r| {
            freed[n] = r;
            n += 1;
        })
        .unwrap();
        assert_eq!(&b[..used], &[rec(0, 3, 100), rec(5, 5, 140), rec(20, 5, 400)]);
        assert_eq!(&freed[..n], &[rec(3, 2, 124)]);
        n = 0;
        let used = remove(&mut b, used, 8, 22, BPC, &mut |r| {
            freed[n] = r;
            n += 1;
        })
        .unwrap();
        assert_eq!(&b[..used], &[rec(0, 3, 100), rec(5, 3, 140), rec(22, 3, 416)]);
        assert_eq!(&freed[..n], &[rec(8, 2, 164), rec(20, 2, 400)]);
        n = 0;
        let used = remove(&mut b, used, 0, u32::MAX, BPC, &mut |r| {
            freed[n] = r;
            n += 1;
        })
        .unwrap();
        assert_eq!(used, 0);
        assert_eq!(n, 3);
    }

    #[test]
    fn unsorted_input_is_refused() {
        let (mut b, used) = buf(&[rec(5, 1, 100), rec(0, 1, 200)]);
        assert_eq!(insert(&mut b, used, rec(9, 1, 300), BPC), Err(EditError::Unsorted));
        assert_eq!(remove(&mut b, used, 0, 9, BPC, &mut |_| {}), Err(EditError::Unsorted));
    }
}
