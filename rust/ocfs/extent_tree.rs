// SPDX-License-Identifier: GPL-2.0

//! Changing extent trees of any depth (`ocfs2_insert_extent`, `ocfs2_split_extent`,
//! `ocfs2_remove_extent` of the C ocfs2): the blocks of the paths an edit touches are read
//! into memory, the leaf is edited there (`format::extent_edit`), records move between it
//! and the leaves to its right until every leaf but the last is full (what the C ocfs2's
//! rotations do, and require of a tree), the last leaf or an interior node on the
//! rightmost path that overflows is split (its left part full; a full root moves into a
//! new extent block under it, the tree gaining a level), an extent block that empties is
//! freed and its record leaves its parent; then the interior records are made to cover the
//! tree as the C ocfs2 keeps them, and every block that changed is written in one
//! transaction.
//!
//! The shape kept (what the C ocfs2's rotations rely on, `ocfs2_adjust_adjacent_records`):
//! every leaf but the last full; interior records have no holes between them, each starts
//! at its child's first record, the first of the root's at 0 and the first of every other
//! list where its parent's record does, each reaches to the next one's start, and the last
//! of the rightmost path to the end of the last leaf record; leaves chain left to right
//! through `h_next_leaf_blk`, the last one is the owner's `*_last_eb_blk`.
//!
//! The root list is an inode's (a file's data), a directory index root's (its leaf
//! clusters: `ocfs2_init_dx_root_extent_tree`) or an indexed xattr block's (its runs of
//! buckets, keyed by name hash and never merged: `ocfs2_init_xattr_tree`); see [`Owner`].

use crate::extent_map::{check_child_depth, MAX_TREE_DEPTH};
use crate::format::dinode::Dinode;
use crate::format::dx::DxRoot;
use crate::format::extent::{ExtentBlock, ExtentList};
use crate::format::extent_edit::{self, EditError, Rec};
use crate::format::xattr::XattrBlock;
use crate::suballoc;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks one edit dirties at most: two paths (the edited one and its left neighbour),
/// a new block per level with its claim, and the owner.
pub const TREE_CREDITS: u32 =
    2 * (MAX_TREE_DEPTH as u32 + 1) + (MAX_TREE_DEPTH as u32 + 1) * (1 + suballoc::BLOCK_CREDITS) + 1;

/// The most leaves one edit moves records through (its transaction holds them all).
pub const MAX_ROTATED_LEAVES: usize = 48;

/// Records an edit adds to a leaf at most (a flag change in the middle of a record).
const SPARE: usize = 2;

/// One node of the tree, as read and as edited.
struct Node {
    /// The block; `None` for the root (the owner's list) and for new blocks until written.
    bh: Option<BufferHead>,
    blkno: u64,
    depth: u16,
    /// `l_count`.
    count: usize,
    /// `count + SPARE` slots, `used` of them live.
    recs: KVec<Rec>,
    used: usize,
    next_leaf: u64,
    parent: Option<usize>,
    changed: bool,
    new: Option<suballoc::Block>,
    freed: bool,
    /// Where its bit is, for freeing: slot, bit, group.
    suballoc: (u16, u16, u64),
}

impl Node {
    fn live(&self) -> &[Rec] {
        self.recs.get(..self.used).unwrap_or(&[])
    }

    fn first_cpos(&self) -> Option<u32> {
        self.live().first().map(|r| r.cpos)
    }

    fn last_end(&self) -> Option<u64> {
        self.live().last().map(Rec::end)
    }
}

fn read_recs(list: &ExtentList<&[u8]>, count: usize) -> Result<(KVec<Rec>, usize)> {
    let depth = list.l_tree_depth();
    let mut recs = KVec::from_elem(Rec::default(), count + SPARE, GFP_KERNEL)?;
    let mut used = 0;
    for (slot, rec) in recs.iter_mut().zip(list.recs()) {
        *slot = Rec {
            cpos: rec.e_cpos(),
            clusters: rec.clusters(depth),
            blkno: rec.e_blkno(),
            flags: if depth == 0 { rec.e_flags() } else { 0 },
        };
        used += 1;
    }
    Ok((recs, used))
}

/// Write `recs` into `list` (every slot past them zeroed).
fn write_list(list: &mut ExtentList<&mut [u8]>, depth: u16, recs: &[Rec]) {
    let count = usize::from(list.l_count());
    list.set_l_tree_depth(depth);
    for i in 0..count {
        let Some(mut slot) = list.rec_mut(i) else { break };
        slot.as_bytes_mut().fill(0);
        let Some(rec) = recs.get(i) else { continue };
        slot.set_e_cpos(rec.cpos);
        if depth == 0 {
            slot.set_e_leaf_clusters(rec.clusters.min(u32::from(u16::MAX)) as u16);
            slot.set_e_flags(rec.flags);
        } else {
            slot.set_e_int_clusters(rec.clusters);
        }
        slot.set_e_blkno(rec.blkno);
    }
    list.set_l_next_free_rec(recs.len().min(count) as u16);
}

