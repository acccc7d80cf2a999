// SPDX-License-Identifier: GPL-2.0
//! The OCFS2 on-disk format, written once for the userspace tools and the
//! kernel modules.
//!
//! Everything lives in `src/ondisk/` so that a kernel-module crate, which
//! cannot use crates.io, can compile the very same code with
//! `#[path = "../../format/src/ondisk/mod.rs"] mod format;`.  This file only
//! carries the crate attributes and re-exports that tree.
//!
//! The crate is `no_std`, allocation-free and has no dependencies.  Every
//! parser is total: any byte string yields either a value or a
//! [`FormatError`], never a panic.

#![no_std]
#![forbid(unsafe_code)]

mod ondisk;
pub use ondisk::*;
