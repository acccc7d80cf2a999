// SPDX-License-Identifier: GPL-2.0

//! Changing a regular file's size (`truncate(2)`; `ocfs2_setattr` with `ATTR_SIZE` in the
//! C ocfs2).
//!
//! Inline data shrinks or grows inside the inode block. A file with extents grows without
//! allocating (sparse volumes only), and shrinks by freeing its clusters past the new end
//! straight to the global bitmap in the same transaction that removes them from the
//! extent list (the bits stay taken until that transaction commits). What lies past the
//! new end in its last cluster is zeroed, so a later growth reads zeros there, as the C
//! ocfs2 keeps it. Refused with a log line: growing inline data past the inode block,
//! growing without sparse files, and freeing clusters from extent blocks or shared
//! (reflinked) extents.

use crate::cluster_bitmap::{self, Free, FREE_CREDITS};
use crate::format::dinode::{Dinode, INLINE_DATA_FL};
use crate::format::extent::EXT_REFCOUNTED;
use crate::format::features::IncompatFeatures;
use crate::transaction::Kind;
use crate::vfs::INode;
use crate::volume::Volume;
use crate::{bindings as c, errno, meta, Ocfs2};
use kernel::prelude::*;

/// The most runs one truncate frees (two blocks each in the transaction, which must fit
/// a quarter of the smallest journal).
const MAX_RUNS: usize = 64;

fn refuse(node: &INode<Ocfs2>, why: &str) -> Error {
    pr_err!("{}: inode {}: truncating {} is not supported yet\n", node.super_block().id(), node.ino(), why);
    errno::code(c::EOPNOTSUPP)
}

/// `FileSystem::setattr` with a new size, for a regular file (the inode is locked).
pub fn set_size(node: &INode<Ocfs2>, size: u64) -> Result {
    let sb = node.super_block();
    let vol = sb.data();
    vol.writable()?;
    if u32::from(node.mode()) & c::S_IFMT != c::S_IFREG {
        return Err(refuse(node, "anything but a regular file"));
    }
    if node.data()?.inline() {
        return inline(node, vol, size);
    }
    if size >= node.size() {
        if !vol.params.features.incompat.contains(IncompatFeatures::SPARSE_ALLOC) {
            return Err(refuse(node, "upwards on a volume without sparse files"));
        }
        // Past the old end, the last cluster is zero on disk and the rest is a hole.
        node.truncate_pagecache(size);
        return Ok(());
    }
    shrink(node, vol, size)
}

/// Inline data: the bytes between the two sizes are zeroed, so growth reads zeros.
fn inline(node: &INode<Ocfs2>, vol: &Volume, size: u64) -> Result {
    let sb = node.super_block();
    let writable = vol.writable()?;
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let capacity = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?.inline_data().len() as u64;
    if size > capacity {
        return Err(refuse(node, "inline data upwards past the inode block"));
    }
    let old = node.size().min(capacity) as usize;
    let (from, to) = (old.min(size as usize), old.max(size as usize));
    let tx = writable.transaction(vol, 1)?;
    tx.change(&bh, Kind::Inode, |block| {
        let Ok(mut dinode) = Dinode::new(block) else { return };
        if let Some(gap) = dinode.inline_data_mut().get_mut(from..to) {
            gap.fill(0);
        }
        dinode.set_i_size(size);
    })?;
    drop(tx);
    let sectors = |bytes: u64| ((bytes + 511) & !511) as i64;
    node.add_bytes(sectors(size) - sectors(node.size()));
    node.truncate_pagecache(size);
    Ok(())
}

/// What a shrink changes in the in-inode extent list: records kept, the new length of
/// the last one kept, and the runs to free.
struct Cut {
    keep_recs: u16,
    last_len: Option<u16>,
    runs: KVec<Free>,
    freed: u32,
}

