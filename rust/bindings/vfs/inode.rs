// SPDX-License-Identifier: GPL-2.0

//! Inodes: the VFS inode embedded with the filesystem's own per-inode data.

use super::{ops::Tables, FileSystem, SuperBlock};
use crate::bindings as c;
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use kernel::{
    alloc::{flags::GFP_KERNEL, KBox},
    error::{code::*, Result},
    types::{ARef, AlwaysRefCounted, Opaque},
};

/// An inode of filesystem `T`: `struct inode` followed by `T`'s data, allocated by the
/// superblock's `alloc_inode`.
///
/// Invariants: `vfs` is a live inode of a superblock of `T`; `jinode` is initialised for
/// it (JBD2's handle on the inode's data, for ordered writes); `data` is `Some` from the end
/// of [`INode::init_new`] on, and never changes after that.
#[repr(C)]
pub struct INode<T: FileSystem> {
    vfs: Opaque<c::inode>,
    jinode: Opaque<c::jbd2_inode>,
    data: UnsafeCell<Option<T::INodeData>>,
}

// SAFETY: the VFS inode is shared across threads under the VFS's own locking; our data is
// written once before the inode is visible, then only read.
unsafe impl<T: FileSystem> Send for INode<T> {}
// SAFETY: as above.
unsafe impl<T: FileSystem> Sync for INode<T> {}

