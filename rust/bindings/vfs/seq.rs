// SPDX-License-Identifier: GPL-2.0

//! `seq_file` output (`/proc/mounts` lines and the like).

use crate::bindings as c;
use core::fmt;
use core::marker::PhantomData;

/// A `seq_file` being written for one read of a `/proc` file.
pub struct SeqFile<'a> {
    seq: *mut c::seq_file,
    _call: PhantomData<&'a mut c::seq_file>,
}

impl SeqFile<'_> {
    /// # Safety
    /// `seq` must be a live `seq_file` being written by the current callback.
    pub(super) unsafe fn from_raw(seq: *mut c::seq_file) -> Self {
        Self { seq, _call: PhantomData }
    }
}

impl fmt::Write for SeqFile<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // SAFETY: live `seq_file`; `text` is readable for its length. An overflowing write is
        // recorded in the `seq_file`, which retries with a larger buffer.
        unsafe { c::seq_write(self.seq, text.as_ptr().cast(), text.len()) };
        Ok(())
    }
}
