// SPDX-License-Identifier: GPL-2.0

//! Error codes that the 6.12 `kernel` crate has no name for (`kernel::error::code` covers a
//! subset). bindgen.mk binds every `E*` constant of `<linux/errno.h>`.

use kernel::error::Error;

/// The error for a positive errno constant from the generated bindings (`bindings::EOPNOTSUPP`).
pub fn code(errno: u32) -> Error {
    Error::from_errno(-(errno as i32))
}

/// `EUCLEAN`, "Structure needs cleaning": corrupt metadata (as ext4 and xfs report it).
#[allow(dead_code)] // not every module reports corruption
pub fn euclean() -> Error {
    code(crate::bindings::EUCLEAN)
}

/// `ENAMETOOLONG`.
#[allow(dead_code)] // only the filesystem checks names
pub fn enametoolong() -> Error {
    code(crate::bindings::ENAMETOOLONG)
}
