// SPDX-License-Identifier: GPL-2.0

//! Directories: walking the entries (inline in the inode, or in directory blocks with an
//! optional trailer), for `readdir` and `lookup`.
//!
//! Positions are byte offsets into the directory, as in the C ocfs2, so `telldir` cookies
//! stay valid as long as the entry exists.

use crate::{dx, extent_map};
use crate::format::dinode::{Dinode, INDEXED_DIR_FL, INLINE_DATA_FL};
use crate::format::dir::{
    dir_block_check_offset, dir_block_region, dir_entries, dir_trailer, DirEntry, FT_BLKDEV,
    FT_CHRDEV, FT_DIR, FT_FIFO, FT_REG_FILE, FT_SOCK, FT_SYMLINK, MAX_FILENAME_LEN,
};
use crate::meta;
use crate::vfs::{BufferHead, DirEmitter, DirEntryType, NewSuperBlock};
use crate::volume::Volume;
use core::ops::ControlFlow;
use crate::errno;
use kernel::prelude::*;

/// A live entry found in a directory.
pub struct Entry<'a> {
    /// Its position (byte offset in the directory).
    pub pos: i64,
    /// The position of the entry after it.
    pub next: i64,
    pub name: &'a [u8],
    /// The inode's block number.
    pub ino: u64,
    /// `FT_*`.
    pub file_type: u8,
}

