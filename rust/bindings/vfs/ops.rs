// SPDX-License-Identifier: GPL-2.0

//! The VFS operation tables of a [`FileSystem`] and the `extern "C"` callbacks in them, each
//! a thin translation to the trait method.

use crate::errno;
use super::namespace;
use super::{
    WriteFolio, WriteMapping, DirEmitter, FileSystem, INode, LockedFolio, NewSuperBlock, SeqFile, SuperBlock, XattrList,
    XattrNamespace, XattrSetFlags, AclKind, PosixAcl,
};
use crate::bindings as c;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use kernel::{
    alloc::{flags::GFP_KERNEL, KBox},
    error::{code::*, Error, Result},
    ffi::{self, c_int, c_uint},
    types::ARef,
};

/// Returns the errno of `result` (0 on success), as C callbacks do.
fn to_errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

/// `ERR_PTR(err)`: the kernel encodes errors in the top page of pointer values.
fn err_ptr<P>(err: Error) -> *mut P {
    err.to_errno() as isize as *mut P
}

pub(super) struct Tables<T>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    const CONTEXT: c::fs_context_operations = c::fs_context_operations {
        free: Some(free_context::<T>),
        dup: None,
        parse_param: Some(parse_param::<T>),
        parse_monolithic: None,
        get_tree: Some(get_tree::<T>),
        reconfigure: Some(reconfigure::<T>),
    };

    const SUPER: c::super_operations = c::super_operations {
        alloc_inode: Some(alloc_inode::<T>),
        free_inode: Some(free_inode::<T>),
        put_super: Some(put_super::<T>),
        sync_fs: Some(sync_fs::<T>),
        evict_inode: Some(namespace::evict_inode::<T>),
        dirty_inode: Some(dirty_inode::<T>),
        statfs: Some(statfs::<T>),
        show_options: Some(show_options::<T>),
        // SAFETY: all-zero is a valid table: no operation.
        ..unsafe { core::mem::zeroed() }
    };

    const XATTR_USER: c::xattr_handler = Self::xattr_handler(b"user.\0", XattrNamespace::User);
    const XATTR_TRUSTED: c::xattr_handler = Self::xattr_handler(b"trusted.\0", XattrNamespace::Trusted);
    const XATTR_SECURITY: c::xattr_handler =
        Self::xattr_handler(b"security.\0", XattrNamespace::Security);
    /// `s_xattr`: NULL-terminated.
    const XATTR_HANDLERS: [*const c::xattr_handler; 4] =
        [&Self::XATTR_USER, &Self::XATTR_TRUSTED, &Self::XATTR_SECURITY, ptr::null()];

    const fn xattr_handler(prefix: &'static [u8], namespace: XattrNamespace) -> c::xattr_handler {
        c::xattr_handler {
            name: ptr::null(),
            prefix: prefix.as_ptr().cast(),
            flags: namespace as c_int,
            list: None,
            get: Some(xattr_get::<T>),
            set: Some(xattr_set::<T>),
        }
    }

    const DIR_INODE: c::inode_operations = c::inode_operations {
        update_time: Some(update_time::<T>),
        lookup: Some(lookup::<T>),
        get_inode_acl: Some(get_inode_acl::<T>),
        set_acl: Some(set_acl::<T>),
        listxattr: Some(listxattr::<T>),
        setattr: Some(setattr::<T>),
        create: Some(namespace::create::<T>),
        mkdir: Some(namespace::mkdir::<T>),
        mknod: Some(namespace::mknod::<T>),
        symlink: Some(namespace::symlink::<T>),
        link: Some(namespace::link::<T>),
        unlink: Some(namespace::unlink::<T>),
        rmdir: Some(namespace::unlink::<T>),
        rename: Some(namespace::rename::<T>),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };

    const DIR_FILE: c::file_operations = c::file_operations {
        llseek: Some(c::generic_file_llseek),
        read: Some(c::generic_read_dir),
        iterate_shared: Some(iterate_shared::<T>),
        fsync: Some(fsync::<T>),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };

    const REG_FILE: c::file_operations = c::file_operations {
        llseek: Some(c::generic_file_llseek),
        read_iter: Some(c::generic_file_read_iter),
        write_iter: Some(c::generic_file_write_iter),
        fsync: Some(fsync::<T>),
        mmap: Some(mmap::<T>),
        fallocate: Some(fallocate::<T>),
        splice_read: Some(c::filemap_splice_read),
        splice_write: Some(c::iter_file_splice_write),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };

    /// Mappings of regular files: faults through the page cache, and `page_mkwrite`
    /// allocating what a shared writable mapping dirties.
    const VM_OPS: c::vm_operations_struct = c::vm_operations_struct {
        fault: Some(c::filemap_fault),
        map_pages: Some(c::filemap_map_pages),
        page_mkwrite: Some(page_mkwrite::<T>),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };

    const SYMLINK_INODE: c::inode_operations = c::inode_operations {
        update_time: Some(update_time::<T>),
        get_link: Some(c::page_get_link),
        listxattr: Some(listxattr::<T>),
        setattr: Some(setattr::<T>),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };

    /// Regular and special files (which get their file operations from
    /// `init_special_inode`).
    const PLAIN_INODE: c::inode_operations = c::inode_operations {
        update_time: Some(update_time::<T>),
        get_inode_acl: Some(get_inode_acl::<T>),
        set_acl: Some(set_acl::<T>),
        listxattr: Some(listxattr::<T>),
        setattr: Some(setattr::<T>),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };
    // SAFETY: as above.
    const NO_FILE: c::file_operations = unsafe { core::mem::zeroed() };

    const DATA: c::address_space_operations = c::address_space_operations {
        read_folio: Some(read_folio::<T>),
        readahead: Some(readahead::<T>),
        bmap: Some(bmap::<T>),
        direct_IO: Some(direct_io::<T>),
        write_begin: Some(write_begin::<T>),
        write_end: Some(write_end::<T>),
        writepages: Some(writepages::<T>),
        dirty_folio: Some(c::block_dirty_folio),
        invalidate_folio: Some(c::block_invalidate_folio),
        is_partially_uptodate: Some(c::block_is_partially_uptodate),
        error_remove_folio: Some(c::generic_error_remove_folio),
        // SAFETY: as above.
        ..unsafe { core::mem::zeroed() }
    };

    /// The inode, file and address-space operations for an inode of type `mode`.
    pub(super) fn for_mode(
        mode: u16,
    ) -> (
        &'static c::inode_operations,
        &'static c::file_operations,
        &'static c::address_space_operations,
    ) {
        match u32::from(mode) & c::S_IFMT {
            c::S_IFDIR => (&Self::DIR_INODE, &Self::DIR_FILE, &Self::DATA),
            c::S_IFREG => (&Self::PLAIN_INODE, &Self::REG_FILE, &Self::DATA),
            c::S_IFLNK => (&Self::SYMLINK_INODE, &Self::NO_FILE, &Self::DATA),
            _ => (&Self::PLAIN_INODE, &Self::NO_FILE, &Self::DATA),
        }
    }
}