// SAFETY: `ihold`/`iput` manage the inode's reference count; the inode stays alive while
// a reference exists.
unsafe impl<T: FileSystem> AlwaysRefCounted for INode<T> {
    fn inc_ref(&self) {
        // SAFETY: we hold a reference, so the inode is live.
        unsafe { c::ihold(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owned.
        unsafe { c::iput(obj.as_ptr().cast()) };
    }
}

impl<T: FileSystem> INode<T> {
    /// The C inode, for the binding layer (the VFS glue, JBD2 journals in inodes).
    pub fn as_raw(&self) -> *mut c::inode {
        self.vfs.get()
    }

    /// JBD2's record of the inode's data ranges a transaction orders, for the binding layer.
    pub(crate) fn jbd2_inode(&self) -> *mut c::jbd2_inode {
        self.jinode.get()
    }

    /// # Safety
    /// `inode` must be an inode of a superblock of `T`, alive for `'a`.
    pub(super) unsafe fn from_raw<'a>(inode: *mut c::inode) -> &'a Self {
        // SAFETY: `vfs` is the first field of the `repr(C)` container `alloc_inode` made.
        unsafe { &*inode.cast::<Self>() }
    }

    /// # Safety
    /// `inode` must be an inode of a superblock of `T` whose reference the caller owns.
    pub(super) unsafe fn from_owned(inode: NonNull<c::inode>) -> ARef<Self> {
        // SAFETY: as `from_raw`; the reference passes to the `ARef`.
        unsafe { ARef::from_raw(inode.cast()) }
    }

    /// The inode number.
    pub fn ino(&self) -> u64 {
        // SAFETY: live inode.
        unsafe { c::ocfs_inode_ino(self.as_raw()) }
    }

    /// The file size.
    pub fn size(&self) -> u64 {
        // SAFETY: live inode.
        let size = unsafe { c::ocfs_inode_size(self.as_raw()) };
        size.max(0) as u64
    }

    /// The mode (type and permission bits).
    pub fn mode(&self) -> u16 {
        // SAFETY: live inode.
        unsafe { c::ocfs_inode_mode(self.as_raw()) }
    }

    /// The inode's attributes as the VFS holds them now (after `setattr`).
    pub fn attrs(&self) -> INodeParams {
        let mut a = c::ocfs_inode_attrs::default();
        // SAFETY: live inode; the helper only reads it.
        unsafe { c::ocfs_inode_read_attrs(self.as_raw(), &mut a) };
        let time = |sec: i64, nsec: u32| Timespec { sec, nsec };
        INodeParams {
            mode: a.mode,
            uid: a.uid,
            gid: a.gid,
            nlink: a.nlink,
            size: a.size.max(0) as u64,
            sectors: a.sectors,
            atime: time(a.atime_sec, a.atime_nsec),
            mtime: time(a.mtime_sec, a.mtime_nsec),
            ctime: time(a.ctime_sec, a.ctime_nsec),
            generation: a.generation,
            flags: a.flags,
            rdev: a.rdev,
        }
    }

    /// The link count.
    pub fn nlink(&self) -> u32 {
        // SAFETY: live inode.
        unsafe { c::ocfs_inode_nlink(self.as_raw()) }
    }

    /// Set the link count. Callers hold the inode's lock (the VFS does, in the namespace
    /// operations).
    pub fn set_nlink(&self, nlink: u32) {
        // SAFETY: live inode; `set_nlink` keeps the superblock's orphan accounting.
        unsafe { c::ocfs_inode_set_nlink(self.as_raw(), nlink) }
    }

    /// Set the change time (and with `mtime`, the modification time) to now; returns it.
    pub fn touch(&self, mtime: bool) -> Timespec {
        let (mut sec, mut nsec) = (0, 0);
        // SAFETY: live inode, locked by the caller as for `set_nlink`.
        unsafe { c::ocfs_inode_touch(self.as_raw(), mtime, &mut sec, &mut nsec) };
        Timespec { sec, nsec }
    }

    /// The superblock the inode belongs to.
    pub fn super_block(&self) -> &SuperBlock<T> {
        // SAFETY: the inode belongs to a mounted superblock of `T`, which outlives it.
        unsafe { SuperBlock::from_raw(c::ocfs_inode_sb(self.as_raw())) }
    }

    /// The filesystem's data for this inode; `EIO` for an inode that was never filled (the
    /// VFS does not hand those out, so this is only defensive).
    pub fn data(&self) -> Result<&T::INodeData> {
        // SAFETY: by the invariant, `data` no longer changes once the inode is handed out.
        unsafe { (*self.data.get()).as_ref() }.ok_or(EIO)
    }

    /// Fill a new inode and unlock it.
    ///
    /// # Safety
    /// The inode must be new (`I_NEW`): locked, and seen by nobody else yet.
    pub(super) unsafe fn init_new(&self, params: INodeParams, data: T::INodeData) {
        // SAFETY: nobody else sees the inode yet.
        unsafe { *self.data.get() = Some(data) };
        let (iops, fops, aops) = Tables::<T>::for_mode(params.mode);
        let attrs = c::ocfs_inode_attrs {
            ino: self.ino(),
            size: params.size.min(i64::MAX as u64) as i64,
            sectors: params.sectors,
            atime_sec: params.atime.sec,
            mtime_sec: params.mtime.sec,
            ctime_sec: params.ctime.sec,
            atime_nsec: params.atime.nsec,
            mtime_nsec: params.mtime.nsec,
            ctime_nsec: params.ctime.nsec,
            uid: params.uid,
            gid: params.gid,
            nlink: params.nlink,
            generation: params.generation,
            flags: params.flags,
            rdev: params.rdev,
            mode: params.mode,
        };
        // SAFETY: a new, locked inode; the operation tables are constants that live as long
        // as the module, which outlives its inodes.
        unsafe {
            c::ocfs_inode_fill(self.as_raw(), &attrs, iops, fops, aops);
            c::unlock_new_inode(self.as_raw());
        }
    }

    /// `alloc_inode`: a container with no data yet.
    pub(super) fn alloc() -> Option<NonNull<c::inode>> {
        let container = KBox::new(
            Self { vfs: Opaque::uninit(), jinode: Opaque::uninit(), data: UnsafeCell::new(None) },
            GFP_KERNEL,
        )
        .ok()?;
        let raw = KBox::into_raw(container);
        // SAFETY: `raw` is a fresh allocation; `inode_init_once` initialises the VFS inode
        // (what a slab constructor would do) before `alloc_inode`'s caller sets it up, and
        // the JBD2 inode starts in no transaction, pointing at it.
        unsafe {
            c::inode_init_once((*raw).vfs.get());
            c::jbd2_journal_init_jbd_inode((*raw).jinode.get(), (*raw).vfs.get());
        }
        NonNull::new(raw.cast())
    }

    /// `free_inode`: drop the data and the container.
    ///
    /// # Safety
    /// `inode` must come from [`INode::alloc`], with no users left (after RCU).
    pub(super) unsafe fn free(inode: *mut c::inode) {
        // SAFETY: the container `alloc` made, now unused.
        drop(unsafe { KBox::from_raw(inode.cast::<Self>()) });
    }
}

/// A time as the VFS keeps it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timespec {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: u32,
}

/// What a filesystem tells the VFS about an inode it read.
#[derive(Clone, Copy, Debug, Default)]
pub struct INodeParams {
    /// Type and permission bits (`S_IFDIR | 0755`...). The type picks the operations.
    pub mode: u16,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Link count.
    pub nlink: u32,
    /// Size in bytes.
    pub size: u64,
    /// 512-byte sectors allocated.
    pub sectors: u64,
    /// Access time.
    pub atime: Timespec,
    /// Modification time.
    pub mtime: Timespec,
    /// Change time.
    pub ctime: Timespec,
    /// Generation (for file handles).
    pub generation: u32,
    /// `S_IMMUTABLE`, `S_APPEND`, ... (`crate::bindings::S_*`).
    pub flags: u32,
    /// Device number, huge-encoded, for device inodes.
    pub rdev: u64,
}

impl<T: FileSystem> INode<T> {
    /// Set the file size the VFS sees (`i_size_write`); the caller holds the inode lock.
    pub fn set_size(&self, size: u64) {
        // SAFETY: live inode; `i_size_write` serialises with readers itself.
        unsafe { c::ocfs_inode_set_size(self.as_raw(), size.min(i64::MAX as u64) as i64) }
    }

