// SPDX-License-Identifier: GPL-2.0

//! ocfs_o2net: TCP messaging between the nodes of the cluster, with keepalives and idle
//! timeouts (the cluster stack stage builds it; this is its module frame).

// `pub` marks what a file offers the rest of the module; nothing leaves the crate but the
// C ABI, so kbuild's `unreachable_pub` lint would flag every such item.
#![allow(unreachable_pub)]

mod bindings;
#[path = "../bindings/stack/o2nm.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod o2nm;

use kernel::prelude::*;

module! {
    type: O2net,
    name: "ocfs_o2net",
    author: "The ocfs developers",
    description: "ocfs node-to-node messaging",
    license: "GPL",
}

struct O2net;

impl kernel::Module for O2net {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!(
            "protocol {}, local node {}\n",
            bindings::O2NET_PROTOCOL_VERSION,
            o2nm::NodeDisplay(o2nm::this_node())
        );
        Ok(Self)
    }
}

/// The wire protocol version of our handshake (see `include/ocfs/o2net.h`).
#[no_mangle]
pub extern "C" fn o2net_protocol_version() -> u64 {
    bindings::O2NET_PROTOCOL_VERSION.into()
}
