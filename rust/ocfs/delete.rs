// SPDX-License-Identifier: GPL-2.0

//! Orphans and deletion (`ocfs2_orphan_add`, `ocfs2_delete_inode`, `ocfs2_recover_orphans`
//! of the C ocfs2). An inode that loses its last name is entered in slot 0's orphan
//! directory (named by its block number in hex, flagged `OCFS2_ORPHANED_FL`) in the same
//! transaction; when its last user lets go, its clusters go back to the global bitmap, and
//! then, in one transaction, its orphan entry goes, its inode bit is freed and its block is
//! marked unused. A crash anywhere leaves it in the orphan directory, and the next
//! read-write mount deletes it.
//!
//! Not done yet: reflinked extents, extent blocks of other slots' allocators, and inodes
//! with an external xattr block. They stay orphans, with a log line, for a
//! mount that can delete them.

use crate::dir_write;
use crate::format::dinode::{Dinode, INLINE_DATA_FL, ORPHANED_FL, VALID_FL, HAS_XATTR_FL, INLINE_XATTR_FL};
use crate::format::dir::FT_DIR;
use crate::format::dir::file_type_of_mode;
use crate::inode_alloc;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{self, BufferHead, INode, NewSuperBlock, SuperBlock};
use crate::volume::Volume;
use crate::{dir, errno, inode, meta, Ocfs2};
use core::ops::ControlFlow;
use kernel::prelude::*;

/// The name of an inode's orphan entry: its block number in 16 hex digits.
fn orphan_name(blkno: u64) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut name = [0u8; 16];
    for (i, c) in name.iter_mut().enumerate() {
        *c = HEX[((blkno >> (60 - 4 * i)) & 0xf) as usize];
    }
    name
}

/// An orphan entry planned for one inode.
pub struct Orphan {
    dir_bh: BufferHead,
    add: dir_write::Add,
    name: [u8; 16],
    ino: u64,
}

impl Orphan {
    /// Blocks adding it dirties: the orphan directory's inode, and maybe one of its blocks.
    pub fn credits(&self) -> u32 {
        1 + self.add.credits()
    }
}

/// Plan the orphan entry of inode `ino`.
pub fn plan_orphan(sb: &NewSuperBlock, vol: &Volume, writable: &crate::rw::Writable, ino: u64) -> Result<Orphan> {
    let dir_bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.orphan_dir_blkno)?;
    let name = orphan_name(ino);
    let add = dir_write::plan_add(sb, vol, writable, None, &dir_bh, &name)?;
    Ok(Orphan { dir_bh, add, name, ino })
}

/// Enter the inode (block `inode_bh`) in the orphan directory, in `tx`.
pub fn add_orphan(tx: &Transaction<'_>, orphan: Orphan, inode_bh: &BufferHead, is_dir: bool) -> Result {
    let mode = Dinode::new(inode_bh.data()).map(|d| d.i_mode()).unwrap_or(0);
    let Orphan { dir_bh, add, name, ino } = orphan;
    dir_write::apply_add(tx, &dir_bh, add, &name, ino, if is_dir { FT_DIR } else { file_type_of_mode(mode) })?;
    if is_dir {
        // A directory's `..` counts as a link of the orphan directory while it is there.
        tx.change(&dir_bh, Kind::Inode, |block| {
            if let Ok(mut d) = Dinode::new(block) {
                let links = d.links().saturating_add(1);
                d.set_links(links);
            }
        })?;
    }
    tx.change(inode_bh, Kind::Inode, |block| {
        if let Ok(mut d) = Dinode::new(block) {
            let flags = d.i_flags() | ORPHANED_FL;
            d.set_i_flags(flags);
            d.set_i_orphaned_slot(0);
        }
    })
}

/// `FileSystem::evict_unlinked` of ocfs: delete an inode whose last name and user are gone.
pub fn evict_unlinked(inode: &INode<Ocfs2>) {
    let sb = inode.super_block();
    if sb.data().rw.get().is_none() {
        return;
    }
    if let Err(e) = delete(sb, inode.ino()) {
        pr_err!(
            "{}: inode {} could not be deleted (error {}); it stays in the orphan directory\n",
            sb.id(),
            inode.ino(),
            e.to_errno()
        );
    }
}

