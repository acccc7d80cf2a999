// SPDX-License-Identifier: GPL-2.0

//! Orphans and deletion (`ocfs2_orphan_add`, `ocfs2_delete_inode`, `ocfs2_recover_orphans`
//! of the C ocfs2). An inode that loses its last name is entered in slot 0's orphan
//! directory (named by its block number in hex, flagged `OCFS2_ORPHANED_FL`) in the same
//! transaction; when its last user lets go, its clusters go back to the global bitmap, and
//! then, in one transaction, its orphan entry goes, its inode bit is freed and its block is
//! marked unused. A crash anywhere leaves it in the orphan directory, and the next
//! read-write mount deletes it.
//!
//! Extended attributes go first ([`crate::xattr_write::remove_all`]): values in clusters
//! of their own and the xattr block.
//!
//! Not done yet: reflinked extents, extent blocks of other slots' allocators. They stay
//! orphans, with a log line, for a mount that can delete them.

use crate::{dir_write, dx_tree};
use crate::format::dinode::{Dinode, Id2Kind, ORPHANED_FL, VALID_FL};
use crate::format::dir::FT_DIR;
use crate::format::dir::file_type_of_mode;
use crate::inode_alloc;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{self, BufferHead, INode, NewSuperBlock, SuperBlock};
use crate::volume::Volume;
use crate::{dir, errno, inode, meta, Ocfs2};
use core::ops::ControlFlow;
use kernel::sync::lock::{mutex::MutexBackend, Guard};

/// A held `Mutex<()>`.
type MutexGuard<'a> = Guard<'a, (), MutexBackend>;
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

/// An orphan entry planned for one inode, the orphan directory locked until it is added.
pub struct Orphan<'a> {
    _locked: MutexGuard<'a>,
    dir_bh: BufferHead,
    add: dir_write::Add,
    name: [u8; 16],
    ino: u64,
}

impl Orphan<'_> {
    /// Blocks adding it dirties: the orphan directory's inode, and maybe one of its blocks.
    pub fn credits(&self) -> u32 {
        1 + self.add.credits()
    }
}

/// Plan the orphan entry of inode `ino`.
pub fn plan_orphan<'a>(sb: &NewSuperBlock, vol: &Volume, writable: &'a crate::rw::Writable, ino: u64) -> Result<Orphan<'a>> {
    let locked = writable.orphans.lock();
    let dir_bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.orphan_dir_blkno)?;
    let name = orphan_name(ino);
    let add = dir_write::plan_add(sb, vol, writable, None, &dir_bh, &name)?;
    Ok(Orphan { _locked: locked, dir_bh, add, name, ino })
}

/// Enter the inode (block `inode_bh`) in the orphan directory, in `tx`.
pub fn add_orphan(tx: &Transaction<'_>, orphan: Orphan<'_>, inode_bh: &BufferHead, is_dir: bool) -> Result {
    let mode = Dinode::new(inode_bh.data()).map(|d| d.i_mode()).unwrap_or(0);
    let Orphan { _locked, dir_bh, add, name, ino } = orphan;
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
    // A read-only mount leaves it an orphan, for the next read-write mount to delete.
    if sb.data().writable().is_err() {
        return;
    }
    if let Err(e) = crate::errors::checked(sb, delete(sb, inode.ino())) {
        pr_err!(
            "{}: inode {} could not be deleted (error {}); it stays in the orphan directory\n",
            sb.id(),
            inode.ino(),
            e.to_errno()
        );
    }
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
        d.is_dir()
    };
    // Attribute values in clusters and the xattr block first, each step consistent.
    crate::xattr_write::remove_all(sb, vol, writable, ino)?;
    free_clusters(sb, vol, writable, &bh)?;
    if is_dir {
        dx_tree::free(sb, vol, writable, &bh)?;
    }

    let _orphans_locked = writable.orphans.lock();
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
        // Inline data and fast symlink targets live in the inode block itself.
        if d.id2_kind() != Id2Kind::ExtentList {
            return Ok(());
        }
    }
    crate::extent_write::free_range(sb, vol, writable, crate::extent_tree::Owner::Inode(bh), 0, u32::MAX)?;
    Ok(())
}

/// The inodes slot 0's orphan directory names.
fn orphans(sb: &SuperBlock<Ocfs2>) -> Result<KVec<u64>> {
    let vol = sb.data();
    let mut orphans = KVec::new();
    let mut full = false;
    let _: ControlFlow<()> = dir::walk(sb, vol, vol.orphan_dir_blkno, 0, |entry| {
        if entry.name == b"." || entry.name == b".." {
            return ControlFlow::Continue(());
        }
        if orphans.push(entry.ino, GFP_KERNEL).is_err() {
            full = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if full {
        return Err(ENOMEM);
    }
    Ok(orphans)
}

/// Delete what slot 0's orphan directory holds (`ocfs2_recover_orphans`), at a read-write
/// mount: each orphan is read as an inode and let go, which deletes it.
pub fn recover_orphans(sb: &SuperBlock<Ocfs2>) -> Result {
    let found = orphans(sb)?;
    if found.is_empty() {
        return Ok(());
    }
    let count = found.len();
    for ino in found {
        // Dropping the last reference of an inode without links deletes it.
        drop(inode::get(sb, ino)?);
    }
    let left = orphans(sb)?.len();
    if left == 0 {
        pr_info!("{}: deleted {} orphaned inodes left by the last mount\n", sb.id(), count);
    } else {
        pr_warn!(
            "{}: {} orphaned inodes left by the last mount: {} deleted, {} stay orphans (logged above)\n",
            sb.id(),
            count,
            count.saturating_sub(left),
            left
        );
    }
    Ok(())
}
