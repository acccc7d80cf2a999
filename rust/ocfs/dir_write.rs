// SPDX-License-Identifier: GPL-2.0

//! Changing directory entries: adding, removing and retargeting names, in inline
//! directories (entries in the inode block) and in directories of blocks, through the
//! format crate's planning of each change (`dir_edit`), so that nothing is changed until
//! the change is known to fit.
//!
//! Callers hold the directory's lock (the VFS holds `i_rwsem` for namespace operations).
//!
//! Not done yet, refused with a log line: directories with an index (`indexed-dirs`, whose
//! names live in a hashed tree too), and growing a directory (turning a full inline
//! directory into blocks, or adding a block).

use crate::format::dinode::{Dinode, INDEXED_DIR_FL, INLINE_DATA_FL};
use crate::format::dir::dir_block_region;
use crate::format::dir_edit::{self, Found, Insert, InsertPlan};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{bindings as c, dir, errno, extent_map, meta};
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
pub struct Add {
    region: Region,
    at: Insert,
}

impl Add {
    pub fn credits(&self) -> u32 {
        self.region.credits()
    }
}

/// A located entry, for removal or retargeting.
pub struct Entry {
    region: Region,
    pub found: Found,
}

impl Entry {
    pub fn credits(&self) -> u32 {
        self.region.credits()
    }
}

fn refuse(sb: &NewSuperBlock, dir: u64, what: &str) -> Error {
    pr_err!("{}: directory {}: {} is not supported yet\n", sb.id(), dir, what);
    errno::code(c::EOPNOTSUPP)
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
    what: &str,
    mut visit: impl FnMut(&[u8], u64) -> Result<Option<R>>,
) -> Result<Option<(Region, R)>> {
    let dinode = Dinode::new(dir_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let dir_blkno = dinode.i_blkno();
    if !dinode.is_dir() {
        pr_err!("{}: corrupt metadata: inode {} is not a directory\n", sb.id(), dir_blkno);
        return Err(errno::euclean());
    }
    let features = dinode.i_dyn_features();
    if features & INDEXED_DIR_FL != 0 {
        return Err(refuse(sb, dir_blkno, what));
    }
    if features & INLINE_DATA_FL != 0 {
        let data = dinode.inline_data();
        let region = data.get(..(dinode.i_size() as usize).min(data.len())).unwrap_or(&[]);
        return Ok(visit(region, dir_blkno)?.map(|r| (Region::Inline, r)));
    }
    let bits = vol.block_bits;
    let trailer = vol.params.meta_ecc();
    let size = dinode.i_size();
    let blocks = (size >> bits) + u64::from(size & ((1 << bits) - 1) != 0);
    for index in 0..blocks {
        crate::vfs::cond_resched();
        let Some((blkno, _)) = extent_map::map_block(sb, vol, dir_bh.data(), index, 1)? else {
            pr_err!("{}: corrupt metadata: directory {} has a hole at block {}\n", sb.id(), dir_blkno, index);
            return Err(errno::euclean());
        };
        let bh = dir::read_block(sb, vol, blkno, dir_blkno, trailer)?;
        if let Some(r) = visit(dir_block_region(bh.data(), trailer), blkno)? {
            return Ok(Some((Region::Block { bh, trailer }, r)));
        }
    }
    Ok(None)
}

/// Plan adding `name` to directory `dir_bh`: `EEXIST` if it is there.
pub fn plan_add(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Add> {
    let found = each_region(sb, vol, dir_bh, "adding names to an indexed directory", |region, blkno| {
        match dir_edit::plan_insert(region, blkno, name).map_err(|e| meta::corrupt(sb, &e))? {
            InsertPlan::Room(at) => Ok(Some(Ok(at))),
            InsertPlan::Exists => Ok(Some(Err(EEXIST))),
            InsertPlan::Full => Ok(None),
        }
    })?;
    match found {
        Some((region, Ok(at))) => Ok(Add { region, at }),
        Some((_, Err(err))) => Err(err),
        None => {
            let dir_blkno = dir_bh.block_number();
            Err(refuse(sb, dir_blkno, "growing a full directory"))
        }
    }
}

/// The entry `name` of directory `dir_bh`, if there is one.
pub fn find(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead, name: &[u8]) -> Result<Option<Entry>> {
    let found = each_region(sb, vol, dir_bh, "removing names from an indexed directory", |region, blkno| {
        dir_edit::find(region, blkno, name).map_err(|e| meta::corrupt(sb, &e))
    })?;
    Ok(found.map(|(region, found)| Entry { region, found }))
}

/// Whether directory `dir_bh` holds nothing but `.` and `..`.
pub fn is_empty(sb: &NewSuperBlock, vol: &Volume, dir_bh: &BufferHead) -> Result<bool> {
    let busy = each_region(sb, vol, dir_bh, "removing an indexed directory", |region, blkno| {
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
                let len = dir_block_region(block, trailer).len();
                change(&mut block[..len])
            })
        }
    }
}

/// Add the planned entry `name` -> `ino` (of `file_type`), in `tx`.
pub fn apply_add(tx: &Transaction<'_>, dir_bh: &BufferHead, add: Add, name: &[u8], ino: u64, file_type: u8) -> Result {
    change_region(tx, dir_bh, &add.region, |region| dir_edit::apply_insert(region, add.at, name, ino, file_type))
}

/// Remove a found entry, in `tx`.
pub fn apply_remove(tx: &Transaction<'_>, dir_bh: &BufferHead, entry: Entry) -> Result {
    change_region(tx, dir_bh, &entry.region, |region| dir_edit::apply_remove(region, entry.found))
}

/// Point a found entry at `ino` (of `file_type`), in `tx`.
pub fn apply_retarget(tx: &Transaction<'_>, dir_bh: &BufferHead, entry: &Entry, ino: u64, file_type: u8) -> Result {
    let offset = entry.found.offset;
    change_region(tx, dir_bh, &entry.region, |region| dir_edit::apply_retarget(region, offset, ino, file_type))
}
