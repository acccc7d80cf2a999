// SPDX-License-Identifier: GPL-2.0

//! Growing a file's extent tree at its end: the append case of `ocfs2_insert_extent` in
//! the C ocfs2 (`ocfs2_append_rec_to_path`, `ocfs2_add_branch`, `ocfs2_shift_tree_depth`).
//!
//! New clusters go after the last one the tree maps: they extend the last record when
//! they follow it on disk, else take a new record in the rightmost leaf. A full in-inode
//! list moves into a new extent block (the tree gets depth 1); a full leaf gets a new leaf
//! beside it when its parent has room. Interior records on the rightmost path cover up to
//! the new end, as the C ocfs2 keeps them. Inserting before the end, splitting records
//! and adding a tree level below the root's children are refused (`EOPNOTSUPP`) before
//! anything changes.

use crate::cluster_bitmap::CLAIM_CREDITS;
use crate::extent_map::{check_child_depth, MAX_TREE_DEPTH};
use crate::format::dinode::Dinode;
use crate::format::extent::{ExtentBlock, ExtentList};
use crate::format::features::IncompatFeatures;
use crate::suballoc;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{bindings as c, errno, meta};
use kernel::prelude::*;

/// Blocks an append (with its data clusters' claim) dirties at most: the inode, the
/// extent blocks of the rightmost path, a new extent block and its claim, the clusters'
/// claim.
pub const APPEND_CREDITS: u32 = 1 + MAX_TREE_DEPTH as u32 + 1 + CLAIM_CREDITS + crate::suballoc::BLOCK_CREDITS;

/// An append checked against the tree as it is, ready to apply (under the allocation
/// lock, so the tree cannot change in between).
pub struct Append<'a> {
    inode: &'a BufferHead,
    /// Extent blocks from the root's last child down to the rightmost leaf (empty when
    /// the list in the inode is the leaf).
    path: KVec<BufferHead>,
    /// One past the last cluster mapped.
    end: u32,
    /// Logical cluster of the new clusters.
    cpos: u32,
}

/// Where the extent list of a block lies: an inode's id2 (to any inline xattrs), or an
/// extent block's list.
fn list_range(block: &[u8], inode: bool) -> Option<core::ops::Range<usize>> {
    if inode {
        let end = Dinode::new(block).ok()?.id2_end();
        Some(Dinode::<()>::ID2_OFFSET..end)
    } else {
        Some(ExtentBlock::<()>::LIST_OFFSET..block.len())
    }
}

/// The list in block `block`: the inode's (`inode`) or an extent block's.
fn list_of(block: &mut [u8], inode: bool) -> Option<ExtentList<&mut [u8]>> {
    let range = list_range(block, inode)?;
    ExtentList::new(block.get_mut(range)?).ok()
}

fn read_list(block: &[u8], inode: bool) -> Option<ExtentList<&[u8]>> {
    ExtentList::new(block.get(list_range(block, inode)?)?).ok()
}

/// One past the last cluster a leaf list maps.
fn leaf_end(list: &ExtentList<&[u8]>) -> Option<u32> {
    let used = usize::from(list.l_next_free_rec());
    let last = list.rec(used.checked_sub(1)?)?;
    Some(last.e_cpos().saturating_add(u32::from(last.e_leaf_clusters())))
}

fn full(list: &ExtentList<&[u8]>) -> bool {
    list.l_next_free_rec() >= list.l_count() || usize::from(list.l_next_free_rec()) >= list.room()
}

