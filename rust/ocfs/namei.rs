// SPDX-License-Identifier: GPL-2.0

//! Namespace changes (`namei.c` of the C ocfs2): making inodes, linking, unlinking and
//! renaming names, each one transaction that leaves directories, link counts and
//! allocators consistent together. An inode whose last name goes moves to slot 0's orphan
//! directory in the same transaction, and is deleted when its last user lets go
//! ([`crate::delete`]), so a crash in between loses nothing and leaks nothing.
//!
//! The VFS holds the directories' and inodes' locks for each call. Allocation takes the
//! mount's allocation lock.

use crate::delete;
use crate::{cluster_bitmap, dir_grow, dir_write, local_alloc};
use crate::format::dinode::{
    extent_recs_per_inode, fast_symlink_chars, max_inline_data, mode, Dinode, DX_LINK_MAX, INLINE_DATA_FL,
    LINK_MAX, VALID_FL,
};
use crate::format::dir::{dir_rec_len, file_type_of_mode, FT_DIR, MAX_FILENAME_LEN};
use crate::format::dir_edit::fill_dots;
use crate::format::features::IncompatFeatures;
use crate::{inode_alloc, suballoc};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{self, INode, NewInode, NewSuperBlock, Timespec};
use crate::volume::Volume;
use crate::{bindings as c, errno, inode, meta, Ocfs2};
use kernel::prelude::*;
use kernel::types::ARef;

