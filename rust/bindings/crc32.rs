// SPDX-License-Identifier: GPL-2.0

//! The kernel's `crc32_le`, which OCFS2's block checks (metaecc) are built on.

use crate::bindings as c;

/// `crc32_le(seed, data)`.
pub fn crc32_le(seed: u32, data: &[u8]) -> u32 {
    // SAFETY: `data` is readable for its length; `crc32_le` only reads it.
    unsafe { c::crc32_le(seed, data.as_ptr(), data.len()) }
}
