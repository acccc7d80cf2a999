// SPDX-License-Identifier: GPL-2.0

//! Growing a full directory (`ocfs2_expand_inline_dir` and `ocfs2_extend_dir` of the C
//! ocfs2), each growth one transaction of its own before the entry that needed it goes in:
//!
//! - an inline directory moves to the first block of a new cluster, its last entry
//!   stretched to the block's end (before the trailer, on volumes whose directories have
//!   one); with "indexed-dirs" it gets an index root (from `extent_alloc:0000`) listing
//!   every name, and the block heads the free-space list if it has room;
//! - a directory of blocks gets one more block: the next one of its last cluster, or the
//!   first of a new cluster appended to its extent tree. The new block is one unused entry
//!   (and a trailer); in an indexed directory it joins the head of the free-space list.
//!
//! Callers hold the directory's lock. Refused with a log line: an inline directory with
//! more names than an index root holds (its index would need leaf blocks).

use crate::cluster_bitmap;
use crate::extent_tree::Owner;
use crate::extent_write::{self, APPEND_CREDITS};
use crate::format::dinode::{Dinode, INDEXED_DIR_FL, INLINE_DATA_FL};
use crate::format::extent::{extent_recs_in, ExtentList};
use crate::format::dir::{dir_block_region, dir_block_region_mut, dir_entries, dir_trailer_mut, write_dir_entry, DirEntry};
use crate::format::dir_edit::max_free_rec_len;
use crate::format::dx::{dx_entries_per_root, DxRoot, DX_FLAG_INLINE, DX_ROOT_SIGNATURE};
use crate::format::dx_hash::dx_name_hash;
use crate::format::features::IncompatFeatures;
use crate::format::signature;
use crate::inode::InodeInfo;
use crate::rw::Writable;
use crate::suballoc;
use crate::transaction::Kind;
use crate::vfs::{BufferHead, INode, NewSuperBlock};
use crate::volume::Volume;
use crate::{bindings as c, errno, extent_map, local_alloc, meta, Ocfs2};
use kernel::prelude::*;

/// Whether new directory blocks carry a trailer (`ocfs2_new_dir_wants_trailer`).
fn wants_trailer(vol: &Volume) -> bool {
    vol.params.meta_ecc() || indexed_dirs(vol)
}

fn indexed_dirs(vol: &Volume) -> bool {
    vol.params.features.incompat.contains(IncompatFeatures::INDEXED_DIRS)
}

/// Make room for one more entry in the full directory `dir_bh` (its VFS inode `dir`, when
/// it has one in memory).
pub fn grow(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, dir: Option<&INode<Ocfs2>>, dir_bh: &BufferHead) -> Result {
    let inline = {
        let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        dinode.i_dyn_features() & INLINE_DATA_FL != 0
    };
    if inline { expand_inline(sb, vol, writable, dir, dir_bh) } else { add_block(sb, vol, writable, dir, dir_bh) }
}

/// Turn a full inline directory into a directory of one block (and an index).
fn expand_inline(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, dir: Option<&INode<Ocfs2>>, dir_bh: &BufferHead) -> Result {
    let dir_blkno = dir_bh.block_number();
    // The entries, as they are.
    let mut entries = KVec::new();
    let mut names = 0usize;
    {
        let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let data = dinode.inline_data();
        let region = data.get(..(dinode.i_size() as usize).min(data.len())).unwrap_or(&[]);
        for entry in dir_entries(region, dir_blkno) {
            let (_, de) = entry.map_err(|e| meta::corrupt(sb, &e))?;
            names += usize::from(de.is_live());
        }
        entries.extend_from_slice(region, GFP_KERNEL)?;
    }
    let block_size = vol.params.block_size as usize;
    // Only names of at most four bytes, at 4K blocks, fill an inline directory past what
    // an index root holds.
    if indexed_dirs(vol) && names > dx_entries_per_root(block_size) {
        pr_err!("{}: directory {}: indexing more names than an index root holds at once is not supported yet\n", sb.id(), dir_blkno);
        return Err(errno::code(c::EOPNOTSUPP));
    }

    let _alloc = writable.alloc.lock();
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let tx = writable.transaction(vol, first_block_credits(vol))?;
    move_to_first_block(sb, vol, &tx, &bitmap, dir_bh, &entries)?;
    drop(tx);
    if let Some(dir) = dir {
        let info: &InodeInfo = dir.data()?;
        info.set_extents();
        dir.set_size(block_size as u64);
        dir.add_bytes((1i64 << vol.cluster_bits) - ((entries.len() as i64 + 511) & !511));
    }
    Ok(())
}

