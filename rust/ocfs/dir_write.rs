// SPDX-License-Identifier: GPL-2.0

//! Changing directory entries: adding, removing and retargeting names, in inline
//! directories (entries in the inode block) and in directories of blocks, through the
//! format crate's planning of each change (`dir_edit`), so that nothing is changed until
//! the change is known to fit.
//!
//! Callers hold the directory's lock (the VFS holds `i_rwsem` for namespace operations).
//!
//! Indexed directories keep an index entry per name besides ([`crate::dx_write`]); a full
//! directory grows first ([`crate::dir_grow`]).

use crate::format::dinode::{Dinode, INDEXED_DIR_FL, INLINE_DATA_FL};
use crate::format::dir::dir_block_region_mut;
use crate::format::dir_edit::{self, Found, Insert, InsertPlan};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::rw::Writable;
use crate::vfs::INode;
use crate::{dir, dir_grow, dx_tree, dx_write, errno, meta, Ocfs2};
use kernel::prelude::*;

/// Where the entries being changed live.
pub enum Region {
    /// In the directory's inode block.
    Inline,
    /// In a directory block, with or without a trailer.
    Block { bh: BufferHead, trailer: bool },
}

impl Region {
    /// Blocks a change of this region dirties beyond the directory's inode block.
    pub fn credits(&self) -> u32 {
        match self {
            Region::Inline => 0,
            Region::Block { .. } => 1,
        }
    }
}

/// A planned addition.
pub enum Add {
    Plain { region: Region, at: Insert },
    Indexed { block: BufferHead, at: Insert, dx: dx_write::DxAdd },
}

impl Add {
    /// Blocks applying it dirties beyond the directory's inode block.
    pub fn credits(&self) -> u32 {
        match self {
            Add::Plain { region, .. } => region.credits(),
            Add::Indexed { .. } => dx_write::CREDITS,
        }
    }
}

/// A located entry, for removal or retargeting.
pub struct Entry {
    region: Region,
    pub found: Found,
    dx: Option<dx_write::DxRemove>,
}

impl Entry {
    /// Blocks removing it dirties beyond the directory's inode block.
    pub fn credits(&self) -> u32 {
        if self.dx.is_some() { dx_write::CREDITS } else { self.region.credits() }
    }
}

/// Whether the directory whose checked inode block is `dir_bh` has an index.
fn indexed(sb: &NewSuperBlock, dir_bh: &BufferHead) -> Result<bool> {
    let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let features = dinode.i_dyn_features();
    Ok(features & INDEXED_DIR_FL != 0 && features & INLINE_DATA_FL == 0)
}

/// The entries of an inline directory, up to `i_size`.
fn inline_region(block: &mut [u8]) -> &mut [u8] {
    let Ok(dinode) = Dinode::new(&*block) else { return &mut [] };
    let len = (dinode.i_size() as usize).min(dinode.inline_data().len());
    let start = Dinode::<()>::INLINE_DATA_OFFSET;
    block.get_mut(start..start + len).unwrap_or(&mut [])
}

/// Visit the regions of directory `dir_bh` (checked) until `visit` returns `Some`.
fn each_region<R>(
    sb: &NewSuperBlock,
    vol: &Volume,
    dir_bh: &BufferHead,
    mut visit: impl FnMut(&[u8], u64) -> Result<Option<R>>,
) -> Result<Option<(Region, R)>> {
    let found = dir::find_region(sb, vol, dir_bh.data(), 0, |region, blkno, _| visit(region, blkno))?;
    Ok(found.map(|(block, r)| match block {
        None => (Region::Inline, r),
        Some((bh, trailer)) => (Region::Block { bh, trailer }, r),
    }))
}

/// Plan adding `name` to directory `dir_bh` (whose VFS inode is `dir`, if in memory),
/// growing the directory first when it is full: `EEXIST` if the name is there.
pub fn plan_add(
    sb: &NewSuperBlock,
    vol: &Volume,
    writable: &Writable,
    dir: Option<&INode<Ocfs2>>,
    dir_bh: &BufferHead,
    name: &[u8],
) -> Result<Add> {
    dx_tree::make_room(sb, vol, writable, dir_bh, name)?;
    if let Some(add) = plan_in_place(sb, vol, dir_bh, name)? {
        return Ok(add);
    }
    dir_grow::grow(sb, vol, writable, dir, dir_bh)?;
    // Growing may have just given the directory its index.
    dx_tree::make_room(sb, vol, writable, dir_bh, name)?;
    plan_in_place(sb, vol, dir_bh, name)?.ok_or_else(|| {
        pr_err!("{}: directory {}: no room for a name after growing\n", sb.id(), dir_bh.block_number());
        errno::euclean()
    })
}