/// Check that `cpos` can be appended to the tree of the inode in `inode` (read and
/// checked), and read the rightmost path for it.
pub fn prepare<'a>(sb: &NewSuperBlock, vol: &Volume, inode: &'a BufferHead, cpos: u32) -> Result<Append<'a>> {
    let dinode = Dinode::new(inode.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let ino = dinode.i_blkno();
    let root = dinode.extent_list();
    root.validate(ino, root.room()).map_err(|e| meta::corrupt(sb, &e))?;
    let mut path = KVec::new();
    let mut depth = root.l_tree_depth();
    if depth > MAX_TREE_DEPTH {
        pr_err!("{}: corrupt metadata: inode {} has an extent tree of depth {}\n", sb.id(), ino, depth);
        return Err(errno::euclean());
    }
    let mut next = last_child(&root);
    while depth > 0 {
        let Some(blkno) = next else {
            pr_err!("{}: corrupt metadata: inode {} has an empty interior extent list\n", sb.id(), ino);
            return Err(errno::euclean());
        };
        let bh = meta::read_extent_block(sb, &vol.params, vol.blocks, blkno)?;
        let eb = ExtentBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        check_child_depth(sb, &eb.h_list(), blkno, depth)?;
        depth -= 1;
        next = last_child(&eb.h_list());
        path.push(bh, GFP_KERNEL)?;
    }
    let leaf_bh = path.last();
    let leaf = match leaf_bh {
        Some(bh) => read_list(bh.data(), false),
        None => Some(root),
    }
    .ok_or_else(errno::euclean)?;
    if let Some(bh) = leaf_bh {
        if bh.block_number() != dinode.i_last_eb_blk() {
            pr_err!(
                "{}: corrupt metadata: inode {} names {} its last extent block, its tree ends in {}\n",
                sb.id(),
                ino,
                dinode.i_last_eb_blk(),
                bh.block_number()
            );
            return Err(errno::euclean());
        }
    }
    let end = match leaf_end(&leaf) {
        Some(end) => end,
        None if leaf_bh.is_none() => 0,
        None => return refuse(sb, ino, "its rightmost extent block is empty"),
    };
    if cpos < end {
        pr_err!(
            "{}: inode {}: writing into a hole before the end of the file's extents (cluster {} < {}) is not supported yet\n",
            sb.id(),
            ino,
            cpos,
            end
        );
        return Err(errno::code(c::EOPNOTSUPP));
    }
    if cpos > end && !vol.params.features.incompat.contains(IncompatFeatures::SPARSE_ALLOC) {
        // Without "sparse", every cluster up to the size is allocated (the C ocfs2 fills
        // gaps with zeroed clusters, `ocfs2_zero_extend`), and fsck holds files to it.
        pr_err!(
            "{}: inode {}: a write leaving a hole (cluster {} past the end at {}) on a volume without sparse files is not supported yet\n",
            sb.id(),
            ino,
            cpos,
            end
        );
        return Err(errno::code(c::EOPNOTSUPP));
    }
    if full(&leaf) && path.len() > 1 {
        let parent = read_list(path[path.len() - 2].data(), false).ok_or_else(errno::euclean)?;
        if full(&parent) {
            return refuse(sb, ino, "its extent tree needs another level");
        }
    } else if full(&leaf) && path.len() == 1 && full(&root) {
        return refuse(sb, ino, "its extent tree needs another level");
    }
    Ok(Append { inode, path, end, cpos })
}

fn refuse<T>(sb: &NewSuperBlock, ino: u64, why: &str) -> Result<T> {
    pr_err!("{}: inode {}: cannot append to the file: {}; not supported yet\n", sb.id(), ino, why);
    Err(errno::code(c::EOPNOTSUPP))
}

fn last_child(list: &ExtentList<&[u8]>) -> Option<u64> {
    let used = usize::from(list.l_next_free_rec());
    list.rec(used.checked_sub(1)?).map(|rec| rec.e_blkno())
}

/// Set record `i` of `list` to a leaf extent (`depth` 0) or an interior one.
fn set_rec(list: &mut ExtentList<&mut [u8]>, i: usize, cpos: u32, clusters: u32, blkno: u64, depth: u16) {
    let Some(mut rec) = list.rec_mut(i) else { return };
    rec.set_e_cpos(cpos);
    if depth == 0 {
        rec.set_e_leaf_clusters(clusters as u16);
        rec.set_e_reserved1(0);
        rec.set_e_flags(0);
    } else {
        rec.set_e_int_clusters(clusters);
    }
    rec.set_e_blkno(blkno);
}

/// Append a record to `list`, or extend its last one when the clusters follow it on disk;
/// `list` has room unless `contiguous`.
fn add_to_leaf(list: &mut ExtentList<&mut [u8]>, cpos: u32, clusters: u32, blkno: u64, contiguous: bool) {
    let used = usize::from(list.l_next_free_rec());
    if contiguous {
        if let Some(mut rec) = used.checked_sub(1).and_then(|i| list.rec_mut(i)) {
            let len = rec.e_leaf_clusters().saturating_add(clusters as u16);
            rec.set_e_leaf_clusters(len);
        }
        return;
    }
    set_rec(list, used, cpos, clusters, blkno, 0);
    list.set_l_next_free_rec(used as u16 + 1);
}