    /// Count `bytes` more (or, negative, fewer) allocated bytes in `st_blocks`.
    pub fn add_bytes(&self, bytes: i64) {
        // SAFETY: live inode; `inode_add_bytes` takes `i_lock`.
        unsafe {
            if bytes >= 0 {
                c::ocfs_inode_add_bytes(self.as_raw(), bytes)
            } else {
                c::ocfs_inode_sub_bytes(self.as_raw(), bytes.saturating_neg())
            }
        }
    }

    /// Mark the inode dirty, so [`FileSystem::dirty_inode`] writes its attributes.
    pub fn mark_dirty(&self) {
        // SAFETY: live inode.
        unsafe { c::ocfs_inode_dirty(self.as_raw()) }
    }
}

impl<T: FileSystem> INode<T> {
    /// Truncate to `size`: set it and drop the page cache past it (`truncate_setsize`),
    /// so no dirty page past the end is written to clusters about to be freed. The
    /// caller holds the inode lock.
    pub fn truncate_pagecache(&self, size: u64) {
        // SAFETY: live inode, locked by the caller (setattr).
        unsafe { c::ocfs_truncate_setsize(self.as_raw(), size.min(i64::MAX as u64) as i64) }
    }

    /// Zero the part of the block holding byte `size` past it, in the page cache (written
    /// back like any data), so a later growth reads zeros there.
    pub fn zero_block_tail(&self, size: u64) -> Result {
        // SAFETY: live inode; `block_truncate_page` maps through `get_block` without
        // creating blocks.
        let ret = unsafe {
            c::ocfs_block_truncate_page(self.as_raw(), size.min(i64::MAX as u64) as i64, Some(super::ops::get_block::<T>))
        };
        if ret == 0 { Ok(()) } else { Err(kernel::error::Error::from_errno(ret)) }
    }

    /// Drop the page-cache pages of bytes `start..=end` (zeroing the parts of pages at
    /// the edges), unmapping them from every mapping.
    pub fn truncate_pagecache_range(&self, start: u64, end: u64) {
        // SAFETY: live inode, locked by the caller.
        unsafe { c::ocfs_truncate_pagecache_range(self.as_raw(), start.min(i64::MAX as u64) as i64, end.min(i64::MAX as u64) as i64) }
    }

    /// Write back the dirty pages of bytes `start..=end` and wait for them.
    pub fn write_and_wait_range(&self, start: u64, end: u64) -> Result {
        // SAFETY: live inode.
        let ret = unsafe {
            c::ocfs_write_and_wait_range(self.as_raw(), start.min(i64::MAX as u64) as i64, end.min(i64::MAX as u64) as i64)
        };
        if ret == 0 { Ok(()) } else { Err(kernel::error::Error::from_errno(ret)) }
    }

    /// Zero bytes `pos..pos + len` through the page cache, written back like any data;
    /// the blocks must be mapped (`get_block` would allocate holes).
    pub fn zero_range(&self, pos: u64, len: u64) -> Result {
        // SAFETY: live inode, locked by the caller; `block_write_begin` maps through
        // `get_block`.
        let ret = unsafe {
            c::ocfs_zero_range(self.as_raw(), pos.min(i64::MAX as u64) as i64, len.min(i64::MAX as u64) as i64, Some(super::ops::get_block::<T>))
        };
        if ret == 0 { Ok(()) } else { Err(kernel::error::Error::from_errno(ret)) }
    }
}
