// SPDX-License-Identifier: GPL-2.0

//! Safe access to ocfs_o2net (`include/ocfs/o2net.h`) for the modules above it.
//! The crate's `bindings.h` must include `<ocfs/o2net.h>`.

use crate::bindings as c;

/// The o2net wire protocol version the loaded ocfs_o2net speaks.
pub fn protocol_version() -> u64 {
    // SAFETY: `o2net_protocol_version` takes no arguments and returns a constant.
    unsafe { c::o2net_protocol_version() }
}
