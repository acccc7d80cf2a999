// SPDX-License-Identifier: GPL-2.0

//! POSIX ACLs (`acl.c` of the C ocfs2), with the `acl` mount option: each ACL is an
//! extended attribute with an empty name in its own index (`OCFS2_XATTR_INDEX_POSIX_ACL_*`),
//! its value an array of little-endian `ocfs2_acl_entry` ([`crate::format::xattr_edit`]).
//! The VFS caches them, applies them to permission checks, and decides the modes and the
//! inherited ACLs of new inodes; this file reads and stores them.

use crate::format::dinode::mode;
use crate::format::xattr::{XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_INDEX_POSIX_ACL_DEFAULT};
use crate::format::xattr_edit::{acl_decode, acl_encode, AclEntry as DiskEntry, ACL_ENTRY_SIZE, XATTR_SIZE_MAX};
use crate::vfs::{AclEntry, AclKind, INode, InheritedAcls, PosixAcl, XattrSetFlags};
use crate::xattr_write::{self, Change};
use crate::{bindings as c, errno, inode, xattr, Ocfs2};
use kernel::prelude::*;
use kernel::types::ARef;

fn index_of(kind: AclKind) -> u8 {
    match kind {
        AclKind::Access => XATTR_INDEX_POSIX_ACL_ACCESS,
        AclKind::Default => XATTR_INDEX_POSIX_ACL_DEFAULT,
    }
}

/// `FileSystem::get_acl` of ocfs (`ocfs2_iop_get_acl`): none without the `acl` option.
pub fn get(inode: &INode<Ocfs2>, kind: AclKind) -> Result<Option<ARef<PosixAcl>>> {
    let sb = inode.super_block();
    let vol = sb.data();
    if !vol.options().acl_on() || !xattr_write::supported(vol) {
        return Ok(None);
    }
    let index = index_of(kind);
    let size = match xattr::get_index(sb, vol, inode.ino(), index, b"", None) {
        Ok(size) => size,
        Err(e) if e == errno::code(c::ENODATA) => return Ok(None),
        Err(e) => return Err(e),
    };
    if size > XATTR_SIZE_MAX {
        pr_err!("{}: corrupt metadata: inode {} has a {}-byte ACL\n", sb.id(), inode.ino(), size);
        return Err(errno::euclean());
    }
    let mut value = KVec::from_elem(0u8, size, GFP_KERNEL)?;
    let size = xattr::get_index(sb, vol, inode.ino(), index, b"", Some(&mut value))?;
    let Some(entries) = acl_decode(value.get(..size).unwrap_or(&[])) else {
        pr_err!("{}: inode {} has an ACL of {} bytes, less than one entry\n", sb.id(), inode.ino(), size);
        return Err(EINVAL);
    };
    let mut list = KVec::with_capacity(size / ACL_ENTRY_SIZE, GFP_KERNEL)?;
    for e in entries {
        list.push(AclEntry { tag: e.tag, perm: e.perm, id: e.id }, GFP_KERNEL)?;
    }
    PosixAcl::new(&list).map(Some)
}

/// `FileSystem::set_acl` of ocfs (`ocfs2_iop_set_acl`): the mode first when it changed,
/// then the ACL's attribute.
pub fn set(inode: &INode<Ocfs2>, kind: AclKind, acl: Option<&PosixAcl>, mode_changed: bool) -> Result {
    let vol = inode.super_block().data();
    if !vol.options().acl_on() {
        return Err(errno::code(c::EOPNOTSUPP));
    }
    if kind == AclKind::Default && inode.mode() & mode::FMT != mode::DIR {
        return if acl.is_some() { Err(EACCES) } else { Ok(()) };
    }
    if mode_changed {
        inode.touch(false);
        inode::write(inode)?;
    }
    store(inode, kind, acl)
}

/// Write ACL `kind` of `inode` as its attribute, or remove the attribute (`None`; none
/// there is fine).
fn store(inode: &INode<Ocfs2>, kind: AclKind, acl: Option<&PosixAcl>) -> Result {
    let value = match acl {
        Some(acl) => {
            let mut value = KVec::from_elem(0u8, acl.len().saturating_mul(ACL_ENTRY_SIZE), GFP_KERNEL)?;
            for (e, out) in acl.entries().zip(value.chunks_exact_mut(ACL_ENTRY_SIZE)) {
                if let Ok(out) = <&mut [u8; ACL_ENTRY_SIZE]>::try_from(out) {
                    acl_encode(DiskEntry { tag: e.tag, perm: e.perm, id: e.id }, out);
                }
            }
            Some(value)
        }
        None => None,
    };
    let change = Change { index: index_of(kind), name: b"", value: value.as_deref(), flags: XattrSetFlags::default() };
    match xattr_write::set(inode, change) {
        Err(e) if acl.is_none() && e == errno::code(c::ENODATA) => Ok(()),
        other => other,
    }
}

/// Store the ACLs a new inode inherited from its directory (`ocfs2_init_acl`). A failure
/// leaves the inode with its (already narrowed) mode and no ACL, and is logged: the inode
/// has its name already.
pub fn store_inherited(inode: &INode<Ocfs2>, acls: &InheritedAcls) {
    let is_dir = inode.mode() & mode::FMT == mode::DIR;
    let results = [
        acls.default.as_deref().filter(|_| is_dir).map(|acl| store(inode, AclKind::Default, Some(acl))),
        acls.access.as_deref().map(|acl| store(inode, AclKind::Access, Some(acl))),
    ];
    for err in results.into_iter().flatten().filter_map(Result::err) {
        pr_err!(
            "{}: inode {}: storing the ACL inherited from its directory failed (error {})\n",
            inode.super_block().id(),
            inode.ino(),
            err.to_errno()
        );
    }
}
