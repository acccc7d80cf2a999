// SPDX-License-Identifier: GPL-2.0

//! Writing file data (`ocfs2_write_begin`/`ocfs2_write_end` and `ocfs2_get_block` with
//! allocation in the C ocfs2), through the page cache.
//!
//! A write to a hole (anywhere in the file) claims a cluster from the global bitmap and
//! maps it in one transaction; a write to a preallocated (unwritten) cluster zeroes it and
//! marks it written. The cluster is zeroed on disk before that
//! transaction starts to commit (the zeroing is synchronous, inside the handle), so a
//! crash can never show a file another file's old data: what was not written back yet
//! reads as zeros. That stands in for the C ocfs2's ordered data mode; `fsync` writes the
//! data, then commits the journal.
//!
//! Data kept in the inode block (inline data) is written in place in one transaction
//! with the new size, and moved out to a cluster when a write does not fit
//! (`ocfs2_convert_inline_data_to_extents`).
//!
//! The VFS keeps the inode's times and size; `mark_inode_dirty` writes them to the inode
//! block at once ([`dirty_inode`]), in a transaction of their own.

use crate::cluster_bitmap;
use crate::extent_map;
use crate::extent_tree::Owner;
use crate::extent_write::{self, APPEND_CREDITS};
use crate::format::extent::EXT_UNWRITTEN;
use crate::format::dinode::{Dinode, INLINE_DATA_FL};
use crate::format::extent::{extent_recs_in, ExtentList};
use crate::rw::Writable;
use crate::transaction::Kind;
use crate::vfs::{INode, WriteFolio, WriteMapping};
use crate::volume::Volume;
use crate::{bindings as c, errno, inode, local_alloc, meta, Ocfs2};
use kernel::prelude::*;

/// `FileSystem::map_block_for_write` of ocfs: map logical block `block`, allocating its
/// cluster when it is a hole, or making its cluster written when it was preallocated.
pub fn map_block_for_write(node: &INode<Ocfs2>, block: u64, max: u64) -> Result<WriteMapping> {
    let sb = node.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    if !node.data()?.maps_blocks() {
        pr_err!("{}: inode {} keeps its data inline; no blocks to map for a write\n", sb.id(), node.ino());
        return Err(EIO);
    }
    if let Some(mapped) = mapped_for_write(node, vol, block, max)? {
        return Ok(mapped);
    }
    let _alloc = writable.alloc.lock();
    // Another writer (a page fault, a second file descriptor) may have mapped it meanwhile.
    if let Some(mapped) = mapped_for_write(node, vol, block, max)? {
        return Ok(mapped);
    }
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let cpos = u32::try_from(block >> per_cluster_bits).map_err(|_| EFBIG)?;
    let (start, clusters) = allocate(node, vol, writable, cpos)?;
    let offset = block - (u64::from(cpos) << per_cluster_bits);
    let blocks = u64::from(clusters) << per_cluster_bits;
    Ok(WriteMapping { start: start + offset, count: (blocks - offset).min(max), new: true })
}

/// The mapping of `block` if it is allocated and written already; refuses extents a
/// write in place would corrupt.
fn mapped_for_write(node: &INode<Ocfs2>, vol: &Volume, block: u64, max: u64) -> Result<Option<WriteMapping>> {
    let sb = node.super_block();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let Ok(cpos) = u32::try_from(block >> (vol.cluster_bits - vol.block_bits)) else { return Err(EFBIG) };
    let Some(extent) = extent_map::find(sb, vol, bh.data(), cpos)? else { return Ok(None) };
    if extent.refcounted {
        pr_err!("{}: inode {}: writing to shared (reflinked) extents is not supported yet\n", sb.id(), node.ino());
        return Err(errno::code(c::EOPNOTSUPP));
    }
    let Some((start, count)) = extent_map::map_block(sb, vol, bh.data(), block, max)? else { return Ok(None) };
    Ok(Some(WriteMapping { start, count, new: false }))
}

