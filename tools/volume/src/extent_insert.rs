//! Extent insertion anywhere in a file (`ocfs2_inode_insert_extent()`, libocfs2's port of
//! the kernel's `ocfs2_insert_extent()`): what filling a hole needs.
//!
//! The insert is classified as the kernel classifies it (`ocfs2_figure_insert_type`):
//!
//! * contiguous: the first record of the target leaf the new run continues, logically and
//!   physically with the same flags, absorbs it (`CONTIG_RIGHT`: the record grows;
//!   `CONTIG_LEFT`: the record starts earlier, at the new run's block); neighbours that
//!   become contiguous with each other are not merged, as in libocfs2;
//! * appending (at or past the end of the last record): the append path of
//!   `extent_write.rs`, which grows the tree as needed;
//! * anything else: the record goes in at its sorted place in the leaf, later records
//!   moving up one (`ocfs2_rotate_leaf`).  When the tree's rightmost list is full
//!   (`ocfs2_num_free_extents() == 0`), a depth-0 tree first gains a level
//!   (`ocfs2_shift_tree_depth`, its records moving into a new extent block).
//!
//! Not done (refused before anything is written, naming the inode): a middle insert into
//! a leaf other than the rightmost one, or when the rightmost leaf of a depth-1 tree is
//! full: the kernel then rotates records from leaf to leaf (`ocfs2_rotate_tree_right`);
//! trees deeper than one level of extent blocks.  [`Writer::can_insert_extent`] answers
//! that question without writing.

use crate::error::{Error, Result};
use crate::volume::Inode;
use crate::writer::Writer;
use ocfs_format::extent::{ExtentBlock, ExtentList, ExtentRec};

/// A leaf record, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafRec {
    pub cpos: u32,
    pub clusters: u32,
    pub flags: u8,
    pub blkno: u64,
}

impl LeafRec {
    fn read(rec: &ExtentRec<&[u8]>) -> Self {
        Self {
            cpos: rec.e_cpos(),
            clusters: u32::from(rec.e_leaf_clusters()),
            flags: rec.e_flags(),
            blkno: rec.e_blkno(),
        }
    }

    fn is_empty(&self) -> bool {
        self.clusters == 0
    }
}

/// How a run goes into a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertKind {
    /// The record at this index grows to the right.
    ContigRight(usize),
    /// The record at this index starts earlier.
    ContigLeft(usize),
    /// Past the end of the leaf's last record.
    Append,
    /// At its sorted place.
    Middle,
}

/// `ocfs2_figure_contig_type()` then `ocfs2_figure_appending_type()` for `new` in a leaf
/// holding `recs` (the used records).  `first_leaf` is false for a leaf with a leaf to its
/// left, where a `CONTIG_LEFT` on its first record is not taken.
pub fn classify(recs: &[LeafRec], new: &LeafRec, bpc: u64, first_leaf: bool) -> InsertKind {
    for (i, r) in recs.iter().enumerate() {
        if r.flags != new.flags {
            continue;
        }
        let too_long = r.clusters + new.clusters > u32::from(u16::MAX);
        if r.cpos + r.clusters == new.cpos && r.blkno + u64::from(r.clusters) * bpc == new.blkno {
            if too_long {
                break;
            }
            return InsertKind::ContigRight(i);
        }
        if new.cpos + new.clusters == r.cpos && new.blkno + u64::from(new.clusters) * bpc == r.blkno
        {
            if too_long || (i == 0 && !first_leaf) {
                break;
            }
            return InsertKind::ContigLeft(i);
        }
    }
    let live: Vec<&LeafRec> = recs.iter().filter(|r| !r.is_empty()).collect();
    match live.last() {
        None => InsertKind::Append,
        Some(last) if new.cpos >= last.cpos + last.clusters => InsertKind::Append,
        Some(_) => InsertKind::Middle,
    }
}

