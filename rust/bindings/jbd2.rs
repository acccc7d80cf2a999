// SPDX-License-Identifier: GPL-2.0

//! JBD2, the kernel's journaling layer: a journal kept in an inode of the filesystem.
//!
//! The crate root's `bindings.h` must include `../bindings/jbd2.h` and its `helpers.c`
//! `../bindings/jbd2_helpers.c`.

use crate::bindings as c;
use crate::vfs::{FileSystem, INode};
use core::ptr::NonNull;
use kernel::error::{Error, Result};
use kernel::types::ARef;

/// A journal (`journal_t`) that lives in the blocks of an inode; destroyed on drop, which
/// flushes what it holds.
pub struct Journal(NonNull<c::journal_t>);

// SAFETY: JBD2 serialises access to a journal internally.
unsafe impl Send for Journal {}
// SAFETY: as above.
unsafe impl Sync for Journal {}

impl Journal {
    /// Set up the journal stored in `inode`, whose blocks JBD2 finds through the inode's
    /// `bmap`. The journal keeps the inode reference and drops it when destroyed.
    pub fn from_inode<T: FileSystem>(inode: ARef<INode<T>>) -> Result<Self> {
        let mut err = 0;
        // SAFETY: a live inode of a mounted filesystem with a `bmap` operation.
        let journal = unsafe { c::ocfs_jbd2_init_inode(inode.as_raw(), &mut err) };
        let journal = NonNull::new(journal).ok_or_else(|| Error::from_errno(err))?;
        // `jbd2_journal_destroy` puts the reference the journal now owns.
        core::mem::forget(inode);
        Ok(Self(journal))
    }

    /// Load the journal: read its superblock and replay every transaction committed to it
    /// but not yet checkpointed to the filesystem (`jbd2_journal_load`).
    pub fn load(&self) -> Result {
        // SAFETY: a journal set up by `from_inode`.
        let ret = unsafe { c::jbd2_journal_load(self.0.as_ptr()) };
        if ret == 0 { Ok(()) } else { Err(Error::from_errno(ret)) }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // SAFETY: ours since `from_inode`; nothing uses it after this. Errors were reported
        // to the log by JBD2.
        unsafe { c::jbd2_journal_destroy(self.0.as_ptr()) };
    }
}