pub(super) unsafe extern "C" fn init_fs_context<T: FileSystem>(fc: *mut c::fs_context) -> c_int {
    // SAFETY: the VFS passes a context being set up; a remount's names the mounted root.
    let remounted = unsafe { c::ocfs_fc_remounted_sb(fc) };
    let start = if remounted.is_null() {
        T::Options::default()
    } else {
        // SAFETY: the superblock of a mounted filesystem of ours, pinned by the remount
        // context's reference to its root.
        T::current_options(unsafe { SuperBlock::<T>::from_raw(remounted) })
    };
    let options = match KBox::new(start, GFP_KERNEL) {
        Ok(options) => options,
        Err(_) => return ENOMEM.to_errno(),
    };
    // SAFETY: the VFS passes a context being set up for our type; the table is a constant
    // that lives as long as the module. `free_context` frees the options.
    unsafe {
        (*fc).ops = &Tables::<T>::CONTEXT;
        c::ocfs_fc_set_private(fc, KBox::into_raw(options).cast());
    }
    0
}

/// The options being parsed into `fc`.
///
/// # Safety
/// `fc` must be a live context of `T` set up by `init_fs_context`, used by one thread (the
/// VFS serialises the calls on a context).
unsafe fn options<'a, T: FileSystem>(fc: *mut c::fs_context) -> &'a mut T::Options {
    // SAFETY: `init_fs_context` stored a `KBox<T::Options>` that lives until `free_context`.
    unsafe { &mut *c::ocfs_fc_private(fc).cast::<T::Options>() }
}

unsafe extern "C" fn free_context<T: FileSystem>(fc: *mut c::fs_context) {
    // SAFETY: the VFS frees a context once, after its last use.
    let options = unsafe { c::ocfs_fc_private(fc) };
    if !options.is_null() {
        // SAFETY: the `KBox` from `init_fs_context`, unused from now on.
        drop(unsafe { KBox::from_raw(options.cast::<T::Options>()) });
    }
}

unsafe extern "C" fn parse_param<T: FileSystem>(fc: *mut c::fs_context, param: *mut c::fs_parameter) -> c_int {
    // SAFETY: the VFS passes one parameter of a live context of ours; its strings are
    // NUL-terminated and live for the call.
    let (options, key, value) = unsafe {
        let value = c::ocfs_param_string(param);
        (
            options::<T>(fc),
            kernel::str::CStr::from_char_ptr(c::ocfs_param_key(param)),
            (!value.is_null()).then(|| kernel::str::CStr::from_char_ptr(value)),
        )
    };
    // The mount source reaches every filesystem as a parameter; the VFS takes it when we
    // decline with `ENOPARAM`.
    if key.as_bytes() == b"source" {
        return ENOPARAM.to_errno();
    }
    to_errno(T::parse_option(options, key, value))
}

