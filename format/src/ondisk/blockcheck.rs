// SPDX-License-Identifier: GPL-2.0
//! metaecc: the `ocfs2_block_check` (crc32 + hamming code) of a metadata
//! block, as `fs/ocfs2/blockcheck.c` computes it.
//!
//! Facts taken from the C, which every function here reproduces:
//!
//! * The crc is Linux `crc32_le(~0, block, blocksize)`: the reflected
//!   IEEE 802.3 CRC-32 (polynomial 0xEDB88320), register seeded with
//!   0xFFFFFFFF and **no final inversion**.  It is *not* crc32c.  In terms
//!   of the usual zlib/Ethernet CRC-32, `bc_crc32e == !crc32(block)`.
//! * The 8 bytes of the check structure are zero while computing (the C
//!   `memset`s them); here they are treated as zero without touching the
//!   buffer.
//! * The ecc is a hamming code over the block's bits, little-endian bit
//!   order (`find_next_bit_le`): the parity is the XOR of the 1-based
//!   hamming code position of every set data bit, where data bit `i` sits
//!   at code position `i + 1 +` (the number of power-of-two positions
//!   before it).  Blocks are at most 4K, so the parity fits in 16 bits.
//! * To repair, the parity of the damaged block is XORed with the stored
//!   one; a result with one bit set names a damaged parity bit (nothing to
//!   do), otherwise it is the code position of the one flipped data bit.
//!   The crc is then checked again.
//!
//! Multi-buffer structures (xattr buckets: up to 4K spread over several
//! blocks) are one logical buffer; the `_parts` functions take the pieces
//! in order, like `ocfs2_block_check_compute_bhs`.
//!
//! The crate carries no CRC implementation: callers supply [`Crc32Le`]
//! (userspace wraps a crc32 crate, the kernel its `crc32_le`).

use core::ops::Range;

use super::error::{FormatError, Problem, Structure};
use super::raw::Le;

/// Linux `crc32_le(seed, data, len)`: reflected CRC-32 with polynomial
/// 0xEDB88320, the register starting at `seed`, no pre- or post-inversion.
/// Chaining holds: `crc32_le(crc32_le(s, a), b) == crc32_le(s, a ++ b)`.
///
/// With a zlib-style `crc32(init, data)` (which inverts on entry and exit):
/// `crc32_le(seed, data) == !crc32(!seed, data)`.
pub trait Crc32Le {
    /// Linux `crc32_le(seed, data, data.len())`.
    fn crc32_le(&self, seed: u32, data: &[u8]) -> u32;
}

impl<F: Fn(u32, &[u8]) -> u32> Crc32Le for F {
    fn crc32_le(&self, seed: u32, data: &[u8]) -> u32 {
        self(seed, data)
    }
}

/// The largest buffer metaecc protects (a 4K block or xattr bucket); the
/// hamming parity of anything larger does not fit `bc_ecc`.
pub const MAX_ECC_BYTES: usize = 4096;

/// `struct ocfs2_block_check`: 8 bytes inside every metaecc-protected
/// structure.  All zero when metaecc is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BlockCheck {
    /// `bc_crc32e`: `crc32_le(~0, block)` with this structure zeroed.
    pub crc32e: u32,
    /// `bc_ecc`: hamming parity of the block with this structure zeroed.
    pub ecc: u16,
    /// `bc_reserved1`.
    pub reserved: u16,
}

impl BlockCheck {
    /// Size on disk.
    pub const SIZE: usize = 8;

    /// Reads the check stored at `off` of `buf` (zeros if out of range).
    pub fn read(buf: &[u8], off: usize) -> Self {
        <BlockCheck as Le>::read_at(buf, off)
    }

    /// Writes the check at `off` of `buf` (nothing if out of range).
    pub fn write(&self, buf: &mut [u8], off: usize) {
        <BlockCheck as Le>::write_at(self, buf, off)
    }
}

/// Result of a successful [`validate_block_check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The crc matched.
    Intact,
    /// The crc did not match; flipping data bit `bit` (little-endian bit
    /// numbering over the whole buffer) made it match.  The buffer now
    /// holds the repaired data.
    Repaired {
        /// The bit that was flipped back.
        bit: u64,
    },
}

