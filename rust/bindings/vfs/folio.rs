// SPDX-License-Identifier: GPL-2.0

//! Page-cache folios being read in.

use super::{ops, FileSystem};
use crate::bindings as c;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::{Error, Result};

/// A locked folio of `T`'s page cache that `read_folio` must fill. Filling it unlocks it;
/// dropping it unfilled unlocks it too, and the reader sees an I/O error.
pub struct LockedFolio<'a, T: FileSystem> {
    folio: NonNull<c::folio>,
    _fs: PhantomData<(&'a c::folio, T)>,
}

impl<'a, T: FileSystem> LockedFolio<'a, T> {
    /// # Safety
    /// `folio` must be locked, not uptodate, and ours to fill for `'a`.
    pub(super) unsafe fn from_raw(folio: NonNull<c::folio>) -> Self {
        Self { folio, _fs: PhantomData }
    }

    /// Byte offset of the folio in its file.
    pub fn pos(&self) -> u64 {
        // SAFETY: live folio with a mapping.
        unsafe { c::ocfs_folio_pos(self.folio.as_ptr()) }
    }

    /// Read the folio from the blocks [`FileSystem::map_block`] maps (holes and the part
    /// past the end of the file read as zeros). The read completes asynchronously.
    pub fn read_mapped(self) -> Result {
        let folio = self.folio.as_ptr();
        core::mem::forget(self);
        // SAFETY: a locked folio; `mpage_read_folio` takes over the lock and unlocks it when
        // the read completes.
        let ret = unsafe { c::mpage_read_folio(folio, Some(ops::get_block::<T>)) };
        if ret == 0 { Ok(()) } else { Err(Error::from_errno(ret)) }
    }

    /// Fill the folio with `data` followed by zeros.
    pub fn fill(self, data: &[u8]) {
        let folio = self.folio.as_ptr();
        core::mem::forget(self);
        // SAFETY: a locked folio; the helper copies at most the folio's size, marks it
        // uptodate and unlocks it.
        unsafe { c::ocfs_folio_fill(folio, data.as_ptr().cast(), data.len()) };
    }
}

impl<T: FileSystem> Drop for LockedFolio<'_, T> {
    fn drop(&mut self) {
        // SAFETY: not filled, so still locked by us; unlocking it not uptodate makes the
        // reader report an I/O error.
        unsafe { c::ocfs_folio_unlock(self.folio.as_ptr()) };
    }
}

/// The locked folio a buffered write to data kept in the inode block goes to, between
/// `write_begin` and `write_end` (the binding layer locks, unlocks and releases it).
pub struct WriteFolio<'a> {
    folio: NonNull<c::folio>,
    _life: PhantomData<&'a c::folio>,
}

impl WriteFolio<'_> {
    /// # Safety
    /// `folio` must be locked and referenced by the caller for `'a`.
    pub(super) unsafe fn from_raw(folio: NonNull<c::folio>) -> Self {
        Self { folio, _life: PhantomData }
    }

    /// Whether the folio holds the file's data already.
    pub fn uptodate(&self) -> bool {
        // SAFETY: a live locked folio.
        unsafe { c::ocfs_folio_uptodate(self.folio.as_ptr()) }
    }

    /// Fill the folio with `data` followed by zeros, and mark it uptodate.
    pub fn fill(&mut self, data: &[u8]) {
        // SAFETY: a locked folio, ours to fill; the helper copies at most the folio's size.
        unsafe { c::ocfs_folio_fill_locked(self.folio.as_ptr(), data.as_ptr().cast(), data.len()) }
    }

    /// Copy the folio's bytes from `offset` into `buf` (as many as the folio holds).
    pub fn copy_out(&self, offset: usize, buf: &mut [u8]) {
        // SAFETY: a locked folio; the helper reads at most to the folio's end, and `buf` is
        // writable for its length.
        unsafe { c::ocfs_folio_copy_out(self.folio.as_ptr(), offset, buf.as_mut_ptr().cast(), buf.len()) }
    }
}