/// Make cluster `cpos` writable: claim a cluster for a hole, zero it, and map it; or zero
/// a preallocated (unwritten) cluster and mark it written (`ocfs2_mark_extent_written`).
/// The caller holds the allocation lock. Returns the cluster's first device block and
/// the cluster count.
fn allocate(node: &INode<Ocfs2>, vol: &Volume, writable: &Writable, cpos: u32) -> Result<(u64, u32)> {
    let sb = node.super_block();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    if let Some(extent) = extent_map::find(sb, vol, bh.data(), cpos)? {
        if !extent.unwritten {
            pr_err!("{}: inode {}: cluster {} is mapped but cannot be written\n", sb.id(), node.ino(), cpos);
            return Err(EIO);
        }
        let start = extent.blkno.saturating_add(u64::from(cpos - extent.cpos) << per_cluster_bits);
        // The cluster reads as zeros until it is written: zeros reach the disk before the
        // transaction that makes it written can commit.
        sb.zero_blocks(start, 1 << per_cluster_bits).inspect_err(|_| {
            pr_err!("{}: I/O error zeroing preallocated cluster {} of inode {}\n", sb.id(), cpos, node.ino());
        })?;
        let change = extent_write::prepare_flags(sb, vol, &bh, cpos, 1)?;
        let tx = writable.transaction(vol, change.credits())?;
        change.clear(sb, vol, &tx, EXT_UNWRITTEN)?;
        return Ok((start, 1));
    }
    let append = extent_write::prepare(sb, vol, Owner::Inode(&bh), cpos)?;
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let tx = writable.transaction(vol, append.credits() + local_alloc::EXTRA_CREDITS)?;
    let (first, count) = local_alloc::claim(sb, vol, &tx, &bitmap, 1)?;
    let start = u64::from(first) << per_cluster_bits;
    let release = |err: Error| -> Error {
        // Give the clusters back in the same transaction, so nothing leaks.
        let _ = cluster_bitmap::give_back(sb, vol, &tx, &bitmap, first, count);
        err
    };
    if per_cluster_bits == 0 {
        // A cluster is one block, which the write fills or `block_write_begin` zeroes
        // around it in the page cache: ordered data writes it before the mapping commits.
        if !vol.options().data_writeback {
            let bytes = u64::from(count) << vol.cluster_bits;
            tx.order_data(node, u64::from(cpos) << vol.cluster_bits, bytes).map_err(release)?;
        }
    } else {
        // Blocks of the cluster the write does not reach would be read from the disk:
        // zero them there first.
        sb.zero_blocks(start, u64::from(count) << per_cluster_bits).map_err(|e| {
            pr_err!("{}: I/O error zeroing new cluster {} of inode {}\n", sb.id(), first, node.ino());
            release(e)
        })?;
    }
    append.apply(sb, vol, &tx, start, count).map_err(release)?;
    drop(tx);
    node.add_bytes(i64::from(count) << vol.cluster_bits);
    Ok((start, count))
}

/// `FileSystem::write_failed` of ocfs: blocks a failed write allocated past the end of the
/// file were not zeroed on disk (ordered data counted on the write): zero them now, so that
/// a later extension of the file never reads what they held before.
pub fn write_failed(node: &INode<Ocfs2>, from: u64, to: u64) {
    let sb = node.super_block();
    let vol = sb.data();
    let block_size = 1u64 << vol.block_bits;
    let (first, end) = (from.div_ceil(block_size), to.div_ceil(block_size));
    let zeroed = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino()).and_then(|bh| {
        let mut block = first;
        while block < end {
            match extent_map::map_block(sb, vol, bh.data(), block, end - block)? {
                Some((start, count)) => {
                    sb.zero_blocks(start, count)?;
                    block += count.max(1);
                }
                None => block += 1,
            }
        }
        Ok(())
    });
    if let Err(e) = crate::errors::checked(sb, zeroed) {
        pr_err!("{}: inode {}: zeroing blocks past the end after a failed write failed (error {})\n", sb.id(), node.ino(), e.to_errno());
    }
}