/// `calc_code_bit()`: hamming code position (1-based) of data bit `i`
/// (0-based).  `p` caches the number of parity bits passed so far, which
/// only grows for increasing `i`.
#[inline]
fn code_bit(i: u64, p: &mut u32) -> u64 {
    // Unsigned wrap-around as in the C (only reachable with absurd
    // offsets, never with a block).
    let mut b = i.wrapping_add(1).wrapping_add(u64::from(*p));
    while *p < 63 && (1u64 << *p) < b.wrapping_add(1) {
        *p += 1;
        b = b.wrapping_add(1);
    }
    b
}

/// `ocfs2_hamming_encode()`: folds the set bits of `data`, which starts at
/// bit `bit_offset` of the whole buffer, into `parity`.  Calling it hunk by
/// hunk with increasing offsets gives the parity of the concatenation.
pub fn hamming_encode(mut parity: u32, data: &[u8], bit_offset: u64) -> u32 {
    let mut p = 0u32;
    for (byte_index, &byte) in data.iter().enumerate() {
        if byte == 0 {
            continue;
        }
        let base = bit_offset.wrapping_add((byte_index as u64).wrapping_mul(8));
        for bit in 0..8u64 {
            if byte & (1 << bit) != 0 {
                parity ^= code_bit(base.wrapping_add(bit), &mut p) as u32;
            }
        }
    }
    parity
}

/// `ocfs2_hamming_encode_block()`: parity of a whole buffer.
pub fn hamming_encode_block(data: &[u8]) -> u32 {
    hamming_encode(0, data, 0)
}

/// The data bit (0-based, whole-buffer numbering) that hamming code
/// position `fix` stands for, or None for position 0 and for the
/// power-of-two (parity) positions.
pub fn hamming_data_bit(fix: u32) -> Option<u64> {
    if fix == 0 || fix.is_power_of_two() {
        return None;
    }
    let f = u64::from(fix);
    // Number of parity positions (powers of two) at or below f.
    let parity_bits = 64 - u64::from(f.leading_zeros());
    Some(f - 1 - parity_bits)
}

/// `ocfs2_hamming_fix()`: flips the data bit named by `fix` (stored parity
/// XOR computed parity) if it lies in this hunk, which starts at bit
/// `bit_offset`.  Returns the whole-buffer bit number it flipped.
pub fn hamming_fix(data: &mut [u8], bit_offset: u64, fix: u32) -> Option<u64> {
    let bit = hamming_data_bit(fix)?;
    let local = bit.checked_sub(bit_offset)?;
    if local >= (data.len() as u64).saturating_mul(8) {
        return None;
    }
    let byte = data.get_mut((local / 8) as usize)?;
    *byte ^= 1 << (local % 8);
    Some(bit)
}

/// `ocfs2_hamming_fix_block()`.
pub fn hamming_fix_block(data: &mut [u8], fix: u32) -> Option<u64> {
    hamming_fix(data, 0, fix)
}

fn check_err(problem: Problem) -> FormatError {
    FormatError::new(Structure::BlockCheck, "", problem)
}

/// Checks that `check_off` leaves room for the check inside `total` bytes
/// and that `total` is small enough for a 16-bit parity.
fn check_geometry(total: usize, check_off: usize) -> Result<Range<usize>, FormatError> {
    if total > MAX_ECC_BYTES {
        return Err(check_err(Problem::TooLarge {
            max: MAX_ECC_BYTES as u64,
            found: total as u64,
        }));
    }
    match check_off.checked_add(BlockCheck::SIZE) {
        Some(end) if end <= total => Ok(check_off..end),
        _ => Err(check_err(Problem::TooShort {
            need: (check_off as u64).saturating_add(BlockCheck::SIZE as u64),
            have: total as u64,
        })),
    }
}

fn total_len<P: AsRef<[u8]>>(parts: &[P]) -> usize {
    parts
        .iter()
        .map(|p| p.as_ref().len())
        .fold(0usize, usize::saturating_add)
}

/// Splits `part`, which covers `start..start + part.len()` of the logical
/// buffer, around `hole`: (bytes before, hole bytes inside, bytes after,
/// offset of the bytes after).
fn split_hole<'a>(
    part: &'a [u8],
    start: usize,
    hole: &Range<usize>,
) -> (&'a [u8], usize, &'a [u8], usize) {
    let end = start + part.len();
    let hs = hole.start.clamp(start, end) - start;
    let he = hole.end.clamp(start, end) - start;
    let before = part.get(..hs).unwrap_or(&[]);
    let after = part.get(he..).unwrap_or(&[]);
    (before, he - hs, after, start + he)
}

