// SPDX-License-Identifier: GPL-2.0
//! The name hash of indexed directories (`__ocfs2_dx_dir_name_hash` in the kernel's
//! fs/ocfs2/dir.c): TEA over the name in 16-byte pieces, seeded per volume with
//! `{s_dx_seed[0], s_dx_seed[1], s_dx_seed[2], s_uuid_hash}`.

/// TEA's round constant.
const DELTA: u32 = 0x9E37_79B9;

/// The per-volume seed the kernel keeps as `osb_dx_seed`.
pub const fn dx_seed(s_dx_seed: [u32; 3], s_uuid_hash: u32) -> [u32; 4] {
    [s_dx_seed[0], s_dx_seed[1], s_dx_seed[2], s_uuid_hash]
}

/// `(major, minor)` hash of `name`; `.` and `..` hash to `(0, 0)`. Names are read as
/// unsigned bytes (the kernel's default; its `legacy_signed` variant is not used by mkfs).
pub fn dx_name_hash(seed: [u32; 4], name: &[u8]) -> (u32, u32) {
    if name == b"." || name == b".." {
        return (0, 0);
    }
    let mut buf = seed;
    let mut rest = name;
    let mut len = name.len();
    // The kernel loops while len > 0, hashing at least once even for an empty name.
    loop {
        let input = str_to_hash_buf(rest, len);
        tea_transform(&mut buf, &input);
        if len <= 16 {
            break;
        }
        len -= 16;
        rest = rest.get(16..).unwrap_or(&[]);
    }
    (buf[0], buf[1])
}

fn tea_transform(buf: &mut [u32; 4], input: &[u32; 4]) {
    let (mut b0, mut b1) = (buf[0], buf[1]);
    let [a, b, c, d] = *input;
    let mut sum = 0u32;
    for _ in 0..16 {
        sum = sum.wrapping_add(DELTA);
        b0 = b0.wrapping_add(
            (b1 << 4).wrapping_add(a) ^ b1.wrapping_add(sum) ^ (b1 >> 5).wrapping_add(b),
        );
        b1 = b1.wrapping_add(
            (b0 << 4).wrapping_add(c) ^ b0.wrapping_add(sum) ^ (b0 >> 5).wrapping_add(d),
        );
    }
    buf[0] = buf[0].wrapping_add(b0);
    buf[1] = buf[1].wrapping_add(b1);
}

/// `str2hashbuf(msg, len, buf, 4, false)`: up to 16 bytes of the name packed big-end-first
/// into four words, padded with the (remaining) length.
fn str_to_hash_buf(msg: &[u8], len: usize) -> [u32; 4] {
    let mut pad = (len as u32) | ((len as u32) << 8);
    pad |= pad << 16;
    let mut out = [pad; 4];
    let mut val = pad;
    let mut word = 0;
    let take = len.min(16);
    for i in 0..take {
        if i % 4 == 0 {
            val = pad;
        }
        val = u32::from(msg.get(i).copied().unwrap_or(0)).wrapping_add(val << 8);
        if i % 4 == 3 {
            out[word] = val;
            word += 1;
            val = pad;
        }
    }
    if word < 4 {
        out[word] = val;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_entries_hash_to_zero() {
        assert_eq!(dx_name_hash([1, 2, 3, 4], b"."), (0, 0));
        assert_eq!(dx_name_hash([1, 2, 3, 4], b".."), (0, 0));
    }

    #[test]
    fn padding_of_short_names() {
        // "ab": len 2, pad 0x02020202; "a","b" shifted into the pad.
        assert_eq!(str_to_hash_buf(b"ab", 2), [0x0202_6162, 0x0202_0202, 0x0202_0202, 0x0202_0202]);
        assert_eq!(str_to_hash_buf(b"abcd", 4)[0], 0x6162_6364);
    }

    #[test]
    fn long_names_hash_every_piece() {
        let seed = [0x1234, 0x5678, 0x9abc, 0xdef0];
        let a = dx_name_hash(seed, b"0123456789abcdef-tail-one");
        let b = dx_name_hash(seed, b"0123456789abcdef-tail-two");
        assert_ne!(a, b);
    }
}
