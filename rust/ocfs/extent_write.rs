// SPDX-License-Identifier: GPL-2.0

//! Mapping clusters into a file's extents and unmapping them, over
//! [`crate::extent_tree`]: a new run goes anywhere in the file (a hole before the end as
//! well as past it), an unwritten run becomes written, and ranges go back to the global
//! bitmap a leaf at a time (truncate, punching holes, deletion).

use crate::cluster_bitmap::{self, CLAIM_CREDITS, FREE_CREDITS};
use crate::extent_tree::{Owner, Tree, TREE_CREDITS};
use crate::format::extent::EXT_REFCOUNTED;
use crate::format::extent_edit::Rec;
use crate::format::features::IncompatFeatures;
use crate::rw::Writable;
use crate::transaction::Transaction;
use crate::vfs::{self, BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{bindings as c, errno};
use kernel::prelude::*;

/// Blocks mapping a claimed run dirties at most: the tree's, and the run's claim.
pub const APPEND_CREDITS: u32 = TREE_CREDITS + CLAIM_CREDITS;

/// A mapping checked against the tree as it is, ready to apply (under the allocation
/// lock, so the tree cannot change in between).
pub struct Append<'a> {
    tree: Tree<'a>,
    leaf: usize,
    cpos: u32,
}

/// Check that logical cluster `cpos` of the tree `owner` holds (read and checked) is a
/// hole that can be mapped, and read the tree's path to it.
pub fn prepare<'a>(sb: &NewSuperBlock, vol: &Volume, owner: Owner<'a>, cpos: u32) -> Result<Append<'a>> {
    let mut tree = Tree::read(sb, vol, owner)?;
    let leaf = tree.leaf_for(sb, vol, cpos)?;
    if tree.needs_right(leaf, 1)? {
        tree.load_right(sb, vol, leaf)?;
    }
    if tree.find(leaf, cpos)?.is_some() {
        pr_err!("{}: {}: cluster {} is mapped already\n", sb.id(), owner, cpos);
        return Err(EEXIST);
    }
    let sparse = vol.params.features.incompat.contains(IncompatFeatures::SPARSE_ALLOC);
    if matches!(owner, Owner::Inode(_)) && u64::from(cpos) > tree.end() && !sparse {
        // Without "sparse", every cluster up to the size is allocated (the C ocfs2 fills
        // gaps with zeroed clusters, `ocfs2_zero_extend`), and fsck holds files to it.
        pr_err!(
            "{}: {}: a write leaving a hole (cluster {} past the end at {}) on a volume without sparse files is not supported yet\n",
            sb.id(),
            owner,
            cpos,
            tree.end()
        );
        return Err(errno::code(c::EOPNOTSUPP));
    }
    Ok(Append { tree, leaf, cpos })
}

impl Append<'_> {
    /// Blocks the transaction of [`Append::apply`] needs (with the clusters' claim).
    pub fn credits(&self) -> u32 {
        self.tree.credits() + CLAIM_CREDITS
    }

    /// Clusters free from the prepared position to the next mapped one.
    pub fn room(&self) -> Result<u32> {
        let end = self.tree.hole_end(self.leaf, self.cpos)?;
        Ok(end.saturating_sub(u64::from(self.cpos)).min(u64::from(u32::MAX)) as u32)
    }

    /// Map `clusters` clusters from device block `blkno` at the prepared position (at
    /// most [`Append::room`]), in `tx` (opened with [`APPEND_CREDITS`]); the owner's
    /// `i_clusters` (`dr_clusters`) grows with them.
    pub fn apply(self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, blkno: u64, clusters: u32) -> Result {
        self.apply_flags(sb, vol, tx, blkno, clusters, 0)
    }

    /// [`Append::apply`] with extent flags (`EXT_UNWRITTEN` for `fallocate`).
    pub fn apply_flags(mut self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, blkno: u64, clusters: u32, flags: u8) -> Result {
        self.tree.insert(sb, self.leaf, Rec { cpos: self.cpos, clusters, blkno, flags })?;
        self.tree.commit(sb, vol, tx, self.leaf)
    }
}

/// A flag change checked against the tree as it is, ready to apply.
pub struct FlagChange<'a> {
    tree: Tree<'a>,
    leaf: usize,
    cpos: u32,
    len: u32,
}