/// Visit the live entries of directory `dir_blkno` from position `start` on, in order, until
/// `visit` breaks. Returns whether it broke.
pub fn walk(
    sb: &NewSuperBlock,
    vol: &Volume,
    dir_blkno: u64,
    start: i64,
    visit: impl FnMut(&Entry<'_>) -> ControlFlow<()>,
) -> Result<ControlFlow<()>> {
    let di_bh = meta::read_dinode(sb, &vol.params, vol.blocks, dir_blkno)?;
    walk_dinode(sb, vol, di_bh.data(), start, visit)
}

/// [`walk`] over the directory whose checked inode block is `dinode_block`.
fn walk_dinode(
    sb: &NewSuperBlock,
    vol: &Volume,
    dinode_block: &[u8],
    start: i64,
    mut visit: impl FnMut(&Entry<'_>) -> ControlFlow<()>,
) -> Result<ControlFlow<()>> {
    let start = u64::try_from(start).unwrap_or(0);
    let first = start >> vol.block_bits;
    let found = find_region(sb, vol, dinode_block, first, |region, blkno, index| {
        let flow = visit_region(sb, region, blkno, index << vol.block_bits, start, &mut visit)?;
        Ok(flow.is_break().then_some(()))
    })?;
    Ok(if found.is_some() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
}

/// A directory block as [`find_region`] found it: its buffer, and whether it has a trailer.
pub type FoundBlock = Option<(BufferHead, bool)>;

/// Visit the entry regions of the directory whose checked inode block is `dinode_block` in
/// order, from its block `first` on: the inline data (block number: the inode's, index 0),
/// or each block less its trailer (its block number and index in the directory), until
/// `visit` returns `Some`. Returns that, with the block it came from (`None`: inline).
pub fn find_region<R>(
    sb: &NewSuperBlock,
    vol: &Volume,
    dinode_block: &[u8],
    first: u64,
    mut visit: impl FnMut(&[u8], u64, u64) -> Result<Option<R>>,
) -> Result<Option<(FoundBlock, R)>> {
    let dinode = Dinode::new(dinode_block).map_err(|e| meta::corrupt(sb, &e))?;
    let dir_blkno = dinode.i_blkno();
    if !dinode.is_dir() {
        pr_err!("{}: corrupt metadata: inode {} is not a directory\n", sb.id(), dir_blkno);
        return Err(errno::euclean());
    }
    let size = dinode.i_size();
    let dyn_features = dinode.i_dyn_features();
    if dyn_features & INLINE_DATA_FL != 0 {
        let data = dinode.inline_data();
        let region = data.get(..(size as usize).min(data.len())).unwrap_or(&[]);
        return Ok(visit(region, dir_blkno, 0)?.map(|r| (None, r)));
    }
    let bits = vol.block_bits;
    let trailer = vol.params.meta_ecc() || dyn_features & INDEXED_DIR_FL != 0;
    let blocks = (size >> bits) + u64::from(size & ((1 << bits) - 1) != 0);
    for index in first..blocks {
        crate::vfs::cond_resched();
        let Some((blkno, _)) = extent_map::map_block(sb, vol, dinode_block, index, 1)? else {
            pr_err!("{}: corrupt metadata: directory {} has a hole at block {}\n", sb.id(), dir_blkno, index);
            return Err(errno::euclean());
        };
        let bh = read_block(sb, vol, blkno, dir_blkno, trailer)?;
        if let Some(r) = visit(dir_block_region(bh.data(), trailer), blkno, index)? {
            return Ok(Some((Some((bh, trailer)), r)));
        }
    }
    Ok(None)
}

/// A checked directory block of directory `dir_blkno`, which has a trailer or not.
pub fn read_block(sb: &NewSuperBlock, vol: &Volume, blkno: u64, dir_blkno: u64, trailer: bool) -> Result<BufferHead> {
    if !trailer {
        return meta::read(sb, vol.blocks, blkno, "directory block");
    }
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "directory block", dir_block_check_offset)?;
    dir_trailer(bh.data())
        .and_then(|t| t.validate(blkno, dir_blkno))
        .map_err(|e| meta::corrupt(sb, &e))?;
    Ok(bh)
}

/// The inode of entry `name` in one region (a directory block's entries).
pub fn find_in_region(sb: &NewSuperBlock, region: &[u8], blkno: u64, name: &[u8]) -> Result<Option<u64>> {
    let mut matcher = NameMatcher::new(name);
    let _ = visit_region(sb, region, blkno, 0, 0, &mut |entry: &Entry<'_>| matcher.visit(entry))?;
    Ok(matcher.found)
}

/// Looks for one name among the entries it visits.
struct NameMatcher<'n> {
    name: &'n [u8],
    found: Option<u64>,
}

impl<'n> NameMatcher<'n> {
    fn new(name: &'n [u8]) -> Self {
        Self { name, found: None }
    }

    fn visit(&mut self, entry: &Entry<'_>) -> ControlFlow<()> {
        if entry.name == self.name {
            self.found = Some(entry.ino);
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// Visit the live entries of one region (a block, or the inline data) that starts at
/// directory position `base`, skipping those before `start`.
fn visit_region(
    sb: &NewSuperBlock,
    region: &[u8],
    blkno: u64,
    base: u64,
    start: u64,
    visit: &mut impl FnMut(&Entry<'_>) -> ControlFlow<()>,
) -> Result<ControlFlow<()>> {
    for item in dir_entries(region, blkno) {
        let (offset, entry): (usize, DirEntry<&[u8]>) = item.map_err(|e| meta::corrupt(sb, &e))?;
        let pos = base + offset as u64;
        if pos < start || !entry.is_live() {
            continue;
        }
        let found = Entry {
            pos: pos as i64,
            next: (pos + u64::from(entry.rec_len())) as i64,
            name: entry.name(),
            ino: entry.inode(),
            file_type: entry.file_type(),
        };
        if let ControlFlow::Break(()) = visit(&found) {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// The inode block number of entry `name` in directory `dir_blkno`.
pub fn find(sb: &NewSuperBlock, vol: &Volume, dir_blkno: u64, name: &[u8]) -> Result<Option<u64>> {
    if name.len() > MAX_FILENAME_LEN {
        return Err(errno::enametoolong());
    }
    // One read of the directory's inode serves the index and, if needed, the scan.
    let di_bh = meta::read_dinode(sb, &vol.params, vol.blocks, dir_blkno)?;
    if let Some(answer) = dx::lookup(sb, vol, di_bh.data(), name)? {
        return Ok(answer);
    }
    let mut matcher = NameMatcher::new(name);
    let _ = walk_dinode(sb, vol, di_bh.data(), 0, |entry| matcher.visit(entry))?;
    Ok(matcher.found)
}

/// `readdir`: emit entries from the emitter's position until the reader is full or the
/// directory ends.
pub fn read_dir(sb: &NewSuperBlock, vol: &Volume, dir_blkno: u64, dir_size: u64, emitter: &mut DirEmitter<'_>) -> Result {
    let start = emitter.pos();
    if start < 0 || start as u64 >= dir_size {
        return Ok(());
    }
    let flow = walk(sb, vol, dir_blkno, start, |entry| {
        if emitter.emit(entry.pos, entry.next, entry.name, entry.ino, entry_type(entry.file_type)) {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })?;
    if let ControlFlow::Continue(()) = flow {
        emitter.set_pos(dir_size as i64);
    }
    Ok(())
}

fn entry_type(file_type: u8) -> DirEntryType {
    match file_type {
        FT_REG_FILE => DirEntryType::Reg,
        FT_DIR => DirEntryType::Dir,
        FT_CHRDEV => DirEntryType::Chr,
        FT_BLKDEV => DirEntryType::Blk,
        FT_FIFO => DirEntryType::Fifo,
        FT_SOCK => DirEntryType::Sock,
        FT_SYMLINK => DirEntryType::Lnk,
        _ => DirEntryType::Unknown,
    }
}