/// The block holding a tree's root list (the owners of `struct ocfs2_extent_tree` this
/// filesystem edits).
#[derive(Clone, Copy)]
pub enum Owner<'a> {
    /// A file's or directory's data: the inode's `id2.i_list`.
    Inode(&'a BufferHead),
    /// A directory index's leaf clusters: the index root's `dr_list`.
    DxRoot(&'a BufferHead),
    /// An indexed xattr block's buckets: `xb_root.xt_list`, a record per run of buckets
    /// starting at the smallest name hash it holds.
    XattrTree(&'a BufferHead),
}

impl Owner<'_> {
    fn bh(&self) -> &BufferHead {
        match self {
            Owner::Inode(bh) | Owner::DxRoot(bh) | Owner::XattrTree(bh) => bh,
        }
    }

    /// The root node, checked, and `*_last_eb_blk`.
    fn read_root(&self, sb: &NewSuperBlock) -> Result<(Node, u64)> {
        let data = self.bh().data();
        match self {
            Owner::Inode(_) => {
                let dinode = Dinode::new(data).map_err(|e| meta::corrupt(sb, &e))?;
                Ok((self.root_node(sb, &dinode.extent_list())?, dinode.i_last_eb_blk()))
            }
            Owner::DxRoot(_) => {
                let root = DxRoot::new(data).map_err(|e| meta::corrupt(sb, &e))?;
                if root.is_inline() {
                    pr_err!("{}: {} holds entries, not an extent list\n", sb.id(), self);
                    return Err(EINVAL);
                }
                Ok((self.root_node(sb, &root.dr_list())?, root.dr_last_eb_blk()))
            }
            Owner::XattrTree(_) => {
                let xb = XattrBlock::new(data).map_err(|e| meta::corrupt(sb, &e))?;
                if !xb.is_indexed() {
                    pr_err!("{}: {} holds attributes, not an extent list\n", sb.id(), self);
                    return Err(EINVAL);
                }
                let root = xb.xb_root();
                Ok((self.root_node(sb, &root.xt_list())?, root.xt_last_eb_blk()))
            }
        }
    }

    fn root_node(&self, sb: &NewSuperBlock, list: &ExtentList<&[u8]>) -> Result<Node> {
        let blkno = self.bh().block_number();
        list.validate(blkno, list.room()).map_err(|e| meta::corrupt(sb, &e))?;
        let depth = list.l_tree_depth();
        if depth > MAX_TREE_DEPTH {
            pr_err!("{}: corrupt metadata: {} has an extent tree of depth {}\n", sb.id(), self, depth);
            return Err(errno::euclean());
        }
        let count = usize::from(list.l_count());
        let (recs, used) = read_recs(list, count)?;
        Ok(Node {
            bh: None,
            blkno,
            depth,
            count,
            recs,
            used,
            next_leaf: 0,
            parent: None,
            changed: false,
            new: None,
            freed: false,
            suballoc: (0, 0, 0),
        })
    }

    /// Write the root list (when `root` changed), the clusters mapped more (`clusters`) and
    /// the last leaf, in `tx`.
    fn write_root(&self, tx: &Transaction<'_>, root: Option<&Node>, clusters: i64, last_eb: u64) -> Result {
        let add = |total: u32| i64::from(total).saturating_add(clusters).clamp(0, i64::from(u32::MAX)) as u32;
        match self {
            Owner::Inode(bh) => tx.change(bh, Kind::Inode, |data| {
                let Ok(mut dinode) = Dinode::new(data) else { return };
                if let Some(root) = root {
                    write_list(&mut dinode.extent_list_mut(), root.depth, root.live());
                }
                let total = add(dinode.i_clusters());
                dinode.set_i_clusters(total);
                dinode.set_i_last_eb_blk(last_eb);
            }),
            Owner::DxRoot(bh) => tx.change(bh, Kind::DxRoot, |data| {
                let Ok(mut dx_root) = DxRoot::new(data) else { return };
                if let Some(root) = root {
                    write_list(&mut dx_root.dr_list_mut(), root.depth, root.live());
                }
                let total = add(dx_root.dr_clusters());
                dx_root.set_dr_clusters(total);
                dx_root.set_dr_last_eb_blk(last_eb);
            }),
            Owner::XattrTree(bh) => tx.change(bh, Kind::XattrBlock, |data| {
                let Ok(mut xb) = XattrBlock::new(data) else { return };
                let mut xt = xb.xb_root_mut();
                if let Some(node) = root {
                    write_list(&mut xt.xt_list_mut(), node.depth, node.live());
                }
                let total = add(xt.xt_clusters());
                xt.set_xt_clusters(total);
                xt.set_xt_last_eb_blk(last_eb);
            }),
        }
    }
}

impl core::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Owner::Inode(bh) => write!(f, "inode {}", bh.block_number()),
            Owner::DxRoot(bh) => write!(f, "directory index root {}", bh.block_number()),
            Owner::XattrTree(bh) => write!(f, "xattr index block {}", bh.block_number()),
        }
    }
}