fn shrink(node: &INode<Ocfs2>, vol: &Volume, size: u64) -> Result {
    let sb = node.super_block();
    let writable = vol.writable()?;
    let keep = u32::try_from(size.div_ceil(1u64 << vol.cluster_bits)).map_err(|_| EFBIG)?;
    let _alloc = writable.alloc.lock();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let cut = plan(node, vol, bh.data(), &bitmap, keep)?;
    // Nothing is refused from here on. Pages past the end go first, so none is written
    // back to a cluster being freed.
    node.truncate_pagecache(size);
    node.zero_block_tail(size)?;
    let credits = 1 + FREE_CREDITS * cut.runs.len() as u32;
    let tx = writable.transaction(vol, credits)?;
    let Cut { keep_recs, last_len, runs, freed } = cut;
    for run in runs {
        cluster_bitmap::free(&tx, &bitmap, run)?;
    }
    tx.change(&bh, Kind::Inode, |block| {
        let Ok(mut dinode) = Dinode::new(block) else { return };
        let clusters = dinode.i_clusters().saturating_sub(freed);
        dinode.set_i_clusters(clusters);
        dinode.set_i_size(size);
        let mut list = dinode.extent_list_mut();
        let used = usize::from(list.l_next_free_rec());
        for i in usize::from(keep_recs)..used {
            if let Some(mut rec) = list.rec_mut(i) {
                rec.set_e_cpos(0);
                rec.set_e_leaf_clusters(0);
                rec.set_e_flags(0);
                rec.set_e_blkno(0);
            }
        }
        list.set_l_next_free_rec(keep_recs);
        if let (Some(len), Some(last)) = (last_len, usize::from(keep_recs).checked_sub(1)) {
            if let Some(mut rec) = list.rec_mut(last) {
                rec.set_e_leaf_clusters(len);
            }
        }
    })?;
    drop(tx);
    node.add_bytes(-(i64::from(freed) << vol.cluster_bits));
    zero_cluster_tail(node, vol, size)
}

/// Check a shrink to `keep` clusters against the extent list of the inode in `block`.
fn plan(node: &INode<Ocfs2>, vol: &Volume, block: &[u8], bitmap: &crate::vfs::BufferHead, keep: u32) -> Result<Cut> {
    let sb = node.super_block();
    let dinode = Dinode::new(block).map_err(|e| meta::corrupt(sb, &e))?;
    if dinode.i_dyn_features() & INLINE_DATA_FL != 0 {
        return Err(EIO);
    }
    let list = dinode.extent_list();
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let mut cut = Cut { keep_recs: 0, last_len: None, runs: KVec::new(), freed: 0 };
    if list.l_tree_depth() > 0 {
        // Only the size changes when no cluster goes: the last one is kept.
        let mut end = 0u32;
        let _: core::ops::ControlFlow<()> = crate::extent_map::for_each_leaf_record(sb, vol, &list, dinode.i_blkno(), &mut |cpos, len, _| {
            end = end.max(cpos.saturating_add(len));
            Ok(core::ops::ControlFlow::Continue(()))
        })?;
        if end > keep {
            return Err(refuse(node, "a file whose extents are in extent blocks"));
        }
        cut.keep_recs = list.l_next_free_rec();
        return Ok(cut);
    }
    for rec in list.recs() {
        let (cpos, len) = (rec.e_cpos(), u32::from(rec.e_leaf_clusters()));
        let end = cpos.saturating_add(len);
        if end <= keep {
            cut.keep_recs += 1;
            continue;
        }
        if rec.e_flags() & EXT_REFCOUNTED != 0 {
            return Err(refuse(node, "shared (reflinked) extents"));
        }
        let (skip, frees) = if cpos < keep { (keep - cpos, end - keep) } else { (0, len) };
        if cpos < keep {
            cut.keep_recs += 1;
            cut.last_len = Some(skip as u16);
        }
        let first = rec.e_blkno() >> per_cluster_bits;
        let first = u32::try_from(first).map_err(|_| errno::euclean())?.saturating_add(skip);
        if cut.runs.len() == MAX_RUNS {
            return Err(refuse(node, "away more than 64 extents at once"));
        }
        cut.runs.push(cluster_bitmap::prepare_free(sb, vol, bitmap, first, frees)?, GFP_KERNEL)?;
        cut.freed = cut.freed.saturating_add(frees);
    }
    Ok(cut)
}

/// Zero on disk the blocks of the new last cluster past the block holding the new end
/// (that block's tail was zeroed in the page cache).
fn zero_cluster_tail(node: &INode<Ocfs2>, vol: &Volume, size: u64) -> Result {
    let sb = node.super_block();
    let first = size.div_ceil(1u64 << vol.block_bits);
    let per_cluster = 1u64 << (vol.cluster_bits - vol.block_bits);
    let end = first.div_ceil(per_cluster) * per_cluster;
    if first == end {
        return Ok(());
    }
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let Some((start, count)) = crate::extent_map::map_block(sb, vol, bh.data(), first, end - first)? else {
        return Ok(());
    };
    sb.zero_blocks(start, count)
}
