//! `-U`: the new volume UUID.
//!
//! tunefs.ocfs2 accepts none (a random one) or an explicit UUID, as 32 hex digits or in the
//! dashed 36-character form.  This tool also takes `random` (the same as none) and `time`
//! (an RFC 4122 version 1 UUID from the clock and a random node), and refuses `clear`: OCFS2
//! names the volume's heartbeat region and lock domain after its UUID, so a null one would
//! make every cleared volume the same volume to the cluster.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

/// Reads `N` bytes from the kernel's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for a new UUID: {e}"))?;
    Ok(bytes)
}

/// The UUID `arg` asks for.
pub fn new_uuid(arg: &str) -> Result<[u8; 16], String> {
    match arg {
        "" | "random" => random_v4(),
        "time" => time_v1(),
        "clear" => Err(
            "refusing -U clear: OCFS2 identifies a volume in the cluster by its UUID \
                        (heartbeat region, lock domain), so it cannot be null"
                .into(),
        ),
        _ => parse(arg).ok_or_else(|| {
            format!("Invalid UUID \"{arg}\": give 32 hex digits or the 8-4-4-4-12 dashed form")
        }),
    }
}

/// An explicit UUID: 32 hex digits, or 36 characters with dashes at 8, 13, 18 and 23.
fn parse(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    let digits: Vec<u8> = match bytes.len() {
        32 => bytes.to_vec(),
        36 => {
            let dashes_right = [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-');
            if !dashes_right {
                return None;
            }
            bytes
                .iter()
                .enumerate()
                .filter(|(i, _)| ![8, 13, 18, 23].contains(i))
                .map(|(_, b)| *b)
                .collect()
        }
        _ => return None,
    };
    let mut uuid = [0u8; 16];
    for (out, pair) in uuid.iter_mut().zip(digits.chunks_exact(2)) {
        let hex = std::str::from_utf8(pair).ok()?;
        *out = u8::from_str_radix(hex, 16).ok()?;
    }
    Some(uuid)
}

/// `uuid_generate()`: version 4, variant 1, from the random source.
fn random_v4() -> Result<[u8; 16], String> {
    let mut uuid = random_bytes::<16>()?;
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    Ok(uuid)
}

/// `uuid_generate_time()`: version 1 from 100 ns ticks since 1582-10-15, a random clock
/// sequence and a random node id with the multicast bit set (RFC 4122 4.5).
fn time_v1() -> Result<[u8; 16], String> {
    /// 100 ns intervals between 1582-10-15 and 1970-01-01.
    const GREGORIAN_OFFSET: u64 = 0x01b2_1dd2_1381_4000;
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("the clock is before 1970: {e}"))?;
    let ticks = GREGORIAN_OFFSET
        + since_epoch.as_secs() * 10_000_000
        + u64::from(since_epoch.subsec_nanos() / 100);
    let random = random_bytes::<8>()?;
    let mut uuid = [0u8; 16];
    uuid[0..4].copy_from_slice(&(ticks as u32).to_be_bytes());
    uuid[4..6].copy_from_slice(&((ticks >> 32) as u16).to_be_bytes());
    uuid[6..8].copy_from_slice(&((((ticks >> 48) as u16) & 0x0fff) | 0x1000).to_be_bytes());
    uuid[8] = (random[0] & 0x3f) | 0x80;
    uuid[9] = random[1];
    uuid[10..16].copy_from_slice(&random[2..8]);
    uuid[10] |= 0x01;
    Ok(uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_written_forms_parse_alike() {
        let plain = new_uuid("2A4D1C581FAA42A1A41D26EFC90C1315").expect("plain");
        let dashed = new_uuid("2a4d1c58-1faa-42a1-a41d-26efc90c1315").expect("dashed");
        assert_eq!(plain, dashed);
        assert_eq!(plain[0], 0x2a);
        assert_eq!(plain[15], 0x15);
    }

    #[test]
    fn malformed_uuids_are_refused() {
        for bad in [
            "2A4D1C581FAA42A1A41D26EFC90C131",
            "2a4d1c58-1faa-42a1-a41d26efc90c13150",
            "2a4d1c581-faa-42a1-a41d-26efc90c1315",
            "zz4d1c581faa42a1a41d26efc90c1315",
        ] {
            assert!(new_uuid(bad).is_err(), "{bad}");
        }
        assert!(new_uuid("clear").unwrap_err().contains("cannot be null"));
    }

    #[test]
    fn generated_uuids_carry_their_version() {
        let a = new_uuid("").expect("random");
        let b = new_uuid("random").expect("random");
        assert_ne!(a, b);
        assert_eq!((a[6] >> 4, a[8] >> 6), (4, 2));
        let t = new_uuid("time").expect("time");
        assert_eq!((t[6] >> 4, t[8] >> 6, t[10] & 1), (1, 2, 1));
    }
}
