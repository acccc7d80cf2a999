// SPDX-License-Identifier: GPL-2.0

//! Changing indexed directories (`ocfs2_dx_dir_insert`, `ocfs2_delete_entry_dx` and the
//! free-space list of the C ocfs2). Beside the ordinary entry in a directory block, each
//! name has an index entry (its hash and that block) in the index root or in the index
//! leaf its hash picks; blocks with room for a new entry are chained from the root's
//! `dr_free_blk` through their trailers (`db_free_next`), each trailer saying how long an
//! entry fits (`db_free_rec_len`). Room in the index itself is made first, by `dx_tree`.

use crate::dx;
use crate::format::dinode::Dinode;
use crate::format::dir::{dir_block_region, dir_block_region_mut, dir_rec_len, dir_trailer, dir_trailer_mut};
use crate::format::dir_edit::{self, Found, Insert, InsertPlan};
use crate::format::dx::{DxLeaf, DxRoot};
use crate::format::dx_hash::dx_name_hash;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{dir, errno, meta};
use kernel::prelude::*;

/// Blocks an indexed addition or removal dirties beyond the directory's inode block: the
/// directory block, the index root, an index leaf, the previous block on the free list.
pub const CREDITS: u32 = 4;

/// The index side of a planned addition.
pub struct DxAdd {
    root: BufferHead,
    leaf: Option<BufferHead>,
    hash: (u32, u32),
    /// The free-list block before the one taking the entry; `None`: the root heads it.
    previous: Option<BufferHead>,
}

/// The index side of a found entry.
pub struct DxRemove {
    root: BufferHead,
    leaf: Option<BufferHead>,
    index: usize,
}

/// The index root of the directory whose checked inode block is `dir_bh`.
fn root_of(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead) -> Result<(u64, BufferHead)> {
    let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let dir_blkno = dinode.i_blkno();
    Ok((dir_blkno, dx::read_root(sb, vol, dinode.i_dx_root(), dir_blkno)?))
}

/// The index leaf for `hash`, or `None` when the root keeps its entries inline.
fn leaf_for(sb: &NewSuperBlock, vol: &Volume, root_bh: &BufferHead, hash: (u32, u32)) -> Result<Option<BufferHead>> {
    let root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if root.is_inline() {
        return Ok(None);
    }
    let Some(blkno) = dx::leaf_block(sb, vol, &root, root_bh.block_number(), hash.0, hash.1)? else {
        pr_err!("{}: corrupt metadata: index root {} maps no leaf for a hash\n", sb.id(), root_bh.block_number());
        return Err(errno::euclean());
    };
    Ok(Some(dx::read_leaf(sb, vol, blkno)?))
}

