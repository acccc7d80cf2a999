//! What is on the target already, that mkfs must not destroy unasked: another filesystem,
//! or an OCFS2 volume (found and watched for live heartbeats through ocfs-volume).

use crate::device::Device;

/// Signatures of filesystems and other contents worth refusing to overwrite.
const SIGNATURES: &[(&str, u64, &[u8])] = &[
    ("ext2/3/4", 1080, &[0x53, 0xEF]),
    ("xfs", 0, b"XFSB"),
    ("btrfs", 0x10040, b"_BHRfS_M"),
    ("LUKS", 0, b"LUKS\xba\xbe"),
    ("swap", 4086, b"SWAPSPACE2"),
    ("LVM2 physical volume", 0x218, b"LVM2 001"),
];

/// The name of a non-OCFS2 filesystem or format on the target, if any.
pub fn other_filesystem(dev: &Device) -> Option<&'static str> {
    SIGNATURES.iter().find_map(|(name, offset, magic)| {
        let mut buf = vec![0; magic.len()];
        (offset + magic.len() as u64 <= dev.size).then_some(())?;
        dev.read_at(*offset, &mut buf).ok()?;
        (buf.as_slice() == *magic).then_some(*name)
    })
}
