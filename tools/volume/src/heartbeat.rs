//! The disk heartbeat area: while node `n` has the volume mounted it rewrites heartbeat block
//! `n` every two seconds, so a block whose sequence number moves belongs to a live node.
//!
//! The blocks are *sectors*, not filesystem blocks: ocfs2-tools start o2hb on the region
//! with `block_bytes` = the device's logical sector size and `blocks` = the region's
//! filesystem blocks (at most 255), starting at the heartbeat file's first block
//! (`ocfs2_fill_heartbeat_desc`).  debugfs.ocfs2's `hb` reads them 512 bytes apart.

use crate::crc::LinuxCrc;
use crate::error::{Error, Result};
use crate::volume::Volume;
use ocfs_format::heartbeat::{HeartbeatBlock, O2NM_MAX_NODES};
use ocfs_format::system::SystemFile;
use std::time::Duration;

/// How long to watch: a little more than one o2hb interval (2 s).
pub const LIVENESS_WAIT: Duration = Duration::from_millis(2500);

/// Where the heartbeat blocks are: block `n` of the area belongs to node `n`.
#[derive(Clone, Debug)]
pub struct HeartbeatArea {
    pub inode: u64,
    /// Byte offset of node 0's block.
    pub start: u64,
    /// Bytes per heartbeat block (the sector size).
    pub block_bytes: u32,
    /// Heartbeat blocks (node slots) in the area.
    pub count: u32,
}

impl HeartbeatArea {
    /// Byte offset of node `node`'s heartbeat block.
    pub fn offset(&self, node: u32) -> u64 {
        self.start + u64::from(node) * u64::from(self.block_bytes)
    }
}

/// What one node's heartbeat block says at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beat {
    /// The block's index in the area: the node number it belongs to.
    pub slot: u8,
    pub seq: u64,
    /// The node number the writer put in the block.
    pub node: u8,
    pub generation: u64,
    pub dead_ms: u32,
    pub cksum_ok: bool,
}

impl Volume {
    /// The heartbeat area of this volume, as `ocfs2_fill_heartbeat_desc()` computes it.
    pub fn heartbeat_area(&self) -> Result<HeartbeatArea> {
        let inode_blkno = self.system_file(SystemFile::Heartbeat, 0)?;
        let inode = self.read_inode(inode_blkno)?;
        let tree = self.file_extents(&inode)?;
        let [extent] = tree.extents.as_slice() else {
            return Err(Error::Invalid(format!(
                "heartbeat (inode {inode_blkno}) has {} extents; o2hb needs exactly one",
                tree.extents.len()
            )));
        };
        let block_bytes = self.device().sector_size();
        if block_bytes > self.block_size() {
            return Err(Error::Invalid(format!(
                "the device's {block_bytes}-byte sectors are larger than the volume's {}-byte blocks",
                self.block_size()
            )));
        }
        let blocks = u64::from(extent.clusters) * self.blocks_per_cluster();
        let count = blocks.min(O2NM_MAX_NODES as u64) as u32;
        Ok(HeartbeatArea {
            inode: inode_blkno,
            start: extent.blkno * u64::from(self.block_size()),
            block_bytes,
            count,
        })
    }

    /// One reading of every heartbeat block of the area, from the disk itself.
    pub fn heartbeat_sample(&self, area: &HeartbeatArea) -> Result<Vec<Beat>> {
        let len = area.count as usize * area.block_bytes as usize;
        let mut region = vec![0u8; len];
        self.device()
            .read_at(area.start, &mut region)
            .map_err(|e| {
                Error::io(
                    format!("cannot read the heartbeat area at byte {}", area.start),
                    e,
                )
            })?;
        region
            .chunks_exact(area.block_bytes as usize)
            .enumerate()
            .map(|(slot, block)| {
                let hb = HeartbeatBlock::new(block)
                    .map_err(|e| Error::Format(e.at_index(slot as u64)))?;
                Ok(Beat {
                    slot: slot as u8,
                    seq: hb.hb_seq(),
                    node: hb.hb_node(),
                    generation: hb.hb_generation(),
                    dead_ms: hb.hb_dead_ms(),
                    cksum_ok: hb.compute_cksum(&LinuxCrc) == hb.hb_cksum(),
                })
            })
            .collect()
    }

    /// The nodes heartbeating now: those whose block changes (sequence or generation)
    /// between two readings `wait` apart.  Returns the second reading of each.
    pub fn live_nodes(&self, wait: Duration) -> Result<Vec<Beat>> {
        let area = self.heartbeat_area()?;
        let before = self.heartbeat_sample(&area)?;
        std::thread::sleep(wait);
        let after = self.heartbeat_sample(&area)?;
        Ok(before
            .iter()
            .zip(after)
            .filter(|(a, b)| a.seq != b.seq || a.generation != b.generation)
            .map(|(_, b)| b)
            .collect())
    }
}