/// The last record of interior `list` covers up to `end`.
fn cover_to(list: &mut ExtentList<&mut [u8]>, end: u32) {
    let used = usize::from(list.l_next_free_rec());
    if let Some(mut rec) = used.checked_sub(1).and_then(|i| list.rec_mut(i)) {
        let span = end.saturating_sub(rec.e_cpos());
        rec.set_e_int_clusters(span);
    }
}

impl Append<'_> {
    /// Whether `clusters` at `blkno` can extend the last leaf record.
    fn contiguous(&self, vol: &Volume, blkno: u64, clusters: u32) -> bool {
        let leaf = match self.path.last() {
            Some(bh) => read_list(bh.data(), false),
            None => read_list(self.inode.data(), true),
        };
        let Some(leaf) = leaf else { return false };
        let used = usize::from(leaf.l_next_free_rec());
        let Some(last) = used.checked_sub(1).and_then(|i| leaf.rec(i)) else { return false };
        let len = u32::from(last.e_leaf_clusters());
        let per_cluster = 1u64 << (vol.cluster_bits - vol.block_bits);
        self.cpos == self.end
            && last.e_flags() == 0
            && len + clusters <= u32::from(u16::MAX)
            && last.e_blkno().saturating_add(u64::from(len) * per_cluster) == blkno
    }

    fn leaf_full(&self) -> bool {
        match self.path.last() {
            Some(bh) => read_list(bh.data(), false).is_none_or(|l| full(&l)),
            None => read_list(self.inode.data(), true).is_none_or(|l| full(&l)),
        }
    }

    /// Map `clusters` clusters from device block `blkno` at the prepared position, in
    /// `tx` (opened with [`APPEND_CREDITS`]); the inode's `i_clusters` grows with them.
    pub fn apply(self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, blkno: u64, clusters: u32) -> Result {
        let contiguous = self.contiguous(vol, blkno, clusters);
        let new_end = self.cpos.saturating_add(clusters);
        if contiguous || !self.leaf_full() {
            return self.add_in_leaf(tx, blkno, clusters, contiguous, new_end);
        }
        // A new extent block: the in-inode list moves into it, or it becomes a new leaf.
        let block = suballoc::claim_block(sb, vol, tx, vol.extent_alloc_blkno)?;
        let eb_bh = sb.new_block(block.blkno)?;
        let generation = vol.params.fs_generation;
        if self.path.is_empty() {
            self.shift_depth(tx, &eb_bh, &block, generation, blkno, clusters, new_end)
        } else {
            self.add_leaf(tx, &eb_bh, &block, generation, blkno, clusters, new_end)
        }
    }

    fn add_in_leaf(&self, tx: &Transaction<'_>, blkno: u64, clusters: u32, contiguous: bool, new_end: u32) -> Result {
        let cpos = self.cpos;
        if let Some((leaf, interior)) = self.path.split_last() {
            tx.change(leaf, Kind::ExtentBlock, |block| {
                if let Some(mut list) = list_of(block, false) {
                    add_to_leaf(&mut list, cpos, clusters, blkno, contiguous);
                }
            })?;
            for bh in interior {
                tx.change(bh, Kind::ExtentBlock, |block| {
                    if let Some(mut list) = list_of(block, false) {
                        cover_to(&mut list, new_end);
                    }
                })?;
            }
        }
        let leaf_in_inode = self.path.is_empty();
        tx.change(self.inode, Kind::Inode, |block| {
            if let Some(mut list) = list_of(block, true) {
                if leaf_in_inode {
                    add_to_leaf(&mut list, cpos, clusters, blkno, contiguous);
                } else {
                    cover_to(&mut list, new_end);
                }
            }
            add_clusters(block, clusters, None);
        })
    }

    /// The in-inode list is full: move its records into the new extent block, add the new
    /// one there, and make the inode's list point to it (`ocfs2_shift_tree_depth`).
    #[allow(clippy::too_many_arguments)]
    fn shift_depth(
        &self,
        tx: &Transaction<'_>,
        eb_bh: &BufferHead,
        block: &suballoc::Block,
        generation: u32,
        blkno: u64,
        clusters: u32,
        new_end: u32,
    ) -> Result {
        let mut recs = KVec::new();
        {
            let root = read_list(self.inode.data(), true).ok_or_else(errno::euclean)?;
            for rec in root.recs() {
                recs.push((rec.e_cpos(), u32::from(rec.e_leaf_clusters()), rec.e_blkno(), rec.e_flags()), GFP_KERNEL)?;
            }
        }
        let cpos = self.cpos;
        tx.create(eb_bh, Kind::ExtentBlock, |data| {
            let Ok(mut eb) = ExtentBlock::new(data) else { return };
            init_block(&mut eb, block, generation);
            let mut list = eb.h_list_mut();
            for (i, &(cpos, len, start, flags)) in recs.iter().enumerate() {
                set_rec(&mut list, i, cpos, len, start, 0);
                if let Some(mut rec) = list.rec_mut(i) {
                    rec.set_e_flags(flags);
                }
            }
            list.set_l_next_free_rec(recs.len() as u16);
            add_to_leaf(&mut list, cpos, clusters, blkno, false);
        })?;
        let eb_blkno = block.blkno;
        tx.change(self.inode, Kind::Inode, |data| {
            if let Some(mut list) = list_of(data, true) {
                let count = usize::from(list.l_count());
                for i in 0..count {
                    set_rec(&mut list, i, 0, 0, 0, 1);
                }
                list.set_l_tree_depth(1);
                set_rec(&mut list, 0, 0, new_end, eb_blkno, 1);
                list.set_l_next_free_rec(1);
            }
            add_clusters(data, clusters, Some(eb_blkno));
        })
    }

    /// The rightmost leaf is full: a new leaf after it, under the same parent, which has
    /// room (checked by [`prepare`]); its interior record starts at the old end, as
    /// `ocfs2_add_branch` does.
    #[allow(clippy::too_many_arguments)]
    fn add_leaf(
        &self,
        tx: &Transaction<'_>,
        eb_bh: &BufferHead,
        block: &suballoc::Block,
        generation: u32,
        blkno: u64,
        clusters: u32,
        new_end: u32,
    ) -> Result {
        let (cpos, old_end, leaf_blkno) = (self.cpos, self.end, block.blkno);
        tx.create(eb_bh, Kind::ExtentBlock, |data| {
            let Ok(mut eb) = ExtentBlock::new(data) else { return };
            init_block(&mut eb, block, generation);
            add_to_leaf(&mut eb.h_list_mut(), cpos, clusters, blkno, false);
        })?;
        let Some((old_leaf, interior)) = self.path.split_last() else { return Err(errno::euclean()) };
        tx.change(old_leaf, Kind::ExtentBlock, |data| {
            if let Ok(mut eb) = ExtentBlock::new(data) {
                eb.set_h_next_leaf_blk(leaf_blkno);
            }
        })?;
        // The parent is the deepest interior list: the last of `interior`, or the inode's.
        let add_branch = |list: &mut ExtentList<&mut [u8]>| {
            let used = usize::from(list.l_next_free_rec());
            set_rec(list, used, old_end, new_end.saturating_sub(old_end), leaf_blkno, 1);
            list.set_l_next_free_rec(used as u16 + 1);
        };
        for (i, bh) in interior.iter().enumerate() {
            let parent = i + 1 == interior.len();
            tx.change(bh, Kind::ExtentBlock, |data| {
                if let Some(mut list) = list_of(data, false) {
                    if parent { add_branch(&mut list) } else { cover_to(&mut list, new_end) }
                }
            })?;
        }
        let root_is_parent = interior.is_empty();
        tx.change(self.inode, Kind::Inode, |data| {
            if let Some(mut list) = list_of(data, true) {
                if root_is_parent { add_branch(&mut list) } else { cover_to(&mut list, new_end) }
            }
            add_clusters(data, clusters, Some(leaf_blkno));
        })
    }
}

/// A fresh extent block from suballocator slot 0 (`ocfs2_create_new_meta_bhs`).
fn init_block(eb: &mut ExtentBlock<&mut [u8]>, block: &suballoc::Block, generation: u32) {
    eb.init(block.blkno, generation);
    eb.set_h_suballoc_slot(0);
    eb.set_h_suballoc_bit(block.suballoc_bit);
    eb.set_h_suballoc_loc(0);
    eb.set_h_next_leaf_blk(0);
}

/// Count `clusters` more in the inode's `i_clusters`; a new last leaf becomes
/// `i_last_eb_blk`.
fn add_clusters(block: &mut [u8], clusters: u32, last_eb: Option<u64>) {
    let Ok(mut dinode) = Dinode::new(block) else { return };
    let total = dinode.i_clusters().saturating_add(clusters);
    dinode.set_i_clusters(total);
    if let Some(last_eb) = last_eb {
        dinode.set_i_last_eb_blk(last_eb);
    }
}
