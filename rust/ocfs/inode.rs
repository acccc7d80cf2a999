// SPDX-License-Identifier: GPL-2.0

//! Inodes: reading an OCFS2 inode block into a VFS inode (`ocfs2_populate_inode`).

use crate::format::dinode::{attr, Dinode, INLINE_DATA_FL};
use crate::meta;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, INode, INodeParams, SuperBlock, Timespec};
use crate::{bindings as c, Ocfs2};
use kernel::prelude::*;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::types::ARef;

/// What ocfs keeps of each inode beside the VFS inode. The inode number is the block number
/// of the inode (as in the C ocfs2), so the inode block is found again from `ino`.
pub struct InodeInfo {
    /// The data lives in the inode block (`OCFS2_INLINE_DATA_FL`). Cleared once, when a
    /// write moves the data out to a cluster (under the inode lock, after the inode block
    /// says so).
    inline_data: AtomicBool,
    /// A symlink whose target lives in the inode block.
    pub fast_symlink: bool,
    /// A symlink (fast or with its target in a cluster).
    pub symlink: bool,
}

impl InodeInfo {
    /// Whether the data is reached through the extent tree.
    pub fn maps_blocks(&self) -> bool {
        !self.inline() && !self.symlink
    }

    /// Whether the data lives in the inode block.
    pub fn inline(&self) -> bool {
        self.inline_data.load(Ordering::Acquire)
    }

    /// The data moved out of the inode block to the extent tree.
    pub fn set_extents(&self) {
        self.inline_data.store(false, Ordering::Release);
    }
}

/// The inode at block `blkno`.
pub fn get(sb: &SuperBlock<Ocfs2>, blkno: u64) -> Result<ARef<INode<Ocfs2>>> {
    let vol = sb.data();
    sb.get_inode(blkno, || {
        let bh = meta::read_dinode(sb, &vol.params, vol.blocks, blkno)?;
        let dinode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        Ok(read(vol.cluster_bits, &dinode))
    })
}

/// `st_blocks`: the clusters allocated, and for data kept in the inode block its size in
/// sectors, as the C ocfs2 reports it (`ocfs2_getattr`), so tar, cp and rsync do not take a
/// small inline file for an all-hole one.
fn sectors(cluster_bits: u32, clusters: u64, inline_data: bool, size: u64) -> u64 {
    let allocated = clusters << (cluster_bits - 9);
    if inline_data {
        allocated.saturating_add(size.saturating_add(511) >> 9)
    } else {
        allocated
    }
}

fn time(sec: u64, nsec: u32) -> Timespec {
    Timespec { sec: sec as i64, nsec: nsec.min(999_999_999) }
}

/// The VFS view of a checked inode block.
fn read(cluster_bits: u32, dinode: &Dinode<&[u8]>) -> (INodeParams, InodeInfo) {
    let mode = dinode.i_mode();
    let inline_data = dinode.i_dyn_features() & INLINE_DATA_FL != 0;
    let clusters = u64::from(dinode.i_clusters());
    let is_symlink = u32::from(mode) & c::S_IFMT == c::S_IFLNK;
    let attrs = dinode.i_attr();
    let flags = [
        (attr::IMMUTABLE, c::S_IMMUTABLE),
        (attr::APPEND, c::S_APPEND),
        (attr::SYNC, c::S_SYNC),
        (attr::NOATIME, c::S_NOATIME),
        (attr::DIRSYNC, c::S_DIRSYNC),
    ]
    .iter()
    .filter(|(on_disk, _)| attrs & on_disk != 0)
    .fold(0, |acc, (_, vfs)| acc | vfs);
    let params = INodeParams {
        mode,
        uid: dinode.i_uid(),
        gid: dinode.i_gid(),
        nlink: dinode.links(),
        size: dinode.i_size(),
        sectors: sectors(cluster_bits, clusters, inline_data, dinode.i_size()),
        atime: time(dinode.i_atime(), dinode.i_atime_nsec()),
        mtime: time(dinode.i_mtime(), dinode.i_mtime_nsec()),
        ctime: time(dinode.i_ctime(), dinode.i_ctime_nsec()),
        generation: dinode.i_generation(),
        flags,
        rdev: dinode.i_rdev(),
    };
    let info = InodeInfo { inline_data: AtomicBool::new(inline_data), fast_symlink: is_symlink && clusters == 0 && !inline_data,
        symlink: is_symlink,
    };
    (params, info)
}

/// `FileSystem::setattr` of ocfs: what this build can change. Mode, owner and times go
/// to disk with [`write`]; a new size first through [`crate::truncate`].
pub fn setattr(inode: &INode<Ocfs2>, size: Option<u64>) -> Result {
    inode.super_block().data().writable()?;
    match size {
        Some(size) => crate::truncate::set_size(inode, size),
        None => Ok(()),
    }
}

/// `atime_quantum=` (`ocfs2_should_update_atime`): an access time already later than the
/// file's last change, and at most the quantum old, is kept: reading a file again and again
/// costs no inode write (under `strictatime`; `relatime` already asks for no more).
pub fn keeps_atime(inode: &INode<Ocfs2>) -> bool {
    let quantum = inode.super_block().data().options().atime_quantum;
    let attrs = inode.attrs();
    let key = |t: Timespec| (t.sec, t.nsec);
    key(attrs.atime) > key(attrs.mtime)
        && key(attrs.atime) > key(attrs.ctime)
        && crate::vfs::now_seconds() as i64 - attrs.atime.sec <= i64::from(quantum)
}

/// Write the VFS inode's attributes to its inode block, in one transaction
/// (`ocfs2_mark_inode_dirty`).
pub fn write(inode: &INode<Ocfs2>) -> Result {
    let sb = inode.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, inode.ino())?;
    let tx = writable.transaction(vol, 1)?;
    write_in(&tx, inode, &bh)
}

/// Write the VFS inode's attributes (mode, owner, links, size, times) to its inode block
/// `bh`, in `tx`.
pub fn write_in(tx: &Transaction<'_>, inode: &INode<Ocfs2>, bh: &BufferHead) -> Result {
    let attrs = inode.attrs();
    tx.change(bh, Kind::Inode, |block| {
        let Ok(mut dinode) = Dinode::new(block) else { return };
        dinode.set_i_mode(attrs.mode);
        dinode.set_i_uid(attrs.uid);
        dinode.set_i_gid(attrs.gid);
        dinode.set_links(attrs.nlink);
        dinode.set_i_size(attrs.size);
        dinode.set_i_atime(attrs.atime.sec as u64);
        dinode.set_i_atime_nsec(attrs.atime.nsec);
        dinode.set_i_mtime(attrs.mtime.sec as u64);
        dinode.set_i_mtime_nsec(attrs.mtime.nsec);
        dinode.set_i_ctime(attrs.ctime.sec as u64);
        dinode.set_i_ctime_nsec(attrs.ctime.nsec);
    })
}
