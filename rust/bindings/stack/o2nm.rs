// SPDX-License-Identifier: GPL-2.0

//! Safe access to the node manager of ocfs_o2hb (`include/ocfs/o2nm.h`) for the modules above.
//! The crate's `bindings.h` must include `<ocfs/o2nm.h>`.

use crate::bindings as c;
use core::fmt;

/// The number of the local node, if one is configured.
pub fn this_node() -> Option<u8> {
    // SAFETY: `o2nm_this_node` takes no arguments and only reads the node manager's state.
    let node = unsafe { c::o2nm_this_node() };
    (u32::from(node) != c::O2NM_INVALID_NODE_NUM).then_some(node)
}

/// Shows a node number, or `none`.
pub struct NodeDisplay(pub Option<u8>);

impl fmt::Display for NodeDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(node) => write!(f, "{node}"),
            None => f.write_str("none"),
        }
    }
}
