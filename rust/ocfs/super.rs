// SPDX-License-Identifier: GPL-2.0

//! ocfs: the OCFS2 filesystem. This build mounts local volumes: lookup, readdir and file
//! data through the page cache, and, read-write, the journal and its recovery; the rest of
//! the write path and the cluster mount come next.

// `pub` marks what a file offers the rest of the module; nothing leaves the crate but the
// C ABI, so kbuild's `unreachable_pub` lint would flag every such item.
#![allow(unreachable_pub)]

mod bindings;
#[path = "../bindings/stack/dlm.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod dlm;
// The on-disk format, shared with the userspace tools (format/); the mount path reads the
// volume through it. Compiled in from the start so the kernel build keeps it kernel-clean.
#[path = "../../format/src/ondisk/mod.rs"]
pub mod format;
#[path = "../bindings/errno.rs"]
mod errno;
#[path = "../bindings/stack/o2nm.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod o2nm;
#[path = "../bindings/crc32.rs"]
mod crc32;
#[path = "../bindings/jbd2.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod jbd2;
#[path = "../bindings/vfs/mod.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod vfs;

mod acl;
mod cluster_bitmap;
mod data;
mod delete;
mod dir;
mod dir_grow;
mod dir_write;
mod dx;
mod dx_tree;
mod dx_write;
mod errors;
mod fallocate;
mod extent_map;
mod extent_tree;
mod extent_write;
mod inode;
mod inode_alloc;
mod local_alloc;
mod meta;
mod mount;
mod namei;
mod options;
mod recovery;
mod rw;
mod suballoc;
mod transaction;
mod truncate;
mod volume;
mod write;
mod xattr;
mod xattr_bucket;
mod xattr_write;

use kernel::{c_str, prelude::*, str::CStr, types::ARef};

module! {
    type: Ocfs,
    name: "ocfs",
    author: "The ocfs developers",
    description: "ocfs: the OCFS2 shared-disk cluster filesystem",
    license: "GPL",
    alias: ["fs-ocfs2", "ocfs2"],
}

struct Ocfs {
    _fs: vfs::Registration<Ocfs2>,
}

/// The `ocfs2` filesystem type.
struct Ocfs2;

static OCFS2_TYPE: vfs::FileSystemType = vfs::FileSystemType::new();

impl vfs::FileSystem for Ocfs2 {
    const NAME: &'static CStr = c_str!("ocfs2");
    const MAGIC: u64 = 0x7461_636f; // OCFS2_SUPER_MAGIC
    const MAX_BYTES: i64 = i64::MAX;
    type Data = volume::Volume;
    type INodeData = inode::InodeInfo;
    type Options = options::Options;

    fn parse_option(options: &mut options::Options, key: &CStr, value: Option<&CStr>) -> Result {
        options.parse(key, value)
    }

    fn init(sb: &vfs::NewSuperBlock, options: &options::Options) -> Result<volume::Volume> {
        volume::Volume::mount(sb, options)
    }

    fn shut_down(sb: &vfs::SuperBlock<Self>) {
        rw::shut_down(sb);
    }

    fn unmount(sb: &vfs::NewSuperBlock, mut vol: volume::Volume) {
        if let Some(writable) = core::mem::replace(&mut vol.rw, vfs::SetOnce::new()).into_inner() {
            rw::stop(sb, &vol, writable);
        }
    }

    fn sync_fs(sb: &vfs::SuperBlock<Self>, wait: bool) -> Result {
        if wait && sb.data().journal_stopped() {
            return Err(EIO);
        }
        match sb.data().writable().ok() {
            Some(writable) if wait => errors::checked(sb, writable.journal.force_commit()),
            _ => Ok(()),
        }
    }

    fn current_options(sb: &vfs::SuperBlock<Self>) -> options::Options {
        sb.data().options()
    }

    fn reconfigure(sb: &vfs::SuperBlock<Self>, options: &options::Options, read_only: bool) -> Result {
        let vol = sb.data();
        let options = vol.remount_options(sb, options)?;
        errors::checked(sb, rw::remount(sb, read_only))?;
        vol.set_options(sb, options);
        Ok(())
    }

