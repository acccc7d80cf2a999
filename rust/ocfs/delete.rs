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
//! Not done yet: extent trees deeper than one level of extent blocks, reflinked extents,
//! and indexed xattr blocks. They stay orphans, with a log line, for a mount that can
//! delete them.

use crate::cluster_bitmap::{self, FREE_CREDITS};
use crate::{dir_write, dx_tree};
use crate::format::dinode::{Dinode, Id2Kind, ORPHANED_FL, VALID_FL};
use crate::format::dir::FT_DIR;
use crate::format::extent::{ExtentBlock, ExtentList, EXT_REFCOUNTED};
use crate::suballoc;
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

/// Records freed per transaction: each may touch its own group.
const RECORDS_PER_TRANSACTION: u16 = 16;

/// Give the inode's clusters back, last extent first, a few extents per transaction that
/// also drops them from their list (so a crash leaves a shorter, consistent file), and the
/// extent blocks (one level of them) as they empty.
fn free_clusters(sb: &NewSuperBlock, vol: &Volume, writable: &crate::rw::Writable, bh: &BufferHead) -> Result {
    let ino = bh.block_number();
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    loop {
        let (depth, used, last_child) = {
            let d = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            // Inline data and fast symlink targets live in the inode block itself.
            if d.id2_kind() != Id2Kind::ExtentList {
                return Ok(());
            }
            let list = d.extent_list();
            let used = list.l_next_free_rec();
            let last = used.checked_sub(1).and_then(|i| list.rec(usize::from(i))).map(|r| r.e_blkno());
            (list.l_tree_depth(), used, last)
        };
        if used == 0 {
            return Ok(());
        }
        match (depth, last_child) {
            (0, _) => free_last_records(sb, vol, writable, &bitmap, bh, None)?,
            (1, Some(leaf_blkno)) => {
                let leaf = meta::read_extent_block(sb, &vol.params, vol.blocks, leaf_blkno)?;
                let leaf_used = ExtentBlock::new(leaf.data()).map_err(|e| meta::corrupt(sb, &e))?.h_list().l_next_free_rec();
                if leaf_used > 0 {
                    free_last_records(sb, vol, writable, &bitmap, bh, Some(&leaf))?;
                } else {
                    drop_last_leaf(sb, vol, writable, bh, &leaf)?;
                }
            }
            _ => return Err(refuse(sb, ino, "a file whose extent tree is deeper than one level of extent blocks")),
        }
        vfs::cond_resched();
    }
}

/// Free the clusters of the last records of the leaf list (in the inode, or in `leaf`) and
/// drop the records, in one transaction.
fn free_last_records(
    sb: &NewSuperBlock,
    vol: &Volume,
    writable: &crate::rw::Writable,
    bitmap: &BufferHead,
    inode: &BufferHead,
    leaf: Option<&BufferHead>,
) -> Result {
    let ino = inode.block_number();
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let owner = leaf.unwrap_or(inode);
    let (keep, runs, freed, new_end) = {
        let eb_view;
        let dinode_view;
        let list = match leaf {
            Some(l) => {
                eb_view = ExtentBlock::new(l.data()).map_err(|e| meta::corrupt(sb, &e))?;
                eb_view.h_list()
            }
            None => {
                dinode_view = Dinode::new(inode.data()).map_err(|e| meta::corrupt(sb, &e))?;
                dinode_view.extent_list()
            }
        };
        let used = list.l_next_free_rec();
        let keep = used.saturating_sub(RECORDS_PER_TRANSACTION);
        let mut runs = KVec::new();
        let mut freed = 0u32;
        for index in keep..used {
            let rec = list.rec(usize::from(index)).ok_or_else(errno::euclean)?;
            if rec.e_flags() & EXT_REFCOUNTED != 0 {
                return Err(refuse(sb, ino, "a file with shared (reflinked) extents"));
            }
            let clusters = u32::from(rec.e_leaf_clusters());
            if clusters == 0 {
                continue;
            }
            let first = u32::try_from(rec.e_blkno() >> per_cluster_bits).map_err(|_| errno::euclean())?;
            runs.push(cluster_bitmap::prepare_free(sb, vol, bitmap, first, clusters)?, GFP_KERNEL)?;
            freed = freed.saturating_add(clusters);
        }
        let new_end = keep
            .checked_sub(1)
            .and_then(|i| list.rec(usize::from(i)))
            .map_or(0, |r| r.e_cpos().saturating_add(u32::from(r.e_leaf_clusters())));
        (keep, runs, freed, new_end)
    };
    let _alloc = writable.alloc.lock();
    let credits = 3 + FREE_CREDITS * u32::from(RECORDS_PER_TRANSACTION);
    let tx = writable.transaction(vol, credits)?;
    for run in runs {
        cluster_bitmap::free(&tx, bitmap, run)?;
    }
    let kind = if leaf.is_some() { Kind::ExtentBlock } else { Kind::Inode };
    tx.change(owner, kind, |block| {
        let list = match leaf {
            Some(_) => ExtentBlock::new(block).ok().map(|mut eb| truncate_list(eb.h_list_mut(), keep)),
            None => Dinode::new(block).ok().map(|mut d| truncate_list(d.extent_list_mut(), keep)),
        };
        let _ = list;
    })?;
    tx.change(inode, Kind::Inode, |block| {
        let Ok(mut d) = Dinode::new(block) else { return };
        let clusters = d.i_clusters().saturating_sub(freed);
        d.set_i_clusters(clusters);
        if leaf.is_some() {
            // The root's record of this leaf covers what the leaf still maps.
            let mut root = d.extent_list_mut();
            let last = root.l_next_free_rec().saturating_sub(1);
            if let Some(mut rec) = root.rec_mut(usize::from(last)) {
                let cpos = rec.e_cpos();
                rec.set_e_int_clusters(new_end.saturating_sub(cpos));
            }
        }
    })
}

