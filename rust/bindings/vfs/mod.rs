// SPDX-License-Identifier: GPL-2.0

//! Safe VFS: a block-device filesystem type, its superblocks, inodes, directories and page
//! cache reads, for a filesystem written against the [`FileSystem`] trait.
//!
//! The crate root must declare the generated C bindings as `mod bindings`, built from a
//! `bindings.h` that includes `../bindings/vfs.h`, and its `helpers.c` must include
//! `../bindings/vfs_helpers.c`.
//!
//! Lifetimes: the superblock's private data (`T::Data`) lives from a successful
//! [`FileSystem::init`] until `put_super` at unmount (or until `fill_super` fails), so every
//! [`SuperBlock<T>`] handed to the filesystem has it. An inode's private data
//! (`T::INodeData`) is written once while the inode is new (locked by the VFS, invisible to
//! others) and freed with the inode after an RCU grace period.

mod acl;
mod buffer;
mod dir;
mod folio;
mod inode;
mod namespace;
mod once;
mod ops;
mod seq;
mod super_block;
mod xattr;

pub use acl::{AclEntry, AclKind, InheritedAcls, PosixAcl};
pub use buffer::BufferHead;
pub use dir::{DirEmitter, DirEntryType};
pub use folio::{LockedFolio, WriteFolio};
pub use inode::{INode, INodeParams, Timespec};
pub use namespace::NewInode;
pub use once::SetOnce;
pub use seq::SeqFile;
pub use super_block::{NewSuperBlock, StatFs, SuperBlock};
pub use xattr::{XattrList, XattrNamespace, XattrSetFlags};

use crate::bindings as c;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use kernel::{
    error::{Error, Result},
    ffi::c_int,
    str::CStr,
    types::ARef,
    ThisModule,
};

/// The wall-clock time in seconds (deletion times).
pub fn now_seconds() -> u64 {
    // SAFETY: no preconditions.
    unsafe { c::ktime_get_real_seconds() }.max(0) as u64
}

/// Seconds since boot, never going back (rest periods).
pub fn monotonic_seconds() -> u64 {
    // SAFETY: no preconditions.
    unsafe { c::ktime_get_seconds() }.max(0) as u64
}

/// A random number (for inode generations).
pub fn random_u32() -> u32 {
    // SAFETY: no preconditions.
    unsafe { c::ocfs_random_u32() }
}

/// Let other tasks run: called between blocks by walks whose length the disk decides.
pub fn cond_resched() {
    // SAFETY: may sleep; callers are in process context without spinlocks.
    unsafe { c::ocfs_cond_resched() }
}

/// Where a write to a block goes: `count` blocks from device block `start`; `new` when
/// they were just allocated (zero on disk).
#[derive(Clone, Copy, Debug)]
pub struct WriteMapping {
    /// First device block.
    pub start: u64,
    /// Contiguous blocks.
    pub count: u64,
    /// Just allocated.
    pub new: bool,
}