/// An extent tree being edited, under the allocation lock.
pub struct Tree<'a> {
    owner: Owner<'a>,
    nodes: KVec<Node>,
    last_eb: u64,
    /// Where the tree ended when read (the root's last record, or the leaf's end).
    end_read: u64,
    /// Clusters mapped more (or fewer) than when read.
    clusters: i64,
    /// Clusters the leaves in memory mapped when read.
    loaded: i64,
    blocks_per_cluster: u64,
    eb_count: usize,
}

fn edit_error(sb: &NewSuperBlock, owner: &Owner<'_>, err: EditError) -> Error {
    pr_err!("{}: corrupt metadata: {}: an extent edit found {:?} records\n", sb.id(), owner, err);
    errno::euclean()
}

impl<'a> Tree<'a> {
    /// The tree whose root list `owner` holds (read and checked): its root only, so far.
    pub fn read(sb: &NewSuperBlock, vol: &Volume, owner: Owner<'a>) -> Result<Self> {
        let (root, last_eb) = owner.read_root(sb)?;
        let depth = root.depth;
        let end_read = root.last_end().unwrap_or(0);
        let loaded = if depth == 0 { root.live().iter().map(|r| i64::from(r.clusters)).sum() } else { 0 };
        let mut nodes = KVec::new();
        nodes.push(root, GFP_KERNEL)?;
        Ok(Self {
            owner,
            nodes,
            last_eb,
            end_read,
            clusters: 0,
            loaded,
            blocks_per_cluster: 1 << (vol.cluster_bits - vol.block_bits),
            eb_count: crate::format::extent::extent_recs_per_eb(1usize << vol.block_bits).min(usize::from(u16::MAX)),
        })
    }

    fn node(&self, n: usize) -> Result<&Node> {
        self.nodes.get(n).ok_or(EINVAL)
    }

    fn node_mut(&mut self, n: usize) -> Result<&mut Node> {
        self.nodes.get_mut(n).ok_or(EINVAL)
    }

    /// The index of `child` among its parent's records.
    fn index_in_parent(&self, child: usize) -> Result<(usize, usize)> {
        let node = self.node(child)?;
        let parent = node.parent.ok_or(EINVAL)?;
        let blkno = node.blkno;
        let i = self.node(parent)?.live().iter().position(|r| r.blkno == blkno).ok_or(EINVAL)?;
        Ok((parent, i))
    }

    /// Read the path down to the leaf whose range holds `cpos` (the child of each interior
    /// list is the last record starting at or before it, or the first); returns the leaf.
    pub fn leaf_for(&mut self, sb: &NewSuperBlock, vol: &Volume, cpos: u32) -> Result<usize> {
        let mut n = 0;
        loop {
            let node = self.node(n)?;
            if node.depth == 0 {
                return Ok(n);
            }
            let depth = node.depth;
            let live = node.live();
            let Some(first) = live.first() else {
                pr_err!("{}: corrupt metadata: {} has an empty interior extent list\n", sb.id(), self.owner);
                return Err(errno::euclean());
            };
            let child = live.iter().filter(|r| r.cpos <= cpos).last().unwrap_or(first).blkno;
            if let Some(loaded) = self.nodes.iter().position(|x| x.blkno == child && !x.freed && x.parent.is_some()) {
                n = loaded;
                continue;
            }
            let bh = meta::read_extent_block(sb, &vol.params, vol.blocks, child)?;
            let (node, _) = {
                let eb = ExtentBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
                let list = eb.h_list();
                check_child_depth(sb, &list, child, depth)?;
                let count = usize::from(list.l_count());
                let (recs, used) = read_recs(&list, count)?;
                if list.l_tree_depth() > 0 && used == 0 {
                    pr_err!("{}: corrupt metadata: extent block {} is an empty interior node\n", sb.id(), child);
                    return Err(errno::euclean());
                }
                let node = Node {
                    bh: None,
                    blkno: child,
                    depth: list.l_tree_depth(),
                    count,
                    recs,
                    used,
                    next_leaf: eb.h_next_leaf_blk(),
                    parent: Some(n),
                    changed: false,
                    new: None,
                    freed: false,
                    suballoc: (eb.h_suballoc_slot(), eb.h_suballoc_bit(), eb.h_suballoc_loc()),
                };
                (node, ())
            };
            let mut node = node;
            node.bh = Some(bh);
            if node.depth == 0 {
                self.loaded += node.live().iter().map(|r| i64::from(r.clusters)).sum::<i64>();
            }
            self.nodes.push(node, GFP_KERNEL)?;
            n = self.nodes.len() - 1;
        }
    }