/// Blocks [`move_to_first_block`] dirties at most.
pub fn first_block_credits(vol: &Volume) -> u32 {
    2 + cluster_bitmap::CLAIM_CREDITS + local_alloc::EXTRA_CREDITS + if indexed_dirs(vol) { 1 + suballoc::BLOCK_CREDITS } else { 0 }
}

/// Give the directory `dir_bh` a first block, in a new cluster, holding `entries` (the
/// bytes of a directory region, their last entry stretched to the block's end), and an
/// index root listing them on volumes with "indexed-dirs"; its inode then maps that one
/// cluster (`ocfs2_fill_new_dir_el`, `ocfs2_fill_new_dir_dx`). In `tx`, under the
/// allocation lock.
pub fn move_to_first_block(
    sb: &NewSuperBlock,
    vol: &Volume,
    tx: &crate::transaction::Transaction<'_>,
    bitmap: &BufferHead,
    dir_bh: &BufferHead,
    entries: &[u8],
) -> Result {
    let dir_blkno = dir_bh.block_number();
    let indexed = indexed_dirs(vol);
    let trailer = wants_trailer(vol);
    let block_size = vol.params.block_size as usize;
    let (cluster, _) = local_alloc::claim(sb, vol, tx, bitmap, 1)?;
    let first = u64::from(cluster) << (vol.cluster_bits - vol.block_bits);
    let block = sb.new_block(first)?;
    let free = tx.change(&block, if trailer { Kind::DirBlock } else { Kind::Plain }, |data| {
        data.fill(0);
        let region = dir_block_region_mut(data, trailer);
        if let Some(head) = region.get_mut(..entries.len()) {
            head.copy_from_slice(entries);
        }
        stretch_last(region, entries.len());
        let free = max_free_rec_len(region);
        if trailer {
            if let Ok(mut t) = dir_trailer_mut(data) {
                t.init(first, dir_blkno, free);
            }
        }
        free
    })?;
    let root = if indexed {
        let claimed = match suballoc::claim_block(sb, vol, tx, vol.extent_alloc_blkno) {
            Ok(claimed) => claimed,
            Err(e) => {
                // The first block's cluster goes back: the change leaves nothing behind.
                cluster_bitmap::give_back(sb, vol, tx, bitmap, cluster, 1)?;
                return Err(e);
            }
        };
        let root_bh = sb.new_block(claimed.blkno)?;
        let region = dir_block_region(block.data(), trailer);
        tx.change(&root_bh, Kind::DxRoot, |data| {
            fill_root(data, vol, &claimed, dir_blkno, first, region, free)
        })?;
        Some(claimed.blkno)
    } else {
        None
    };
    tx.change(dir_bh, Kind::Inode, |data| {
        let Ok(mut dinode) = Dinode::new(data) else { return };
        let mut features = dinode.i_dyn_features() & !INLINE_DATA_FL;
        if let Some(root) = root {
            features |= INDEXED_DIR_FL;
            dinode.set_i_dx_root(root);
        }
        dinode.set_i_dyn_features(features);
        dinode.set_i_clusters(1);
        dinode.set_i_size(block_size as u64);
        let id2 = dinode.extent_list_mut().into_inner();
        id2.fill(0);
        let count = extent_recs_in(id2.len()) as u16;
        let Ok(mut list) = ExtentList::new(id2) else { return };
        list.set_l_count(count);
        list.set_l_next_free_rec(1);
        if let Some(mut rec) = list.rec_mut(0) {
            rec.set_e_cpos(0);
            rec.set_e_leaf_clusters(1);
            rec.set_e_blkno(first);
        }
    })?;
    Ok(())
}

/// Stretch the last entry of the first `used` bytes of `region` to the region's end
/// (`ocfs2_expand_last_dirent`).
fn stretch_last(region: &mut [u8], used: usize) {
    let mut last = None;
    for entry in dir_entries(region.get(..used).unwrap_or(&[]), 0) {
        let Ok((offset, _)) = entry else { break };
        last = Some(offset);
    }
    let end = region.len();
    if let Some(offset) = last {
        if let Some(Ok(mut de)) = region.get_mut(offset..).map(DirEntry::new) {
            de.set_rec_len((end - offset) as u16);
        }
    } else {
        let _ = write_dir_entry(region, 0, end as u16, b"", 0);
    }
}

