// SPDX-License-Identifier: GPL-2.0

//! The space of a directory index (`ocfs2_expand_inline_dx_root`, `ocfs2_dx_dir_rebalance`
//! and `ocfs2_dx_dir_truncate` of the C ocfs2):
//!
//! - a full index root moves its entries into a new cluster of leaf blocks, each entry to
//!   the block its minor hash picks, and maps that cluster at hash 0;
//! - a full leaf gets a new cluster mapped at a split hash (the median of the full leaf,
//!   `format::dx_edit::split_hash`); the entries of every leaf of the old cluster hashing
//!   at or above it move to the same block of the new one; the mapping is an edit of the
//!   root's extent tree ([`crate::extent_tree`]), which grows into extent blocks when the
//!   root's records are all taken, and merges a cluster into the record before it when
//!   both hash and disk position continue it, as the C ocfs2's does;
//! - a deleted directory gives its leaf clusters, extent blocks and root block back.
//!
//! Each growth is one transaction of its own, before the name that needed it goes in, as
//! in the C ocfs2: a crash after it leaves a valid index with more room. Callers hold the
//! directory's lock.

use crate::cluster_bitmap::{self, CLAIM_CREDITS};
use crate::dx::{self, LeafCluster};
use crate::extent_tree::Owner;
use crate::extent_write;
use crate::format::dinode::{Dinode, INDEXED_DIR_FL, INLINE_DATA_FL};
use crate::format::dx::{DxLeaf, DxRoot, Entry};
use crate::format::dx_edit::{init_leaf, leaf_index, root_to_tree, split_hash};
use crate::format::dx_hash::dx_name_hash;
use crate::rw::Writable;
use crate::suballoc;
use crate::transaction::Kind;
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{bindings as c, errno, local_alloc, meta};
use kernel::prelude::*;

fn refuse(sb: &NewSuperBlock, dir: u64, what: &str) -> Error {
    pr_err!("{}: directory {}: {} is not supported yet\n", sb.id(), dir, what);
    errno::code(c::EOPNOTSUPP)
}

/// Make sure the index of the directory whose checked inode block is `dir_bh` (when it has
/// one) has room for the index entry of `name`.
pub fn make_room(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, dir_bh: &BufferHead, name: &[u8]) -> Result {
    let (dir_blkno, root_blkno) = {
        let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let features = dinode.i_dyn_features();
        if features & INDEXED_DIR_FL == 0 || features & INLINE_DATA_FL != 0 {
            return Ok(());
        }
        (dinode.i_blkno(), dinode.i_dx_root())
    };
    let root_bh = dx::read_root(sb, vol, root_blkno, dir_blkno)?;
    let (major, minor) = dx_name_hash(vol.dx_seed, name);
    {
        let root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if root.is_inline() {
            if !root.dr_entries().is_full() {
                return Ok(());
            }
            expand_root(sb, vol, writable, &root_bh)?;
        }
    }
    // One split makes room unless every entry of the leaf shares the name's major hash
    // (the C ocfs2 gives up after one too).
    for attempt in 0..2 {
        let (cluster, leaf_bh) = {
            let root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            let Some(cluster) = dx::leaf_cluster(sb, vol, &root, root_blkno, major)? else {
                pr_err!("{}: corrupt metadata: index root {} maps no leaf for a hash\n", sb.id(), root_blkno);
                return Err(errno::euclean());
            };
            let blkno = cluster.first_block.saturating_add(leaf_index(minor, vol.blocks_per_cluster()) as u64);
            (cluster, dx::read_leaf(sb, vol, blkno)?)
        };
        if !DxLeaf::new(leaf_bh.data()).map_err(|e| meta::corrupt(sb, &e))?.dl_list().is_full() {
            return Ok(());
        }
        if attempt > 0 {
            break;
        }
        split_leaf(sb, vol, writable, dir_blkno, &root_bh, &leaf_bh, &cluster, major)?;
    }
    pr_err!("{}: directory {}: no room in its index for another name with this hash\n", sb.id(), dir_blkno);
    Err(ENOSPC)
}