    /// The logical range `[start, end)` node `n` covers, from its parents' records.
    fn range(&self, n: usize) -> Result<(u32, u64)> {
        if self.node(n)?.parent.is_none() {
            return Ok((0, u64::MAX));
        }
        let (parent, i) = self.index_in_parent(n)?;
        let (pstart, pend) = self.range(parent)?;
        let live = self.node(parent)?.live();
        let start = if i == 0 { pstart } else { live.get(i).map_or(pstart, |r| r.cpos) };
        let end = live.get(i + 1).map_or(pend, |r| u64::from(r.cpos));
        Ok((start, end))
    }

    /// The logical range `[start, end)` leaf `leaf` covers.
    pub fn leaf_range(&self, leaf: usize) -> Result<(u32, u64)> {
        self.range(leaf)
    }

    /// The leaf record holding `cpos`, if any, in leaf `leaf`.
    pub fn find(&self, leaf: usize, cpos: u32) -> Result<Option<Rec>> {
        Ok(self.node(leaf)?.live().iter().find(|r| r.cpos <= cpos && u64::from(cpos) < r.end()).copied())
    }

    /// One past the hole at `cpos` in leaf `leaf` (which holds no record at `cpos`): the
    /// next record's start or the end of the leaf's range.
    pub fn hole_end(&self, leaf: usize, cpos: u32) -> Result<u64> {
        let (_, end) = self.range(leaf)?;
        let next = self.node(leaf)?.live().iter().find(|r| r.cpos > cpos).map_or(u64::MAX, |r| u64::from(r.cpos));
        Ok(end.min(next))
    }

    /// Whether the tree maps nothing.
    pub fn is_empty(&self) -> bool {
        self.nodes.first().is_none_or(|root| root.used == 0)
    }

    /// One past the last cluster the tree maps, as read.
    pub fn end(&self) -> u64 {
        self.end_read
    }

    /// The records of leaf `leaf`.
    pub fn leaf_recs(&self, leaf: usize) -> Result<&[Rec]> {
        Ok(self.node(leaf)?.live())
    }

    fn edited(&mut self, n: usize, used: core::result::Result<usize, EditError>, sb: &NewSuperBlock) -> Result {
        let used = used.map_err(|e| edit_error(sb, &self.owner, e))?;
        let node = self.node_mut(n)?;
        node.used = used;
        node.changed = true;
        Ok(())
    }

    /// Map `rec` in leaf `leaf` (in its range), merged with the records it continues
    /// (except in an xattr tree, whose records never merge).
    pub fn insert(&mut self, sb: &NewSuperBlock, leaf: usize, rec: Rec) -> Result {
        let bpc = self.blocks_per_cluster;
        let merges = !matches!(self.owner, Owner::XattrTree(_));
        let node = self.node_mut(leaf)?;
        let used = if merges {
            extent_edit::insert(&mut node.recs, node.used, rec, bpc)
        } else {
            extent_edit::insert_unmerged(&mut node.recs, node.used, rec)
        };
        self.edited(leaf, used, sb)?;
        self.clusters += i64::from(rec.clusters);
        Ok(())
    }

    /// Change the flags of `cpos..cpos + len`, inside one record of leaf `leaf`.
    pub fn set_flags(&mut self, sb: &NewSuperBlock, leaf: usize, cpos: u32, len: u32, set: u8, clear: u8) -> Result {
        let bpc = self.blocks_per_cluster;
        let node = self.node_mut(leaf)?;
        let used = extent_edit::set_flags(&mut node.recs, node.used, cpos, len, set, clear, bpc);
        self.edited(leaf, used, sb)
    }

    /// Take the last record out of leaf `leaf` (its clusters are the caller's to free).
    pub fn pop(&mut self, leaf: usize) -> Result<Option<Rec>> {
        let node = self.node_mut(leaf)?;
        let Some(rec) = node.used.checked_sub(1).and_then(|last| node.recs.get(last)).copied() else {
            return Ok(None);
        };
        node.used = extent_edit::remove_at(&mut node.recs, node.used, node.used - 1);
        node.changed = true;
        self.clusters -= i64::from(rec.clusters);
        Ok(Some(rec))
    }

    /// Unmap `start..end` from leaf `leaf`; each run unmapped goes to `freed`.
    pub fn remove(&mut self, sb: &NewSuperBlock, leaf: usize, start: u32, end: u32, freed: &mut dyn FnMut(Rec)) -> Result {
        let bpc = self.blocks_per_cluster;
        let mut total = 0i64;
        let node = self.node_mut(leaf)?;
        let used = extent_edit::remove(&mut node.recs, node.used, start, end, bpc, &mut |rec| {
            total += i64::from(rec.clusters);
            freed(rec)
        });
        self.edited(leaf, used, sb)?;
        self.clusters -= total;
        Ok(())
    }

