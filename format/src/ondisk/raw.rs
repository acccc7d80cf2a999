// SPDX-License-Identifier: GPL-2.0
//! Byte-level plumbing shared by every view.
//!
//! Views never index a slice directly: every access goes through
//! [`Le::read_at`] / [`Be::read_at`] (which return zero when the bytes are
//! missing) or the `tail` helpers (which return an empty slice).  A view
//! constructor already checked the length, so the fallbacks are never hit
//! for real data; they exist so that no path can panic.

use super::blockcheck::BlockCheck;

/// A fixed-width value stored little-endian on disk (all of OCFS2).
pub(crate) trait Le: Sized {
    /// Width on disk, in bytes.
    const SIZE: usize;
    /// The value read from missing bytes.
    fn zero() -> Self;
    /// Decodes from exactly `SIZE` bytes.
    fn decode(b: &[u8]) -> Self;
    /// Encodes into exactly `SIZE` bytes.
    fn encode(&self, out: &mut [u8]);

    /// Reads the value at `off`, or zero if `buf` is too short.
    #[inline]
    fn read_at(buf: &[u8], off: usize) -> Self {
        match range(buf.len(), off, Self::SIZE).and_then(|r| buf.get(r)) {
            Some(s) => Self::decode(s),
            None => Self::zero(),
        }
    }

    /// Writes the value at `off`; does nothing if `buf` is too short.
    #[inline]
    fn write_at(&self, buf: &mut [u8], off: usize) {
        if let Some(s) = range(buf.len(), off, Self::SIZE).and_then(|r| buf.get_mut(r)) {
            self.encode(s);
        }
    }
}

/// A fixed-width value stored big-endian on disk (the JBD2 journal).
pub(crate) trait Be: Sized {
    /// Width on disk, in bytes.
    const SIZE: usize;
    /// The value read from missing bytes.
    fn zero() -> Self;
    /// Decodes from exactly `SIZE` bytes.
    fn decode(b: &[u8]) -> Self;
    /// Encodes into exactly `SIZE` bytes.
    fn encode(&self, out: &mut [u8]);

    /// Reads the value at `off`, or zero if `buf` is too short.
    #[inline]
    fn read_at(buf: &[u8], off: usize) -> Self {
        match range(buf.len(), off, Self::SIZE).and_then(|r| buf.get(r)) {
            Some(s) => Self::decode(s),
            None => Self::zero(),
        }
    }

    /// Writes the value at `off`; does nothing if `buf` is too short.
    #[inline]
    fn write_at(&self, buf: &mut [u8], off: usize) {
        if let Some(s) = range(buf.len(), off, Self::SIZE).and_then(|r| buf.get_mut(r)) {
            self.encode(s);
        }
    }
}

#[inline]
fn range(len: usize, off: usize, size: usize) -> Option<core::ops::Range<usize>> {
    let end = off.checked_add(size)?;
    if end <= len {
        Some(off..end)
    } else {
        None
    }
}

macro_rules! int_codecs {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            #[inline]
            fn zero() -> Self { 0 }
            #[inline]
            fn decode(b: &[u8]) -> Self {
                b.try_into().map(<$t>::from_le_bytes).unwrap_or(0)
            }
            #[inline]
            fn encode(&self, out: &mut [u8]) {
                let bytes = self.to_le_bytes();
                for (o, i) in out.iter_mut().zip(bytes.iter()) {
                    *o = *i;
                }
            }
        }
        impl Be for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            #[inline]
            fn zero() -> Self { 0 }
            #[inline]
            fn decode(b: &[u8]) -> Self {
                b.try_into().map(<$t>::from_be_bytes).unwrap_or(0)
            }
            #[inline]
            fn encode(&self, out: &mut [u8]) {
                let bytes = self.to_be_bytes();
                for (o, i) in out.iter_mut().zip(bytes.iter()) {
                    *o = *i;
                }
            }
        }
    )*};
}
int_codecs!(u8, u16, u32, u64);

macro_rules! array_codec {
    ($tr:ident) => {
        impl<const N: usize> $tr for [u8; N] {
            const SIZE: usize = N;
            #[inline]
            fn zero() -> Self {
                [0; N]
            }
            #[inline]
            fn decode(b: &[u8]) -> Self {
                b.try_into().unwrap_or([0; N])
            }
            #[inline]
            fn encode(&self, out: &mut [u8]) {
                for (o, i) in out.iter_mut().zip(self.iter()) {
                    *o = *i;
                }
            }
        }
    };
}
array_codec!(Le);
array_codec!(Be);

