//! What is on the target already: a filesystem mkfs must not destroy unasked, and whether
//! nodes are heartbeating on an OCFS2 volume right now.

use crate::device::Device;
use ocfs_format::dinode::Dinode;
use ocfs_format::dir::dir_entries;
use ocfs_format::heartbeat::HeartbeatBlock;
use std::time::Duration;

/// Signatures of filesystems and other contents worth refusing to overwrite.
const SIGNATURES: &[(&str, u64, &[u8])] = &[
    ("ext2/3/4", 1080, &[0x53, 0xEF]),
    ("xfs", 0, b"XFSB"),
    ("btrfs", 0x10040, b"_BHRfS_M"),
    ("LUKS", 0, b"LUKS\xba\xbe"),
    ("swap", 4086, b"SWAPSPACE2"),
    ("LVM2 physical volume", 0x218, b"LVM2 001"),
];

/// An OCFS2 volume found on the target.
pub struct Ocfs2Volume {
    pub block_size: u32,
    pub label: String,
    /// The heartbeat area: (first block, blocks).
    pub heartbeat: Option<(u64, u64)>,
}

fn read(dev: &Device, offset: u64, len: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0; len];
    (offset + len as u64 <= dev.size).then_some(())?;
    dev.read_at(offset, &mut buf).ok()?;
    Some(buf)
}

/// The name of a non-OCFS2 filesystem or format on the target, if any.
pub fn other_filesystem(dev: &Device) -> Option<&'static str> {
    SIGNATURES.iter().find_map(|(name, offset, magic)| {
        (read(dev, *offset, magic.len())?.as_slice() == *magic).then_some(*name)
    })
}

/// The OCFS2 volume on the target, found by its superblock at block 2 for any block size.
pub fn ocfs2_volume(dev: &Device) -> Option<Ocfs2Volume> {
    [512u32, 1024, 2048, 4096].into_iter().find_map(|bs| {
        let block = read(dev, 2 * u64::from(bs), bs as usize)?;
        let inode = Dinode::new(block.as_slice()).ok()?;
        let params = inode.validate_superblock(2).ok()?;
        (params.block_size == bs).then_some(())?;
        let sb = inode.super_block();
        let label = String::from_utf8_lossy(sb.label()).into_owned();
        let heartbeat = heartbeat_extent(dev, bs, sb.s_system_dir_blkno());
        Some(Ocfs2Volume { block_size: bs, label, heartbeat })
    })
}

/// Where the heartbeat system file lives: (first block, blocks).
fn heartbeat_extent(dev: &Device, bs: u32, sysdir: u64) -> Option<(u64, u64)> {
    let block = |blkno: u64| read(dev, blkno * u64::from(bs), bs as usize);
    let dir_block = block(sysdir)?;
    let dir = Dinode::new(dir_block.as_slice()).ok()?;
    let region: Vec<u8> = if dir.i_dyn_features() & 1 != 0 {
        dir.inline_data().to_vec()
    } else {
        let first = dir.extent_list().rec(0)?.e_blkno();
        block(first)?
    };
    let blkno = dir_entries(&region, sysdir)
        .filter_map(Result::ok)
        .find(|(_, e)| e.name() == b"heartbeat")
        .map(|(_, e)| e.inode())?;
    let hb_block = block(blkno)?;
    let hb = Dinode::new(hb_block.as_slice()).ok()?;
    let start = hb.extent_list().rec(0)?.e_blkno();
    Some((start, hb.i_size() / u64::from(bs)))
}

/// The node numbers whose heartbeat blocks advance within a little more than one o2hb
/// interval (2 s). o2hb gives each node one *sector* of the heartbeat area (ocfs2-tools set
/// the region's block size to the device's sector size), so slot `n` is at sector `n`.
pub fn live_nodes(dev: &Device, volume: &Ocfs2Volume) -> Vec<u64> {
    let Some((first, _)) = volume.heartbeat else { return Vec::new() };
    let sector = u64::from(dev.sector_size.max(512));
    let slots = 255u64;
    // One direct read of the whole area (page aligned), so other nodes' writes are seen.
    let start = first * u64::from(volume.block_size);
    let (aligned, skew) = (start / 4096 * 4096, (start % 4096) as usize);
    let span = (slots * sector + 4096).div_ceil(4096) * 4096;
    let sample = || -> Vec<u64> {
        let area = dev.read_direct(aligned, span as usize).unwrap_or_default();
        (0..slots as usize)
            .map(|n| {
                let at = skew + n * sector as usize;
                area.get(at..at + sector as usize)
                    .and_then(|b| HeartbeatBlock::new(b).ok().map(|h| h.hb_seq()))
                    .unwrap_or(0)
            })
            .collect()
    };
    let before = sample();
    std::thread::sleep(Duration::from_millis(2500));
    let after = sample();
    before
        .iter()
        .zip(&after)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(n, _)| n as u64)
        .collect()
}
