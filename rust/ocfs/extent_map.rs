// SPDX-License-Identifier: GPL-2.0

//! Extent trees: from a logical cluster of an inode to where it lives on disk
//! (`ocfs2_find_leaf` / `ocfs2_get_clusters`).

use crate::format::dinode::Dinode;
use crate::format::extent::{ExtentBlock, ExtentList, EXT_REFCOUNTED, EXT_UNWRITTEN};
use crate::meta;
use crate::vfs::NewSuperBlock;
use crate::volume::Volume;
use crate::errno;
use crate::vfs::cond_resched;
use core::ops::ControlFlow;
use kernel::prelude::*;

/// The deepest extent tree the C ocfs2 builds (`OCFS2_MAX_PATH_DEPTH`).
pub const MAX_TREE_DEPTH: u16 = 5;

/// A leaf extent: `clusters` clusters from logical cluster `cpos`, on disk from `blkno`.
#[derive(Clone, Copy, Debug)]
pub struct Extent {
    pub cpos: u32,
    pub clusters: u32,
    pub blkno: u64,
    /// Allocated but never written (`fallocate`): reads as zeros.
    pub unwritten: bool,
    /// Shared with other files through a refcount tree (reflink).
    pub refcounted: bool,
}

/// Walk the extent tree whose root is `root` (in block `owner`) down to the leaf list that
/// covers logical cluster `cpos` and answer `at_leaf` from it; `None` when `cpos` lies
/// before every record.
pub fn with_leaf<R>(
    sb: &NewSuperBlock,
    vol: &Volume,
    root: ExtentList<&[u8]>,
    owner: u64,
    cpos: u32,
    at_leaf: impl FnOnce(&ExtentList<&[u8]>) -> R,
) -> Result<Option<R>> {
    let mut depth = root.l_tree_depth();
    if depth > MAX_TREE_DEPTH {
        pr_err!(
            "{}: corrupt metadata: block {} roots an extent tree of depth {} (at most {})\n",
            sb.id(),
            owner,
            depth,
            MAX_TREE_DEPTH
        );
        return Err(errno::euclean());
    }
    if depth == 0 {
        return Ok(Some(at_leaf(&root)));
    }
    let Some(mut next) = child_for(&root, cpos) else { return Ok(None) };
    // Each level is one shallower than its parent, so the walk ends within the depth.
    loop {
        let bh = meta::read_extent_block(sb, &vol.params, vol.blocks, next)?;
        let eb = ExtentBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let list = eb.h_list();
        check_child_depth(sb, &list, next, depth)?;
        depth -= 1;
        if depth == 0 {
            return Ok(Some(at_leaf(&list)));
        }
        match child_for(&list, cpos) {
            Some(child) => next = child,
            None => return Ok(None),
        }
    }
}

/// Visit every leaf record `(e_cpos, clusters, e_blkno)` of the tree rooted at `root` (in
/// block `owner`), in order, until `visit` breaks.
pub fn for_each_leaf_record(
    sb: &NewSuperBlock,
    vol: &Volume,
    root: &ExtentList<&[u8]>,
    owner: u64,
    visit: &mut dyn FnMut(u32, u32, u64) -> Result<ControlFlow<()>>,
) -> Result<ControlFlow<()>> {
    let depth = root.l_tree_depth();
    if depth > MAX_TREE_DEPTH {
        pr_err!("{}: corrupt metadata: block {} roots an extent tree of depth {}\n", sb.id(), owner, depth);
        return Err(errno::euclean());
    }
    for rec in root.recs() {
        if depth == 0 {
            if let ControlFlow::Break(()) = visit(rec.e_cpos(), u32::from(rec.e_leaf_clusters()), rec.e_blkno())? {
                return Ok(ControlFlow::Break(()));
            }
            continue;
        }
        cond_resched();
        let child = rec.e_blkno();
        let bh = meta::read_extent_block(sb, &vol.params, vol.blocks, child)?;
        let eb = ExtentBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let list = eb.h_list();
        // Strictly shallower children bound the recursion by the root's depth.
        check_child_depth(sb, &list, child, depth)?;
        if let ControlFlow::Break(()) = for_each_leaf_record(sb, vol, &list, child, visit)? {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// Refuse an extent block that is not exactly one level below its parent of `depth`:
/// strictly shallower children are what bound every walk.
pub fn check_child_depth(sb: &NewSuperBlock, list: &ExtentList<&[u8]>, blkno: u64, depth: u16) -> Result {
    if u32::from(list.l_tree_depth()) + 1 == u32::from(depth) {
        return Ok(());
    }
    pr_err!(
        "{}: corrupt metadata: extent block {} has depth {} below a node of depth {}\n",
        sb.id(),
        blkno,
        list.l_tree_depth(),
        depth
    );
    Err(errno::euclean())
}

/// The child of an interior list that covers `cpos`: interior records are sorted by
/// e_cpos, and a cluster belongs to the last one starting at or before it (the rightmost
/// branch reaches to the end).
fn child_for(list: &ExtentList<&[u8]>, cpos: u32) -> Option<u64> {
    list.recs().filter(|rec| rec.e_cpos() <= cpos).last().map(|rec| rec.e_blkno())
}

/// The extent covering logical cluster `cpos` of the inode in `dinode_block` (checked
/// already), or `None` for a hole.
pub fn find(sb: &NewSuperBlock, vol: &Volume, dinode_block: &[u8], cpos: u32) -> Result<Option<Extent>> {
    let dinode = Dinode::new(dinode_block).map_err(|e| meta::corrupt(sb, &e))?;
    let found = with_leaf(sb, vol, dinode.extent_list(), dinode.i_blkno(), cpos, |leaf| {
        leaf.recs().find_map(|rec| {
            let start = rec.e_cpos();
            let len = u32::from(rec.e_leaf_clusters());
            (start <= cpos && u64::from(cpos) < u64::from(start) + u64::from(len)).then(|| Extent {
                cpos: start,
                clusters: len,
                blkno: rec.e_blkno(),
                unwritten: rec.e_flags() & EXT_UNWRITTEN != 0,
                refcounted: rec.e_flags() & EXT_REFCOUNTED != 0,
            })
        })
    })?;
    Ok(found.flatten())
}

/// Where logical block `block` of the inode in `dinode_block` lives: `(device block, count)`
/// for a run of at most `max` blocks, or `None` for a hole or an unwritten extent.
pub fn map_block(
    sb: &NewSuperBlock,
    vol: &Volume,
    dinode_block: &[u8],
    block: u64,
    max: u64,
) -> Result<Option<(u64, u64)>> {
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let Ok(cpos) = u32::try_from(block >> per_cluster_bits) else { return Ok(None) };
    let Some(extent) = find(sb, vol, dinode_block, cpos)? else { return Ok(None) };
    if extent.unwritten {
        return Ok(None);
    }
    let first = u64::from(extent.cpos) << per_cluster_bits;
    let len = u64::from(extent.clusters) << per_cluster_bits;
    let offset = block - first;
    let start = extent.blkno.saturating_add(offset);
    let count = (len - offset).min(max);
    if extent.blkno == 0 || start.saturating_add(count) > vol.blocks {
        pr_err!(
            "{}: corrupt metadata: an extent at block {} ({} clusters) runs outside the volume\n",
            sb.id(),
            extent.blkno,
            extent.clusters
        );
        return Err(errno::euclean());
    }
    Ok(Some((start, count)))
}