/// The used records of a leaf list.
fn leaf_recs(list: &ExtentList<&[u8]>) -> Vec<LeafRec> {
    list.recs().map(|r| LeafRec::read(&r)).collect()
}

/// Applies a contiguous insert to record `i` of `list`.
fn grow_record(list: &mut ExtentList<&mut [u8]>, kind: InsertKind, new: &LeafRec) -> Result<()> {
    let (i, left) = match kind {
        InsertKind::ContigRight(i) => (i, false),
        InsertKind::ContigLeft(i) => (i, true),
        _ => return Err(Error::Invalid("not a contiguous insert".into())),
    };
    let mut rec = list
        .rec_mut(i)
        .ok_or_else(|| Error::Invalid(format!("extent record {i} is out of its list")))?;
    if left {
        rec.set_e_cpos(new.cpos);
        rec.set_e_blkno(new.blkno);
    }
    let len = u32::from(rec.e_leaf_clusters()) + new.clusters;
    rec.set_e_leaf_clusters(len as u16);
    Ok(())
}

/// `ocfs2_rotate_leaf()`: drops an empty first record, then puts `new` at its sorted place,
/// the records after it moving up one.
fn rotate_leaf(list: &mut ExtentList<&mut [u8]>, new: &LeafRec) -> Result<()> {
    let count = usize::from(list.l_count());
    // (cpos, clusters, raw bytes) of each used record.
    let mut recs: Vec<(u32, u16, [u8; 16])> = Vec::new();
    for i in 0..usize::from(list.l_next_free_rec()) {
        let r = list
            .rec_mut(i)
            .ok_or_else(|| Error::Invalid(format!("extent record {i} is out of its list")))?;
        let mut b = [0u8; 16];
        b.copy_from_slice(r.as_bytes());
        recs.push((r.e_cpos(), r.e_leaf_clusters(), b));
    }
    if recs.first().is_some_and(|r| r.1 == 0) {
        recs.remove(0);
    }
    if recs.len() >= count {
        return Err(Error::Invalid("the extent list is full".into()));
    }
    let at = recs
        .iter()
        .position(|r| new.cpos < r.0)
        .unwrap_or(recs.len());
    recs.insert(at, (new.cpos, 0, [0u8; 16]));
    for (i, (_, _, b)) in recs.iter().enumerate() {
        let mut r = list
            .rec_mut(i)
            .ok_or_else(|| Error::Invalid(format!("extent record {i} is out of its list")))?;
        if i == at {
            r.as_bytes_mut().fill(0);
            r.set_e_cpos(new.cpos);
            r.set_e_leaf_clusters(new.clusters as u16);
            r.set_e_flags(new.flags);
            r.set_e_blkno(new.blkno);
        } else {
            r.as_bytes_mut().copy_from_slice(b);
        }
    }
    list.set_l_next_free_rec(recs.len() as u16);
    Ok(())
}

/// Where a depth-1 insert goes: the index of the interior record whose range holds `cpos`
/// (`ocfs2_find_path`: the last one when none does).
fn branch_for(root: &ExtentList<&[u8]>, cpos: u32) -> Option<usize> {
    let used = usize::from(root.l_next_free_rec());
    let last = used.checked_sub(1)?;
    (0..last)
        .find(|&i| {
            root.rec(i).is_some_and(|r| {
                let start = r.e_cpos();
                cpos >= start && cpos < start + r.e_int_clusters()
            })
        })
        .or(Some(last))
}

/// What inserting a run would do to a tree, worked out without writing.
enum Plan {
    /// In the inode's list (depth 0), which has room or takes a contiguous insert.
    Root(InsertKind),
    /// Append path (`Writer::insert_extent`).
    Append,
    /// Depth 0 with a full list: the tree gains a level, then the record goes in the new
    /// leaf at its sorted place.
    ShiftThenMiddle,
    /// Into leaf `blkno` (depth 1).
    Leaf(u64, InsertKind),
}