/// `FileSystem::prepare_mkwrite` of ocfs: a shared writable mapping is about to dirty a
/// page; inline data moves out to a cluster first (`ocfs2_page_mkwrite`).
pub fn prepare_mkwrite(node: &INode<Ocfs2>) -> Result {
    if node.data()?.inline() {
        convert_inline(node, node.super_block().data(), node.super_block().data().writable()?)?;
    }
    Ok(())
}

/// `FileSystem::prepare_write` of ocfs: whether a write of `len` bytes at `pos` stays in
/// the inode block; moves the data out to a cluster when it does not fit.
pub fn prepare_write(node: &INode<Ocfs2>, pos: u64, len: u32) -> Result<bool> {
    let info = node.data()?;
    if !info.inline() {
        return Ok(false);
    }
    let sb = node.super_block();
    let vol = sb.data();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let capacity = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?.inline_data().len() as u64;
    if pos.saturating_add(u64::from(len)) <= capacity {
        return Ok(true);
    }
    convert_inline(node, vol, vol.writable()?)?;
    Ok(false)
}

/// Move inline data out to a new cluster and turn the inode's id2 into an empty extent
/// list with it (`ocfs2_convert_inline_data_to_extents`). An empty file gets no cluster.
pub fn convert_inline(node: &INode<Ocfs2>, vol: &Volume, writable: &Writable) -> Result {
    let sb = node.super_block();
    let _alloc = writable.alloc.lock();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let mut data = KVec::new();
    {
        let dinode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if dinode.i_dyn_features() & INLINE_DATA_FL == 0 {
            // Moved out already, by a writer that held the lock first.
            node.data()?.set_extents();
            return Ok(());
        }
        let inline = dinode.inline_data();
        let size = usize::try_from(dinode.i_size()).unwrap_or(usize::MAX);
        if size > inline.len() {
            pr_err!("{}: corrupt metadata: inode {} holds {} bytes inline in room for {}\n", sb.id(), node.ino(), size, inline.len());
            return Err(errno::euclean());
        }
        data.extend_from_slice(&inline[..size], GFP_KERNEL)?;
    }
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let tx = writable.transaction(vol, APPEND_CREDITS + local_alloc::EXTRA_CREDITS)?;
    let mut cluster = None;
    if !data.is_empty() {
        let bitmap = cluster_bitmap::read_inode(sb, vol)?;
        let (first, _) = local_alloc::claim(sb, vol, &tx, &bitmap, 1)?;
        let start = u64::from(first) << per_cluster_bits;
        // The data reaches its cluster before the transaction that points the inode at
        // it can commit: zero the cluster, then write the first block, both waited for.
        let written = sb.zero_blocks(start, 1 << per_cluster_bits).and_then(|()| {
            let block = sb.new_block(start)?;
            block.modify(|bytes| {
                let n = data.len().min(bytes.len());
                bytes[..n].copy_from_slice(&data[..n]);
            });
            block.write_sync()
        });
        if let Err(err) = written {
            pr_err!("{}: I/O error writing the inline data of inode {} to cluster {}\n", sb.id(), node.ino(), first);
            let _ = cluster_bitmap::give_back(sb, vol, &tx, &bitmap, first, 1);
            return Err(err);
        }
        cluster = Some(start);
    }
    tx.change(&bh, Kind::Inode, |block| {
        let Ok(mut dinode) = Dinode::new(block) else { return };
        let features = dinode.i_dyn_features() & !INLINE_DATA_FL;
        dinode.set_i_dyn_features(features);
        let id2 = dinode.extent_list_mut().into_inner();
        id2.fill(0);
        let count = extent_recs_in(id2.len()) as u16;
        let Ok(mut list) = ExtentList::new(id2) else { return };
        list.set_l_count(count);
        if let Some(start) = cluster {
            if let Some(mut rec) = list.rec_mut(0) {
                rec.set_e_cpos(0);
                rec.set_e_leaf_clusters(1);
                rec.set_e_blkno(start);
            }
            list.set_l_next_free_rec(1);
        }
        if cluster.is_some() {
            dinode.set_i_clusters(1);
        }
    })?;
    drop(tx);
    node.data()?.set_extents();
    // `st_blocks` counted the inline bytes; now it counts the cluster.
    let inline_bytes = ((data.len() as i64) + 511) & !511;
    let cluster_bytes = if cluster.is_some() { 1i64 << vol.cluster_bits } else { 0 };
    node.add_bytes(cluster_bytes - inline_bytes);
    Ok(())
}

