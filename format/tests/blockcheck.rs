// SPDX-License-Identifier: GPL-2.0
//! metaecc: crc32_le semantics, hamming vectors derived from
//! fs/ocfs2/blockcheck.c, and repair properties.

mod common;

use common::{crc32_le, crc32_le_bitwise, BLOCK_SIZES, CRC};
use ocfs_format::blockcheck::*;
use ocfs_format::error::Problem;
use proptest::prelude::*;

/// Literal port of `calc_code_bit()` (no cache).
fn c_calc_code_bit(i: u32) -> u32 {
    let mut b = i + 1;
    let mut p = 0;
    while (1u32 << p) < b + 1 {
        b += 1;
        p += 1;
    }
    b
}

/// Literal port of the search loop of `ocfs2_hamming_fix()`: which data
/// bit (of `d`) it would flip for `fix`.
fn c_hamming_fix_bit(d: u32, fix: u32) -> Option<u32> {
    if fix.count_ones() == 1 {
        return None;
    }
    if fix >= c_calc_code_bit(d) {
        return None;
    }
    let mut b = c_calc_code_bit(0);
    if fix < b {
        return None;
    }
    for i in 0..d {
        while b.count_ones() == 1 {
            b += 1;
        }
        if b == fix {
            return Some(i);
        }
        b += 1;
    }
    None
}

#[test]
fn crc32_le_known_vectors() {
    // zlib crc32("123456789") = 0xCBF43926; Linux crc32_le(~0, ...) is its
    // complement (no final inversion).
    assert_eq!(crc32_le(!0, b"123456789"), !0xCBF4_3926);
    assert_eq!(crc32_le_bitwise(!0, b"123456789"), !0xCBF4_3926);
    // Seed 0 over zeros stays 0 (why a zeroed heartbeat block verifies).
    assert_eq!(crc32_le(0, &[0u8; 512]), 0);
    // Chaining.
    let (a, b) = (b"hello ".as_slice(), b"world".as_slice());
    assert_eq!(crc32_le(crc32_le(!0, a), b), crc32_le(!0, b"hello world"));
}

#[test]
fn code_bits_match_the_c() {
    // Data bits 0.. sit at code positions 3, 5, 6, 7, 9, 10, ...
    let first: Vec<u32> = (0..12).map(c_calc_code_bit).collect();
    assert_eq!(first, [3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 17]);
    for i in 0..(4096 * 8) {
        let mut data = vec![0u8; 4096];
        data[(i / 8) as usize] = 1 << (i % 8);
        assert_eq!(hamming_encode_block(&data), c_calc_code_bit(i), "bit {i}");
    }
}

#[test]
fn hamming_vectors() {
    // One set bit: the parity is its code position.
    let mut b = [0u8; 512];
    b[0] = 0x01;
    assert_eq!(hamming_encode_block(&b), 3);
    b[0] = 0x03;
    assert_eq!(hamming_encode_block(&b), 3 ^ 5);
    // 0xFF in byte 0: 3^5^6^7^9^10^11^12 = 3.
    b[0] = 0xff;
    assert_eq!(hamming_encode_block(&b), 3);
    // The last bit of a 4K block: 32767 + 1 + 16 parity positions.
    let mut big = vec![0u8; 4096];
    big[4095] = 0x80;
    assert_eq!(hamming_encode_block(&big), 32784);
    // All ones over 4K still fits 16 bits.
    assert!(hamming_encode_block(&[0xffu8; 4096]) <= 0xffff);
    // Zeros: no parity.
    assert_eq!(hamming_encode_block(&[0u8; 4096]), 0);
}

#[test]
fn hamming_fix_matches_the_c_loop() {
    let d = 4096 * 8;
    for fix in 0..70_000u32 {
        let ours = hamming_data_bit(fix).filter(|&b| b < u64::from(d));
        assert_eq!(ours, c_hamming_fix_bit(d, fix).map(u64::from), "fix {fix}");
    }
}

#[test]
fn hunks_equal_whole() {
    let data: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    let whole = hamming_encode_block(&data);
    let mut p = 0;
    for (n, chunk) in data.chunks(512).enumerate() {
        p = hamming_encode(p, chunk, (n * 512 * 8) as u64);
    }
    assert_eq!(p, whole);
    let parts: Vec<&[u8]> = data.chunks(1024).collect();
    let a = compute_block_check_parts(&CRC, &parts, 40).unwrap();
    let b = compute_block_check(&CRC, &data, 40).unwrap();
    assert_eq!(a, b);
}