    /// Drop the extent blocks that emptied, leaves and then their parents (reading the leaf
    /// to the left of each, whose `h_next_leaf_blk` changes); refused before anything
    /// changes for a block of another slot's allocator. Call before [`Tree::commit`].
    pub fn drop_empty(&mut self, sb: &NewSuperBlock, vol: &Volume) -> Result {
        while let Some(n) = self.nodes.iter().position(|x| x.depth == 0 && x.parent.is_some() && !x.freed && x.used == 0) {
            self.drop_empty_from(sb, vol, n)?;
        }
        let root = self.node_mut(0)?;
        if root.depth > 0 && root.used == 0 {
            root.depth = 0;
            root.changed = true;
            self.last_eb = 0;
        }
        Ok(())
    }

    /// Drop empty leaf `leaf`, and its parents as they empty.
    fn drop_empty_from(&mut self, sb: &NewSuperBlock, vol: &Volume, leaf: usize) -> Result {
        let mut n = leaf;
        loop {
            let node = self.node(n)?;
            if node.parent.is_none() || node.used > 0 {
                break;
            }
            if node.suballoc.0 != 0 && node.new.is_none() {
                pr_err!(
                    "{}: {}: freeing extent block {} of slot {}'s allocator is not supported yet\n",
                    sb.id(),
                    self.owner,
                    node.blkno,
                    node.suballoc.0
                );
                return Err(errno::code(crate::bindings::EOPNOTSUPP));
            }
            let (is_leaf, blkno, next_leaf) = (node.depth == 0, node.blkno, node.next_leaf);
            if is_leaf {
                let (start, _) = self.range(n)?;
                let previous = match start.checked_sub(1) {
                    Some(cpos) => Some(self.leaf_for(sb, vol, cpos)?),
                    None => None,
                };
                let previous = previous.filter(|&p| p != n);
                if let Some(p) = previous {
                    let prev = self.node_mut(p)?;
                    prev.next_leaf = next_leaf;
                    prev.changed = true;
                }
                if self.last_eb == blkno {
                    self.last_eb = match previous {
                        Some(p) => self.node(p)?.blkno,
                        None => 0,
                    };
                }
            }
            let (parent, i) = self.index_in_parent(n)?;
            let removed = self.node(parent)?.live().get(i).copied().unwrap_or_default();
            {
                let node = self.node_mut(n)?;
                node.freed = true;
                node.parent = None;
            }
            let p = self.node_mut(parent)?;
            p.used = extent_edit::remove_at(&mut p.recs, p.used, i);
            p.changed = true;
            if i == 0 {
                // The next record takes over the start: interior records have no holes.
                if let Some(first) = p.recs.get_mut(0).filter(|_| p.used > 0) {
                    first.cpos = removed.cpos;
                }
            }
            n = parent;
        }
        Ok(())
    }

    /// Split what overflowed, from node `n` up, claiming the new blocks in `tx`; on
    /// failure, the blocks claimed are given back in `tx` (nothing else is written).
    fn split_overflows(&mut self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, n: usize) -> Result {
        let mut n = n;
        loop {
            let node = self.node(n)?;
            if node.used <= node.count {
                return Ok(());
            }
            if node.parent.is_none() && node.depth + 1 >= MAX_TREE_DEPTH {
                pr_err!("{}: {}: an extent tree deeper than {} levels is not supported\n", sb.id(), self.owner, node.depth);
                self.release_new(sb, vol, tx);
                return Err(EFBIG);
            }
            let block = match suballoc::claim_block(sb, vol, tx, vol.extent_alloc_blkno) {
                Ok(block) => block,
                Err(err) => {
                    self.release_new(sb, vol, tx);
                    return Err(err);
                }
            };
            let (blkno, bit, loc) = (block.blkno, block.suballoc_bit, block.loc);
            // A full root moves into the new block, which is then the node to look at.
            let done = if node.parent.is_none() { self.shift_root(block).map(|()| self.nodes.len() - 1) } else { self.split(n, block) };
            match done {
                Ok(next) => n = next,
                Err(err) => {
                    if !self.nodes.iter().any(|x| x.new.as_ref().is_some_and(|b| b.blkno == blkno)) {
                        let _ = suballoc::free_block(tx, sb, vol, vol.extent_alloc_blkno, blkno, bit, loc);
                    }
                    self.release_new(sb, vol, tx);
                    return Err(err);
                }
            }
        }
    }

    /// Give back the blocks claimed for new nodes (after a failed claim).
    fn release_new(&mut self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>) {
        for node in self.nodes.iter_mut() {
            if let Some(block) = node.new.take() {
                let _ = suballoc::free_block(tx, sb, vol, vol.extent_alloc_blkno, block.blkno, block.suballoc_bit, block.loc);
                node.freed = true;
            }
        }
    }

