// SPDX-License-Identifier: GPL-2.0
//! Bounds-checked access to the fixed-size record arrays that follow a
//! list header (extent, chain, truncate, refcount, dx and xattr entries).
//!
//! A list has a header count (`l_count`, `cl_count`...), a used count
//! (`l_next_free_rec`...) and a physical room (what fits in the buffer).
//! Indexed getters allow any index that fits physically (writers need
//! that); iterators yield only the used records, clipped to both the
//! header count and the room, so a corrupt count can never run past the
//! buffer.

/// Number of `rec_size` records that fit in `buf` after `header` bytes.
#[inline]
pub(crate) fn room(buf_len: usize, header: usize, rec_size: usize) -> usize {
    if rec_size == 0 {
        return 0;
    }
    buf_len.saturating_sub(header) / rec_size
}

/// The bytes of record `i`, if it fits physically.
#[inline]
pub(crate) fn rec_bytes(buf: &[u8], header: usize, rec_size: usize, i: usize) -> Option<&[u8]> {
    if i >= room(buf.len(), header, rec_size) {
        return None;
    }
    let start = header.checked_add(i.checked_mul(rec_size)?)?;
    buf.get(start..start.checked_add(rec_size)?)
}

/// Mutable version of [`rec_bytes`].
#[inline]
pub(crate) fn rec_bytes_mut(
    buf: &mut [u8],
    header: usize,
    rec_size: usize,
    i: usize,
) -> Option<&mut [u8]> {
    if i >= room(buf.len(), header, rec_size) {
        return None;
    }
    let start = header.checked_add(i.checked_mul(rec_size)?)?;
    buf.get_mut(start..start.checked_add(rec_size)?)
}

/// Iterator over the first `n` records of a list (already clipped to the
/// room by the constructor).
#[derive(Clone, Debug)]
pub struct Records<'a, T> {
    buf: &'a [u8],
    header: usize,
    rec_size: usize,
    next: usize,
    end: usize,
    make: fn(&'a [u8]) -> T,
}

impl<'a, T> Records<'a, T> {
    /// Records `0..used` of the list in `buf`, clipped to the room.
    pub(super) fn new(
        buf: &'a [u8],
        header: usize,
        rec_size: usize,
        used: usize,
        make: fn(&'a [u8]) -> T,
    ) -> Self {
        let end = used.min(room(buf.len(), header, rec_size));
        Records {
            buf,
            header,
            rec_size,
            next: 0,
            end,
            make,
        }
    }
}

impl<'a, T> Iterator for Records<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.next >= self.end {
            return None;
        }
        let bytes = rec_bytes(self.buf, self.header, self.rec_size, self.next)?;
        self.next += 1;
        Some((self.make)(bytes))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.saturating_sub(self.next);
        (n, Some(n))
    }
}

impl<T> ExactSizeIterator for Records<'_, T> {}
