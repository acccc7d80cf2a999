// SPDX-License-Identifier: GPL-2.0

//! ocfs_dlm: the distributed lock manager (NL/PR/EX, ASTs/BASTs, lock value blocks, recovery)
//! and dlmfs, which hands DLM locks to user space (the DLM stage builds them; this is the
//! module frame).

// `pub` marks what a file offers the rest of the module; nothing leaves the crate but the
// C ABI, so kbuild's `unreachable_pub` lint would flag every such item.
#![allow(unreachable_pub)]

mod bindings;
#[path = "../bindings/stack/o2net.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod o2net;
#[path = "../bindings/stack/o2nm.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod o2nm;

use kernel::prelude::*;

module! {
    type: Dlm,
    name: "ocfs_dlm",
    author: "The ocfs developers",
    description: "ocfs distributed lock manager and dlmfs",
    license: "GPL",
    alias: ["ocfs2_dlm", "ocfs2_dlmfs", "ocfs2_stackglue", "ocfs2_stack_o2cb"],
}

/// The filesystem's locking protocol: OCFS2's 1.0, so mixed clusters can tell they agree.
const LOCKING_PROTOCOL: bindings::ocfs_locking_protocol = bindings::ocfs_locking_protocol { major: 1, minor: 0 };

struct Dlm;

impl kernel::Module for Dlm {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!(
            "locking protocol {}.{} over o2net protocol {}, local node {}\n",
            LOCKING_PROTOCOL.major,
            LOCKING_PROTOCOL.minor,
            o2net::protocol_version(),
            o2nm::NodeDisplay(o2nm::this_node())
        );
        Ok(Self)
    }
}

/// The locking protocol the filesystem negotiates with other nodes (see `include/ocfs/dlm.h`).
#[no_mangle]
pub extern "C" fn ocfs_dlm_locking_protocol() -> bindings::ocfs_locking_protocol {
    LOCKING_PROTOCOL
}
