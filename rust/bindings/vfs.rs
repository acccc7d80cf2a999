// SPDX-License-Identifier: GPL-2.0

//! Safe VFS: filesystem type registration and the mount context.
//!
//! The crate root must declare the generated C bindings as `mod bindings`, built from a
//! `bindings.h` that includes `<linux/fs.h>` and `<linux/fs_context.h>`.

use crate::bindings as c;
use core::marker::PhantomData;
use kernel::{
    alloc::{flags::GFP_KERNEL, KBox},
    error::{Error, Result},
    ffi::c_int,
    str::CStr,
    types::Opaque,
    ThisModule,
};

/// A filesystem type.
pub trait FileSystem: 'static {
    /// The name `mount -t` knows it by.
    const NAME: &'static CStr;

    /// Build the superblock and root for a mount of `fc` (the `get_tree` step of `mount(2)`).
    fn get_tree(fc: &FsContext) -> Result;
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

/// A registered filesystem type; unregistered on drop.
pub struct Registration<T: FileSystem> {
    fs_type: KBox<Opaque<c::file_system_type>>,
    _fs: PhantomData<T>,
}

// SAFETY: the VFS accesses the registered type under its own locking; we only unregister it.
unsafe impl<T: FileSystem> Send for Registration<T> {}
// SAFETY: no shared access through `&Registration`.
unsafe impl<T: FileSystem> Sync for Registration<T> {}

impl<T: FileSystem> Registration<T> {
    /// Register `T` for block devices; `module` is pinned while a mount of it exists.
    pub fn register(module: &'static ThisModule) -> Result<Self> {
        let fs_type = KBox::new(
            Opaque::new(c::file_system_type {
                name: T::NAME.as_char_ptr(),
                fs_flags: c::FS_REQUIRES_DEV as c_int,
                owner: module.as_ptr().cast(),
                init_fs_context: Some(init_fs_context::<T>),
                kill_sb: Some(c::kill_block_super),
                ..Default::default()
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: `fs_type` is boxed, so it does not move, and lives until `drop` unregisters it.
        let ret = unsafe { c::register_filesystem(fs_type.get()) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(Self { fs_type, _fs: PhantomData })
    }
}

impl<T: FileSystem> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`. The module cannot unload while a mount exists
        // (the type pins it), so nothing uses the type after this.
        unsafe { c::unregister_filesystem(self.fs_type.get()) };
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
    // SAFETY: `FsContext` is a transparent view of the live context the VFS passes.
    let fc = unsafe { &*fc.cast::<FsContext>() };
    match T::get_tree(fc) {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}