    fn show_options(sb: &vfs::SuperBlock<Self>, out: &mut vfs::SeqFile<'_>) -> Result {
        sb.data().options().show(out).map_err(|_| EINVAL)
    }

    fn root(sb: &vfs::SuperBlock<Self>) -> Result<ARef<vfs::INode<Self>>> {
        let vol = sb.data();
        if sb.read_only() {
            recovery::replay_if_dirty(sb)?;
        } else {
            if vol.rw.set(rw::start(sb)?).is_err() {
                return Err(EBUSY);
            }
            delete::recover_orphans(sb)?;
        }
        let root = inode::get(sb, vol.root_blkno)?;
        pr_info!(
            "{}: mounted {} ({}-byte blocks, {}-byte clusters, features {})\n",
            sb.id(),
            if sb.read_only() { "read-only" } else { "read-write, slot 0" },
            vol.params.block_size,
            vol.params.cluster_size,
            vol.params.features
        );
        Ok(root)
    }

    fn statfs(sb: &vfs::SuperBlock<Self>) -> Result<vfs::StatFs> {
        errors::checked(sb, sb.data().statfs(sb))
    }

    fn lookup(dir: &vfs::INode<Self>, name: &[u8]) -> Result<Option<ARef<vfs::INode<Self>>>> {
        let sb = dir.super_block();
        let found = dir::find(sb, sb.data(), dir.ino(), name).and_then(|blkno| blkno.map(|b| inode::get(sb, b)).transpose());
        errors::checked(sb, found)
    }

    fn setattr(inode: &vfs::INode<Self>, size: Option<u64>) -> Result {
        errors::checked(inode.super_block(), inode::setattr(inode, size))
    }

    fn write_inode(inode: &vfs::INode<Self>) -> Result {
        errors::checked(inode.super_block(), inode::write(inode))
    }

    fn create(
        dir: &vfs::INode<Self>,
        name: &[u8],
        new: vfs::NewInode,
        target: Option<&[u8]>,
    ) -> Result<ARef<vfs::INode<Self>>> {
        let sb = dir.super_block();
        errors::checked(sb, rw::retrying_enospc(sb, || namei::create(dir, name, &new, target)))
    }

    fn link(inode: &vfs::INode<Self>, dir: &vfs::INode<Self>, name: &[u8]) -> Result {
        let sb = dir.super_block();
        errors::checked(sb, rw::retrying_enospc(sb, || namei::link(inode, dir, name)))
    }

    fn unlink(dir: &vfs::INode<Self>, name: &[u8], inode: &vfs::INode<Self>) -> Result {
        errors::checked(dir.super_block(), namei::unlink(dir, name, inode))
    }

    fn rename(
        old_dir: &vfs::INode<Self>,
        old_name: &[u8],
        inode: &vfs::INode<Self>,
        new_dir: &vfs::INode<Self>,
        new_name: &[u8],
        target: Option<&vfs::INode<Self>>,
    ) -> Result {
        let sb = inode.super_block();
        errors::checked(sb, rw::retrying_enospc(sb, || namei::rename(old_dir, old_name, inode, new_dir, new_name, target)))
    }

    fn evict_unlinked(inode: &vfs::INode<Self>) {
        delete::evict_unlinked(inode)
    }

    fn forget(inode: &vfs::INode<Self>) {
        // A parked journal (remounted read-only) may still hold ranges from before.
        if let Some(writable) = inode.super_block().data().rw.get() {
            writable.journal.release_inode(inode);
        }
    }

    fn read_dir(dir: &vfs::INode<Self>, emitter: &mut vfs::DirEmitter<'_>) -> Result {
        let sb = dir.super_block();
        errors::checked(sb, dir::read_dir(sb, sb.data(), dir.ino(), dir.size(), emitter))
    }

    fn map_block(inode: &vfs::INode<Self>, block: u64, max: u64) -> Result<Option<(u64, u64)>> {
        errors::checked(inode.super_block(), data::map_block(inode, block, max))
    }

    fn maps_blocks(inode: &vfs::INode<Self>) -> bool {
        inode.data().is_ok_and(inode::InodeInfo::maps_blocks)
    }