#[test]
fn check_field_counts_as_zero() {
    for bs in BLOCK_SIZES {
        let mut blk: Vec<u8> = (0..bs).map(|i| (i * 31 + 1) as u8).collect();
        let off = 0x80;
        let want = {
            let mut z = blk.clone();
            z[off..off + 8].fill(0);
            (crc32_le(!0, &z), hamming_encode_block(&z) as u16)
        };
        let got = compute_block_check(&CRC, &blk, off).unwrap();
        assert_eq!((got.crc32e, got.ecc), want);
        store_block_check(&CRC, &mut blk, off).unwrap();
        assert_eq!(BlockCheck::read(&blk, off), got);
        verify_block_check(&CRC, &blk, off).unwrap();
        assert_eq!(
            validate_block_check(&CRC, &mut blk, off).unwrap(),
            Verdict::Intact
        );
    }
}

#[test]
fn geometry_errors() {
    let mut b = vec![0u8; 512];
    assert!(matches!(
        compute_block_check(&CRC, &b, 505).unwrap_err().problem,
        Problem::TooShort { .. }
    ));
    assert!(compute_block_check(&CRC, &b, usize::MAX).is_err());
    assert!(validate_block_check(&CRC, &mut b, 600).is_err());
    let big = vec![0u8; 8192];
    assert!(matches!(
        compute_block_check(&CRC, &big, 0).unwrap_err().problem,
        Problem::TooLarge { .. }
    ));
}

#[test]
fn two_bit_errors_are_reported_and_left_alone() {
    let mut blk: Vec<u8> = (0..1024).map(|i| (i * 13) as u8).collect();
    store_block_check(&CRC, &mut blk, 8).unwrap();
    blk[100] ^= 0x01;
    blk[700] ^= 0x10;
    let before = blk.clone();
    let e = validate_block_check(&CRC, &mut blk, 8).unwrap_err();
    assert!(matches!(e.problem, Problem::Checksum { .. }));
    assert_eq!(blk, before, "a failed repair must not change the data");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Flip any one data bit: validation repairs it.
    #[test]
    fn single_bit_repair(bs_i in 0usize..4, seed in any::<u64>(), bit in any::<u32>(), off_sel in 0usize..3) {
        let bs = BLOCK_SIZES[bs_i];
        let mut x = seed | 1;
        let mut blk: Vec<u8> = (0..bs).map(|_| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x as u8 }).collect();
        let off = [8usize, 0x80, bs - 8][off_sel];
        store_block_check(&CRC, &mut blk, off).unwrap();
        let good = blk.clone();
        let bit = (bit as usize) % (bs * 8);
        blk[bit / 8] ^= 1 << (bit % 8);
        let v = validate_block_check(&CRC, &mut blk, off);
        if (off..off + 8).contains(&(bit / 8)) {
            // A flip inside the stored check: crc or ecc no longer match.
            prop_assert!(v.is_err() || v == Ok(Verdict::Intact));
        } else {
            prop_assert_eq!(v, Ok(Verdict::Repaired { bit: bit as u64 }));
            prop_assert_eq!(&blk, &good);
        }
    }

    /// The same over a multi-buffer bucket (parts).
    #[test]
    fn single_bit_repair_parts(seed in any::<u64>(), bit in 0usize..(4096 * 8)) {
        let mut x = seed | 1;
        let mut data: Vec<u8> = (0..4096).map(|_| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x as u8 }).collect();
        {
            let mut parts: Vec<&mut [u8]> = data.chunks_mut(512).collect();
            store_block_check_parts(&CRC, &mut parts, 8).unwrap();
        }
        let good = data.clone();
        prop_assume!(!(8..16).contains(&(bit / 8)));
        data[bit / 8] ^= 1 << (bit % 8);
        let mut parts: Vec<&mut [u8]> = data.chunks_mut(512).collect();
        let v = validate_block_check_parts(&CRC, &mut parts, 8);
        prop_assert_eq!(v, Ok(Verdict::Repaired { bit: bit as u64 }));
        prop_assert_eq!(&data, &good);
    }

    /// The crc provider and the bitwise definition agree.
    #[test]
    fn crc_providers_agree(seed in any::<u32>(), data in proptest::collection::vec(any::<u8>(), 0..600)) {
        prop_assert_eq!(crc32_le(seed, &data), crc32_le_bitwise(seed, &data));
    }
}
