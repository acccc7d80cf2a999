// SPDX-License-Identifier: GPL-2.0

//! The namespace operations of directories (`create`, `mkdir`, `mknod`, `symlink`, `link`,
//! `unlink`, `rmdir`, `rename`) and inode eviction, each a thin translation to
//! [`FileSystem`] methods. The VFS holds the locks these operations need (the directories'
//! and the victims' `i_rwsem`) for the whole call, which is what lets the filesystem update
//! the VFS inodes' link counts and times through [`INode`]'s setters.

use super::{FileSystem, INode, InheritedAcls, PosixAcl};
use core::ptr;
use crate::bindings as c;

use kernel::{
    error::code::*,
    ffi::{c_char, c_int, c_uint},
    types::ARef,
};

/// A new inode's type and permission bits and its owner, as the VFS rules decide them
/// (`inode_init_owner`: the caller's fsuid; the directory's group and setgid bit when the
/// directory is setgid), and its device number for device nodes.
pub struct NewInode {
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// Device number (huge-encoded) of a device node.
    pub rdev: u64,
    /// The ACLs inherited from the directory's default ACL (POSIX ACLs on), which the
    /// mode already reflects (`posix_acl_create`); the filesystem stores them.
    pub acls: InheritedAcls,
}

/// The name of `dentry`.
///
/// # Safety
/// `dentry` must be live and its name stable (its parent locked) for `'a`.
unsafe fn name<'a>(dentry: *mut c::dentry) -> &'a [u8] {
    let mut len = 0u32;
    // SAFETY: as the caller guarantees.
    unsafe {
        let ptr = c::ocfs_dentry_name(dentry, &mut len);
        core::slice::from_raw_parts(ptr, len as usize)
    }
}

/// Make an inode of type and mode `mode` named by `dentry` in `dir`; `target` for symlinks.
///
/// # Safety
/// The VFS passes a live directory of ours, locked, and a negative dentry in it.
unsafe fn make<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dir: *mut c::inode,
    dentry: *mut c::dentry,
    mode: u16,
    rdev: u64,
    target: Option<&[u8]>,
) -> c_int {
    let (mut mode, mut uid, mut gid) = (mode, 0, 0);
    // SAFETY: as the caller guarantees; the helper reads the caller's credentials.
    unsafe { c::ocfs_new_owner(idmap, dir, &mut mode, &mut uid, &mut gid) };
    // The directory's default ACL narrows the mode and gives the ACLs to inherit (or,
    // without one, the umask applies: with POSIX ACLs on, the VFS left it to this).
    let (mut umode, mut default, mut access) = (mode as c::umode_t, ptr::null_mut(), ptr::null_mut());
    // SAFETY: as the caller guarantees; the references returned are ours.
    let ret = unsafe { c::ocfs_acl_create(dir, &mut umode, &mut default, &mut access) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: NULL or references `posix_acl_create` gave us.
    let acls = unsafe { InheritedAcls { default: PosixAcl::from_owned(default), access: PosixAcl::from_owned(access) } };
    let new = NewInode { mode: umode as u16, uid, gid, rdev, acls };
    // SAFETY: as the caller guarantees.
    let (dir_node, name) = unsafe { (INode::<T>::from_raw(dir), name(dentry)) };
    match T::create(dir_node, name, new, target) {
        Ok(inode) => {
            // SAFETY: `d_instantiate` takes over our reference.
            unsafe { c::d_instantiate(dentry, ARef::into_raw(inode).as_ptr().cast()) };
            0
        }
        Err(err) => err.to_errno(),
    }
}

pub(super) unsafe extern "C" fn create<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dir: *mut c::inode,
    dentry: *mut c::dentry,
    mode: c::umode_t,
    _excl: bool,
) -> c_int {
    // SAFETY: the VFS calls with a locked directory of ours and a negative dentry.
    unsafe { make::<T>(idmap, dir, dentry, (mode as u32 | c::S_IFREG) as u16, 0, None) }
}

pub(super) unsafe extern "C" fn mkdir<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dir: *mut c::inode,
    dentry: *mut c::dentry,
    mode: c::umode_t,
) -> c_int {
    // SAFETY: as in `create`.
    unsafe { make::<T>(idmap, dir, dentry, (mode as u32 | c::S_IFDIR) as u16, 0, None) }
}

