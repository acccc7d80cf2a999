// SPDX-License-Identifier: GPL-2.0

//! Safe VFS: filesystem type registration and the mount context.
//!
//! The crate root must declare the generated C bindings as `mod bindings`, built from a
//! `bindings.h` that includes `../bindings/vfs.h`, and its `helpers.c` must include
//! `../bindings/vfs_helpers.c`.

use crate::bindings as c;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::{
    error::{code::*, Error, Result},
    ffi::c_int,
    str::CStr,
    types::Opaque,
    ThisModule,
};

/// A filesystem type on a block device.
pub trait FileSystem: 'static {
    /// The name `mount -t` knows it by.
    const NAME: &'static CStr;

    /// Fill a new superblock for the block device the VFS opened for the mount `fc`
    /// (`get_tree_bdev`'s callback). An error fails the mount.
    fn fill_super(sb: &SuperBlock, fc: &FsContext) -> Result;
}

/// A superblock being set up (`struct super_block`).
#[repr(transparent)]
pub struct SuperBlock(Opaque<c::super_block>);

impl SuperBlock {
    fn as_ptr(&self) -> *mut c::super_block {
        self.0.get()
    }

    /// The device name the kernel logs for this superblock ("vda", "loop0").
    pub fn id(&self) -> &CStr {
        // SAFETY: `s_id` is a NUL-terminated array inside the live superblock.
        unsafe { CStr::from_char_ptr(c::ocfs_sb_id(self.as_ptr())) }
    }

    /// The device's logical block (sector) size.
    pub fn logical_block_size(&self) -> u32 {
        // SAFETY: a superblock being filled by `get_tree_bdev` has its block device set.
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
        NonNull::new(bh).map(BufferHead).ok_or(EIO)
    }
}

/// A block read through the buffer cache; released on drop.
pub struct BufferHead(NonNull<c::buffer_head>);

impl BufferHead {
    /// The block's bytes.
    pub fn data(&self) -> &[u8] {
        // SAFETY: we hold a reference on the uptodate buffer, so `b_data` points to `b_size`
        // readable bytes until `drop`.
        unsafe {
            let bh = self.0.as_ref();
            core::slice::from_raw_parts(bh.b_data.cast::<u8>(), bh.b_size)
        }
    }
}

impl Drop for BufferHead {
    fn drop(&mut self) {
        // SAFETY: releases the reference `ocfs_sb_bread` gave us.
        unsafe { c::__brelse(self.0.as_ptr()) };
    }
}

/// The mount context `mount(2)` builds (`struct fs_context`).
#[repr(transparent)]
pub struct FsContext(Opaque<c::fs_context>);

impl FsContext {
    /// The mount source: the device path for a block device filesystem.
    pub fn source(&self) -> Option<&CStr> {
        // SAFETY: the VFS keeps `fc` and its `source` string alive while it calls into us.
        let source = unsafe { (*self.0.get()).source };
        // SAFETY: `source` is NUL-terminated when set.
        (!source.is_null()).then(|| unsafe { CStr::from_char_ptr(source) })
    }
}

/// Where a filesystem type lives while registered. It must be a `static`: lockdep wants the
/// lock class keys embedded in `struct file_system_type` (`s_umount_key`, `i_lock_key`, ...)
/// in static memory, and warns (`key ... has not been registered`) about heap ones.
#[repr(transparent)]
pub struct FileSystemType(UnsafeCell<c::file_system_type>);

// SAFETY: written once, by `Registration::register` before the type is published; from
// then on only the VFS touches it, under its own locking.
unsafe impl Sync for FileSystemType {}

impl FileSystemType {
    /// Empty storage, filled in by [`Registration::register`].
    pub const fn new() -> Self {
        // SAFETY: an all-zero `file_system_type` is valid: null pointers and empty keys.
        Self(UnsafeCell::new(unsafe { core::mem::zeroed() }))
    }
}

/// A registered filesystem type; unregistered on drop.
pub struct Registration<T: FileSystem> {
    fs_type: &'static FileSystemType,
    _fs: PhantomData<T>,
}

// SAFETY: the VFS accesses the registered type under its own locking; we only unregister it.
unsafe impl<T: FileSystem> Send for Registration<T> {}
// SAFETY: no shared access through `&Registration`.
unsafe impl<T: FileSystem> Sync for Registration<T> {}

impl<T: FileSystem> Registration<T> {
    /// Register `T` for block devices in `storage`; `module` is pinned while a mount of it
    /// exists.
    pub fn register(storage: &'static FileSystemType, module: &'static ThisModule) -> Result<Self> {
        // SAFETY: module init runs once and nothing has seen `storage` yet, so this is the
        // only access; the VFS reads it only after `register_filesystem`.
        unsafe {
            *storage.0.get() = c::file_system_type {
                name: T::NAME.as_char_ptr(),
                fs_flags: c::FS_REQUIRES_DEV as c_int,
                owner: module.as_ptr().cast(),
                init_fs_context: Some(init_fs_context::<T>),
                kill_sb: Some(c::kill_block_super),
                ..core::mem::zeroed()
            };
        }
        // SAFETY: `storage` is a `static` and stays registered until `drop`.
        let ret = unsafe { c::register_filesystem(storage.0.get()) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(Self { fs_type: storage, _fs: PhantomData })
    }
}

impl<T: FileSystem> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`. The module cannot unload while a mount exists
        // (the type pins it), so nothing uses the type after this.
        unsafe { c::unregister_filesystem(self.fs_type.0.get()) };
    }
}

struct ContextOps<T>(PhantomData<T>);

impl<T: FileSystem> ContextOps<T> {
    const OPS: c::fs_context_operations = c::fs_context_operations {
        free: None,
        dup: None,
        parse_param: None,
        parse_monolithic: None,
        get_tree: Some(get_tree::<T>),
        reconfigure: None,
    };
}

unsafe extern "C" fn init_fs_context<T: FileSystem>(fc: *mut c::fs_context) -> c_int {
    // SAFETY: the VFS passes a context being set up for our type; `OPS` is a constant that
    // lives for the program.
    unsafe { (*fc).ops = &ContextOps::<T>::OPS };
    0
}

unsafe extern "C" fn get_tree<T: FileSystem>(fc: *mut c::fs_context) -> c_int {
    // SAFETY: the VFS passes the live mount context; `get_tree_bdev` opens the device and
    // calls `fill_super::<T>` with a new superblock.
    unsafe { c::get_tree_bdev(fc, Some(fill_super::<T>)) }
}

unsafe extern "C" fn fill_super<T: FileSystem>(sb: *mut c::super_block, fc: *mut c::fs_context) -> c_int {
    // SAFETY: `get_tree_bdev` passes a superblock it owns and the mount context, both alive
    // for the call; the wrappers are transparent views of them.
    let (sb, fc) = unsafe { (&*sb.cast::<SuperBlock>(), &*fc.cast::<FsContext>()) };
    match T::fill_super(sb, fc) {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