/// Read the tree of the inode in `inode` for clearing flags on logical clusters
/// `cpos..cpos + len` (inside one record).
pub fn prepare_flags<'a>(sb: &NewSuperBlock, vol: &Volume, inode: &'a BufferHead, cpos: u32, len: u32) -> Result<FlagChange<'a>> {
    let mut tree = Tree::read(sb, vol, Owner::Inode(inode))?;
    let leaf = tree.leaf_for(sb, vol, cpos)?;
    if tree.needs_right(leaf, 2)? {
        tree.load_right(sb, vol, leaf)?;
    }
    Ok(FlagChange { tree, leaf, cpos, len })
}

impl FlagChange<'_> {
    /// Blocks the transaction of [`FlagChange::clear`] needs.
    pub fn credits(&self) -> u32 {
        self.tree.credits()
    }

    /// Clear `flags`, in `tx`.
    pub fn clear(mut self, sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, flags: u8) -> Result {
        self.tree.set_flags(sb, self.leaf, self.cpos, self.len, 0, flags)?;
        self.tree.commit(sb, vol, tx, self.leaf)
    }
}

/// Records unmapped per transaction: each run freed may touch its own group.
const RUNS_PER_TRANSACTION: usize = 16;

/// Unmap logical clusters `start..end` of the tree `owner` holds and give them back to the
/// global bitmap, from the end down, at most a leaf's [`RUNS_PER_TRANSACTION`] records per
/// transaction (each leaves a consistent, shorter tree; extent blocks that empty go back to
/// the suballocator). Refused before anything changes: shared (reflinked) extents, extent
/// blocks of other slots. Returns the clusters freed.
pub fn free_range(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, owner: Owner<'_>, start: u32, end: u32) -> Result<u64> {
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let everything = start == 0 && end == u32::MAX;
    let mut end = end;
    let mut total = 0u64;
    while end > start {
        vfs::cond_resched();
        let _alloc = writable.alloc.lock();
        let mut tree = Tree::read(sb, vol, owner)?;
        let leaf = tree.leaf_for(sb, vol, end - 1)?;
        let (leaf_start, _) = tree.leaf_range(leaf)?;
        let lo = {
            let recs = tree.leaf_recs(leaf)?;
            let mut overlapping = recs.iter().filter(|r| u64::from(r.cpos) < u64::from(end) && r.end() > u64::from(start));
            let count = overlapping.clone().count();
            if count == 0 {
                if leaf_start <= start {
                    break;
                }
                end = leaf_start;
                continue;
            }
            if count > RUNS_PER_TRANSACTION {
                overlapping.nth(count - RUNS_PER_TRANSACTION).map_or(start, |r| r.cpos.max(start))
            } else {
                start.max(leaf_start)
            }
        };
        let mut freed = KVec::<Rec>::new();
        let mut oom = false;
        tree.remove(sb, leaf, lo, end, &mut |rec| oom |= freed.push(rec, GFP_KERNEL).is_err())?;
        if oom {
            return Err(ENOMEM);
        }
        let mut runs = KVec::new();
        for rec in freed.iter() {
            if rec.flags & EXT_REFCOUNTED != 0 {
                pr_err!("{}: {}: freeing shared (reflinked) extents is not supported yet\n", sb.id(), owner);
                return Err(errno::code(c::EOPNOTSUPP));
            }
            let first = u32::try_from(rec.blkno >> per_cluster_bits).map_err(|_| errno::euclean())?;
            runs.push(cluster_bitmap::prepare_free(sb, vol, &bitmap, first, rec.clusters)?, GFP_KERNEL)?;
        }
        // A leaf other than the last takes records from the leaves after it.
        if !tree.rightmost(leaf)? {
            tree.load_right(sb, vol, leaf)?;
        }
        tree.rebalance(leaf)?;
        tree.drop_empty(sb, vol)?;
        let tx = writable.transaction(vol, tree.credits() + FREE_CREDITS * runs.len() as u32)?;
        for run in runs {
            total += u64::from(run.count());
            cluster_bitmap::free(&tx, &bitmap, run)?;
        }
        tree.commit(sb, vol, &tx, leaf)?;
        end = lo;
    }
    if everything {
        // Everything went: the tree must be empty now, or clusters would leak with the inode.
        let tree = Tree::read(sb, vol, owner)?;
        if !tree.is_empty() {
            pr_err!("{}: {}: extents remain after freeing them all (stopped at cluster {})\n", sb.id(), owner, end);
            return Err(errno::euclean());
        }
    }
    Ok(total)
}
