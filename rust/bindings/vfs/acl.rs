// SPDX-License-Identifier: GPL-2.0

//! POSIX ACLs: the kernel's reference-counted `struct posix_acl`, read and built entry by
//! entry (ids in the initial user namespace, as filesystems store them), and which of an
//! inode's two ACLs is meant.

use crate::bindings as c;
use core::ptr::NonNull;
use kernel::{
    error::{code::*, Error, Result},
    types::{ARef, AlwaysRefCounted, Opaque},
};

/// `ACL_TYPE_ACCESS` and `ACL_TYPE_DEFAULT` (uapi/linux/posix_acl_xattr.h... values of
/// linux/posix_acl.h).
const ACL_TYPE_ACCESS: i32 = 0x8000;
const ACL_TYPE_DEFAULT: i32 = 0x4000;

/// Which ACL of an inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclKind {
    /// The access ACL (`system.posix_acl_access`).
    Access,
    /// The default ACL of a directory, inherited by what is made in it
    /// (`system.posix_acl_default`).
    Default,
}

impl AclKind {
    pub(super) fn from_raw(kind: i32) -> Option<Self> {
        match kind {
            ACL_TYPE_ACCESS => Some(Self::Access),
            ACL_TYPE_DEFAULT => Some(Self::Default),
            _ => None,
        }
    }

    pub(super) fn raw(self) -> i32 {
        match self {
            Self::Access => ACL_TYPE_ACCESS,
            Self::Default => ACL_TYPE_DEFAULT,
        }
    }
}

/// One entry: tag (`ACL_USER_OBJ`, `ACL_USER`, ...), permissions, and the user or group id
/// for `ACL_USER` and `ACL_GROUP` (`ACL_UNDEFINED_ID` for the others).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AclEntry {
    pub tag: u16,
    pub perm: u16,
    pub id: u32,
}

/// A `struct posix_acl`; owned through `ARef<PosixAcl>` (a reference), borrowed as
/// `&PosixAcl`.
///
/// # Invariants
/// The wrapped ACL is live (its reference count is not zero) and never changes once shared:
/// the kernel's ACLs are copy-on-write.
#[repr(transparent)]
pub struct PosixAcl(Opaque<c::posix_acl>);

// SAFETY: the kernel shares ACLs between threads; they are immutable once shared.
unsafe impl Send for PosixAcl {}
// SAFETY: as above.
unsafe impl Sync for PosixAcl {}

// SAFETY: `posix_acl_dup` and `posix_acl_release` keep the reference count; the ACL is
// freed (after RCU) when it drops to zero.
unsafe impl AlwaysRefCounted for PosixAcl {
    fn inc_ref(&self) {
        // SAFETY: a live ACL, by the invariant.
        unsafe { c::ocfs_acl_get(self.0.get()) }
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owns.
        unsafe { c::ocfs_acl_put(obj.cast::<c::posix_acl>().as_ptr()) }
    }
}

impl PosixAcl {
    /// A borrowed view of `ptr`.
    ///
    /// # Safety
    /// `ptr` must be a live ACL that stays live for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut c::posix_acl) -> &'a Self {
        // SAFETY: as the caller guarantees; `PosixAcl` is transparent over it.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// Take over a reference the caller owns (`NULL`: no ACL).
    ///
    /// # Safety
    /// `ptr` must be NULL or a live ACL whose reference the caller passes on.
    pub(super) unsafe fn from_owned(ptr: *mut c::posix_acl) -> Option<ARef<Self>> {
        // SAFETY: as the caller guarantees.
        NonNull::new(ptr).map(|p| unsafe { ARef::from_raw(p.cast::<Self>()) })
    }

    pub(super) fn as_raw(&self) -> *mut c::posix_acl {
        self.0.get()
    }

    /// An ACL of `entries` (at least one).
    pub fn new(entries: &[AclEntry]) -> Result<ARef<Self>> {
        let count = u32::try_from(entries.len()).map_err(|_| EINVAL)?;
        if count == 0 {
            return Err(EINVAL);
        }
        // SAFETY: allocates a new ACL with one reference, ours.
        let acl = unsafe { Self::from_owned(c::ocfs_acl_alloc(count)) }.ok_or(ENOMEM)?;
        for (i, e) in entries.iter().enumerate() {
            // SAFETY: `i` is below the count allocated; nobody else sees the ACL yet.
            let ret = unsafe { c::ocfs_acl_set_entry(acl.as_raw(), i as u32, e.tag, e.perm, e.id) };
            if ret != 0 {
                return Err(Error::from_errno(ret));
            }
        }
        Ok(acl)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        // SAFETY: a live ACL.
        unsafe { c::ocfs_acl_count(self.as_raw()) as usize }
    }

    /// Entry `i`, if there is one.
    pub fn entry(&self, i: usize) -> Option<AclEntry> {
        if i >= self.len() {
            return None;
        }
        let (mut tag, mut perm, mut id) = (0, 0, 0);
        // SAFETY: a live ACL, `i` below its count.
        unsafe { c::ocfs_acl_entry(self.as_raw(), i as u32, &mut tag, &mut perm, &mut id) };
        Some(AclEntry { tag, perm, id })
    }

    /// The entries in order.
    pub fn entries(&self) -> impl Iterator<Item = AclEntry> + '_ {
        (0..self.len()).filter_map(|i| self.entry(i))
    }
}

/// The ACLs a new inode gets from its directory's default ACL (`posix_acl_create`).
pub struct InheritedAcls {
    /// The default ACL, for a new directory.
    pub default: Option<ARef<PosixAcl>>,
    /// The access ACL.
    pub access: Option<ARef<PosixAcl>>,
}
