// SPDX-License-Identifier: GPL-2.0

//! Safe access to ocfs_dlm (`include/ocfs/dlm.h`) for the filesystem.
//! The crate's `bindings.h` must include `<ocfs/dlm.h>`.

use crate::bindings as c;

/// The cluster locking protocol of the loaded ocfs_dlm, as `(major, minor)`.
pub fn locking_protocol() -> (u8, u8) {
    // SAFETY: `ocfs_dlm_locking_protocol` takes no arguments and returns a constant.
    let proto = unsafe { c::ocfs_dlm_locking_protocol() };
    (proto.major, proto.minor)
}