/// A new index root listing every live name of `region` (in block `dirent_blk`).
#[allow(clippy::too_many_arguments)]
fn fill_root(data: &mut [u8], vol: &Volume, claimed: &suballoc::Block, dir_blkno: u64, dirent_blk: u64, region: &[u8], free: u16) {
    let (blkno, bit) = (claimed.blkno, claimed.suballoc_bit);
    data.fill(0);
    let block_size = data.len();
    let Ok(mut root) = DxRoot::new(data) else { return };
    root.set_dr_signature(signature(DX_ROOT_SIGNATURE));
    root.set_dr_suballoc_slot(0);
    root.set_dr_suballoc_bit(bit);
    root.set_dr_suballoc_loc(claimed.loc);
    root.set_dr_fs_generation(vol.params.fs_generation);
    root.set_dr_blkno(blkno);
    root.set_dr_dir_blkno(dir_blkno);
    root.set_dr_flags(DX_FLAG_INLINE);
    root.set_dr_free_blk(if free > 0 { dirent_blk } else { 0 });
    let mut list = root.dr_entries_mut();
    list.set_de_count(dx_entries_per_root(block_size) as u16);
    let mut count = 0u32;
    for entry in dir_entries(region, dirent_blk) {
        let Ok((_, de)) = entry else { break };
        if !de.is_live() || de.name_len() == 0 {
            continue;
        }
        let (major, minor) = dx_name_hash(vol.dx_seed, de.name());
        if list.push(major, minor, dirent_blk) {
            count += 1;
        }
    }
    root.set_dr_num_entries(count);
}

/// Give a full directory of blocks one more block.
fn add_block(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, dir: Option<&INode<Ocfs2>>, dir_bh: &BufferHead) -> Result {
    let dir_blkno = dir_bh.block_number();
    let (size, clusters, indexed, dx_root) = {
        let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let indexed = dinode.i_dyn_features() & INDEXED_DIR_FL != 0;
        (dinode.i_size(), dinode.i_clusters(), indexed, dinode.i_dx_root())
    };
    let trailer = vol.params.meta_ecc() || indexed;
    let block_size = 1u64 << vol.block_bits;
    if size & (block_size - 1) != 0 {
        pr_err!("{}: corrupt metadata: directory {} has size {}, not whole blocks\n", sb.id(), dir_blkno, size);
        return Err(errno::euclean());
    }
    let index = size >> vol.block_bits;
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let in_last_cluster = index < u64::from(clusters) << per_cluster_bits;
    let root_bh = if indexed { Some(crate::dx::read_root(sb, vol, dx_root, dir_blkno)?) } else { None };

    let _alloc = writable.alloc.lock();
    let tx = writable.transaction(vol, 3 + APPEND_CREDITS + local_alloc::EXTRA_CREDITS)?;
    let blkno = if in_last_cluster {
        match extent_map::map_block(sb, vol, dir_bh.data(), index, 1)? {
            Some((blkno, _)) => blkno,
            None => {
                pr_err!("{}: corrupt metadata: directory {} has a hole at block {}\n", sb.id(), dir_blkno, index);
                return Err(errno::euclean());
            }
        }
    } else {
        let append = extent_write::prepare(sb, vol, Owner::Inode(dir_bh), clusters)?;
        let bitmap = cluster_bitmap::read_inode(sb, vol)?;
        let (cluster, _) = local_alloc::claim(sb, vol, &tx, &bitmap, 1)?;
        let first = u64::from(cluster) << per_cluster_bits;
        if let Err(e) = append.apply(sb, vol, &tx, first, 1) {
            // No room in the extent tree (no extent block to be had): the cluster goes back.
            cluster_bitmap::give_back(sb, vol, &tx, &bitmap, cluster, 1)?;
            return Err(e);
        }
        first
    };
    let head = root_bh.as_ref().and_then(|bh| DxRoot::new(bh.data()).ok()).map_or(0, |r| r.dr_free_blk());
    let block = sb.new_block(blkno)?;
    tx.change(&block, if trailer { Kind::DirBlock } else { Kind::Plain }, |data| {
        data.fill(0);
        let region = dir_block_region_mut(data, trailer);
        let len = region.len();
        let _ = write_dir_entry(region, 0, len as u16, b"", 0);
        if trailer {
            if let Ok(mut t) = dir_trailer_mut(data) {
                t.init(blkno, dir_blkno, len as u16);
                t.set_db_free_next(head);
            }
        }
    })?;
    if let Some(root_bh) = root_bh.as_ref() {
        tx.change(root_bh, Kind::DxRoot, |data| {
            if let Ok(mut root) = DxRoot::new(data) {
                root.set_dr_free_blk(blkno);
            }
        })?;
    }
    tx.change(dir_bh, Kind::Inode, |data| {
        if let Ok(mut dinode) = Dinode::new(data) {
            dinode.set_i_size(size + block_size);
        }
    })?;
    drop(tx);
    if let Some(dir) = dir {
        dir.set_size(size + block_size);
        if !in_last_cluster {
            dir.add_bytes(1i64 << vol.cluster_bits);
        }
    }
    Ok(())
}