impl Le for BlockCheck {
    const SIZE: usize = 8;
    fn zero() -> Self {
        BlockCheck::default()
    }
    fn decode(b: &[u8]) -> Self {
        BlockCheck {
            crc32e: <u32 as Le>::read_at(b, 0),
            ecc: <u16 as Le>::read_at(b, 4),
            reserved: <u16 as Le>::read_at(b, 6),
        }
    }
    fn encode(&self, out: &mut [u8]) {
        Le::write_at(&self.crc32e, out, 0);
        Le::write_at(&self.ecc, out, 4);
        Le::write_at(&self.reserved, out, 6);
    }
}

/// The bytes of `buf` from `off` on (empty if `off` is past the end).
#[inline]
pub(crate) fn tail(buf: &[u8], off: usize) -> &[u8] {
    buf.get(off..).unwrap_or(&[])
}

/// Mutable version of [`tail`].
#[inline]
pub(crate) fn tail_mut(buf: &mut [u8], off: usize) -> &mut [u8] {
    let len = buf.len();
    match buf.get_mut(off.min(len)..) {
        Some(s) => s,
        None => &mut [],
    }
}

/// `len` bytes of `buf` from `off`, clipped to the buffer.
#[inline]
pub(crate) fn window(buf: &[u8], off: usize, len: usize) -> &[u8] {
    let t = tail(buf, off);
    t.get(..len.min(t.len())).unwrap_or(&[])
}

/// Mutable version of [`window`].
#[inline]
pub(crate) fn window_mut(buf: &mut [u8], off: usize, len: usize) -> &mut [u8] {
    let t = tail_mut(buf, off);
    let n = len.min(t.len());
    match t.get_mut(..n) {
        Some(s) => s,
        None => &mut [],
    }
}

/// Copies `src` into `dst` as far as both reach, zero-filling the rest of
/// `dst` (how C code fills fixed-size name fields).
pub(crate) fn fill(dst: &mut [u8], src: &[u8]) {
    let mut s = src.iter();
    for d in dst.iter_mut() {
        *d = s.next().copied().unwrap_or(0);
    }
}

/// The bytes up to (not including) the first NUL.
pub(crate) fn until_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..end).unwrap_or(b)
}

/// Whether `sig` starts with the signature string `expected` (OCFS2
/// compares `strlen(SIGNATURE)` bytes; the 8th byte is the NUL).
pub(crate) fn signature_is(sig: &[u8; 8], expected: &[u8]) -> bool {
    sig.get(..expected.len()) == Some(expected)
}

/// Packs a signature string into an 8-byte, NUL-padded field.
pub const fn signature(s: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    let mut i = 0;
    while i < s.len() && i < 8 {
        out[i] = s[i];
        i += 1;
    }
    out
}

/// One field of a view: name (the C field name), byte offset inside the
/// view and width.  Each view lists its fields in `FIELDS`; the generated
/// `layout_check.rs` compares the list against the C structures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDesc {
    /// The C field name.
    pub name: &'static str,
    /// Byte offset inside the view.
    pub offset: usize,
    /// Width in bytes.
    pub size: usize,
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Compile-time check used by `layout_check.rs`: `fields` has a field
/// called `name` at `offset` with width `size`.
pub(crate) const fn field_is(fields: &[FieldDesc], name: &str, offset: usize, size: usize) -> bool {
    let mut i = 0;
    while i < fields.len() {
        if str_eq(fields[i].name, name) {
            return fields[i].offset == offset && fields[i].size == size;
        }
        i += 1;
    }
    false
}

/// Little-endian bit test (`test_bit_le`), false past the end.
#[inline]
pub fn test_bit(bitmap: &[u8], bit: usize) -> bool {
    bitmap
        .get(bit / 8)
        .map(|b| b & (1 << (bit % 8)) != 0)
        .unwrap_or(false)
}

/// Little-endian bit set/clear; does nothing past the end.
#[inline]
pub fn set_bit(bitmap: &mut [u8], bit: usize, on: bool) {
    if let Some(b) = bitmap.get_mut(bit / 8) {
        if on {
            *b |= 1 << (bit % 8);
        } else {
            *b &= !(1 << (bit % 8));
        }
    }
}