fn crc_parts<C: Crc32Le + ?Sized, P: AsRef<[u8]>>(
    crc: &C,
    parts: &[P],
    hole: &Range<usize>,
) -> u32 {
    const ZEROS: [u8; BlockCheck::SIZE] = [0; BlockCheck::SIZE];
    let mut c = !0u32;
    let mut start = 0usize;
    for part in parts {
        let part = part.as_ref();
        let (before, zeros, after, _) = split_hole(part, start, hole);
        c = crc.crc32_le(c, before);
        if zeros > 0 {
            c = crc.crc32_le(c, ZEROS.get(..zeros).unwrap_or(&ZEROS));
        }
        c = crc.crc32_le(c, after);
        start += part.len();
    }
    c
}

fn ecc_parts<P: AsRef<[u8]>>(parts: &[P], hole: &Range<usize>) -> u32 {
    let mut parity = 0u32;
    let mut start = 0usize;
    for part in parts {
        let part = part.as_ref();
        let (before, _, after, after_start) = split_hole(part, start, hole);
        parity = hamming_encode(parity, before, start as u64 * 8);
        parity = hamming_encode(parity, after, after_start as u64 * 8);
        start += part.len();
    }
    parity
}

fn read_check<P: AsRef<[u8]>>(parts: &[P], hole: &Range<usize>) -> BlockCheck {
    let mut bytes = [0u8; BlockCheck::SIZE];
    let mut start = 0usize;
    for part in parts {
        let part = part.as_ref();
        for (i, b) in part.iter().enumerate() {
            let pos = start + i;
            if hole.contains(&pos) {
                if let Some(slot) = bytes.get_mut(pos - hole.start) {
                    *slot = *b;
                }
            }
        }
        start += part.len();
    }
    BlockCheck::read(&bytes, 0)
}

fn write_check<P: AsMut<[u8]>>(parts: &mut [P], hole: &Range<usize>, check: &BlockCheck) {
    let mut bytes = [0u8; BlockCheck::SIZE];
    check.write(&mut bytes, 0);
    let mut start = 0usize;
    for part in parts.iter_mut() {
        let part = part.as_mut();
        let len = part.len();
        for (i, b) in part.iter_mut().enumerate() {
            let pos = start + i;
            if hole.contains(&pos) {
                if let Some(v) = bytes.get(pos - hole.start) {
                    *b = *v;
                }
            }
        }
        start += len;
    }
}

/// Flips `bit` of the logical buffer; false if it is outside the data or
/// inside the check structure (which counts as zero, so the C fix of such
/// a bit is undone when the saved check is put back).
fn flip_bit<P: AsMut<[u8]>>(parts: &mut [P], hole: &Range<usize>, bit: u64) -> bool {
    let byte = bit / 8;
    if byte >= hole.start as u64 && byte < hole.end as u64 {
        return false;
    }
    let mut start = 0u64;
    for part in parts.iter_mut() {
        let part = part.as_mut();
        let len = part.len() as u64;
        if byte < start + len {
            if let Some(b) = part.get_mut((byte - start) as usize) {
                *b ^= 1 << (bit % 8);
                return true;
            }
            return false;
        }
        start += len;
    }
    false
}

/// `ocfs2_block_check_compute_bhs()` without writing: the check for the
/// concatenation of `parts`, the 8 bytes at `check_off` counting as zero.
pub fn compute_block_check_parts<C: Crc32Le + ?Sized, P: AsRef<[u8]>>(
    crc: &C,
    parts: &[P],
    check_off: usize,
) -> Result<BlockCheck, FormatError> {
    let hole = check_geometry(total_len(parts), check_off)?;
    Ok(BlockCheck {
        crc32e: crc_parts(crc, parts, &hole),
        ecc: ecc_parts(parts, &hole) as u16,
        reserved: 0,
    })
}

