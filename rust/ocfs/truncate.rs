// SPDX-License-Identifier: GPL-2.0

//! Changing a regular file's size (`truncate(2)`; `ocfs2_setattr` with `ATTR_SIZE` in the
//! C ocfs2).
//!
//! Inline data shrinks or grows inside the inode block. A file with extents grows without
//! allocating (sparse volumes only), and shrinks by writing the new size, then freeing its
//! clusters past it straight to the global bitmap, in transactions that each remove a
//! leaf's worth of extents from the tree (of any depth; extent blocks that empty are
//! freed) and give their clusters back (the bits stay taken until that transaction
//! commits). What lies past the new end in its last cluster is zeroed, so a later growth
//! reads zeros there, as the C ocfs2 keeps it. Refused with a log line: growing inline
//! data past the inode block, growing without sparse files, and freeing shared
//! (reflinked) extents.

use crate::extent_tree::Owner;
use crate::extent_write;
use crate::format::dinode::Dinode;
use crate::format::features::IncompatFeatures;
use crate::transaction::Kind;
use crate::vfs::INode;
use crate::volume::Volume;
use crate::{bindings as c, errno, meta, Ocfs2};
use kernel::prelude::*;

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

/// Shrink a file with extents to `size`: the size first (clusters past it are allowed,
/// as after `fallocate` with `FALLOC_FL_KEEP_SIZE`), then the clusters past it go, a
/// leaf's worth per transaction, from the end down.
fn shrink(node: &INode<Ocfs2>, vol: &Volume, size: u64) -> Result {
    let sb = node.super_block();
    let writable = vol.writable()?;
    let keep = u32::try_from(size.div_ceil(1u64 << vol.cluster_bits)).map_err(|_| EFBIG)?;
    // Pages past the end go first, so none is written back to a cluster being freed.
    node.truncate_pagecache(size);
    node.zero_block_tail(size)?;
    crate::inode::write(node)?;
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let freed = extent_write::free_range(sb, vol, writable, Owner::Inode(&bh), keep, u32::MAX)?;
    node.add_bytes(-((freed << vol.cluster_bits) as i64));
    zero_cluster_tail(node, vol, size)
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