/// `FileSystem::fill_inline` of ocfs.
pub fn fill_inline(node: &INode<Ocfs2>, folio: &mut WriteFolio<'_>) -> Result {
    let sb = node.super_block();
    let vol = sb.data();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let dinode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let stored = dinode.inline_data();
    let size = (node.size() as usize).min(stored.len());
    folio.fill(&stored[..size]);
    Ok(())
}

/// `FileSystem::end_inline_write` of ocfs: the first `end` bytes of `folio` are the
/// file's data now; store them and the size in the inode block.
pub fn end_inline_write(node: &INode<Ocfs2>, end: u64, folio: &WriteFolio<'_>) -> Result {
    let sb = node.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, node.ino())?;
    let capacity = {
        let dinode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if dinode.i_dyn_features() & INLINE_DATA_FL == 0 {
            pr_err!("{}: inode {} lost its inline data during a write\n", sb.id(), node.ino());
            return Err(EIO);
        }
        dinode.inline_data().len()
    };
    let end = usize::try_from(end).ok().filter(|&end| end <= capacity).ok_or(EFBIG)?;
    let mut data = KVec::from_elem(0u8, end, GFP_KERNEL)?;
    folio.copy_out(0, &mut data);
    let tx = writable.transaction(vol, 1)?;
    tx.change(&bh, Kind::Inode, |block| {
        let Ok(mut dinode) = Dinode::new(block) else { return };
        for (to, from) in dinode.inline_data_mut().iter_mut().zip(data.iter()) {
            *to = *from;
        }
        dinode.set_i_size(end as u64);
    })?;
    drop(tx);
    // `st_blocks` of inline data counts its bytes, as the C ocfs2 reports it.
    let old = (node.size() as i64 + 511) & !511;
    let new = (end as i64 + 511) & !511;
    node.add_bytes(new - old);
    Ok(())
}

/// `FileSystem::fsync` of ocfs: the data is written; commit the journal, which holds
/// every metadata change made so far, and flush the device cache.
pub fn fsync(node: &INode<Ocfs2>, _datasync: bool) -> Result {
    let sb = node.super_block();
    let vol = sb.data();
    // The journal stopped after an error: what the file's metadata needs cannot be made
    // durable any more (ext4 says EIO after a shutdown too).
    if vol.journal_stopped() {
        return Err(EIO);
    }
    // A read-only mount has nothing to make durable.
    let Ok(writable) = vol.writable() else { return Ok(()) };
    writable.journal.force_commit()?;
    if vol.options().barrier {
        sb.flush_device()?;
    }
    Ok(())
}

/// `FileSystem::dirty_inode` of ocfs.
pub fn dirty_inode(node: &INode<Ocfs2>) {
    let sb = node.super_block();
    if sb.data().writable().is_err() {
        return;
    }
    if let Err(err) = crate::errors::checked(sb, inode::write(node)) {
        pr_err!("{}: cannot write inode {} (error {})\n", sb.id(), node.ino(), err.to_errno());
    }
}
