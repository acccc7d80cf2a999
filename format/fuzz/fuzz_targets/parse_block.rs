// SPDX-License-Identifier: GPL-2.0
//! Throws arbitrary bytes at every parser, validator and iterator of
//! ocfs-format (the same exerciser the no-panic property tests use).
//!
//!     cd format/fuzz && cargo fuzz run parse_block

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    // The last 8 bytes, when there are enough, pick the block number the
    // data claims to come from; the rest is the block.
    let (block, blkno) = match data.len().checked_sub(8) {
        Some(n) if n >= 512 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[n..]);
            (&data[..n], u64::from_le_bytes(b))
        }
        _ => (data, 2),
    };
    let _ = exercise::exercise(block, blkno);
});