/// Zero the records of `list` from `keep` on and keep `keep` of them.
fn truncate_list(mut list: ExtentList<&mut [u8]>, keep: u16) {
    let used = list.l_next_free_rec();
    for index in keep..used {
        if let Some(mut rec) = list.rec_mut(usize::from(index)) {
            rec.as_bytes_mut().fill(0);
        }
    }
    list.set_l_next_free_rec(keep);
}

/// Free the empty last leaf and drop its record from the inode, in one transaction.
fn drop_last_leaf(sb: &NewSuperBlock, vol: &Volume, writable: &crate::rw::Writable, inode: &BufferHead, leaf: &BufferHead) -> Result {
    let ino = inode.block_number();
    let (slot, bit, loc) = {
        let eb = ExtentBlock::new(leaf.data()).map_err(|e| meta::corrupt(sb, &e))?;
        (eb.h_suballoc_slot(), eb.h_suballoc_bit(), eb.h_suballoc_loc())
    };
    if slot != 0 {
        return Err(refuse(sb, ino, "an extent block from another slot's allocator"));
    }
    // The leaf before it becomes the last one.
    let previous = {
        let d = Dinode::new(inode.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let list = d.extent_list();
        let used = list.l_next_free_rec();
        used.checked_sub(2).and_then(|i| list.rec(usize::from(i))).map(|r| r.e_blkno())
    };
    let previous_bh = match previous {
        Some(blkno) => Some(meta::read_extent_block(sb, &vol.params, vol.blocks, blkno)?),
        None => None,
    };
    let _alloc = writable.alloc.lock();
    let tx = writable.transaction(vol, 2 + suballoc::CLAIM_CREDITS)?;
    suballoc::free_block(&tx, sb, vol, vol.extent_alloc_blkno, leaf.block_number(), bit, loc)?;
    if let Some(previous_bh) = previous_bh.as_ref() {
        tx.change(previous_bh, Kind::ExtentBlock, |block| {
            if let Ok(mut eb) = ExtentBlock::new(block) {
                eb.set_h_next_leaf_blk(0);
            }
        })?;
    }
    tx.change(inode, Kind::Inode, |block| {
        let Ok(mut d) = Dinode::new(block) else { return };
        let root = d.extent_list_mut();
        let used = root.l_next_free_rec().saturating_sub(1);
        truncate_list(root, used);
        if used == 0 {
            d.extent_list_mut().set_l_tree_depth(0);
        }
        d.set_i_last_eb_blk(previous.unwrap_or(0));
    })
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