/// Move the entries of the full inline root `root_bh` into a new cluster of leaves.
fn expand_root(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, root_bh: &BufferHead) -> Result {
    let mut entries = KVec::new();
    for entry in DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?.dr_entries().values() {
        entries.push(entry, GFP_KERNEL)?;
    }
    let per_cluster = vol.blocks_per_cluster();
    let generation = vol.params.fs_generation;

    let _alloc = writable.alloc.lock();
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let tx = writable.transaction(vol, 1 + per_cluster as u32 + CLAIM_CREDITS + local_alloc::EXTRA_CREDITS)?;
    let first = claim_cluster(sb, vol, &tx, &bitmap)?;
    for index in 0..per_cluster {
        let blkno = first + index as u64;
        let leaf_bh = sb.new_block(blkno)?;
        tx.create(&leaf_bh, Kind::DxLeaf, |data| {
            init_leaf(data, blkno, generation);
            let Ok(mut leaf) = DxLeaf::new(data) else { return };
            for entry in entries.iter().filter(|e| leaf_index(e.minor, per_cluster) == index) {
                leaf.dl_list_mut().push(entry.major, entry.minor, entry.dirent_blk);
            }
        })?;
    }
    tx.change(root_bh, Kind::DxRoot, |data| root_to_tree(data, first))
}

/// Claim one cluster for index leaves, in `tx`: its first block.
fn claim_cluster(sb: &NewSuperBlock, vol: &Volume, tx: &crate::transaction::Transaction<'_>, bitmap: &BufferHead) -> Result<u64> {
    let (cluster, _) = local_alloc::claim(sb, vol, tx, bitmap, 1)?;
    Ok(u64::from(cluster) << (vol.cluster_bits - vol.block_bits))
}