unsafe extern "C" fn reconfigure<T: FileSystem>(fc: *mut c::fs_context) -> c_int {
    // SAFETY: a remount context of a mounted superblock of ours, for the call.
    let (raw_sb, options, read_only) = unsafe { (c::ocfs_fc_root_sb(fc), options::<T>(fc), c::ocfs_fc_rdonly(fc)) };
    // Dirty data and inodes reach the filesystem before it may turn read-only, as
    // `ocfs2_remount` does first (`reconfigure_super` does not).
    // SAFETY: the superblock is mounted and the VFS holds `s_umount` for the remount.
    let synced = unsafe { c::sync_filesystem(raw_sb) };
    if synced != 0 {
        return synced;
    }
    // SAFETY: as above.
    let sb = unsafe { SuperBlock::<T>::from_raw(raw_sb) };
    to_errno(T::reconfigure(sb, options, read_only))
}

unsafe extern "C" fn get_tree<T: FileSystem>(fc: *mut c::fs_context) -> c_int {
    // SAFETY: the VFS passes the live mount context; `get_tree_bdev` opens the device and
    // calls `fill_super::<T>` with a new superblock.
    unsafe { c::get_tree_bdev(fc, Some(fill_super::<T>)) }
}

unsafe extern "C" fn fill_super<T: FileSystem>(sb: *mut c::super_block, fc: *mut c::fs_context) -> c_int {
    // SAFETY: `get_tree_bdev` passes a superblock it owns and our mount context, both alive
    // for the call.
    let (new_sb, options) = unsafe { (NewSuperBlock::from_raw(sb), options::<T>(fc)) };
    // SAFETY: the superblock is ours to set up; the table lives as long as the module.
    unsafe {
        c::ocfs_sb_setup(
            sb,
            &Tables::<T>::SUPER,
            Tables::<T>::XATTR_HANDLERS.as_ptr(),
            T::MAGIC as _,
            T::MAX_BYTES,
            1,
        )
    };
    let data = match T::init(new_sb, options).and_then(|data| Ok(KBox::new(data, GFP_KERNEL)?)) {
        Ok(data) => data,
        Err(err) => return err.to_errno(),
    };
    // SAFETY: from here on `s_fs_info` holds the data, as `SuperBlock<T>` requires.
    unsafe { c::ocfs_sb_set_fs_info(sb, KBox::into_raw(data).cast()) };
    // SAFETY: the invariant of `SuperBlock<T>` holds now.
    let mounted = unsafe { SuperBlock::<T>::from_raw(sb) };
    let root = T::root(mounted).and_then(|root| {
        if u32::from(root.mode()) & c::S_IFMT == c::S_IFDIR {
            Ok(root)
        } else {
            Err(errno::euclean())
        }
    });
    let dentry = root.and_then(|root| {
        // SAFETY: `d_make_root` takes over our reference (and drops it on failure).
        let dentry = unsafe { c::d_make_root(ARef::into_raw(root).as_ptr().cast()) };
        NonNull::new(dentry).ok_or(ENOMEM)
    });
    match dentry {
        Ok(dentry) => {
            // SAFETY: the superblock is ours to set up.
            unsafe { c::ocfs_sb_set_root(sb, dentry.as_ptr()) };
            0
        }
        Err(err) => {
            // Without a root, the VFS calls no `put_super`: drop the data here.
            // SAFETY: as in `put_super`.
            unsafe { drop_data::<T>(sb) };
            err.to_errno()
        }
    }
}

/// Drop the mount's data.
///
/// # Safety
/// `sb` must be a superblock of `T` that nothing uses the data of anymore.
unsafe fn drop_data<T: FileSystem>(sb: *mut c::super_block) {
    // SAFETY: valid superblock.
    let data = unsafe { c::ocfs_sb_fs_info(sb) };
    if !data.is_null() {
        // SAFETY: set from a `KBox<T::Data>` by `fill_super`, unused from now on.
        unsafe {
            c::ocfs_sb_set_fs_info(sb, ptr::null_mut());
            drop(KBox::from_raw(data.cast::<T::Data>()));
        }
    }
}

unsafe extern "C" fn put_super<T: FileSystem>(sb: *mut c::super_block) {
    // SAFETY: unmount: every inode is gone, nothing uses the data anymore.
    let data = unsafe { c::ocfs_sb_fs_info(sb) };
    if data.is_null() {
        return;
    }
    // SAFETY: a mounted superblock of ours, its data still live.
    T::shut_down(unsafe { SuperBlock::<T>::from_raw(sb) });
    // SAFETY: set from a `KBox<T::Data>` by `fill_super`, unused from now on; the
    // superblock lives for the call.
    let (data, new_sb) = unsafe {
        c::ocfs_sb_set_fs_info(sb, ptr::null_mut());
        (KBox::from_raw(data.cast::<T::Data>()), NewSuperBlock::from_raw(sb))
    };
    T::unmount(new_sb, KBox::into_inner(data));
}