impl Writer<'_> {
    fn plan_insert(&self, inode: &Inode, new: &LeafRec) -> Result<Plan> {
        let vol = self.volume();
        let bpc = vol.blocks_per_cluster();
        let d = inode.dinode();
        let root = d.extent_list();
        match root.l_tree_depth() {
            0 => {
                let recs = leaf_recs(&root);
                match classify(&recs, new, bpc, true) {
                    InsertKind::Append => Ok(Plan::Append),
                    InsertKind::Middle if root.l_next_free_rec() >= root.l_count() => {
                        Ok(Plan::ShiftThenMiddle)
                    }
                    kind => Ok(Plan::Root(kind)),
                }
            }
            1 => {
                let i = branch_for(&root, new.cpos).ok_or_else(|| {
                    Error::Invalid(format!("inode {}: empty extent tree root", inode.blkno))
                })?;
                let rightmost = i + 1 == usize::from(root.l_next_free_rec());
                let leaf_blkno = root
                    .rec(i)
                    .map(|r| r.e_blkno())
                    .ok_or_else(|| Error::Invalid("extent record vanished".into()))?;
                let block = vol.read_block(leaf_blkno)?;
                let eb = ExtentBlock::new(block.as_slice())
                    .map_err(|e| Error::Format(e.at_block(leaf_blkno)))?;
                eb.validate(leaf_blkno, vol.params())
                    .map_err(|e| Error::Format(e.at_block(leaf_blkno)))?;
                let list = eb.h_list();
                if list.l_tree_depth() != 0 {
                    return Err(Error::Invalid(format!(
                        "inode {}: extent block {leaf_blkno} is not a leaf",
                        inode.blkno
                    )));
                }
                let recs = leaf_recs(&list);
                match classify(&recs, new, bpc, i == 0) {
                    InsertKind::Append if rightmost => Ok(Plan::Append),
                    kind @ (InsertKind::ContigLeft(_) | InsertKind::ContigRight(_)) => {
                        Ok(Plan::Leaf(leaf_blkno, kind))
                    }
                    _ if !rightmost => Err(Error::Invalid(format!(
                        "inode {}: inserting cluster {} into extent block {leaf_blkno}, which is not the rightmost leaf, \
                         would rotate records between leaves (ocfs2_rotate_tree_right), which is not supported",
                        inode.blkno, new.cpos
                    ))),
                    _ if list.l_next_free_rec() >= list.l_count() => Err(Error::Invalid(format!(
                        "inode {}: inserting cluster {} into the full rightmost leaf {leaf_blkno} \
                         would need a new leaf and rotating records into it, which is not supported",
                        inode.blkno, new.cpos
                    ))),
                    kind => Ok(Plan::Leaf(leaf_blkno, kind)),
                }
            }
            depth => Err(Error::Invalid(format!(
                "inode {}: extent trees of depth {depth} are not supported",
                inode.blkno
            ))),
        }
    }

    /// Whether [`Writer::insert_extent_at`] can put `clusters` clusters at block `blkno`
    /// as logical cluster `cpos` of `inode`; the reason when it cannot.  Nothing is
    /// written.
    pub fn can_insert_extent(&self, inode: &Inode, cpos: u32, blkno: u64, clusters: u32) -> Result<()> {
        let new = LeafRec {
            cpos,
            clusters,
            flags: 0,
            blkno,
        };
        self.plan_insert(inode, &new).map(|_| ())
    }

    /// libocfs2's `duplicate_extent_block_dinode()`, done before every insert into a tree
    /// with extent blocks: each leaf, from the last to the first, is copied to a new
    /// extent block from extent_alloc:0000 (the copies chained by `h_next_leaf_blk`), and
    /// the inode's records point at the copies.  Returns the old leaves, in record order,
    /// to free once the inode is written.  One deliberate difference: libocfs2 copies the
    /// old block's `h_suballoc_bit` and `h_suballoc_loc` into the new one, so that freeing
    /// it later (the kernel does it by those fields) would clear another block's bit; here
    /// the copy names its own.
    fn duplicate_leaves(&mut self, inode: &mut Inode) -> Result<Vec<u64>> {
        let vol = self.volume();
        let recs: Vec<(usize, u64)> = {
            let d = inode.dinode();
            let root = d.extent_list();
            if root.l_tree_depth() != 1 {
                return Err(Error::Invalid(format!(
                    "inode {}: extent trees of depth {} are not supported",
                    inode.blkno,
                    root.l_tree_depth()
                )));
            }
            root.recs()
                .enumerate()
                .filter(|(_, r)| r.e_int_clusters() != 0)
                .map(|(i, r)| (i, r.e_blkno()))
                .collect()
        };
        let mut next_leaf = 0u64;
        for &(i, old) in recs.iter().rev() {
            let mut copy = vol.read_block(old)?;
            {
                let eb = ExtentBlock::new(copy.as_slice()).map_err(|e| Error::Format(e.at_block(old)))?;
                eb.validate(old, vol.params())
                    .map_err(|e| Error::Format(e.at_block(old)))?;
                if eb.h_list().l_tree_depth() != 0 {
                    return Err(Error::Invalid(format!(
                        "inode {}: extent block {old} is not a leaf",
                        inode.blkno
                    )));
                }
            }
            let fresh = self.new_extent_block()?;
            let (new, slot, bit, loc) = {
                let eb = ExtentBlock::new(fresh.as_slice()).map_err(Error::Format)?;
                (eb.h_blkno(), eb.h_suballoc_slot(), eb.h_suballoc_bit(), eb.h_suballoc_loc())
            };
            {
                let mut eb = ExtentBlock::new(copy.as_mut_slice()).map_err(Error::Format)?;
                eb.set_h_blkno(new);
                eb.set_h_suballoc_slot(slot);
                eb.set_h_suballoc_bit(bit);
                eb.set_h_suballoc_loc(loc);
                eb.set_h_next_leaf_blk(next_leaf);
            }
            vol.write_extent_block(new, &mut copy)?;
            next_leaf = new;
            let mut d = inode.dinode_mut();
            if d.i_last_eb_blk() == old {
                d.set_i_last_eb_blk(new);
            }
            let mut list = d.extent_list_mut();
            let mut rec = list
                .rec_mut(i)
                .ok_or_else(|| Error::Invalid("extent record vanished".into()))?;
            rec.set_e_blkno(new);
        }
        Ok(recs.into_iter().map(|(_, old)| old).collect())
    }

    /// `ocfs2_inode_insert_extent(cpos, blkno, clusters, 0)`: the run goes where `cpos`
    /// falls, merging into a record it continues.  `cpos` must lie in a hole.  A tree with
    /// extent blocks is first copied to new ones (`duplicate_leaves`), the insert made in
    /// the copies, the inode written, then the old blocks freed, as libocfs2 orders it.
    /// Writes the inode (records, `i_clusters`, `i_last_eb_blk`).
    pub fn insert_extent_at(&mut self, inode: &mut Inode, cpos: u32, blkno: u64, clusters: u32) -> Result<()> {
        if clusters == 0 || clusters > u32::from(u16::MAX) {
            return Err(Error::Invalid(format!(
                "inode {}: cannot insert a run of {clusters} clusters",
                inode.blkno
            )));
        }
        let vol = self.volume();
        if vol
            .file_extents(inode)?
            .extents
            .iter()
            .any(|e| cpos < e.cpos + e.clusters && e.cpos < cpos + clusters)
        {
            return Err(Error::Invalid(format!(
                "inode {}: clusters {cpos}..{} are already mapped",
                inode.blkno,
                cpos + clusters
            )));
        }
        let new = LeafRec {
            cpos,
            clusters,
            flags: 0,
            blkno,
        };
        // Refused cases are found before anything is copied.
        self.plan_insert(inode, &new)?;
        let old_leaves = if inode.dinode().extent_list().l_tree_depth() > 0 {
            self.duplicate_leaves(inode)?
        } else {
            Vec::new()
        };
        self.insert_planned(inode, &new)?;
        vol.write_inode(inode)?;
        for old in old_leaves {
            self.delete_extent_block(old)?;
        }
        Ok(())
    }

    fn insert_planned(&mut self, inode: &mut Inode, new: &LeafRec) -> Result<()> {
        let (cpos, blkno, clusters) = (new.cpos, new.blkno, new.clusters);
        match self.plan_insert(inode, new)? {
            Plan::Append => return self.insert_extent(inode, cpos, blkno, clusters),
            Plan::Root(kind) => {
                let mut d = inode.dinode_mut();
                let mut list = d.extent_list_mut();
                if kind == InsertKind::Middle {
                    rotate_leaf(&mut list, new)?;
                } else {
                    grow_record(&mut list, kind, new)?;
                }
            }
            Plan::ShiftThenMiddle => {
                self.shift_tree_depth(inode)?;
                let leaf_blkno = inode.dinode().i_last_eb_blk();
                self.insert_into_leaf(leaf_blkno, InsertKind::Middle, new)?;
            }
            Plan::Leaf(leaf_blkno, kind) => self.insert_into_leaf(leaf_blkno, kind, new)?,
        }
        let mut d = inode.dinode_mut();
        let total = d.i_clusters() + clusters;
        d.set_i_clusters(total);
        Ok(())
    }

    fn insert_into_leaf(&mut self, leaf_blkno: u64, kind: InsertKind, new: &LeafRec) -> Result<()> {
        let vol = self.volume();
        let mut block = vol.read_block(leaf_blkno)?;
        {
            let mut eb = ExtentBlock::new(block.as_mut_slice())
                .map_err(|e| Error::Format(e.at_block(leaf_blkno)))?;
            let mut list = eb.h_list_mut();
            if kind == InsertKind::Middle {
                rotate_leaf(&mut list, new)?;
            } else {
                grow_record(&mut list, kind, new)?;
            }
        }
        vol.write_extent_block(leaf_blkno, &mut block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(cpos: u32, clusters: u32, blkno: u64) -> LeafRec {
        LeafRec {
            cpos,
            clusters,
            flags: 0,
            blkno,
        }
    }

    #[test]
    fn runs_are_classified_as_the_kernel_does() {
        // 8 blocks a cluster: records at clusters 0..2 (block 800) and 5..6 (block 100).
        let recs = [rec(0, 2, 800), rec(5, 1, 100)];
        // Continues the first record logically and physically.
        assert_eq!(classify(&recs, &rec(2, 1, 816), 8, true), InsertKind::ContigRight(0));
        // Ends where the second starts, physically just before it.
        assert_eq!(classify(&recs, &rec(3, 2, 84), 8, true), InsertKind::ContigLeft(1));
        // Between them, elsewhere on disk.
        assert_eq!(classify(&recs, &rec(3, 1, 5000), 8, true), InsertKind::Middle);
        assert_eq!(classify(&recs, &rec(6, 1, 5000), 8, true), InsertKind::Append);
        assert_eq!(classify(&[], &rec(6, 1, 5000), 8, true), InsertKind::Append);
        // Both neighbours: the first one found takes it, the other stays apart.
        let both = [rec(0, 2, 800), rec(3, 1, 824)];
        assert_eq!(classify(&both, &rec(2, 1, 816), 8, true), InsertKind::ContigRight(0));
        // Different flags never merge.
        let unwritten = [LeafRec { flags: 1, ..rec(0, 2, 800) }];
        assert_eq!(classify(&unwritten, &rec(2, 1, 816), 8, true), InsertKind::Append);
        // The first record of a leaf with a leaf to its left is not grown leftwards.
        assert_eq!(classify(&[rec(5, 1, 100)], &rec(3, 2, 84), 8, false), InsertKind::Middle);
        // No record grows past 65535 clusters.
        assert_eq!(classify(&[rec(0, 65535, 0)], &rec(65535, 1, 65535 * 8), 8, true), InsertKind::Append);
    }

    fn list_with(recs: &[LeafRec], count: u16) -> Vec<u8> {
        let mut buf = vec![0u8; 16 + 16 * usize::from(count)];
        let mut list = ExtentList::new(&mut buf[..]).expect("list");
        list.set_l_count(count);
        list.set_l_next_free_rec(recs.len() as u16);
        for (i, r) in recs.iter().enumerate() {
            let mut e = list.rec_mut(i).expect("room");
            e.set_e_cpos(r.cpos);
            e.set_e_leaf_clusters(r.clusters as u16);
            e.set_e_flags(r.flags);
            e.set_e_blkno(r.blkno);
        }
        buf
    }

    fn recs_of(buf: &[u8]) -> Vec<LeafRec> {
        leaf_recs(&ExtentList::new(buf).expect("list"))
    }

    #[test]
    fn middle_inserts_keep_records_sorted() {
        let mut buf = list_with(&[rec(0, 1, 10), rec(4, 1, 20), rec(9, 1, 30)], 4);
        rotate_leaf(&mut ExtentList::new(&mut buf[..]).expect("list"), &rec(6, 2, 99)).expect("room");
        assert_eq!(
            recs_of(&buf),
            [rec(0, 1, 10), rec(4, 1, 20), rec(6, 2, 99), rec(9, 1, 30)]
        );
        // Full now.
        assert!(rotate_leaf(&mut ExtentList::new(&mut buf[..]).expect("list"), &rec(2, 1, 5)).is_err());
        // An empty first record is dropped to make room.
        let mut buf = list_with(&[rec(0, 0, 0), rec(4, 1, 20)], 2);
        rotate_leaf(&mut ExtentList::new(&mut buf[..]).expect("list"), &rec(1, 1, 5)).expect("room");
        assert_eq!(recs_of(&buf), [rec(1, 1, 5), rec(4, 1, 20)]);
    }

    #[test]
    fn contiguous_inserts_grow_one_record() {
        let mut buf = list_with(&[rec(0, 2, 800), rec(5, 1, 100)], 4);
        grow_record(&mut ExtentList::new(&mut buf[..]).expect("list"), InsertKind::ContigRight(0), &rec(2, 1, 816))
            .expect("grow");
        grow_record(&mut ExtentList::new(&mut buf[..]).expect("list"), InsertKind::ContigLeft(1), &rec(4, 1, 92))
            .expect("grow");
        assert_eq!(recs_of(&buf), [rec(0, 3, 800), rec(4, 2, 92)]);
    }

    #[test]
    fn the_branch_is_the_one_whose_range_holds_the_cluster() {
        let mut buf = [0u8; 16 + 16 * 4];
        let mut root = ExtentList::new(&mut buf[..]).expect("list");
        root.set_l_count(4);
        root.set_l_tree_depth(1);
        root.set_l_next_free_rec(3);
        for (i, (cpos, len)) in [(0u32, 100u32), (100, 50), (150, 10)].into_iter().enumerate() {
            let mut r = root.rec_mut(i).expect("room");
            r.set_e_cpos(cpos);
            r.set_e_int_clusters(len);
            r.set_e_blkno(1000 + i as u64);
        }
        let root = ExtentList::new(&buf[..]).expect("list");
        assert_eq!(branch_for(&root, 0), Some(0));
        assert_eq!(branch_for(&root, 99), Some(0));
        assert_eq!(branch_for(&root, 120), Some(1));
        assert_eq!(branch_for(&root, 155), Some(2));
        assert_eq!(branch_for(&root, 10_000), Some(2));
    }
}