pub(super) unsafe extern "C" fn mknod<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dir: *mut c::inode,
    dentry: *mut c::dentry,
    mode: c::umode_t,
    dev: c::dev_t,
) -> c_int {
    // SAFETY: as in `create`; the helper only encodes the number.
    unsafe { make::<T>(idmap, dir, dentry, mode as u16, c::ocfs_huge_encode_dev(dev), None) }
}

pub(super) unsafe extern "C" fn symlink<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dir: *mut c::inode,
    dentry: *mut c::dentry,
    target: *const c_char,
) -> c_int {
    if target.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: the VFS passes the NUL-terminated target for the call.
    let target = unsafe { kernel::str::CStr::from_char_ptr(target) };
    // SAFETY: as in `create`.
    unsafe { make::<T>(idmap, dir, dentry, (c::S_IFLNK | 0o777) as u16, 0, Some(target.as_bytes())) }
}

pub(super) unsafe extern "C" fn link<T: FileSystem>(
    old: *mut c::dentry,
    dir: *mut c::inode,
    dentry: *mut c::dentry,
) -> c_int {
    // SAFETY: a positive dentry of ours (its inode locked), a locked directory of ours and
    // a negative dentry in it.
    let (raw, dir_node, name) = unsafe { (c::ocfs_dentry_inode(old), INode::<T>::from_raw(dir), name(dentry)) };
    // SAFETY: as above.
    let inode = unsafe { INode::<T>::from_raw(raw) };
    match T::link(inode, dir_node, name) {
        Ok(()) => {
            // SAFETY: the new dentry takes a reference of its own.
            unsafe {
                c::ihold(raw);
                c::d_instantiate(dentry, raw);
            }
            0
        }
        Err(err) => err.to_errno(),
    }
}

/// `unlink` and `rmdir`: the filesystem tells them apart by the victim's type.
pub(super) unsafe extern "C" fn unlink<T: FileSystem>(dir: *mut c::inode, dentry: *mut c::dentry) -> c_int {
    // SAFETY: a locked directory of ours and a positive dentry in it whose inode is locked.
    let (dir_node, name, inode) =
        unsafe { (INode::<T>::from_raw(dir), name(dentry), INode::<T>::from_raw(c::ocfs_dentry_inode(dentry))) };
    match T::unlink(dir_node, name, inode) {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

pub(super) unsafe extern "C" fn rename<T: FileSystem>(
    _idmap: *mut c::mnt_idmap,
    old_dir: *mut c::inode,
    old_dentry: *mut c::dentry,
    new_dir: *mut c::inode,
    new_dentry: *mut c::dentry,
    flags: c_uint,
) -> c_int {
    if flags & !c::RENAME_NOREPLACE != 0 {
        return EINVAL.to_errno();
    }
    // SAFETY: the VFS locks both directories and both inodes (if any) for the call.
    let (old_dir, old_name, inode, new_dir, new_name, target) = unsafe {
        let target = c::ocfs_dentry_inode(new_dentry);
        (
            INode::<T>::from_raw(old_dir),
            name(old_dentry),
            INode::<T>::from_raw(c::ocfs_dentry_inode(old_dentry)),
            INode::<T>::from_raw(new_dir),
            name(new_dentry),
            (!target.is_null()).then(|| INode::<T>::from_raw(target)),
        )
    };
    match T::rename(old_dir, old_name, inode, new_dir, new_name, target) {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

/// `evict_inode`: drop the page cache; an inode without links goes back to the filesystem
/// to be deleted.
pub(super) unsafe extern "C" fn evict_inode<T: FileSystem>(raw: *mut c::inode) {
    // SAFETY: the VFS evicts an inode of ours with no users left.
    unsafe { c::ocfs_truncate_pages_final(raw) };
    // SAFETY: as above.
    let inode = unsafe { INode::<T>::from_raw(raw) };
    // Inodes the filesystem's own teardown lets go of (the journal's, at unmount) are
    // evicted after its data left `s_fs_info`: nothing of the filesystem's to run then.
    // SAFETY: a live inode's superblock.
    let mounted = unsafe { !c::ocfs_sb_fs_info(c::ocfs_inode_sb(raw)).is_null() };
    if mounted {
        if inode.nlink() == 0 && inode.data().is_ok() {
            T::evict_unlinked(inode);
        }
        T::forget(inode);
    }
    // SAFETY: as above; the pages are gone.
    unsafe { c::clear_inode(raw) };
}