/// The check of one block whose check structure is at `check_off`.
pub fn compute_block_check<C: Crc32Le + ?Sized>(
    crc: &C,
    block: &[u8],
    check_off: usize,
) -> Result<BlockCheck, FormatError> {
    compute_block_check_parts(crc, &[block], check_off)
}

/// `ocfs2_block_check_compute()`: computes the check and stores it at
/// `check_off` (reserved bytes zeroed, as the C memset does).
pub fn store_block_check<C: Crc32Le + ?Sized>(
    crc: &C,
    block: &mut [u8],
    check_off: usize,
) -> Result<BlockCheck, FormatError> {
    let check = compute_block_check(crc, block, check_off)?;
    check.write(block, check_off);
    Ok(check)
}

/// `ocfs2_block_check_compute_bhs()`.
pub fn store_block_check_parts<C: Crc32Le + ?Sized, P: AsRef<[u8]> + AsMut<[u8]>>(
    crc: &C,
    parts: &mut [P],
    check_off: usize,
) -> Result<BlockCheck, FormatError> {
    let check = compute_block_check_parts(crc, parts, check_off)?;
    let hole = check_off..check_off + BlockCheck::SIZE;
    write_check(parts, &hole, &check);
    Ok(check)
}

/// Read-only check: Ok if the stored crc matches (no repair attempted).
pub fn verify_block_check<C: Crc32Le + ?Sized>(
    crc: &C,
    block: &[u8],
    check_off: usize,
) -> Result<(), FormatError> {
    let hole = check_geometry(block.len(), check_off)?;
    let stored = read_check(&[block], &hole);
    let computed = crc_parts(crc, &[block], &hole);
    if computed == stored.crc32e {
        Ok(())
    } else {
        Err(check_err(Problem::Checksum {
            stored: stored.crc32e,
            computed,
        }))
    }
}

/// `ocfs2_block_check_validate_bhs()`: checks the crc and, on mismatch,
/// tries the single-bit hamming repair.  Unlike the C, a repair that does
/// not make the crc match is undone, so an error leaves the data as read.
pub fn validate_block_check_parts<C: Crc32Le + ?Sized, P: AsRef<[u8]> + AsMut<[u8]>>(
    crc: &C,
    parts: &mut [P],
    check_off: usize,
) -> Result<Verdict, FormatError> {
    let hole = check_geometry(total_len(parts), check_off)?;
    let stored = read_check(parts, &hole);
    let computed = crc_parts(crc, parts, &hole);
    if computed == stored.crc32e {
        return Ok(Verdict::Intact);
    }
    let fix = ecc_parts(parts, &hole) ^ u32::from(stored.ecc);
    if let Some(bit) = hamming_data_bit(fix) {
        if flip_bit(parts, &hole, bit) {
            if crc_parts(crc, parts, &hole) == stored.crc32e {
                return Ok(Verdict::Repaired { bit });
            }
            flip_bit(parts, &hole, bit);
        }
    }
    Err(check_err(Problem::Checksum {
        stored: stored.crc32e,
        computed,
    }))
}

/// `ocfs2_block_check_validate()` for one block.
pub fn validate_block_check<C: Crc32Le + ?Sized>(
    crc: &C,
    block: &mut [u8],
    check_off: usize,
) -> Result<Verdict, FormatError> {
    validate_block_check_parts(crc, &mut [block], check_off)
}

/// `ocfs2_validate_meta_ecc()`: validates (and repairs) the block only
/// when the volume has "metaecc"; otherwise the check is ignored.
pub fn validate_meta_ecc<C: Crc32Le + ?Sized>(
    crc: &C,
    params: &super::superblock::FsParams,
    block: &mut [u8],
    check_off: usize,
) -> Result<Verdict, FormatError> {
    if params.meta_ecc() {
        validate_block_check(crc, block, check_off).map_err(|e| e.at_index(check_off as u64))
    } else {
        Ok(Verdict::Intact)
    }
}

/// `ocfs2_compute_meta_ecc()`: stores the check only when the volume has
/// "metaecc" (without it the field stays as it is, normally zero).
pub fn compute_meta_ecc<C: Crc32Le + ?Sized>(
    crc: &C,
    params: &super::superblock::FsParams,
    block: &mut [u8],
    check_off: usize,
) -> Result<(), FormatError> {
    if params.meta_ecc() {
        store_block_check(crc, block, check_off)?;
    }
    Ok(())
}