    fn new_node(&self, block: suballoc::Block, depth: u16, parent: usize) -> Result<Node> {
        Ok(Node {
            bh: None,
            blkno: block.blkno,
            depth,
            count: self.eb_count,
            recs: KVec::from_elem(Rec::default(), self.eb_count + SPARE, GFP_KERNEL)?,
            used: 0,
            next_leaf: 0,
            parent: Some(parent),
            changed: true,
            suballoc: (0, block.suballoc_bit, 0),
            new: Some(block),
            freed: false,
        })
    }

    /// The root's records move into a new block under it (`ocfs2_shift_tree_depth`).
    fn shift_root(&mut self, block: suballoc::Block) -> Result {
        let root_depth = self.node(0)?.depth;
        let mut child = self.new_node(block, root_depth, 0)?;
        let blkno = child.blkno;
        let root = self.node_mut(0)?;
        for (to, from) in child.recs.iter_mut().zip(root.recs.iter()).take(root.used) {
            *to = *from;
        }
        child.used = root.used;
        for rec in root.recs.iter_mut() {
            *rec = Rec::default();
        }
        if let Some(first) = root.recs.get_mut(0) {
            *first = Rec { cpos: 0, clusters: 0, blkno, flags: 0 };
        }
        root.used = 1;
        root.depth += 1;
        root.changed = true;
        self.nodes.push(child, GFP_KERNEL)?;
        let new = self.nodes.len() - 1;
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if node.parent == Some(0) && i != new {
                node.parent = Some(new);
            }
        }
        if root_depth == 0 {
            self.last_eb = blkno;
        }
        Ok(())
    }

    /// Node `n` overflowed: its upper half moves to a new block beside it; returns its
    /// parent, which got a record more.
    fn split(&mut self, n: usize, block: suballoc::Block) -> Result<usize> {
        let (parent, i) = self.index_in_parent(n)?;
        let node = self.node(n)?;
        let mut right = self.new_node(block, node.depth, parent)?;
        // The left part stays full: the C ocfs2 keeps every node left of the rightmost path
        // full, and splits only there (`ocfs2_add_branch`).
        let half = node.count.min(node.used);
        let node = self.node_mut(n)?;
        for (to, from) in right.recs.iter_mut().zip(node.recs.iter_mut().skip(half).take(node.used - half)) {
            *to = *from;
            *from = Rec::default();
        }
        right.used = node.used - half;
        node.used = half;
        node.changed = true;
        let blkno = right.blkno;
        let first = right.first_cpos().unwrap_or(0);
        if node.depth == 0 {
            right.next_leaf = node.next_leaf;
            node.next_leaf = blkno;
        }
        let old_blkno = node.blkno;
        let moved: KVec<u64> = {
            let mut v = KVec::new();
            for rec in right.live() {
                v.push(rec.blkno, GFP_KERNEL)?;
            }
            v
        };
        self.nodes.push(right, GFP_KERNEL)?;
        let new = self.nodes.len() - 1;
        if self.last_eb == old_blkno {
            self.last_eb = blkno;
        }
        if self.node(n)?.depth > 0 {
            for node in self.nodes.iter_mut() {
                if node.parent == Some(n) && moved.iter().any(|&b| b == node.blkno) {
                    node.parent = Some(new);
                }
            }
        }
        let p = self.node_mut(parent)?;
        p.used = extent_edit::insert_at(&mut p.recs, p.used, i + 1, Rec { cpos: first, clusters: 0, blkno, flags: 0 })
            .map_err(|_| EINVAL)?;
        p.changed = true;
        Ok(parent)
    }

    /// Make the interior records cover the tree (see the module's doc), top down.
    fn cover(&mut self) -> Result {
        // A record other than the first starts where its child's records do.
        for n in 0..self.nodes.len() {
            let node = self.node(n)?;
            if node.freed || node.depth == 0 {
                continue;
            }
            for i in 1..node.used {
                let Some(child) = self.node(n)?.recs.get(i).map(|r| r.blkno) else { break };
                let Some(c) = self.loaded_child(n, child) else { continue };
                let Some(first) = self.first_cpos(c)? else { continue };
                let node = self.node_mut(n)?;
                if let Some(rec) = node.recs.get_mut(i) {
                    if rec.cpos != first {
                        rec.cpos = first;
                        node.changed = true;
                    }
                }
            }
        }
        // Where the tree ends: the last leaf's end if it is in memory.
        let mut end = self.end_read;
        if let Some(last) = self.nodes.iter().find(|x| !x.freed && x.depth == 0 && (x.parent.is_none() || x.blkno == self.last_eb)) {
            end = last.last_end().unwrap_or(0);
        }
        let max_depth = self.node(0)?.depth;
        for depth in (1..=max_depth).rev() {
            for n in 0..self.nodes.len() {
                let node = self.node(n)?;
                if node.freed || node.depth != depth || node.used == 0 {
                    continue;
                }
                let (start, limit) = match node.parent {
                    None => (0, end),
                    Some(_) => self.range_stored(n)?,
                };
                let node = self.node_mut(n)?;
                let used = node.used;
                let mut changed = false;
                for i in 0..used {
                    let next = node.recs.get(i + 1).filter(|_| i + 1 < used).map(|r| u64::from(r.cpos));
                    let Some(rec) = node.recs.get_mut(i) else { break };
                    if i == 0 && rec.cpos != start {
                        rec.cpos = start;
                        changed = true;
                    }
                    let stop = next.unwrap_or(limit);
                    let clusters = stop.saturating_sub(u64::from(rec.cpos)).min(u64::from(u32::MAX)) as u32;
                    if rec.clusters != clusters {
                        rec.clusters = clusters;
                        changed = true;
                    }
                }
                node.changed |= changed;
            }
        }
        Ok(())
    }

    /// The node in memory that is child `blkno` of node `n`.
    fn loaded_child(&self, n: usize, blkno: u64) -> Option<usize> {
        self.nodes.iter().position(|x| x.blkno == blkno && x.parent == Some(n) && !x.freed)
    }

    /// The first cluster the subtree of node `n` maps, as far as it is in memory.
    fn first_cpos(&self, n: usize) -> Result<Option<u32>> {
        let mut n = n;
        loop {
            let node = self.node(n)?;
            let Some(first) = node.live().first() else { return Ok(None) };
            if node.depth == 0 {
                return Ok(Some(first.cpos));
            }
            match self.loaded_child(n, first.blkno) {
                Some(child) => n = child,
                None => return Ok(Some(first.cpos)),
            }
        }
    }

    /// Whether leaf `n` is the tree's last.
    pub fn rightmost(&self, n: usize) -> Result<bool> {
        let node = self.node(n)?;
        Ok(node.parent.is_none() || node.blkno == self.last_eb)
    }

    /// The leaf right of leaf `n`, if it is in memory.
    fn loaded_next(&self, n: usize) -> Result<Option<usize>> {
        let (_, end) = self.range(n)?;
        for m in 0..self.nodes.len() {
            let node = self.node(m)?;
            if m != n && node.depth == 0 && !node.freed && node.parent.is_some() && u64::from(self.range(m)?.0) == end {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// Read every leaf right of leaf `leaf` (with their paths): an edit of a leaf other than
    /// the last moves records between it and the leaves after it, as the C ocfs2's
    /// rotations do, so that every leaf but the last stays full. Refused (before anything
    /// changes) past [`MAX_ROTATED_LEAVES`].
    pub fn load_right(&mut self, sb: &NewSuperBlock, vol: &Volume, leaf: usize) -> Result {
        let mut n = leaf;
        let mut leaves = 0;
        while !self.rightmost(n)? {
            let (_, end) = self.range(n)?;
            let Ok(cpos) = u32::try_from(end) else { break };
            let next = self.leaf_for(sb, vol, cpos)?;
            if next == n || u64::from(self.range(next)?.0) != end {
                pr_err!("{}: corrupt metadata: {} has no leaf after cluster {}\n", sb.id(), self.owner, end);
                return Err(errno::euclean());
            }
            leaves += 1;
            if leaves > MAX_ROTATED_LEAVES {
                pr_err!(
                    "{}: {}: an extent edit moving records through more than {} leaves is not supported yet\n",
                    sb.id(),
                    self.owner,
                    MAX_ROTATED_LEAVES
                );
                return Err(errno::code(crate::bindings::EOPNOTSUPP));
            }
            n = next;
        }
        Ok(())
    }

    /// Whether an edit of leaf `leaf` that may add `grow` records needs [`Tree::load_right`].
    pub fn needs_right(&self, leaf: usize, grow: usize) -> Result<bool> {
        let node = self.node(leaf)?;
        Ok(!self.rightmost(leaf)? && node.used + grow > node.count)
    }

    /// Blocks a transaction committing this tree needs: every block in memory, its free, new
    /// blocks for splits and their claims, the owner.
    pub fn credits(&self) -> u32 {
        let nodes = self.nodes.len() as u32;
        nodes * (1 + suballoc::CLAIM_CREDITS) + (MAX_TREE_DEPTH as u32 + 1) * (1 + suballoc::BLOCK_CREDITS) + 1
    }

    /// Move records between leaf `leaf` and the leaves after it (in memory) until each but
    /// the last is full (`ocfs2_rotate_tree_right`/`_left`); returns the leaf where it
    /// stopped, which may overflow (the last) or be empty.
    pub fn rebalance(&mut self, leaf: usize) -> Result<usize> {
        let mut n = leaf;
        loop {
            let node = self.node(n)?;
            if node.depth != 0 || self.rightmost(n)? || node.used == node.count {
                return Ok(n);
            }
            let (used, count) = (node.used, node.count);
            let Some(next) = self.loaded_next(n)? else {
                if used > count {
                    pr_err!("{}: the leaf after a full one was not read\n", self.owner);
                    return Err(EINVAL);
                }
                return Ok(n);
            };
            if used > count {
                for _ in count..used {
                    let node = self.node_mut(n)?;
                    let Some(rec) = node.recs.get(node.used - 1).copied() else { break };
                    node.used = extent_edit::remove_at(&mut node.recs, node.used, node.used - 1);
                    node.changed = true;
                    let right = self.node_mut(next)?;
                    right.used = extent_edit::insert_at(&mut right.recs, right.used, 0, rec).map_err(|_| EINVAL)?;
                    right.changed = true;
                }
            } else {
                for _ in used..count {
                    let right = self.node_mut(next)?;
                    let Some(rec) = right.recs.get(0).copied().filter(|_| right.used > 0) else { break };
                    right.used = extent_edit::remove_at(&mut right.recs, right.used, 0);
                    right.changed = true;
                    let node = self.node_mut(n)?;
                    node.used = extent_edit::insert_at(&mut node.recs, node.used, node.used, rec).map_err(|_| EINVAL)?;
                    node.changed = true;
                }
            }
            n = next;
        }
    }

    /// The range of non-root node `n` from its parent's record as it stands (start, and
    /// its record's end).
    fn range_stored(&self, n: usize) -> Result<(u32, u64)> {
        let (parent, i) = self.index_in_parent(n)?;
        let rec = self.node(parent)?.live().get(i).copied().ok_or(EINVAL)?;
        Ok((rec.cpos, rec.end()))
    }

    /// Split what overflowed (claiming blocks), fix the interior records, and write every
    /// block that changed, in `tx` (opened with [`TREE_CREDITS`] more); blocks emptied by
    /// [`Tree::drop_empty`] are freed.
    pub fn commit(mut self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, edited: usize) -> Result {
        self.rebalance(edited)?;
        // Records merged or moved left may have emptied the last leaf.
        self.drop_empty(sb, vol)?;
        // Records moved right may have overfilled the last leaf (here or in an earlier
        // rebalance of the same edit).
        while let Some(n) = self.nodes.iter().position(|x| !x.freed && x.used > x.count) {
            self.split_overflows(sb, vol, tx, n)?;
        }
        self.cover()?;
        // Records only move between the leaves in memory: what they map must add up.
        let mapped: i64 = self
            .nodes
            .iter()
            .filter(|x| x.depth == 0 && !x.freed)
            .map(|x| x.live().iter().map(|r| i64::from(r.clusters)).sum::<i64>())
            .sum();
        let overfull = self.nodes.iter().any(|x| !x.freed && x.used > x.count);

        if mapped != self.loaded + self.clusters || overfull {
            pr_err!(
                "{}: {}: an extent edit lost track of its records ({} clusters mapped, {} expected{}); nothing written\n",
                sb.id(),
                self.owner,
                mapped,
                self.loaded + self.clusters,
                if overfull { ", a node overfull" } else { "" }
            );
            self.release_new(sb, vol, tx);
            return Err(EIO);
        }
        let generation = vol.params.fs_generation;
        for node in self.nodes.iter().skip(1) {
            if node.freed {
                if node.new.is_none() && node.bh.is_some() {
                    let (_, bit, loc) = node.suballoc;
                    suballoc::free_block(tx, sb, vol, vol.extent_alloc_blkno, node.blkno, bit, loc)?;
                }
                continue;
            }
            if !node.changed {
                continue;
            }
            let fill = |data: &mut [u8]| {
                let Ok(mut eb) = ExtentBlock::new(data) else { return };
                if let Some(block) = node.new.as_ref() {
                    eb.init(block.blkno, generation);
                    eb.set_h_suballoc_slot(0);
                    eb.set_h_suballoc_bit(block.suballoc_bit);
                    eb.set_h_suballoc_loc(block.loc);
                }
                eb.set_h_next_leaf_blk(node.next_leaf);
                write_list(&mut eb.h_list_mut(), node.depth, node.live());
            };
            match node.bh.as_ref() {
                Some(bh) => tx.change(bh, Kind::ExtentBlock, fill)?,
                None => {
                    let bh = sb.new_block(node.blkno)?;
                    tx.create(&bh, Kind::ExtentBlock, fill)?
                }
            }
        }
        let root = self.node(0)?;
        self.owner.write_root(tx, root.changed.then_some(root), self.clusters, self.last_eb)
    }
}
