// SPDX-License-Identifier: GPL-2.0

//! ocfs_o2hb: the cluster layout in configfs (`/sys/kernel/config/cluster`, the ABI of OCFS2's
//! o2nm) and, in later stages, the disk heartbeat, quorum and fencing.

// `pub` marks what a file offers the rest of the module; nothing leaves the crate but the
// C ABI, so kbuild's `unreachable_pub` lint would flag every such item.
#![allow(unreachable_pub)]

mod bindings;
#[path = "../bindings/configfs.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
#[macro_use]
mod configfs;
#[path = "../bindings/errno.rs"]
mod errno;
mod nodemanager;

use kernel::prelude::*;

module! {
    type: O2hb,
    name: "ocfs_o2hb",
    author: "The ocfs developers",
    description: "ocfs cluster layout (configfs) and disk heartbeat",
    license: "GPL",
    alias: ["ocfs2_nodemanager"],
}

struct O2hb {
    _cluster: configfs::Registration<nodemanager::ClusterRoot>,
}

impl kernel::Module for O2hb {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let cluster = nodemanager::register()?;
        pr_info!("cluster layout registered at /sys/kernel/config/cluster\n");
        Ok(Self { _cluster: cluster })
    }
}

impl Drop for O2hb {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