/// Plan adding `name` to the indexed directory `dir_bh`: the directory block with room
/// (from the free list), where in it, and the index side; `None` when no block has room.
pub fn plan_add(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Option<(BufferHead, Insert, DxAdd)>> {
    let (dir_blkno, root_bh) = root_of(sb, vol, dir_bh)?;
    if dir::find(sb, vol, dir_blkno, name)?.is_some() {
        return Err(EEXIST);
    }
    let hash = dx_name_hash(vol.dx_seed, name);
    let leaf = leaf_for(sb, vol, &root_bh, hash)?;
    let full = match &leaf {
        None => {
            let root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            let list = root.dr_entries();
            list.de_num_used() >= list.de_count()
        }
        Some(leaf_bh) => {
            let leaf = DxLeaf::new(leaf_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            let list = leaf.dl_list();
            list.de_num_used() >= list.de_count()
        }
    };
    if full {
        // `dx_tree::make_room` ran first: only a corrupt index gets here.
        pr_err!("{}: directory {}: its index has no room for a name it was grown for\n", sb.id(), dir_blkno);
        return Err(errno::euclean());
    }

    let need = dir_rec_len(name.len());
    let mut next = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?.dr_free_blk();
    let mut previous = None;
    let mut hops = 0u64;
    while next != 0 {
        hops += 1;
        if hops > vol.blocks {
            pr_err!("{}: corrupt metadata: the free list of directory {} loops\n", sb.id(), dir_blkno);
            return Err(errno::euclean());
        }
        let bh = dir::read_block(sb, vol, next, dir_blkno, true)?;
        let (free, following) = {
            let trailer = dir_trailer(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            (usize::from(trailer.db_free_rec_len()), trailer.db_free_next())
        };
        if free >= need {
            let plan = dir_edit::plan_insert(dir_block_region(bh.data(), true), next, name)
                .map_err(|e| meta::corrupt(sb, &e))?;
            return match plan {
                InsertPlan::Room(at) => Ok(Some((bh, at, DxAdd { root: root_bh, leaf, hash, previous }))),
                InsertPlan::Exists => Err(EEXIST),
                InsertPlan::Full => {
                    pr_err!(
                        "{}: corrupt metadata: directory block {} claims {} free bytes but has no room for {}\n",
                        sb.id(),
                        next,
                        free,
                        need
                    );
                    Err(errno::euclean())
                }
            };
        }
        previous = Some(bh);
        next = following;
    }
    Ok(None)
}

/// Add the planned entry, in `tx`: the entry, its block's free space (leaving the free
/// list when it has no room left), and its index entry.
pub fn apply_add(tx: &Transaction<'_>, block: &BufferHead, at: Insert, dx: DxAdd, name: &[u8], ino: u64, file_type: u8) -> Result {
    let unlinked = tx.change(block, Kind::DirBlock, |data| {
        let region = dir_block_region_mut(data, true);
        dir_edit::apply_insert(region, at, name, ino, file_type);
        let room = dir_edit::max_free_rec_len(region);
        let Ok(mut trailer) = dir_trailer_mut(data) else { return None };
        if room > 0 {
            trailer.set_db_free_rec_len(room);
            return None;
        }
        let next = trailer.db_free_next();
        trailer.set_db_free_rec_len(0);
        trailer.set_db_free_next(0);
        Some(next)
    })?;
    if let (Some(next), Some(previous)) = (unlinked, dx.previous.as_ref()) {
        tx.change(previous, Kind::DirBlock, |data| {
            if let Ok(mut trailer) = dir_trailer_mut(data) {
                trailer.set_db_free_next(next);
            }
        })?;
    }
    let dirent_blk = block.block_number();
    let (major, minor) = dx.hash;
    if let Some(leaf) = dx.leaf.as_ref() {
        tx.change(leaf, Kind::DxLeaf, |data| {
            if let Ok(mut leaf) = DxLeaf::new(data) {
                leaf.dl_list_mut().push(major, minor, dirent_blk);
            }
        })?;
    }
    let root_heads = dx.previous.is_none();
    let inline = dx.leaf.is_none();
    tx.change(&dx.root, Kind::DxRoot, |data| {
        let Ok(mut root) = DxRoot::new(data) else { return };
        if inline {
            root.dr_entries_mut().push(major, minor, dirent_blk);
        }
        let entries = root.dr_num_entries().saturating_add(1);
        root.set_dr_num_entries(entries);
        if let (Some(next), true) = (unlinked, root_heads) {
            root.set_dr_free_blk(next);
        }
    })
}

/// Find the entry `name` of the indexed directory `dir_bh` through its index.
pub fn find(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Option<(BufferHead, Found, DxRemove)>> {
    let (dir_blkno, root_bh) = root_of(sb, vol, dir_bh)?;
    let hash = dx_name_hash(vol.dx_seed, name);
    let leaf = leaf_for(sb, vol, &root_bh, hash)?;
    let candidates: KVec<(usize, u64)> = {
        let mut candidates = KVec::new();
        let root;
        let leaf_view;
        let list = match &leaf {
            None => {
                root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
                root.dr_entries()
            }
            Some(bh) => {
                leaf_view = DxLeaf::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
                leaf_view.dl_list()
            }
        };
        for (index, entry) in list.entries().enumerate() {
            if (entry.dx_major_hash(), entry.dx_minor_hash()) == hash {
                candidates.push((index, entry.dx_dirent_blk()), GFP_KERNEL)?;
            }
        }
        candidates
    };
    for (index, blkno) in candidates {
        let bh = dir::read_block(sb, vol, blkno, dir_blkno, true)?;
        let found = dir_edit::find(dir_block_region(bh.data(), true), blkno, name).map_err(|e| meta::corrupt(sb, &e))?;
        if let Some(found) = found {
            return Ok(Some((bh, found, DxRemove { root: root_bh, leaf, index })));
        }
    }
    Ok(None)
}

/// Remove a found entry and its index entry, in `tx`; its block joins the free list if it
/// was not on it.
pub fn apply_remove(tx: &Transaction<'_>, block: &BufferHead, found: Found, dx: DxRemove) -> Result {
    let head = DxRoot::new(dx.root.data()).map(|r| r.dr_free_blk()).unwrap_or(0);
    let joined = tx.change(block, Kind::DirBlock, |data| {
        let region = dir_block_region_mut(data, true);
        dir_edit::apply_remove(region, found);
        let room = dir_edit::max_free_rec_len(region);
        let Ok(mut trailer) = dir_trailer_mut(data) else { return false };
        let joins = trailer.db_free_rec_len() == 0;
        if joins {
            trailer.set_db_free_next(head);
        }
        trailer.set_db_free_rec_len(room);
        joins
    })?;
    let index = dx.index;
    if let Some(leaf) = dx.leaf.as_ref() {
        tx.change(leaf, Kind::DxLeaf, |data| {
            if let Ok(mut leaf) = DxLeaf::new(data) {
                leaf.dl_list_mut().remove(index);
            }
        })?;
    }
    let inline = dx.leaf.is_none();
    let blkno = block.block_number();
    tx.change(&dx.root, Kind::DxRoot, |data| {
        let Ok(mut root) = DxRoot::new(data) else { return };
        if inline {
            root.dr_entries_mut().remove(index);
        }
        let entries = root.dr_num_entries().saturating_sub(1);
        root.set_dr_num_entries(entries);
        if joined {
            root.set_dr_free_blk(blkno);
        }
    })
}
