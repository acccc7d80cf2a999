// SPDX-License-Identifier: GPL-2.0

//! Superblocks: the one being set up ([`NewSuperBlock`]: device and block I/O only) and a
//! mounted one ([`SuperBlock`]: with the filesystem's state).

use super::{inode::INode, BufferHead, FileSystem};
use crate::bindings as c;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use kernel::{
    error::{code::*, Result},
    ffi::c_int,
    str::CStr,
    types::{ARef, Opaque},
};

/// A superblock whose filesystem state does not exist yet (`struct super_block` inside
/// `fill_super`), or the device side of a mounted one.
#[repr(transparent)]
pub struct NewSuperBlock(Opaque<c::super_block>);

impl NewSuperBlock {
    pub(super) fn as_ptr(&self) -> *mut c::super_block {
        self.0.get()
    }

    /// # Safety
    /// `sb` must point to a superblock that outlives `'a`.
    pub(super) unsafe fn from_raw<'a>(sb: *mut c::super_block) -> &'a Self {
        // SAFETY: transparent wrapper; the caller guarantees the lifetime.
        unsafe { &*sb.cast() }
    }

    /// The device name the kernel logs for this superblock ("vda", "loop0").
    pub fn id(&self) -> &CStr {
        // SAFETY: `s_id` is a NUL-terminated array inside the live superblock.
        unsafe { CStr::from_char_ptr(c::ocfs_sb_id(self.as_ptr())) }
    }

    /// The device's logical block (sector) size.
    pub fn logical_block_size(&self) -> u32 {
        // SAFETY: a superblock of a block-device filesystem has its block device set.
        unsafe { c::ocfs_sb_logical_block_size(self.as_ptr()) }
    }

    /// Use `size`-byte blocks for buffer I/O; fails below the device's sector size.
    pub fn set_block_size(&self, size: u32) -> Result {
        // SAFETY: valid superblock; `sb_set_blocksize` checks `size` itself.
        let set = unsafe { c::sb_set_blocksize(self.as_ptr(), size as c_int) };
        if set == size as c_int { Ok(()) } else { Err(EINVAL) }
    }

    /// Read block `block` (in the current block size) through the buffer cache.
    pub fn read_block(&self, block: u64) -> Result<BufferHead> {
        // SAFETY: valid superblock with a block device; a NULL result means an I/O error.
        let bh = unsafe { c::ocfs_sb_bread(self.as_ptr(), block) };
        NonNull::new(bh).map(BufferHead::from_raw).ok_or(EIO)
    }

    /// Read block `block` through the buffer cache, and say whether it came from the disk
    /// just now (`true`) or was already cached (`false`): checks that only disk contents
    /// need (block checksums) run on fresh blocks only.
    pub fn read_block_fresh(&self, block: u64) -> Result<(BufferHead, bool)> {
        let mut fresh = false;
        // SAFETY: valid superblock with a block device; a NULL result means an I/O error.
        let bh = unsafe { c::ocfs_sb_bread_fresh(self.as_ptr(), block, &mut fresh) };
        NonNull::new(bh).map(|bh| (BufferHead::from_raw(bh), fresh)).ok_or(EIO)
    }

    /// Unless `block` is cached, start reading the `count` blocks from it (those not cached
    /// yet) without waiting: a later [`NewSuperBlock::read_block`] of one of them waits for
    /// its own read only.
    /// Only for metadata blocks: a block read here is cached on the device, beside any
    /// file's page cache.
    pub fn readahead(&self, block: u64, count: u32) {
        // SAFETY: valid superblock with a block device; reads past the device end fail
        // in the block layer and leave the buffers not uptodate.
        unsafe { c::ocfs_sb_readahead(self.as_ptr(), block, count) }
    }

    /// Block `block`, uptodate in the buffer cache without reading it: a block just
    /// allocated, whose old contents do not matter. Zeroed if it was not cached; a cached
    /// one keeps its bytes (JBD2 may still be writing them), so callers overwrite all of
    /// it after taking journal access.
    pub fn new_block(&self, block: u64) -> Result<BufferHead> {
        // SAFETY: valid superblock with a block device; NULL means no memory.
        let bh = unsafe { c::ocfs_sb_getblk_zeroed(self.as_ptr(), block) };
        NonNull::new(bh).map(BufferHead::from_raw).ok_or(ENOMEM)
    }

    /// Write zeros to `count` blocks from `block` on the device, and wait.
    pub fn zero_blocks(&self, block: u64, count: u64) -> Result {
        // SAFETY: valid superblock with a block device; the request is checked by the block
        // layer against the device size.
        let ret = unsafe { c::ocfs_sb_zeroout(self.as_ptr(), block, count) };
        if ret == 0 { Ok(()) } else { Err(kernel::error::Error::from_errno(ret)) }
    }

    /// Flush the device's volatile write cache, so what it acknowledged is durable.
    pub fn flush_device(&self) -> Result {
        // SAFETY: valid superblock with a block device.
        let ret = unsafe { c::ocfs_sb_flush(self.as_ptr()) };
        if ret == 0 { Ok(()) } else { Err(kernel::error::Error::from_errno(ret)) }
    }

