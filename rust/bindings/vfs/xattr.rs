// SPDX-License-Identifier: GPL-2.0

//! Extended attributes: the namespaces a filesystem serves and the `listxattr(2)` buffer.

use crate::bindings as c;
use kernel::error::{code::*, Result};

/// An extended attribute namespace (the part of the name before the first dot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XattrNamespace {
    /// `user.`: any user, subject to file permissions.
    User,
    /// `trusted.`: CAP_SYS_ADMIN only.
    Trusted,
    /// `security.`: security modules.
    Security,
    /// `system.posix_acl_access` (an empty name), for listings.
    PosixAclAccess,
    /// `system.posix_acl_default` (an empty name), for listings.
    PosixAclDefault,
}

impl XattrNamespace {
    /// The prefix the name carries in the system calls.
    pub const fn prefix(self) -> &'static [u8] {
        match self {
            Self::User => b"user.",
            Self::Trusted => b"trusted.",
            Self::Security => b"security.",
            Self::PosixAclAccess => b"system.posix_acl_access",
            Self::PosixAclDefault => b"system.posix_acl_default",
        }
    }

    /// Whether the caller may see names of this namespace in a listing (`trusted.` needs
    /// CAP_SYS_ADMIN, as in every filesystem).
    pub fn listable(self) -> bool {
        match self {
            // SAFETY: checks the current task's capabilities.
            Self::Trusted => unsafe { c::ocfs_capable_sys_admin() },
            _ => true,
        }
    }
}

/// `XATTR_CREATE` and `XATTR_REPLACE` of a `setxattr(2)` call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XattrSetFlags {
    /// Fail with `EEXIST` if the attribute exists.
    pub create: bool,
    /// Fail with `ENODATA` if it does not.
    pub replace: bool,
}

/// The buffer of a `listxattr(2)` call: NUL-terminated full names one after another, or,
/// for a size query, only their total length.
pub struct XattrList<'a> {
    buf: Option<&'a mut [u8]>,
    len: usize,
}

impl<'a> XattrList<'a> {
    pub(super) fn new(buf: Option<&'a mut [u8]>) -> Self {
        Self { buf, len: 0 }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Add `namespace.name`; `ERANGE` when the caller's buffer is too small.
    pub fn push(&mut self, namespace: XattrNamespace, name: &[u8]) -> Result {
        let prefix = namespace.prefix();
        let need = prefix.len() + name.len() + 1;
        if let Some(buf) = self.buf.as_deref_mut() {
            let out = buf.get_mut(self.len..self.len + need).ok_or(ERANGE)?;
            let (head, rest) = out.split_at_mut(prefix.len());
            head.copy_from_slice(prefix);
            let (middle, nul) = rest.split_at_mut(name.len());
            middle.copy_from_slice(name);
            nul.fill(0);
        }
        self.len += need;
        Ok(())
    }
}
