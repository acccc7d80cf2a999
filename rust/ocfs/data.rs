// SPDX-License-Identifier: GPL-2.0

//! File data through the page cache: extent-mapped blocks, inline data and fast symlink
//! targets (`ocfs2_get_block`, `ocfs2_read_inline_data`, the fast symlink address space).

use crate::extent_map;
use crate::format::dinode::{Dinode, INLINE_DATA_FL};
use crate::inode::InodeInfo;
use crate::meta;
use crate::vfs::{INode, LockedFolio};
use crate::Ocfs2;
use kernel::prelude::*;

/// `FileSystem::map_block` of ocfs.
pub fn map_block(inode: &INode<Ocfs2>, block: u64, max: u64) -> Result<Option<(u64, u64)>> {
    let sb = inode.super_block();
    let vol = sb.data();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, inode.ino())?;
    // The inode block decides, not the cached flag: a write may be moving the data out
    // of the inode block right now.
    let inline = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?.i_dyn_features() & INLINE_DATA_FL != 0;
    if inline || inode.data()?.fast_symlink {
        pr_err!("{}: inode {} keeps its data inline; no blocks to map\n", sb.id(), inode.ino());
        return Err(EIO);
    }
    // On a read-write mount, the tree may be mid-edit (a leaf splitting moves records
    // between blocks): walk it under the allocation lock, as the C ocfs2 takes
    // `ip_alloc_sem`. Not for the journal, whose blocks JBD2's commit maps (`bmap`) while
    // a holder of the lock may be waiting for that commit; its tree never changes.
    let journal = inode.ino() == vol.journal_blkno;
    // Also once the journal stopped after an error: a writer may still be mid-edit.
    let _alloc = if journal { None } else { vol.rw.get().filter(|w| !w.parked()).map(|writable| writable.alloc.lock()) };
    extent_map::map_block(sb, vol, bh.data(), block, max)
}

/// `FileSystem::read_folio` of ocfs.
pub fn read_folio(inode: &INode<Ocfs2>, folio: LockedFolio<'_, Ocfs2>) -> Result {
    let info: &InodeInfo = inode.data()?;
    if info.maps_blocks() {
        return folio.read_mapped();
    }
    let sb = inode.super_block();
    let vol = sb.data();
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, inode.ino())?;
    let dinode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if info.symlink && !info.fast_symlink {
        return read_slow_symlink(inode, folio, bh.data());
    }
    if info.inline() && dinode.i_dyn_features() & INLINE_DATA_FL == 0 {
        // A write moved the data out to a cluster since the check above.
        return folio.read_mapped();
    }
    // Inline data and fast symlinks are smaller than a block, so all of it is in the first
    // folio; later folios (past the end of the file) read as zeros.
    let stored = if info.inline() { dinode.inline_data() } else { dinode.fast_symlink() };
    let size = (inode.size() as usize).min(stored.len());
    let bytes = if folio.pos() == 0 { stored.get(..size).unwrap_or(&[]) } else { &[] };
    folio.fill(bytes);
    Ok(())
}

/// The target of a symlink kept in a cluster, read through the buffer cache (which the
/// journal keeps current, unlike the disk; `ocfs2_symlink_get_block`). Targets are
/// shorter than `PATH_MAX`, so all of it is in the first folio.
fn read_slow_symlink(inode: &INode<Ocfs2>, folio: LockedFolio<'_, Ocfs2>, dinode: &[u8]) -> Result {
    let sb = inode.super_block();
    let vol = sb.data();
    let size = inode.size() as usize;
    if folio.pos() != 0 || size == 0 {
        folio.fill(&[]);
        return Ok(());
    }
    if size >= PATH_MAX {
        pr_err!("{}: corrupt metadata: symlink {} claims a {}-byte target\n", sb.id(), inode.ino(), size);
        return Err(crate::errno::euclean());
    }
    let block_size = vol.params.block_size as usize;
    let mut target = KVec::from_elem(0u8, size, GFP_KERNEL)?;
    for (i, chunk) in target.chunks_mut(block_size.max(1)).enumerate() {
        let Some((start, _)) = extent_map::map_block(sb, vol, dinode, i as u64, 1)? else {
            pr_err!("{}: corrupt metadata: symlink {} has a hole in its target\n", sb.id(), inode.ino());
            return Err(crate::errno::euclean());
        };
        let bh = meta::read(sb, vol.blocks, start, "symlink target")?;
        chunk.copy_from_slice(bh.data().get(..chunk.len()).ok_or(EIO)?);
    }
    folio.fill(&target);
    Ok(())
}

/// `PATH_MAX`: a symlink target and its NUL.
const PATH_MAX: usize = 4096;