/// What a new inode holds in its block.
enum Layout<'a> {
    /// A directory with its entries inline.
    InlineDir,
    /// A directory whose entries start in a block of their own (volumes without
    /// inline data).
    BlockDir,
    /// A symlink whose target fits in the inode block.
    FastSymlink(&'a [u8]),
    /// A symlink whose target (and its NUL) goes to one cluster of its own at `blkno`
    /// (`ocfs2_create_symlink_data`).
    SlowSymlink { target: &'a [u8], blkno: u64 },
    /// An empty extent list (files, device nodes, FIFOs, sockets).
    Extents,
}

/// Room for `.` or `..` (`OCFS2_DIR_REC_LEN(2)`).
const DOT_REC_LEN: usize = dir_rec_len(2);

fn link_max(vol: &Volume) -> u32 {
    if vol.params.features.incompat.contains(IncompatFeatures::INDEXED_DIRS) { DX_LINK_MAX } else { LINK_MAX }
}

fn check_name(name: &[u8]) -> Result {
    if name.len() > MAX_FILENAME_LEN {
        return Err(errno::enametoolong());
    }
    Ok(())
}

/// `FileSystem::create` of ocfs: a file, directory, device node, FIFO, socket or symlink.
pub fn create(dir: &INode<Ocfs2>, name: &[u8], new: &NewInode, target: Option<&[u8]>) -> Result<ARef<INode<Ocfs2>>> {
    let sb = dir.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    check_name(name)?;
    let kind = new.mode & mode::FMT;
    let layout = match (kind, target) {
        (mode::DIR, _) if vol.params.features.incompat.contains(IncompatFeatures::INLINE_DATA) => Layout::InlineDir,
        (mode::DIR, _) => Layout::BlockDir,
        (mode::LNK, Some(target)) if target.len() < fast_symlink_chars(vol.params.block_size as usize) => {
            Layout::FastSymlink(target)
        }
        (mode::LNK, Some(target)) if target.len() < 1usize << vol.cluster_bits => Layout::SlowSymlink { target, blkno: 0 },
        (mode::LNK, _) => return Err(errno::enametoolong()),
        _ => Layout::Extents,
    };
    if kind == mode::DIR && dir.nlink() >= link_max(vol) {
        return Err(EMLINK);
    }
    let dir_bh = meta::read_dinode(sb, &vol.params, vol.blocks, dir.ino())?;
    let add = dir_write::plan_add(sb, vol, writable, Some(dir), &dir_bh, name)?;

    let _alloc = writable.alloc.lock();
    let bitmap = match layout {
        Layout::BlockDir => Some(cluster_bitmap::read_inode(sb, vol)?),
        _ => None,
    };
    // The new inode, its allocator group and inode, the directory's inode and block; a
    // new directory's first block; a slow symlink's cluster and the blocks its target fills.
    let first_block = if bitmap.is_some() { dir_grow::first_block_credits(vol) } else { 0 };
    let symlink_blocks = match layout {
        Layout::SlowSymlink { target, .. } => {
            cluster_bitmap::CLAIM_CREDITS + local_alloc::EXTRA_CREDITS + (target.len() + 1).div_ceil((vol.params.block_size as usize).max(1)) as u32
        }
        _ => 0,
    };
    let credits = 2 + inode_alloc::CREDITS + add.credits() + first_block + symlink_blocks;
    let tx = writable.transaction(vol, credits)?;
    // A slow symlink's cluster before the inode: a claim that fails leaves nothing behind.
    let layout = match layout {
        Layout::SlowSymlink { target, .. } => Layout::SlowSymlink { target, blkno: symlink_data(sb, vol, &tx, target)? },
        other => other,
    };
    let claimed = match inode_alloc::claim(&tx, sb, vol) {
        Ok(claimed) => claimed,
        Err(e) => {
            if let Layout::SlowSymlink { blkno, .. } = layout {
                give_back_cluster(sb, vol, &tx, blkno)?;
            }
            return Err(e);
        }
    };
    let bh = sb.new_block(claimed.blkno)?;
    let now = dir.touch(true);
    tx.change(&bh, Kind::Inode, |block| {
        fill_new(block, vol, &claimed, new, now, &layout, dir.ino())
    })?;
    if let Some(bitmap) = bitmap.as_ref() {
        let mut dots = [0u8; 2 * DOT_REC_LEN];
        fill_dots(&mut dots, claimed.blkno, dir.ino()).map_err(|e| meta::corrupt(sb, &e))?;
        if let Err(e) = dir_grow::move_to_first_block(sb, vol, &tx, bitmap, &bh, &dots) {
            // No cluster for the first block: the inode goes back, as if never made.
            tx.change(&bh, Kind::Inode, |block| block.fill(0))?;
            suballoc::free_block(&tx, sb, vol, vol.inode_alloc_blkno, claimed.blkno, claimed.suballoc_bit, claimed.loc)?;
            return Err(e);
        }
    }
    dir_write::apply_add(&tx, &dir_bh, add, name, claimed.blkno, file_type_of_mode(new.mode))?;
    if kind == mode::DIR {
        dir.set_nlink(dir.nlink() + 1);
    }
    inode::write_in(&tx, dir, &dir_bh)?;
    drop(tx);
    drop(_alloc);
    let inode = inode::get(sb, claimed.blkno)?;
    crate::acl::store_inherited(&inode, &new.acls);
    Ok(inode)
}

/// Fill the block of a new inode (`__ocfs2_mknod_locked` and `ocfs2_fill_new_dir_id`).
fn fill_new(block: &mut [u8], vol: &Volume, claimed: &suballoc::Block, new: &NewInode, now: Timespec, layout: &Layout<'_>, parent: u64) {
    let blkno = claimed.blkno;
    block.fill(0);
    let block_size = block.len();
    let Ok(mut dinode) = Dinode::new(&mut *block) else { return };
    dinode.set_inode_signature();
    dinode.set_i_generation(vfs::random_u32());
    dinode.set_i_fs_generation(vol.params.fs_generation);
    dinode.set_i_blkno(blkno);
    dinode.set_i_suballoc_slot(0);
    dinode.set_i_suballoc_bit(claimed.suballoc_bit);
    dinode.set_i_suballoc_loc(claimed.loc);
    dinode.set_i_uid(new.uid);
    dinode.set_i_gid(new.gid);
    dinode.set_i_mode(new.mode);
    dinode.set_i_flags(VALID_FL);
    dinode.set_i_atime(now.sec as u64);
    dinode.set_i_atime_nsec(now.nsec);
    dinode.set_i_ctime(now.sec as u64);
    dinode.set_i_ctime_nsec(now.nsec);
    dinode.set_i_mtime(now.sec as u64);
    dinode.set_i_mtime_nsec(now.nsec);
    match new.mode & mode::FMT {
        mode::CHR | mode::BLK => dinode.set_i_rdev(new.rdev),
        _ => {}
    }
    match layout {
        Layout::InlineDir => {
            let count = max_inline_data(block_size);
            dinode.set_i_dyn_features(INLINE_DATA_FL);
            dinode.set_id_count(count as u16);
            dinode.set_i_size(count as u64);
            dinode.set_links(2);
            if let Some(region) = dinode.inline_data_mut().get_mut(..count) {
                let _ = fill_dots(region, blkno, parent);
            }
        }
        Layout::FastSymlink(target) => {
            dinode.set_links(1);
            dinode.set_i_size(target.len() as u64);
            if let Some(id2) = dinode.id2_mut().get_mut(..target.len()) {
                id2.copy_from_slice(target);
            }
        }
        Layout::BlockDir => {
            // `dir_grow::move_to_first_block` gives it its block.
            dinode.set_links(2);
        }
        Layout::Extents => {
            dinode.set_links(1);
            let mut list = dinode.extent_list_mut();
            list.set_l_count(extent_recs_per_inode(block_size) as u16);
        }
        Layout::SlowSymlink { target, blkno } => {
            dinode.set_links(1);
            dinode.set_i_size(target.len() as u64);
            dinode.set_i_clusters(1);
            let mut list = dinode.extent_list_mut();
            list.set_l_count(extent_recs_per_inode(block_size) as u16);
            list.set_l_next_free_rec(1);
            if let Some(mut rec) = list.rec_mut(0) {
                rec.set_e_cpos(0);
                rec.set_e_leaf_clusters(1);
                rec.set_e_blkno(*blkno);
            }
        }
    }
}

/// Claim the cluster of a slow symlink and write `target` and its NUL to it, through the
/// journal as the C does (so reads, which go through the buffer cache, see it at once);
/// returns its first block.
fn symlink_data(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, target: &[u8]) -> Result<u64> {
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let (cluster, _) = local_alloc::claim(sb, vol, tx, &bitmap, 1)?;
    let blkno = u64::from(cluster) << (vol.cluster_bits - vol.block_bits);
    let block_size = (vol.params.block_size as usize).max(1);
    // The target and its terminating NUL, block by block.
    for i in 0..(target.len() + 1).div_ceil(block_size) {
        let bh = sb.new_block(blkno + i as u64)?;
        let part = target.get(i * block_size..).unwrap_or(&[]);
        let part = part.get(..block_size).unwrap_or(part);
        tx.create(&bh, Kind::Plain, |data| {
            data.fill(0);
            if let Some(out) = data.get_mut(..part.len()) {
                out.copy_from_slice(part);
            }
        })?;
    }
    Ok(blkno)
}

/// Give back the cluster at `blkno`, claimed earlier in `tx`.
fn give_back_cluster(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, blkno: u64) -> Result {
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let cluster = u32::try_from(blkno >> (vol.cluster_bits - vol.block_bits)).map_err(|_| EINVAL)?;
    cluster_bitmap::give_back(sb, vol, tx, &bitmap, cluster, 1)
}

/// `FileSystem::link` of ocfs.
pub fn link(inode: &INode<Ocfs2>, dir: &INode<Ocfs2>, name: &[u8]) -> Result {
    let sb = dir.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    check_name(name)?;
    if inode.nlink() >= link_max(vol) {
        return Err(EMLINK);
    }
    let dir_bh = meta::read_dinode(sb, &vol.params, vol.blocks, dir.ino())?;
    let inode_bh = meta::read_dinode(sb, &vol.params, vol.blocks, inode.ino())?;
    let add = dir_write::plan_add(sb, vol, writable, Some(dir), &dir_bh, name)?;
    let tx = writable.transaction(vol, 2 + add.credits())?;
    dir_write::apply_add(&tx, &dir_bh, add, name, inode.ino(), file_type_of_mode(inode.mode()))?;
    dir.touch(true);
    inode.touch(false);
    inode.set_nlink(inode.nlink() + 1);
    inode::write_in(&tx, dir, &dir_bh)?;
    inode::write_in(&tx, inode, &inode_bh)
}

/// `FileSystem::unlink` of ocfs (and `rmdir`).
pub fn unlink(dir: &INode<Ocfs2>, name: &[u8], inode: &INode<Ocfs2>) -> Result {
    let sb = dir.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    let dir_bh = meta::read_dinode(sb, &vol.params, vol.blocks, dir.ino())?;
    let inode_bh = meta::read_dinode(sb, &vol.params, vol.blocks, inode.ino())?;
    let is_dir = inode.mode() & mode::FMT == mode::DIR;
    if is_dir && !dir_write::is_empty(sb, vol, &inode_bh)? {
        return Err(errno::code(c::ENOTEMPTY));
    }
    let entry = dir_write::find(sb, vol, &dir_bh, name)?.ok_or(ENOENT)?;
    if entry.found.ino != inode.ino() {
        pr_err!("{}: directory {}: {:?} names inode {}, not {}\n", sb.id(), dir.ino(), kernel::str::BStr::from_bytes(name), entry.found.ino, inode.ino());
        return Err(errno::euclean());
    }
    let last = is_dir || inode.nlink() <= 1;
    let orphan = if last { Some(delete::plan_orphan(sb, vol, writable, inode.ino())?) } else { None };
    let credits = 2 + entry.credits() + orphan.as_ref().map_or(0, delete::Orphan::credits);
    let tx = writable.transaction(vol, credits)?;
    dir_write::apply_remove(&tx, &dir_bh, entry)?;
    dir.touch(true);
    inode.touch(false);
    if is_dir {
        inode.set_nlink(0);
        dir.set_nlink(dir.nlink().saturating_sub(1));
    } else {
        inode.set_nlink(inode.nlink().saturating_sub(1));
    }
    inode::write_in(&tx, dir, &dir_bh)?;
    inode::write_in(&tx, inode, &inode_bh)?;
    if let Some(orphan) = orphan {
        delete::add_orphan(&tx, orphan, &inode_bh, is_dir)?;
    }
    Ok(())
}

/// `FileSystem::rename` of ocfs: within a directory or across, over an existing name or not.
pub fn rename(
    old_dir: &INode<Ocfs2>,
    old_name: &[u8],
    inode: &INode<Ocfs2>,
    new_dir: &INode<Ocfs2>,
    new_name: &[u8],
    target: Option<&INode<Ocfs2>>,
) -> Result {
    let sb = old_dir.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    check_name(new_name)?;
    let same_dir = old_dir.ino() == new_dir.ino();
    let is_dir = inode.mode() & mode::FMT == mode::DIR;
    let old_dir_bh = meta::read_dinode(sb, &vol.params, vol.blocks, old_dir.ino())?;
    let new_dir_bh = if same_dir { None } else { Some(meta::read_dinode(sb, &vol.params, vol.blocks, new_dir.ino())?) };
    let new_bh = new_dir_bh.as_ref().unwrap_or(&old_dir_bh);
    let inode_bh = meta::read_dinode(sb, &vol.params, vol.blocks, inode.ino())?;
    if is_dir && !same_dir && target.is_none() && new_dir.nlink() >= link_max(vol) {
        return Err(EMLINK);
    }

    // Where the new name goes: over the target's entry, or a new entry.
    let target_bh = match target {
        Some(t) => Some(meta::read_dinode(sb, &vol.params, vol.blocks, t.ino())?),
        None => None,
    };
    if let (Some(t), Some(t_bh)) = (target, target_bh.as_ref()) {
        if t.mode() & mode::FMT == mode::DIR && !dir_write::is_empty(sb, vol, t_bh)? {
            return Err(errno::code(c::ENOTEMPTY));
        }
    }
    let target_entry = match target {
        Some(_) => Some(dir_write::find(sb, vol, new_bh, new_name)?.ok_or(ENOENT)?),
        None => None,
    };
    let add = match target {
        Some(_) => None,
        None => Some(dir_write::plan_add(sb, vol, writable, Some(new_dir), new_bh, new_name)?),
    };
    // A directory moving to another parent: its `..`.
    let dotdot = if is_dir && !same_dir { Some(dir_write::find_scan(sb, vol, &inode_bh, b"..")?.ok_or_else(errno::euclean)?) } else { None };
    let target_last = target.is_some_and(|t| t.mode() & mode::FMT == mode::DIR || t.nlink() <= 1);
    let orphan = match target {
        Some(t) if target_last => Some(delete::plan_orphan(sb, vol, writable, t.ino())?),
        _ => None,
    };

    let credits = 6
        + add.as_ref().map_or(0, dir_write::Add::credits)
        + target_entry.as_ref().map_or(0, dir_write::Entry::credits)
        + 2
        + orphan.as_ref().map_or(0, delete::Orphan::credits);
    let tx = writable.transaction(vol, credits)?;
    let file_type = file_type_of_mode(inode.mode());
    match (add, target_entry.as_ref()) {
        (Some(add), _) => dir_write::apply_add(&tx, new_bh, add, new_name, inode.ino(), file_type)?,
        (None, Some(entry)) => dir_write::apply_retarget(&tx, new_bh, entry, inode.ino(), file_type)?,
        (None, None) => return Err(EINVAL),
    }
    // The old entry, found again: adding to the same directory may have moved it.
    let old_entry = dir_write::find(sb, vol, &old_dir_bh, old_name)?.ok_or(ENOENT)?;
    if old_entry.found.ino != inode.ino() {
        return Err(errno::euclean());
    }
    dir_write::apply_remove(&tx, &old_dir_bh, old_entry)?;
    if let Some(dotdot) = dotdot {
        dir_write::apply_retarget(&tx, &inode_bh, &dotdot, new_dir.ino(), FT_DIR)?;
    }

    inode.touch(false);
    old_dir.touch(true);
    if !same_dir {
        new_dir.touch(true);
    }
    if let (Some(t), Some(t_bh)) = (target, target_bh.as_ref()) {
        t.touch(false);
        if t.mode() & mode::FMT == mode::DIR {
            t.set_nlink(0);
            new_dir.set_nlink(new_dir.nlink().saturating_sub(1));
        } else {
            t.set_nlink(t.nlink().saturating_sub(1));
        }
        inode::write_in(&tx, t, t_bh)?;
        if let Some(orphan) = orphan {
            delete::add_orphan(&tx, orphan, t_bh, t.mode() & mode::FMT == mode::DIR)?;
        }
    }
    if is_dir && !same_dir {
        old_dir.set_nlink(old_dir.nlink().saturating_sub(1));
        new_dir.set_nlink(new_dir.nlink() + 1);
    }
    inode::write_in(&tx, inode, &inode_bh)?;
    inode::write_in(&tx, old_dir, &old_dir_bh)?;
    if let Some(bh) = new_dir_bh.as_ref() {
        inode::write_in(&tx, new_dir, bh)?;
    }
    Ok(())
}
