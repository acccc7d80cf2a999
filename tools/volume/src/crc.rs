//! Linux `crc32_le`, which metaecc and the heartbeat checksum are built on.

use ocfs_format::Crc32Le;

/// Linux `crc32_le(seed, data)` through crc32fast, which follows zlib's convention (inverted
/// on entry and exit), hence the two inversions.
pub fn crc32_le(seed: u32, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(!seed);
    hasher.update(data);
    !hasher.finalize()
}

/// The provider the format crate's metaecc and heartbeat functions take.
pub struct LinuxCrc;

impl Crc32Le for LinuxCrc {
    fn crc32_le(&self, seed: u32, data: &[u8]) -> u32 {
        crc32_le(seed, data)
    }
}