    /// Whether the mount is read-only.
    pub fn read_only(&self) -> bool {
        // SAFETY: valid superblock.
        unsafe { c::ocfs_sb_rdonly(self.as_ptr()) }
    }

    /// Turn POSIX ACLs (`SB_POSIXACL`) on or off: with them the VFS leaves the umask to the
    /// ACL rules and checks permissions against ACLs. At mount, or at remount (the VFS holds
    /// `s_umount`).
    pub fn set_posix_acl(&self, on: bool) {
        // SAFETY: valid superblock, being set up or remounted.
        unsafe { c::ocfs_sb_set_posix_acl(self.as_ptr(), on) }
    }

    /// Make the mounted filesystem read-only after an error (`SB_RDONLY`): the VFS refuses
    /// new writers from now on; operations under way finish or fail on their own. Not done
    /// (false) while a remount or freeze holds the superblock; never waits.
    pub fn force_read_only(&self) -> bool {
        // SAFETY: valid superblock; the helper changes the flags only under `s_umount`
        // (trylock) and not while frozen. Process context (it may take a semaphore).
        unsafe { c::ocfs_sb_force_read_only(self.as_ptr()) }
    }

    /// Panic the kernel, naming the device and `why` first (`errors=panic`).
    pub fn panic(&self, why: &CStr) -> ! {
        // SAFETY: the format takes two NUL-terminated strings, which both arguments are.
        // Called directly (not through a helper) so that objtool sees a call to `panic`.
        unsafe { c::panic(kernel::c_str!("%s: %s\n").as_char_ptr(), self.id().as_char_ptr(), why.as_char_ptr()) }
    }

    /// Whether POSIX ACLs are on.
    pub fn posix_acl(&self) -> bool {
        // SAFETY: valid superblock.
        unsafe { c::ocfs_sb_posix_acl(self.as_ptr()) }
    }

    /// Publish the volume's UUID (`s_uuid`, what `blkid`-like tools and overlayfs read).
    pub fn set_uuid(&self, uuid: &[u8]) {
        // SAFETY: valid superblock; the helper copies at most `sizeof(s_uuid)` bytes.
        unsafe { c::ocfs_sb_set_uuid(self.as_ptr(), uuid.as_ptr(), uuid.len()) }
    }
}

/// A mounted superblock of filesystem `T`: the device side plus `T`'s state.
///
/// Invariant: `s_fs_info` points to the live `T::Data` of this mount (see the module docs).
#[repr(transparent)]
pub struct SuperBlock<T: FileSystem>(NewSuperBlock, PhantomData<T>);

impl<T: FileSystem> SuperBlock<T> {
    /// # Safety
    /// `sb` must be a superblock of `T` whose `s_fs_info` holds its `T::Data`, alive for `'a`.
    pub(super) unsafe fn from_raw<'a>(sb: *mut c::super_block) -> &'a Self {
        // SAFETY: transparent wrappers; the caller guarantees the invariant and lifetime.
        unsafe { &*sb.cast() }
    }

    /// The filesystem's state for this mount.
    pub fn data(&self) -> &T::Data {
        // SAFETY: by the type invariant `s_fs_info` points to a live `T::Data`.
        unsafe { &*c::ocfs_sb_fs_info(self.as_ptr()).cast::<T::Data>() }
    }

    /// The inode numbered `ino`: from the inode cache, or, the first time, made from what
    /// `read` returns. A failing `read` leaves no inode behind.
    pub fn get_inode(
        &self,
        ino: u64,
        read: impl FnOnce() -> Result<(super::INodeParams, T::INodeData)>,
    ) -> Result<ARef<INode<T>>> {
        // SAFETY: valid superblock of `T`, so `alloc_inode` gives an `INode<T>` container.
        let raw = unsafe { c::iget_locked(self.as_ptr(), ino as _) };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `iget_locked` returned an inode of this superblock with a reference we own.
        let inode = unsafe { INode::<T>::from_owned(raw) };
        // SAFETY: the inode is live.
        if !unsafe { c::ocfs_inode_is_new(raw.as_ptr()) } {
            return Ok(inode);
        }
        match read() {
            Ok((params, data)) => {
                // SAFETY: the inode is new: locked, and seen by nobody else until unlocked.
                unsafe { inode.init_new(params, data) };
                Ok(inode)
            }
            Err(err) => {
                // `iget_failed` consumes our reference: unhash, unlock and drop the inode.
                let raw = ARef::into_raw(inode);
                // SAFETY: a new inode we hold the only reference to.
                unsafe { c::iget_failed(raw.as_ptr().cast()) };
                Err(err)
            }
        }
    }
}

impl<T: FileSystem> Deref for SuperBlock<T> {
    type Target = NewSuperBlock;

    fn deref(&self) -> &NewSuperBlock {
        &self.0
    }
}

/// What `statfs(2)` reports, in units of `block_size`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatFs {
    /// The allocation unit.
    pub block_size: u64,
    /// Units in all.
    pub blocks: u64,
    /// Units free.
    pub free: u64,
    /// Units free to unprivileged users.
    pub available: u64,
    /// Inodes in all (used plus free).
    pub files: u64,
    /// Inodes that could still be made.
    pub files_free: u64,
    /// Filesystem id (from the volume's UUID).
    pub fsid: [u32; 2],
    /// Longest name.
    pub name_len: u32,
}
