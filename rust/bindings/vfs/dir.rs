// SPDX-License-Identifier: GPL-2.0

//! Directory reading: the position and the entries `getdents(2)` receives.

use crate::bindings as c;

/// The type of a directory entry, as `getdents(2)` reports it (`DT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DirEntryType {
    /// Not recorded in the entry.
    Unknown = 0,
    /// A FIFO.
    Fifo = 1,
    /// A character device.
    Chr = 2,
    /// A directory.
    Dir = 4,
    /// A block device.
    Blk = 6,
    /// A regular file.
    Reg = 8,
    /// A symbolic link.
    Lnk = 10,
    /// A socket.
    Sock = 12,
}

/// The reader's side of `iterate_shared` (`struct dir_context`): where it is, and where the
/// entries go.
pub struct DirEmitter<'a> {
    ctx: &'a mut c::dir_context,
}

impl<'a> DirEmitter<'a> {
    /// # Safety
    /// `ctx` must be the live context of the current `iterate_shared` call.
    pub(super) unsafe fn from_raw(ctx: *mut c::dir_context) -> Self {
        // SAFETY: the caller guarantees `ctx` is live and ours for the call.
        Self { ctx: unsafe { &mut *ctx } }
    }

    /// The position to continue from (the filesystem's own cookie; 0 at the start).
    pub fn pos(&mut self) -> i64 {
        // SAFETY: live context.
        unsafe { c::ocfs_dir_pos(self.ctx) }
    }

    /// Move the position, e.g. past entries that are not emitted.
    pub fn set_pos(&mut self, pos: i64) {
        // SAFETY: live context.
        unsafe { c::ocfs_dir_set_pos(self.ctx, pos) }
    }

    /// Emit the entry found at position `at`, continuing at `next` if the reader takes it.
    /// Returns `false` when the reader's buffer is full: stop, and the entry is read again
    /// by the next call.
    pub fn emit(&mut self, at: i64, next: i64, name: &[u8], ino: u64, kind: DirEntryType) -> bool {
        self.set_pos(at);
        // SAFETY: live context; `name` is valid for its length during the call.
        let taken = unsafe {
            c::ocfs_dir_emit(self.ctx, name.as_ptr().cast(), name.len() as _, ino, kind as u32)
        };
        if taken {
            self.set_pos(next);
        }
        taken
    }
}
