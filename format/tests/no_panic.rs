// SPDX-License-Identifier: GPL-2.0
//! No input makes any parser, validator or iterator panic: random bytes of
//! any length, random blocks of the real block sizes, and valid blocks
//! with random damage.

mod common;

use common::build::{self, Kind};
use common::exercise::exercise;
use common::{BLOCK_SIZES, CRC};
use proptest::prelude::*;

fn damaged(bs: usize) -> impl Strategy<Value = (Kind, u64, Vec<u8>)> {
    let blocks = build::all(bs, &CRC);
    (
        0..blocks.len(),
        proptest::collection::vec((0..bs, any::<u8>()), 1..24),
    )
        .prop_map(move |(i, edits)| {
            let (k, n, mut b) = blocks[i].clone();
            for (at, v) in edits {
                b[at] = v;
            }
            (k, n, b)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_any_length(data in proptest::collection::vec(any::<u8>(), 0..5000), blkno in any::<u64>()) {
        exercise(&data, blkno);
    }

    #[test]
    fn random_blocks(bs_i in 0usize..4, seed in proptest::collection::vec(any::<u8>(), 64), fill in any::<u8>(), blkno in 0u64..64) {
        let bs = BLOCK_SIZES[bs_i];
        let mut data = vec![fill; bs];
        for (i, s) in seed.iter().enumerate() {
            data[(i * 61) % bs] = *s;
        }
        exercise(&data, blkno);
    }

    #[test]
    fn damaged_valid_blocks_512(v in damaged(512)) {
        let (k, n, b) = v;
        let _ = common::validate(k, n, &b, &build::params(512));
        exercise(&b, n);
    }

    #[test]
    fn damaged_valid_blocks_4096(v in damaged(4096)) {
        let (k, n, b) = v;
        let _ = common::validate(k, n, &b, &build::params(4096));
        exercise(&b, n);
    }

    /// Counts and offsets at their extremes (0xff..) in otherwise valid
    /// blocks: where an overflow would hide.
    #[test]
    fn saturated_fields(bs_i in 0usize..4, which in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), width in 1usize..9) {
        let bs = BLOCK_SIZES[bs_i];
        let blocks = build::all(bs, &CRC);
        let (k, n, mut b) = blocks[which.index(blocks.len())].clone();
        let start = at.index(bs);
        for x in b.iter_mut().skip(start).take(width) {
            *x = 0xff;
        }
        let _ = common::validate(k, n, &b, &build::params(bs));
        exercise(&b, n);
    }
}

#[test]
fn edge_lengths() {
    for len in (0..600).chain([1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097, 8192]) {
        for fill in [0u8, 0xff, 0x41] {
            exercise(&vec![fill; len], 0);
            exercise(&vec![fill; len], u64::MAX);
        }
    }
}