unsafe extern "C" fn sync_fs<T: FileSystem>(sb: *mut c::super_block, wait: c_int) -> c_int {
    // SAFETY: the VFS syncs a mounted superblock of ours (root set, data live).
    let sb = unsafe { SuperBlock::<T>::from_raw(sb) };
    to_errno(T::sync_fs(sb, wait != 0))
}

unsafe extern "C" fn alloc_inode<T: FileSystem>(_sb: *mut c::super_block) -> *mut c::inode {
    INode::<T>::alloc().map_or(ptr::null_mut(), NonNull::as_ptr)
}

unsafe extern "C" fn free_inode<T: FileSystem>(inode: *mut c::inode) {
    // SAFETY: the VFS frees inodes `alloc_inode` made, after an RCU grace period.
    unsafe { INode::<T>::free(inode) };
}

unsafe extern "C" fn statfs<T: FileSystem>(dentry: *mut c::dentry, buf: *mut c::kstatfs) -> c_int {
    // SAFETY: a dentry of a mounted superblock of `T`.
    let sb = unsafe { SuperBlock::<T>::from_raw(c::ocfs_dentry_sb(dentry)) };
    let stat = match T::statfs(sb) {
        Ok(stat) => stat,
        Err(err) => return err.to_errno(),
    };
    // SAFETY: the VFS passes a `kstatfs` for us to fill.
    let buf = unsafe { &mut *buf };
    buf.f_type = T::MAGIC as _;
    buf.f_bsize = stat.block_size as _;
    buf.f_frsize = stat.block_size as _;
    buf.f_blocks = stat.blocks;
    buf.f_bfree = stat.free;
    buf.f_bavail = stat.available;
    buf.f_files = stat.files;
    buf.f_ffree = stat.files_free;
    buf.f_fsid.val = [stat.fsid[0] as _, stat.fsid[1] as _];
    buf.f_namelen = stat.name_len as _;
    0
}

unsafe extern "C" fn show_options<T: FileSystem>(seq: *mut c::seq_file, root: *mut c::dentry) -> c_int {
    // SAFETY: the root of a mounted superblock of ours and the `seq_file` being written.
    let (sb, mut out) = unsafe { (SuperBlock::<T>::from_raw(c::ocfs_dentry_sb(root)), SeqFile::from_raw(seq)) };
    to_errno(T::show_options(sb, &mut out))
}

unsafe extern "C" fn lookup<T: FileSystem>(
    dir: *mut c::inode,
    dentry: *mut c::dentry,
    _flags: c_uint,
) -> *mut c::dentry {
    // SAFETY: the VFS passes a live directory of ours and a dentry in it, for the call.
    let dir = unsafe { INode::<T>::from_raw(dir) };
    let mut len = 0u32;
    // SAFETY: the dentry's name is stable while the parent's lock is held for the lookup.
    let name = unsafe {
        let ptr = c::ocfs_dentry_name(dentry, &mut len);
        core::slice::from_raw_parts(ptr, len as usize)
    };
    match T::lookup(dir, name) {
        Ok(found) => {
            let ino = found.as_ref().map_or(0, |i| i.ino());
            let inode = found.map_or(ptr::null_mut(), |i| ARef::into_raw(i).as_ptr().cast());
            // SAFETY: `d_splice_alias` takes over our inode reference (NULL: negative).
            let spliced = unsafe { c::d_splice_alias(inode, dentry) };
            // A directory has one name: a second entry naming it is corrupt metadata,
            // which the VFS refuses with ELOOP; say which.
            if spliced as isize == -(c::ELOOP as isize) {
                kernel::pr_err!(
                    "{}: corrupt metadata: directory {} has an entry {:?} naming directory {}, which has another name\n",
                    dir.super_block().id(),
                    dir.ino(),
                    kernel::str::BStr::from_bytes(name),
                    ino
                );
            }
            spliced
        }
        Err(err) => err_ptr(err),
    }
}

