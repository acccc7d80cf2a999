// SPDX-License-Identifier: GPL-2.0

//! ocfs: the OCFS2 filesystem. Mounting finds and checks the superblock and refuses, with the
//! reason, what it cannot mount; the filesystem itself arrives with the single-node stage.

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
#[path = "../bindings/vfs.rs"]
#[allow(dead_code)] // shared binding layer: each module uses a part of it
mod vfs;

mod mount;

use kernel::{c_str, prelude::*, str::CStr};

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

    fn fill_super(sb: &vfs::SuperBlock, _fc: &vfs::FsContext) -> Result {
        let params = mount::probe(sb)?;
        mount::check_supported(sb, &params)?;
        pr_err!(
            "{}: a valid local OCFS2 volume ({}-byte blocks, {}-byte clusters, features {}), \
             but this build cannot mount filesystems yet\n",
            sb.id(),
            params.block_size,
            params.cluster_size,
            params.features
        );
        Err(errno::code(bindings::EOPNOTSUPP))
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
