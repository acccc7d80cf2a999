// SPDX-License-Identifier: GPL-2.0
//! The o2hb disk heartbeat block (`o2hb_disk_heartbeat_block`): node `n`
//! rewrites block `n` of the heartbeat region every two seconds.
//!
//! The checksum is `crc32_le(0, block, block_bytes)` over the whole region
//! block with `hb_cksum` zeroed: seed 0, unlike metaecc's `~0`.  An
//! all-zero block therefore has checksum 0 and verifies.

use super::blockcheck::Crc32Le;
use super::error::{Ctx, FormatError, Problem, Structure};

/// `O2NM_MAX_NODES`: blocks in a heartbeat region.
pub const O2NM_MAX_NODES: usize = 255;

view! {
    /// `struct o2hb_disk_heartbeat_block`; the view covers the whole
    /// region block (the crc does).
    HeartbeatBlock, Heartbeat, 0x20
}

impl<B> HeartbeatBlock<B> {
    /// Offset of `hb_cksum`.
    pub const CKSUM_OFFSET: usize = 0x0c;
}

fields! { HeartbeatBlock: Le {
    /// Writer's time (seconds); changes every beat.
    hb_seq, set_hb_seq: u64 = 0x00;
    /// Writer's node number.
    hb_node, set_hb_node: u8 = 0x08;
    /// Padding.
    hb_pad1, set_hb_pad1: [u8; 3] = 0x09;
    /// crc32_le(0, block) with this field zero.
    hb_cksum, set_hb_cksum: u32 = Self::CKSUM_OFFSET;
    /// Random per heartbeat start.
    hb_generation, set_hb_generation: u64 = 0x10;
    /// Dead threshold the writer uses, in ms.
    hb_dead_ms, set_hb_dead_ms: u32 = 0x18;
}}

/// Byte offset of node `node`'s block in the region.
pub const fn heartbeat_block_offset(node: usize, block_size: usize) -> usize {
    node.saturating_mul(block_size)
}

impl<B: AsRef<[u8]>> HeartbeatBlock<B> {
    /// `o2hb_compute_block_crc_le()`.
    pub fn compute_cksum<C: Crc32Le + ?Sized>(&self, crc: &C) -> u32 {
        let b = self.buf.as_ref();
        let head = b.get(..Self::CKSUM_OFFSET).unwrap_or(&[]);
        let rest = b.get(Self::CKSUM_OFFSET + 4..).unwrap_or(&[]);
        let c = crc.crc32_le(0, head);
        let c = crc.crc32_le(c, &[0; 4]);
        crc.crc32_le(c, rest)
    }

    /// `o2hb_verify_crc()` plus: a live block (non-zero `hb_seq`) in the
    /// slot of `node` must name `node`.
    pub fn validate<C: Crc32Le + ?Sized>(
        &self,
        crc: &C,
        blkno: u64,
        node: u8,
    ) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::Heartbeat);
        let computed = self.compute_cksum(crc);
        if computed != self.hb_cksum() {
            return Err(ctx.err(
                "hb_cksum",
                Problem::Checksum {
                    stored: self.hb_cksum(),
                    computed,
                },
            ));
        }
        if self.hb_seq() != 0 {
            ctx.eq("hb_node", node.into(), self.hb_node().into())?;
        }
        Ok(())
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> HeartbeatBlock<B> {
    /// Computes and stores `hb_cksum`.
    pub fn store_cksum<C: Crc32Le + ?Sized>(&mut self, crc: &C) -> u32 {
        let c = self.compute_cksum(crc);
        self.set_hb_cksum(c);
        c
    }
}