    fn get_xattr(
        inode: &vfs::INode<Self>,
        namespace: vfs::XattrNamespace,
        name: &[u8],
        buf: Option<&mut [u8]>,
    ) -> Result<usize> {
        let sb = inode.super_block();
        errors::checked(sb, xattr::get(sb, sb.data(), inode.ino(), namespace, name, buf))
    }

    fn get_acl(inode: &vfs::INode<Self>, kind: vfs::AclKind) -> Result<Option<ARef<vfs::PosixAcl>>> {
        errors::checked(inode.super_block(), acl::get(inode, kind))
    }

    fn set_acl(inode: &vfs::INode<Self>, kind: vfs::AclKind, acl: Option<&vfs::PosixAcl>, mode_changed: bool) -> Result {
        let sb = inode.super_block();
        errors::checked(sb, rw::retrying_enospc(sb, || acl::set(inode, kind, acl, mode_changed)))
    }

    fn set_xattr(
        inode: &vfs::INode<Self>,
        namespace: vfs::XattrNamespace,
        name: &[u8],
        value: Option<&[u8]>,
        flags: vfs::XattrSetFlags,
    ) -> Result {
        let sb = inode.super_block();
        errors::checked(sb, rw::retrying_enospc(sb, || xattr::set(inode, namespace, name, value, flags)))
    }

    fn list_xattr(inode: &vfs::INode<Self>, list: &mut vfs::XattrList<'_>) -> Result {
        let sb = inode.super_block();
        errors::checked(sb, xattr::list(sb, sb.data(), inode.ino(), list))
    }

    fn read_folio(inode: &vfs::INode<Self>, folio: vfs::LockedFolio<'_, Self>) -> Result {
        errors::checked(inode.super_block(), data::read_folio(inode, folio))
    }

    fn map_block_for_write(inode: &vfs::INode<Self>, block: u64, max: u64) -> Result<vfs::WriteMapping> {
        errors::checked(inode.super_block(), write::map_block_for_write(inode, block, max))
    }

    fn prepare_write(inode: &vfs::INode<Self>, pos: u64, len: u32) -> Result<bool> {
        errors::checked(inode.super_block(), write::prepare_write(inode, pos, len))
    }

    fn fallocate(inode: &vfs::INode<Self>, mode: i32, offset: u64, len: u64) -> Result {
        let sb = inode.super_block();
        errors::checked(sb, rw::retrying_enospc(sb, || fallocate::fallocate(inode, mode, offset, len)))
    }

    fn prepare_mkwrite(inode: &vfs::INode<Self>) -> Result {
        errors::checked(inode.super_block(), write::prepare_mkwrite(inode))
    }

    fn fill_inline(inode: &vfs::INode<Self>, folio: &mut vfs::WriteFolio<'_>) -> Result {
        errors::checked(inode.super_block(), write::fill_inline(inode, folio))
    }

    fn end_inline_write(inode: &vfs::INode<Self>, end: u64, folio: &vfs::WriteFolio<'_>) -> Result {
        errors::checked(inode.super_block(), write::end_inline_write(inode, end, folio))
    }

    fn write_failed(inode: &vfs::INode<Self>, from: u64, to: u64) {
        write::write_failed(inode, from, to)
    }

    fn retry_after_enospc(sb: &vfs::SuperBlock<Self>, attempt: u32) -> bool {
        sb.data().rw.get().is_some_and(|writable| writable.retry_after_enospc(sb, sb.data(), attempt))
    }

    fn fsync(inode: &vfs::INode<Self>, datasync: bool) -> Result {
        errors::checked(inode.super_block(), write::fsync(inode, datasync))
    }

    fn dirty_inode(inode: &vfs::INode<Self>) {
        write::dirty_inode(inode)
    }

    fn keeps_atime(inode: &vfs::INode<Self>) -> bool {
        inode::keeps_atime(inode)
    }
}

impl kernel::Module for Ocfs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let (major, minor) = dlm::locking_protocol();
        let fs = vfs::Registration::register(&OCFS2_TYPE, module)?;
        pr_info!(
            "filesystem type ocfs2 registered (locking protocol {}.{}, local node {})\n",
            major,
            minor,
            o2nm::NodeDisplay(o2nm::this_node())
        );
        Ok(Self { _fs: fs })
    }
}
