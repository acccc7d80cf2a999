// SPDX-License-Identifier: GPL-2.0

//! `fallocate(2)` (`ocfs2_fallocate`, `__ocfs2_change_file_space` of the C ocfs2).
//!
//! Mode 0 and `FALLOC_FL_KEEP_SIZE` map the holes of the range with unwritten extents
//! (`OCFS2_EXT_UNWRITTEN`): clusters claimed but not zeroed, which read as zeros until a
//! write zeroes and marks them written (see [`crate::write`]). Mode 0 then grows the size.
//! `FALLOC_FL_PUNCH_HOLE` gives the whole clusters of the range back and zeroes the
//! parts of clusters at its edges (`ocfs2_remove_inode_range`,
//! `ocfs2_zero_partial_clusters`). Volumes without the "unwritten" and "sparse" features
//! cannot hold either, and refuse; other modes are refused too.

use crate::cluster_bitmap;
use crate::extent_map;
use crate::extent_tree::Owner;
use crate::extent_write;
use crate::format::extent::EXT_UNWRITTEN;
use crate::format::extent_edit::MAX_LEAF_CLUSTERS;
use crate::format::features::{IncompatFeatures, RoCompatFeatures};
use crate::vfs::{self, INode};
use crate::volume::Volume;
use crate::{bindings as c, errno, local_alloc, meta, write, Ocfs2};
use kernel::prelude::*;

/// Clusters one transaction of a preallocation claims at most.
const CLAIM_PER_TRANSACTION: u32 = 2048;

fn refuse(node: &INode<Ocfs2>, why: &str) -> Error {
    pr_err!("{}: inode {}: fallocate {} is not supported\n", node.super_block().id(), node.ino(), why);
    errno::code(c::EOPNOTSUPP)
}

/// `FileSystem::fallocate` of ocfs (the inode and its mapping's invalidation are locked).
pub fn fallocate(node: &INode<Ocfs2>, mode: i32, offset: u64, len: u64) -> Result {
    let sb = node.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    if u32::from(node.mode()) & c::S_IFMT != c::S_IFREG {
        return Err(ENODEV);
    }
    let keep_size = c::FALLOC_FL_KEEP_SIZE as i32;
    let punch = c::FALLOC_FL_PUNCH_HOLE as i32;
    if mode != 0 && mode != keep_size && mode != punch | keep_size {
        return Err(refuse(node, "with this mode"));
    }
    let features = &vol.params.features;
    if !features.incompat.contains(IncompatFeatures::SPARSE_ALLOC) || !features.ro_compat.contains(RoCompatFeatures::UNWRITTEN) {
        return Err(refuse(node, "on a volume without the sparse and unwritten features"));
    }
    let end = offset.checked_add(len).ok_or(EFBIG)?;
    if node.data()?.inline() {
        // Preallocating or punching inline data works on extents (as the C ocfs2 does).
        write::convert_inline(node, vol, writable)?;
    }
    if mode & punch != 0 {
        return punch_hole(node, vol, offset, end);
    }
    preallocate(node, vol, offset, end)?;
    if mode & keep_size == 0 && end > node.size() {
        node.set_size(end);
        crate::inode::write(node)?;
    }
    Ok(())
}

/// Map every hole among the clusters holding bytes `offset..end` with unwritten extents.
fn preallocate(node: &INode<Ocfs2>, vol: &Volume, offset: u64, end: u64) -> Result {
    let sb = node.super_block();
    let writable = vol.writable()?;
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let mut cpos = u32::try_from(offset >> vol.cluster_bits).map_err(|_| EFBIG)?;
    let last = u32::try_from(end.div_ceil(1u64 << vol.cluster_bits)).map_err(|_| EFBIG)?;
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    while cpos < last {
        vfs::cond_resched();
        let _alloc = writable.alloc.lock();
        let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
        if let Some(extent) = extent_map::find(sb, vol, bh.data(), cpos)? {
            cpos = extent.cpos.saturating_add(extent.clusters);
            continue;
        }
        let append = extent_write::prepare(sb, vol, Owner::Inode(&bh), cpos)?;
        let want = append.room()?.min(last - cpos).min(MAX_LEAF_CLUSTERS).min(CLAIM_PER_TRANSACTION);
        let tx = writable.transaction(vol, append.credits() + local_alloc::EXTRA_CREDITS)?;
        let (first, count) = local_alloc::claim(sb, vol, &tx, &bitmap, want.max(1))?;
        let start = u64::from(first) << per_cluster_bits;
        if let Err(err) = append.apply_flags(sb, vol, &tx, start, count, EXT_UNWRITTEN) {
            let _ = cluster_bitmap::give_back(sb, vol, &tx, &bitmap, first, count);
            return Err(err);
        }
        drop(tx);
        node.add_bytes(i64::from(count) << vol.cluster_bits);
        cpos = cpos.saturating_add(count);
    }
    Ok(())
}

/// Punch bytes `offset..end`: zero the parts of clusters at the edges that stay mapped,
/// then unmap and free the whole clusters between.
fn punch_hole(node: &INode<Ocfs2>, vol: &Volume, offset: u64, end: u64) -> Result {
    let sb = node.super_block();
    let writable = vol.writable()?;
    let cluster = 1u64 << vol.cluster_bits;
    let first_whole = offset.div_ceil(cluster);
    let end_whole = end / cluster;
    // The edges: bytes of a cluster that is not freed. Past the size, nothing to zero.
    let size = node.size();
    let mut edges = [(offset, end.min(first_whole * cluster)), (offset.max(end_whole * cluster), end)];
    if first_whole > end_whole {
        // The range lies inside one cluster.
        edges = [(offset, end), (end, end)];
    }
    for (from, to) in edges {
        let to = to.min(size);
        if from < to {
            zero_written(node, vol, from, to)?;
        }
    }
    if first_whole >= end_whole {
        return Ok(());
    }
    node.truncate_pagecache_range(first_whole * cluster, end_whole * cluster - 1);
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let start = u32::try_from(first_whole).map_err(|_| EFBIG)?;
    let stop = u32::try_from(end_whole).unwrap_or(u32::MAX);
    let freed = extent_write::free_range(sb, vol, writable, Owner::Inode(&bh), start, stop)?;
    node.add_bytes(-((freed << vol.cluster_bits) as i64));
    Ok(())
}

/// Zero bytes `from..to` (inside one cluster) through the page cache, if that cluster is
/// mapped and written; holes and unwritten extents read as zeros already.
fn zero_written(node: &INode<Ocfs2>, vol: &Volume, from: u64, to: u64) -> Result {
    let sb = node.super_block();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let cpos = u32::try_from(from >> vol.cluster_bits).map_err(|_| EFBIG)?;
    match extent_map::find(sb, vol, bh.data(), cpos)? {
        Some(extent) if !extent.unwritten => node.zero_range(from, to - from),
        _ => Ok(()),
    }
}