unsafe extern "C" fn setattr<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dentry: *mut c::dentry,
    attr: *mut c::iattr,
) -> c_int {
    let (mut raw, mut size_change, mut size) = (ptr::null_mut(), false, 0);
    // SAFETY: the VFS passes a positive dentry of ours with its inode locked, and the change.
    let ret = unsafe { c::ocfs_setattr_prepare(idmap, dentry, attr, &mut raw, &mut size_change, &mut size) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: `raw` is the dentry's inode, one of ours, alive while the dentry is.
    let inode = unsafe { INode::<T>::from_raw(raw) };
    let new_size = size_change.then_some(size.max(0) as u64);
    if let Err(err) = T::setattr(inode, new_size) {
        return err.to_errno();
    }
    // SAFETY: as above; the inode lock is held, as `setattr_copy` wants.
    unsafe { c::ocfs_setattr_copy(idmap, raw, attr) };
    if let Err(err) = T::write_inode(inode) {
        return err.to_errno();
    }
    // A new mode rewrites the access ACL's owner, group and other entries
    // (`posix_acl_chmod`, through `get_inode_acl` and `set_acl`); nothing without ACLs.
    // SAFETY: as above.
    unsafe { c::ocfs_setattr_acl_chmod(idmap, dentry, attr) }
}

unsafe extern "C" fn get_inode_acl<T: FileSystem>(inode: *mut c::inode, kind: c_int, rcu: bool) -> *mut c::posix_acl {
    if rcu {
        // Reading the disk may sleep: the VFS retries outside RCU.
        return err_ptr(ECHILD);
    }
    let Some(kind) = AclKind::from_raw(kind) else { return err_ptr(EINVAL) };
    // SAFETY: the VFS passes a live inode of ours.
    let inode = unsafe { INode::<T>::from_raw(inode) };
    match T::get_acl(inode, kind) {
        // The reference passes to the VFS (which caches it).
        Ok(Some(acl)) => ARef::into_raw(acl).as_ptr().cast(),
        Ok(None) => ptr::null_mut(),
        Err(err) => err_ptr(err),
    }
}

unsafe extern "C" fn set_acl<T: FileSystem>(
    idmap: *mut c::mnt_idmap,
    dentry: *mut c::dentry,
    acl: *mut c::posix_acl,
    kind: c_int,
) -> c_int {
    let Some(kind) = AclKind::from_raw(kind) else { return EINVAL.to_errno() };
    // SAFETY: the VFS passes a positive dentry of ours with its inode locked, and an ACL
    // (or NULL) it holds a reference on for the call.
    let raw = unsafe { c::ocfs_dentry_inode(dentry) };
    // SAFETY: as above.
    let inode = unsafe { INode::<T>::from_raw(raw) };
    let old_mode = inode.mode();
    let mut acl = acl;
    if kind == AclKind::Access && !acl.is_null() {
        // The mode follows the ACL; an ACL the mode says all of goes (`acl` becomes NULL).
        let mut mode = old_mode as c::umode_t;
        // SAFETY: as above; `acl` stays referenced by the VFS whatever the helper does.
        let ret = unsafe { c::ocfs_acl_update_mode(idmap, raw, &mut mode, &mut acl) };
        if ret != 0 {
            return ret;
        }
        // SAFETY: as above; the inode lock is held.
        unsafe { c::ocfs_inode_set_mode(raw, mode) };
    }
    let mode_changed = inode.mode() != old_mode;
    // SAFETY: NULL or an ACL the VFS keeps alive for the call.
    let borrowed = (!acl.is_null()).then(|| unsafe { PosixAcl::from_raw(acl) });
    match T::set_acl(inode, kind, borrowed, mode_changed) {
        Ok(()) => {
            // SAFETY: as above; the cache takes its own reference.
            unsafe { c::ocfs_set_cached_acl(raw, kind.raw(), acl) };
            0
        }
        Err(err) => {
            // SAFETY: as above.
            unsafe { c::ocfs_inode_set_mode(raw, old_mode as c::umode_t) };
            err.to_errno()
        }
    }
}

unsafe extern "C" fn iterate_shared<T: FileSystem>(file: *mut c::file, ctx: *mut c::dir_context) -> c_int {
    // SAFETY: an open directory of ours and the reader's context, for the call.
    let (dir, mut emitter) =
        unsafe { (INode::<T>::from_raw(c::ocfs_file_inode(file)), DirEmitter::from_raw(ctx)) };
    to_errno(T::read_dir(dir, &mut emitter))
}

/// `get_block_t` over [`FileSystem::map_block`]: map `bh` to the run that starts at logical
/// block `block`, at most `bh`'s size long, or leave it unmapped for a hole.
pub(super) unsafe extern "C" fn get_block<T: FileSystem>(
    inode: *mut c::inode,
    block: c::sector_t,
    bh: *mut c::buffer_head,
    create: c_int,
) -> c_int {
    // SAFETY: the page cache calls us for a live inode of ours and a buffer to map.
    let (node, bits, max_bytes) =
        unsafe { (INode::<T>::from_raw(inode), c::ocfs_inode_blkbits(inode), c::ocfs_bh_size(bh)) };
    let max = (max_bytes as u64 >> bits).max(1);
    if create != 0 {
        return match T::map_block_for_write(node, block, max) {
            Ok(WriteMapping { start, count, new }) => {
                let count = count.clamp(1, max);
                // SAFETY: as above; the run lies on the superblock's device. A new block is
                // zero on disk; `set_buffer_new` makes the page cache zero what the write
                // does not cover.
                unsafe {
                    c::ocfs_map_bh(bh, c::ocfs_inode_sb(inode), start, (count << bits) as usize);
                    if new {
                        c::ocfs_bh_set_new(bh);
                    }
                }
                0
            }
            Err(err) => err.to_errno(),
        };
    }
    match T::map_block(node, block, max) {
        Ok(Some((start, count))) => {
            let count = count.clamp(1, max);
            // SAFETY: as above; the run lies on the superblock's device.
            unsafe { c::ocfs_map_bh(bh, c::ocfs_inode_sb(inode), start, (count << bits) as usize) };
            0
        }
        Ok(None) => 0,
        Err(err) => err.to_errno(),
    }
}

unsafe extern "C" fn read_folio<T: FileSystem>(_file: *mut c::file, folio: *mut c::folio) -> c_int {
    let Some(folio) = NonNull::new(folio) else { return EINVAL.to_errno() };
    // SAFETY: the page cache passes a locked folio of one of our inodes to fill.
    let (inode, folio) = unsafe {
        (INode::<T>::from_raw(c::ocfs_folio_inode(folio.as_ptr())), LockedFolio::<T>::from_raw(folio))
    };
    to_errno(T::read_folio(inode, folio))
}

unsafe extern "C" fn readahead<T: FileSystem>(rac: *mut c::readahead_control) {
    // SAFETY: the page cache passes a live readahead request for one of our inodes.
    let inode = unsafe { INode::<T>::from_raw(c::ocfs_readahead_inode(rac)) };
    if T::maps_blocks(inode) {
        // SAFETY: as above; folios left unread fall back to `read_folio`.
        unsafe { c::mpage_readahead(rac, Some(get_block::<T>)) };
    }
}

unsafe extern "C" fn bmap<T: FileSystem>(mapping: *mut c::address_space, block: c::sector_t) -> c::sector_t {
    // SAFETY: the VFS (or JBD2, for a journal inode) passes the live mapping of one of our
    // inodes; `generic_block_bmap` maps through `get_block` without creating blocks.
    unsafe { c::generic_block_bmap(mapping, block, Some(get_block::<T>)) }
}

fn namespace_of(flags: c_int) -> Option<XattrNamespace> {
    [XattrNamespace::User, XattrNamespace::Trusted, XattrNamespace::Security]
        .into_iter()
        .find(|ns| *ns as c_int == flags)
}

unsafe extern "C" fn xattr_get<T: FileSystem>(
    handler: *const c::xattr_handler,
    _dentry: *mut c::dentry,
    inode: *mut c::inode,
    name: *const ffi::c_char,
    buffer: *mut ffi::c_void,
    size: usize,
) -> c_int {
    // SAFETY: the VFS passes one of our handlers, a live inode of ours, the name without
    // its prefix (NUL-terminated) and, unless `size` is 0, a buffer of `size` bytes.
    let (namespace, inode, name, buf) = unsafe {
        (
            namespace_of((*handler).flags),
            INode::<T>::from_raw(inode),
            kernel::str::CStr::from_char_ptr(name),
            (size != 0 && !buffer.is_null()).then(|| core::slice::from_raw_parts_mut(buffer.cast::<u8>(), size)),
        )
    };
    let Some(namespace) = namespace else { return EINVAL.to_errno() };
    match T::get_xattr(inode, namespace, name.as_bytes(), buf) {
        Ok(len) => c_int::try_from(len).unwrap_or(c_int::MAX),
        Err(err) => err.to_errno(),
    }
}

unsafe extern "C" fn xattr_set<T: FileSystem>(
    handler: *const c::xattr_handler,
    _idmap: *mut c::mnt_idmap,
    _dentry: *mut c::dentry,
    inode: *mut c::inode,
    name: *const ffi::c_char,
    value: *const ffi::c_void,
    size: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: the VFS passes one of our handlers, a live inode of ours (locked, permission
    // checked), the name without its prefix (NUL-terminated) and the value of `size` bytes,
    // or NULL to remove the attribute.
    let (namespace, inode, name, value) = unsafe {
        (
            namespace_of((*handler).flags),
            INode::<T>::from_raw(inode),
            kernel::str::CStr::from_char_ptr(name),
            (!value.is_null()).then(|| core::slice::from_raw_parts(value.cast::<u8>(), size)),
        )
    };
    let Some(namespace) = namespace else { return EINVAL.to_errno() };
    // `XATTR_CREATE` and `XATTR_REPLACE` of uapi/linux/xattr.h.
    let flags = XattrSetFlags { create: flags & 1 != 0, replace: flags & 2 != 0 };
    to_errno(T::set_xattr(inode, namespace, name.as_bytes(), value, flags))
}

unsafe extern "C" fn listxattr<T: FileSystem>(dentry: *mut c::dentry, buffer: *mut ffi::c_char, size: usize) -> isize {
    // SAFETY: a positive dentry of ours and, unless `size` is 0, a buffer of `size` bytes.
    let (inode, buf) = unsafe {
        (
            INode::<T>::from_raw(c::ocfs_dentry_inode(dentry)),
            (size != 0 && !buffer.is_null()).then(|| core::slice::from_raw_parts_mut(buffer.cast::<u8>(), size)),
        )
    };
    let mut list = XattrList::new(buf);
    match T::list_xattr(inode, &mut list) {
        Ok(()) => list.len() as isize,
        Err(err) => err.to_errno() as isize,
    }
}

unsafe extern "C" fn direct_io<T: FileSystem>(iocb: *mut c::kiocb, iter: *mut c::iov_iter) -> isize {
    // SAFETY: the VFS passes a live O_DIRECT request on a file of ours.
    let inode = unsafe { INode::<T>::from_raw(c::ocfs_kiocb_inode(iocb)) };
    // Direct writes go through the page cache (0: nothing written directly), which then
    // writes and waits for the range, as O_DIRECT promises: allocation and inline data
    // stay on the one buffered path.
    // SAFETY: as above.
    if !T::maps_blocks(inode) || unsafe { c::ocfs_iter_is_write(iter) } {
        // Data kept in the inode block: 0 makes the VFS read it through the page cache.
        return 0;
    }
    // SAFETY: as above; reads map blocks through `get_block` without creating any.
    unsafe { c::ocfs_blockdev_direct_io(iocb, iter, Some(get_block::<T>)) }
}

unsafe extern "C" fn update_time<T: FileSystem>(inode: *mut c::inode, flags: c_int) -> c_int {
    // SAFETY: the VFS passes a live inode of ours.
    let node = unsafe { INode::<T>::from_raw(inode) };
    // SAFETY: a pure function of `flags`.
    if unsafe { c::ocfs_time_flags_atime_only(flags) } && node.data().is_ok() && T::keeps_atime(node) {
        return 0;
    }
    // SAFETY: as above; marks the inode dirty, which reaches `dirty_inode`. It returns the
    // times it changed, not a status: `update_time` returns 0 (a positive value would reach
    // write(2) as a count of bytes written).
    unsafe { c::generic_update_time(inode, flags) };
    0
}

unsafe extern "C" fn dirty_inode<T: FileSystem>(inode: *mut c::inode, flags: c_int) {
    // Only timestamps (lazytime): they reach the disk with the next real change.
    // SAFETY: a pure function of `flags`.
    if !unsafe { c::ocfs_dirty_flags_inode(flags) } {
        return;
    }
    // SAFETY: the VFS passes a live inode of ours.
    let node = unsafe { INode::<T>::from_raw(inode) };
    if node.data().is_ok() {
        T::dirty_inode(node);
    }
}

unsafe extern "C" fn fsync<T: FileSystem>(file: *mut c::file, start: i64, end: i64, datasync: c_int) -> c_int {
    // SAFETY: an open file of ours; the data of the range is written and waited for first.
    let (ret, inode) = unsafe {
        (c::file_write_and_wait_range(file, start, end), INode::<T>::from_raw(c::ocfs_file_inode(file)))
    };
    if ret != 0 {
        return ret;
    }
    to_errno(T::fsync(inode, datasync != 0))
}

unsafe extern "C" fn write_begin<T: FileSystem>(
    _file: *mut c::file,
    mapping: *mut c::address_space,
    pos: i64,
    len: c_uint,
    foliop: *mut *mut c::folio,
    _fsdata: *mut *mut ffi::c_void,
) -> c_int {
    // SAFETY: the VFS passes the mapping of a live inode of ours, with the inode locked.
    let inode = unsafe { INode::<T>::from_raw(c::ocfs_mapping_host(mapping)) };
    let pos = pos.max(0) as u64;
    let mut attempt = 0;
    loop {
        match T::prepare_write(inode, pos, len) {
            Ok(true) => {}
            Ok(false) => {
                // SAFETY: as above; `block_write_begin` maps (and allocates) through
                // `get_block`, and on failure unlocks and releases the folio.
                let ret = unsafe { c::ocfs_block_write_begin(mapping, pos as i64, len, foliop, Some(get_block::<T>)) };
                if ret == 0 {
                    return 0;
                }
                // Blocks allocated for the part that succeeded stay past the end of the file.
                let end = pos.saturating_add(u64::from(len));
                if end > inode.size() {
                    T::write_failed(inode, inode.size(), end);
                }
                if ret != ENOSPC.to_errno() || !T::retry_after_enospc(inode.super_block(), attempt) {
                    return ret;
                }
                attempt += 1;
                continue;
            }
            Err(err) if err == ENOSPC && T::retry_after_enospc(inode.super_block(), attempt) => {
                attempt += 1;
                continue;
            }
            Err(err) => return err.to_errno(),
        }
        // Inline data: the write goes to the one folio the data fits in, filled from the inode.
        let mut err = 0;
        // SAFETY: as above.
        let folio = unsafe { c::ocfs_grab_write_folio(mapping, pos as i64, &mut err) };
        let Some(folio) = NonNull::new(folio) else { return err };
        // A fault through a shared mapping moves inline data out under this folio's lock
        // (`prepare_mkwrite`): ask again now that it is held, and while it is, the data stays.
        match T::prepare_write(inode, pos, len) {
            Ok(true) => {}
            other => {
                // SAFETY: ours to release, not handed to the VFS.
                unsafe { c::ocfs_folio_release(folio.as_ptr()) };
                match other {
                    Err(err) => return err.to_errno(),
                    _ => continue,
                }
            }
        }
        // SAFETY: a locked folio we hold a reference on, for this write.
        let mut target = unsafe { WriteFolio::from_raw(folio) };
        if !target.uptodate() {
            if let Err(err) = T::fill_inline(inode, &mut target) {
                // SAFETY: ours to release, not handed to the VFS.
                unsafe { c::ocfs_folio_release(folio.as_ptr()) };
                return err.to_errno();
            }
        }
        // SAFETY: the VFS takes the locked folio and gives it back to `write_end`.
        unsafe { *foliop = folio.as_ptr() };
        return 0;
    }
}

unsafe extern "C" fn write_end<T: FileSystem>(
    file: *mut c::file,
    mapping: *mut c::address_space,
    pos: i64,
    len: c_uint,
    copied: c_uint,
    folio: *mut c::folio,
    fsdata: *mut ffi::c_void,
) -> c_int {
    // SAFETY: the folio `write_begin` gave, still locked, of a live inode of ours.
    let (inode, has_buffers) =
        unsafe { (INode::<T>::from_raw(c::ocfs_mapping_host(mapping)), c::ocfs_folio_has_buffers(folio)) };
    if has_buffers || T::maps_blocks(inode) {
        // SAFETY: as above; `generic_write_end` dirties the buffers, updates `i_size`,
        // unlocks and puts the folio, and marks the inode dirty when it grew.
        let done = unsafe { c::generic_write_end(file, mapping, pos, len, copied, folio, fsdata) };
        let end = (pos.max(0) as u64).saturating_add(u64::from(len));
        if done >= 0 && (done as c_uint) < len && end > inode.size() {
            T::write_failed(inode, inode.size(), end);
        }
        return done;
    }
    let Some(raw) = NonNull::new(folio) else { return EINVAL.to_errno() };
    // SAFETY: as above: locked, and referenced until released below.
    let target = unsafe { WriteFolio::from_raw(raw) };
    let end = (pos.max(0) as u64).saturating_add(u64::from(copied)).max(inode.size());
    let result = T::end_inline_write(inode, end, &target);
    // SAFETY: the folio from `write_begin`, released once; it stays clean, since the data
    // is in the inode block already.
    unsafe { c::ocfs_folio_release(folio) };
    match result {
        Ok(()) => {
            if end > inode.size() {
                inode.set_size(end);
            }
            copied as c_int
        }
        Err(err) => err.to_errno(),
    }
}

unsafe extern "C" fn writepages<T: FileSystem>(mapping: *mut c::address_space, wbc: *mut c::writeback_control) -> c_int {
    // SAFETY: the VFS passes the mapping of a live inode of ours and its writeback request.
    unsafe { c::mpage_writepages(mapping, wbc, Some(get_block::<T>)) }
}

unsafe extern "C" fn mmap<T: FileSystem>(file: *mut c::file, vma: *mut c::vm_area_struct) -> c_int {
    // SAFETY: the VFS passes an open file of ours and the vma being set up; the operations
    // are a constant, alive as long as the module.
    unsafe { c::ocfs_file_mmap(file, vma, &Tables::<T>::VM_OPS) }
}

unsafe extern "C" fn prepare_mkwrite<T: FileSystem>(inode: *mut c::inode) -> c_int {
    // SAFETY: `ocfs_page_mkwrite` passes the inode of the faulting file, one of ours.
    to_errno(T::prepare_mkwrite(unsafe { INode::<T>::from_raw(inode) }))
}

unsafe extern "C" fn page_mkwrite<T: FileSystem>(vmf: *mut c::vm_fault) -> c::vm_fault_t {
    // SAFETY: the fault handler passes a write fault on a mapping of one of our files;
    // `block_page_mkwrite` maps (and allocates) the folio's blocks through `get_block`.
    unsafe { c::ocfs_page_mkwrite(vmf, Some(get_block::<T>), Some(prepare_mkwrite::<T>)) }
}

unsafe extern "C" fn fallocate<T: FileSystem>(file: *mut c::file, mode: c_int, offset: i64, len: i64) -> ffi::c_long {
    if offset < 0 || len <= 0 {
        return EINVAL.to_errno() as ffi::c_long;
    }
    let mut err = 0;
    // SAFETY: an open regular file of ours; on success the inode comes back locked.
    let raw = unsafe { c::ocfs_fallocate_begin(file, mode, offset, len, &mut err) };
    if raw.is_null() {
        return err as ffi::c_long;
    }
    // SAFETY: the file's inode, one of ours, locked until `ocfs_fallocate_end`.
    let result = T::fallocate(unsafe { INode::<T>::from_raw(raw) }, mode, offset as u64, len as u64);
    // SAFETY: locked by `ocfs_fallocate_begin` above, unlocked once.
    unsafe { c::ocfs_fallocate_end(raw) };
    to_errno(result) as ffi::c_long
}