fn refuse(sb: &NewSuperBlock, ino: u64, what: &str) -> Error {
    pr_err!("{}: inode {}: deleting {} is not supported yet; it stays an orphan\n", sb.id(), ino, what);
    errno::code(crate::bindings::EOPNOTSUPP)
}

/// Delete orphan inode `ino`: its clusters, then its orphan entry, bit and block.
fn delete(sb: &SuperBlock<Ocfs2>, ino: u64) -> Result {
    let vol = sb.data();
    let writable = vol.writable()?;
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, ino)?;
    let is_dir = {
        let d = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if d.i_flags() & ORPHANED_FL == 0 || d.links() != 0 {
            pr_err!("{}: inode {} has no links in memory but is not an orphan on disk\n", sb.id(), ino);
            return Err(errno::euclean());
        }
        if d.i_dyn_features() & HAS_XATTR_FL != 0 && d.i_dyn_features() & INLINE_XATTR_FL == 0 || d.i_xattr_loc() != 0 {
            return Err(refuse(sb, ino, "an inode with an xattr block"));
        }
        d.is_dir()
    };
    free_clusters(sb, vol, writable, &bh)?;

    let orphans = meta::read_dinode(sb, &vol.params, vol.blocks, vol.orphan_dir_blkno)?;
    let entry = dir_write::find(sb, vol, &orphans, &orphan_name(ino))?;
    let _alloc = writable.alloc.lock();
    let tx = writable.transaction(vol, 2 + inode_alloc::CREDITS + entry.as_ref().map_or(0, dir_write::Entry::credits))?;
    if let Some(entry) = entry {
        dir_write::apply_remove(&tx, &orphans, entry)?;
        if is_dir {
            tx.change(&orphans, Kind::Inode, |block| {
                if let Ok(mut d) = Dinode::new(block) {
                    let links = d.links().saturating_sub(1);
                    d.set_links(links);
                }
            })?;
        }
    } else {
        pr_warn!("{}: orphan inode {} had no entry in the orphan directory\n", sb.id(), ino);
    }
    {
        let d = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        inode_alloc::free(&tx, sb, vol, &d)?;
    }
    let now = vfs::now_seconds();
    tx.change(&bh, Kind::Inode, |block| {
        if let Ok(mut d) = Dinode::new(block) {
            let flags = d.i_flags() & !(VALID_FL | ORPHANED_FL);
            d.set_i_flags(flags);
            d.set_i_dtime(now);
        }
    })
}

/// Give the inode's clusters back, last extent first, a leaf's worth of extents per
/// transaction that also drops them from the tree (so a crash leaves a shorter, consistent
/// file), and the extent blocks as they empty (`ocfs2_commit_truncate`).
fn free_clusters(sb: &NewSuperBlock, vol: &Volume, writable: &crate::rw::Writable, bh: &BufferHead) -> Result {
    {
        let d = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if d.i_dyn_features() & INLINE_DATA_FL != 0 {
            return Ok(());
        }
    }
    crate::extent_write::free_range(sb, vol, writable, bh, 0, u32::MAX)?;
    Ok(())
}

/// Delete what slot 0's orphan directory holds (`ocfs2_recover_orphans`), at a read-write
/// mount: each orphan is read as an inode and let go, which deletes it.
pub fn recover_orphans(sb: &SuperBlock<Ocfs2>) -> Result {
    let vol = sb.data();
    let mut orphans = KVec::new();
    let mut bad = false;
    let _: ControlFlow<()> = dir::walk(sb, vol, vol.orphan_dir_blkno, 0, |entry| {
        if entry.name == b"." || entry.name == b".." {
            return ControlFlow::Continue(());
        }
        if orphans.push(entry.ino, GFP_KERNEL).is_err() {
            bad = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if bad {
        return Err(ENOMEM);
    }
    if orphans.is_empty() {
        return Ok(());
    }
    let count = orphans.len();
    for ino in orphans {
        // Dropping the last reference of an inode without links deletes it.
        drop(inode::get(sb, ino)?);
    }
    pr_info!("{}: deleted {} orphaned inodes left by the last mount\n", sb.id(), count);
    Ok(())
}