/// A filesystem type on a block device. The trait methods are the filesystem; the binding
/// layer turns them into the VFS's operation tables.
pub trait FileSystem: Sized + 'static {
    /// The name `mount -t` knows it by.
    const NAME: &'static CStr;
    /// `f_type` of `statfs(2)`.
    const MAGIC: u64;
    /// The largest file size.
    const MAX_BYTES: i64;
    /// Per-mount state, alive from [`FileSystem::init`] to unmount.
    type Data: Send + Sync;
    /// Per-inode state, set when the inode is read.
    type INodeData: Send + Sync;
    /// Mount options, as parsed so far.
    type Options: Default + Send + Sync;

    /// Take one mount option: `key=value`, or a flag `key` (`value` is `None`). The VFS
    /// handles `ro`/`rw` and the like itself. An error fails the mount.
    fn parse_option(options: &mut Self::Options, key: &CStr, value: Option<&CStr>) -> Result;

    /// Read the volume on the block device the VFS opened, and build the mount's state.
    /// An error fails the mount.
    fn init(sb: &NewSuperBlock, options: &Self::Options) -> Result<Self::Data>;

    /// Unmount's first step, after the VFS wrote back and evicted every inode, with the
    /// mount's state still in place: last changes of the filesystem's own, made durable
    /// here (nothing of the filesystem's can run once [`FileSystem::unmount`] has the state).
    fn shut_down(sb: &SuperBlock<Self>);

    /// Unmount, after [`FileSystem::shut_down`]: finish with the volume and drop the
    /// mount's state (`put_super`).
    fn unmount(sb: &NewSuperBlock, data: Self::Data);

    /// Make what was written so far durable (`sync(2)`, `syncfs(2)`, and before unmount);
    /// `wait`: and wait for it.
    fn sync_fs(sb: &SuperBlock<Self>, wait: bool) -> Result;

    /// The options of the mount as they are now: where `mount -o remount` starts, so that
    /// the options it does not name keep their values.
    fn current_options(sb: &SuperBlock<Self>) -> Self::Options;

    /// `mount -o remount`: check (and apply) new options and the read-only flag.
    fn reconfigure(sb: &SuperBlock<Self>, options: &Self::Options, read_only: bool) -> Result;

    /// Write the options in effect, each as `,key[=value]`, for `/proc/mounts`.
    fn show_options(sb: &SuperBlock<Self>, out: &mut SeqFile<'_>) -> Result;

    /// The root directory.
    fn root(sb: &SuperBlock<Self>) -> Result<ARef<INode<Self>>>;

    /// What `statfs(2)` reports.
    fn statfs(sb: &SuperBlock<Self>) -> Result<StatFs>;

    /// `chmod`, `chown`, `utimes`, `truncate`: the VFS checked the change. `size` is the
    /// new size when it changes; the filesystem refuses what it cannot do, and otherwise
    /// the binding copies the change into the inode and calls [`FileSystem::write_inode`].
    fn setattr(inode: &INode<Self>, size: Option<u64>) -> Result;

    /// Write the inode's attributes (mode, owner, times, size, links) to the disk.
    fn write_inode(inode: &INode<Self>) -> Result;

    /// The entry `name` of directory `dir`: its inode, or `None` when there is none.
    fn lookup(dir: &INode<Self>, name: &[u8]) -> Result<Option<ARef<INode<Self>>>>;

    /// Make `name` in `dir`: a file, directory, device node, FIFO or socket by `new.mode`,
    /// or a symlink to `target`. Returns the new inode (with its reference).
    fn create(dir: &INode<Self>, name: &[u8], new: NewInode, target: Option<&[u8]>) -> Result<ARef<INode<Self>>>;

    /// Give `inode` the further name `name` in `dir`.
    fn link(inode: &INode<Self>, dir: &INode<Self>, name: &[u8]) -> Result;

    /// Remove the name `name` of `inode` from `dir` (`unlink`, or `rmdir` of an empty
    /// directory).
    fn unlink(dir: &INode<Self>, name: &[u8], inode: &INode<Self>) -> Result;

    /// Move `inode` from `old_dir`/`old_name` to `new_dir`/`new_name`, replacing `target`
    /// (the inode `new_name` named, if any).
    fn rename(
        old_dir: &INode<Self>,
        old_name: &[u8],
        inode: &INode<Self>,
        new_dir: &INode<Self>,
        new_name: &[u8],
        target: Option<&INode<Self>>,
    ) -> Result;

    /// The last reference to an inode without links is gone: delete it from the disk.
    /// Errors are the filesystem's to log (the inode waits in its orphan list).
    fn evict_unlinked(inode: &INode<Self>);

    /// The inode leaves memory (its pages are gone): drop what refers to it, such as the
    /// journal's record of its ordered data.
    fn forget(inode: &INode<Self>);

    /// Emit the entries of `dir` from the emitter's position on, advancing it.
    fn read_dir(dir: &INode<Self>, emitter: &mut DirEmitter<'_>) -> Result;

    /// Where logical block `block` of `inode` lives: `Some((device block, count))` for a run
    /// of at most `max` blocks that are contiguous on disk, or `None` for a hole (reads as
    /// zeros).
    fn map_block(inode: &INode<Self>, block: u64, max: u64) -> Result<Option<(u64, u64)>>;

    /// Whether `inode`'s data is reached through [`FileSystem::map_block`] (so that
    /// readahead can batch it); if not, every page goes through [`FileSystem::read_folio`].
    fn maps_blocks(inode: &INode<Self>) -> bool;

    /// Copy the value of extended attribute `namespace.name` of `inode` into `buf` (or,
    /// without a buffer, only measure it) and return its size: `ENODATA` when there is
    /// none, `ERANGE` when `buf` is too small.
    fn get_xattr(
        inode: &INode<Self>,
        namespace: XattrNamespace,
        name: &[u8],
        buf: Option<&mut [u8]>,
    ) -> Result<usize>;

    /// ACL `kind` of `inode`, from the disk (the VFS caches it): `None` when it has none.
    fn get_acl(inode: &INode<Self>, kind: AclKind) -> Result<Option<ARef<PosixAcl>>>;

    /// Store ACL `kind` of `inode`, or remove it (`None`). The binding applied the VFS rules
    /// first: for an access ACL, the inode's mode follows it, and `mode_changed` says the
    /// VFS inode's mode changed and must be written too.
    fn set_acl(inode: &INode<Self>, kind: AclKind, acl: Option<&PosixAcl>, mode_changed: bool) -> Result;

    /// Set extended attribute `namespace.name` of `inode` to `value`, or remove it (`None`),
    /// under `flags`; the VFS holds the inode's lock and checked permissions.
    fn set_xattr(
        inode: &INode<Self>,
        namespace: XattrNamespace,
        name: &[u8],
        value: Option<&[u8]>,
        flags: XattrSetFlags,
    ) -> Result;

    /// Add the names of `inode`'s extended attributes to `list`.
    fn list_xattr(inode: &INode<Self>, list: &mut XattrList<'_>) -> Result;

    /// Map logical block `block` of `inode` for a write of at most `max` blocks, allocating
    /// it if it is a hole. Called with the page locked: under `i_rwsem` for `write(2)`.
    fn map_block_for_write(inode: &INode<Self>, block: u64, max: u64) -> Result<WriteMapping>;

    /// Before a buffered write of `len` bytes at `pos` (inode locked): `true` when it goes
    /// to data kept in the inode block (then [`FileSystem::fill_inline`] and
    /// [`FileSystem::end_inline_write`] carry it), `false` when it goes to mapped blocks.
    /// The filesystem may move inline data out to blocks here. After a `true`, asked again
    /// with the write's folio locked (see [`FileSystem::prepare_mkwrite`]).
    fn prepare_write(inode: &INode<Self>, pos: u64, len: u32) -> Result<bool>;

    /// Fill `folio` with the inline data of `inode`, for a write to it.
    fn fill_inline(inode: &INode<Self>, folio: &mut WriteFolio<'_>) -> Result;

    /// A write to inline data is in `folio`: store its first `end` bytes (the new size)
    /// in the inode block. The binding then sets `i_size`.
    fn end_inline_write(inode: &INode<Self>, end: u64, folio: &WriteFolio<'_>) -> Result;

    /// A write to blocks between `from` (the file's size) and `to` copied less than it was
    /// given: blocks [`FileSystem::map_block_for_write`] allocated there for it stay past
    /// the end of the file, with whatever the disk held (`ocfs2_write_failed`).
    fn write_failed(inode: &INode<Self>, from: u64, to: u64);

    /// An allocation for a write failed with `ENOSPC` (`attempt` times so far, no lock but
    /// the inode's held): make space that is free but not yet claimable (freed by changes
    /// not yet committed) claimable, and say whether the write should try again.
    fn retry_after_enospc(sb: &SuperBlock<Self>, attempt: u32) -> bool;

    /// `fsync(2)` after the file's dirty data in the range was written: make the file's
    /// metadata durable.
    fn fsync(inode: &INode<Self>, datasync: bool) -> Result;

    /// The VFS changed the inode's attributes (`mark_inode_dirty`: times, size): write
    /// them. Errors are the filesystem's to log.
    fn dirty_inode(inode: &INode<Self>);

    /// An access would move the inode's access time to now (the mount's `relatime` or
    /// `strictatime` rules already said so): whether to keep the time it has instead.
    fn keeps_atime(_inode: &INode<Self>) -> bool {
        false
    }

    /// `fallocate(2)` of a regular file, with the inode and its mapping's invalidation
    /// locked: `mode` as the VFS passes it (`FALLOC_FL_*`); a new size is the
    /// filesystem's to set.
    fn fallocate(inode: &INode<Self>, mode: i32, offset: u64, len: u64) -> Result;

    /// Before a shared writable mapping dirties a page of `inode` (`page_mkwrite`): make
    /// its blocks mappable by [`FileSystem::map_block_for_write`] (move inline data out).
    /// Called with the faulting folio locked, which a write to inline data holds from
    /// `write_begin` to `write_end`: the data cannot move out under such a write.
    fn prepare_mkwrite(inode: &INode<Self>) -> Result;

    /// Fill a locked page-cache folio of `inode` and unlock it: with
    /// [`LockedFolio::read_mapped`] or [`LockedFolio::fill`].
    fn read_folio(inode: &INode<Self>, folio: LockedFolio<'_, Self>) -> Result;
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
                init_fs_context: Some(ops::init_fs_context::<T>),
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
        // (the type pins it), so nothing uses the type after this. Inodes freed after an RCU
        // grace period call back into the module: wait for them first.
        unsafe {
            c::unregister_filesystem(self.fs_type.0.get());
            c::rcu_barrier();
        }
    }
}