/// Split the full leaf `full_bh` of `cluster` (where `insert_major` falls) in two clusters.
#[allow(clippy::too_many_arguments)]
fn split_leaf(
    sb: &NewSuperBlock,
    vol: &Volume,
    writable: &Writable,
    dir_blkno: u64,
    root_bh: &BufferHead,
    full_bh: &BufferHead,
    cluster: &LeafCluster,
    insert_major: u32,
) -> Result {
    let split = {
        let mut sorted = KVec::new();
        sorted.extend_from_slice(full_bh.data(), GFP_KERNEL)?;
        let mut leaf = DxLeaf::new(&mut sorted[..]).map_err(|e| meta::corrupt(sb, &e))?;
        leaf.dl_list_mut().sort_by_hash();
        split_hash(&leaf.dl_list(), cluster.cpos, insert_major)
    };
    // The last hash has no room after it for a cluster of its own.
    let Some(split) = split.filter(|&split| split < u32::MAX) else {
        pr_err!("{}: directory {}: no room in its index for another name with this hash\n", sb.id(), dir_blkno);
        return Err(ENOSPC);
    };
    if split <= cluster.cpos {
        pr_err!("{}: corrupt metadata: index root {} cannot split at hash {:#x}\n", sb.id(), root_bh.block_number(), split);
        return Err(errno::euclean());
    }
    let per_cluster = vol.blocks_per_cluster();
    let mut old = KVec::with_capacity(per_cluster, GFP_KERNEL)?;
    for index in 0..per_cluster {
        old.push(dx::read_leaf(sb, vol, cluster.first_block + index as u64)?, GFP_KERNEL)?;
    }
    let generation = vol.params.fs_generation;

    let _alloc = writable.alloc.lock();
    // The new cluster is mapped at the split hash (`ocfs2_dx_dir_new_cluster`): the index's
    // extent tree grows like a file's, into extent blocks once the root is full.
    let append = match extent_write::prepare(sb, vol, Owner::DxRoot(root_bh), split) {
        Err(e) if e == EEXIST => {
            pr_err!("{}: corrupt metadata: index root {} cannot split at hash {:#x}\n", sb.id(), root_bh.block_number(), split);
            return Err(errno::euclean());
        }
        prepared => prepared?,
    };
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let tx = writable.transaction(vol, 2 * per_cluster as u32 + append.credits() + local_alloc::EXTRA_CREDITS)?;
    let (new_cluster, _) = local_alloc::claim(sb, vol, &tx, &bitmap, 1)?;
    let first = u64::from(new_cluster) << (vol.cluster_bits - vol.block_bits);
    let mut new = KVec::with_capacity(per_cluster, GFP_KERNEL)?;
    for index in 0..per_cluster {
        match sb.new_block(first + index as u64).and_then(|bh| new.push(bh, GFP_KERNEL).map_err(Error::from)) {
            Ok(()) => {}
            Err(e) => {
                cluster_bitmap::give_back(sb, vol, &tx, &bitmap, new_cluster, 1)?;
                return Err(e);
            }
        }
    }
    // The tree next: when it cannot grow (no extent block to be had), nothing else changed;
    // after it, nothing but a journal failure stops the leaves from being written.
    if let Err(e) = append.apply(sb, vol, &tx, first, 1) {
        cluster_bitmap::give_back(sb, vol, &tx, &bitmap, new_cluster, 1)?;
        return Err(e);
    }
    for (index, (old_bh, new_bh)) in old.iter().zip(new.iter()).enumerate() {
        let blkno = first + index as u64;
        let moving = |e: &Entry| e.major >= split;
        tx.create(new_bh, Kind::DxLeaf, |data| {
            init_leaf(data, blkno, generation);
            let Ok(mut leaf) = DxLeaf::new(data) else { return };
            let Ok(from) = DxLeaf::new(old_bh.data()) else { return };
            for entry in from.dl_list().values().filter(moving) {
                leaf.dl_list_mut().push(entry.major, entry.minor, entry.dirent_blk);
            }
        })?;
        tx.change(old_bh, Kind::DxLeaf, |data| {
            if let Ok(mut leaf) = DxLeaf::new(data) {
                leaf.dl_list_mut().retain(|e| !moving(e));
            }
        })?;
    }
    Ok(())
}

/// Give back the index of the deleted directory `dir_bh`: its leaf clusters (and the
/// extent blocks mapping them), a few extents per transaction, then its root block, the
/// inode left without an index.
pub fn free(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, dir_bh: &BufferHead) -> Result {
    let (dir_blkno, root_blkno) = {
        let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if dinode.i_dyn_features() & INDEXED_DIR_FL == 0 || dinode.i_dx_root() == 0 {
            return Ok(());
        }
        (dinode.i_blkno(), dinode.i_dx_root())
    };
    let root_bh = dx::read_root(sb, vol, root_blkno, dir_blkno)?;
    let inline = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?.is_inline();
    if !inline {
        extent_write::free_range(sb, vol, writable, Owner::DxRoot(&root_bh), 0, u32::MAX)?;
    }
    let (slot, bit, loc) = {
        let root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        (root.dr_suballoc_slot(), root.dr_suballoc_bit(), root.dr_suballoc_loc())
    };
    if slot != 0 {
        return Err(refuse(sb, dir_blkno, "freeing an index root from another slot's allocator"));
    }
    let _alloc = writable.alloc.lock();
    let tx = writable.transaction(vol, 1 + suballoc::CLAIM_CREDITS)?;
    suballoc::free_block(&tx, sb, vol, vol.extent_alloc_blkno, root_blkno, bit, loc)?;
    tx.change(dir_bh, Kind::Inode, |data| {
        let Ok(mut dinode) = Dinode::new(data) else { return };
        let features = dinode.i_dyn_features() & !INDEXED_DIR_FL;
        dinode.set_i_dyn_features(features);
        dinode.set_i_dx_root(0);
    })
}