/// Plan adding `name` to directory `dir_bh` without growing it; `None` when it is full.
fn plan_in_place(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Option<Add>> {
    if indexed(sb, dir_bh)? {
        return Ok(dx_write::plan_add(sb, vol, dir_bh, name)?.map(|(block, at, dx)| Add::Indexed { block, at, dx }));
    }
    let found = each_region(sb, vol, dir_bh, |region, blkno| {
        match dir_edit::plan_insert(region, blkno, name).map_err(|e| meta::corrupt(sb, &e))? {
            InsertPlan::Room(at) => Ok(Some(Ok(at))),
            InsertPlan::Exists => Ok(Some(Err(EEXIST))),
            InsertPlan::Full => Ok(None),
        }
    })?;
    match found {
        Some((region, Ok(at))) => Ok(Some(Add::Plain { region, at })),
        Some((_, Err(err))) => Err(err),
        None => Ok(None),
    }
}

/// The entry `name` of directory `dir_bh`, if there is one (through the index of an
/// indexed directory).
pub fn find(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Option<Entry>> {
    if indexed(sb, dir_bh)? {
        let found = dx_write::find(sb, vol, dir_bh, name)?;
        if found.is_none() && dir::find(sb, vol, dir_bh.block_number(), name)?.is_some() {
            pr_err!("{}: corrupt metadata: directory {} holds a name its index does not\n", sb.id(), dir_bh.block_number());
            return Err(errno::euclean());
        }
        return Ok(found.map(|(bh, found, dx)| Entry { region: Region::Block { bh, trailer: true }, found, dx: Some(dx) }));
    }
    find_scan(sb, vol, dir_bh, name)
}

/// The entry `name` of directory `dir_bh`, by reading its blocks (for `..`, which no
/// index change follows).
pub fn find_scan(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Option<Entry>> {
    let found = each_region(sb, vol, dir_bh, |region, blkno| {
        dir_edit::find(region, blkno, name).map_err(|e| meta::corrupt(sb, &e))
    })?;
    Ok(found.map(|(region, found)| Entry { region, found, dx: None }))
}

/// Whether directory `dir_bh` holds nothing but `.` and `..`.
pub fn is_empty(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead) -> Result<bool> {
    let busy = each_region(sb, vol, dir_bh, |region, blkno| {
        let empty = dir_edit::only_dots(region, blkno).map_err(|e| meta::corrupt(sb, &e))?;
        Ok((!empty).then_some(()))
    })?;
    Ok(busy.is_none())
}

/// Change the bytes of `region` of directory `dir_bh` in `tx`.
fn change_region(tx: &Transaction<'_>, dir_bh: &BufferHead, region: &Region, change: impl FnOnce(&mut [u8])) -> Result {
    match region {
        Region::Inline => tx.change(dir_bh, Kind::Inode, |block| change(inline_region(block))),
        Region::Block { bh, trailer } => {
            let trailer = *trailer;
            tx.change(bh, if trailer { Kind::DirBlock } else { Kind::Plain }, |block| {
                change(dir_block_region_mut(block, trailer))
            })
        }
    }
}

/// Add the planned entry `name` -> `ino` (of `file_type`), in `tx`.
pub fn apply_add(tx: &Transaction<'_>, dir_bh: &BufferHead, add: Add, name: &[u8], ino: u64, file_type: u8) -> Result {
    match add {
        Add::Plain { region, at } => {
            change_region(tx, dir_bh, &region, |region| dir_edit::apply_insert(region, at, name, ino, file_type))
        }
        Add::Indexed { block, at, dx } => dx_write::apply_add(tx, &block, at, dx, name, ino, file_type),
    }
}

/// Remove a found entry, in `tx`.
pub fn apply_remove(tx: &Transaction<'_>, dir_bh: &BufferHead, entry: Entry) -> Result {
    match (entry.dx, entry.region) {
        (Some(dx), Region::Block { bh, .. }) => dx_write::apply_remove(tx, &bh, entry.found, dx),
        (_, region) => change_region(tx, dir_bh, &region, |r| dir_edit::apply_remove(r, entry.found)),
    }
}

/// Point a found entry at `ino` (of `file_type`), in `tx`.
pub fn apply_retarget(tx: &Transaction<'_>, dir_bh: &BufferHead, entry: &Entry, ino: u64, file_type: u8) -> Result {
    let offset = entry.found.offset;
    change_region(tx, dir_bh, &entry.region, |region| dir_edit::apply_retarget(region, offset, ino, file_type))
}
