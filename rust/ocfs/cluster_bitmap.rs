// SPDX-License-Identifier: GPL-2.0

//! The global bitmap: one bit per cluster of the volume, kept in groups of `cl_cpg`
//! clusters on chains hanging off the `global_bitmap` inode (`ocfs2_free_clusters` and
//! `ocfs2_which_cluster_group` of the C ocfs2).
//!
//! Every change goes through a [`Transaction`] and keeps three counts in step: the group's
//! `bg_free_bits_count`, its chain record's `c_free`, and the inode's `i_used`.
//!
//! Locking: callers hold the volume's allocation lock ([`crate::rw::Writable::alloc`])
//! while they look at and change the bitmap.

use crate::format::dinode::{Dinode, BITMAP_FL, CHAIN_FL};
use crate::format::group::GroupDesc;
use crate::format::{set_bit, test_bit};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks a transaction that frees one run of clusters dirties: the group, the inode.
pub const FREE_CREDITS: u32 = 2;

/// The global bitmap inode, read and checked.
pub fn read_inode(sb: &NewSuperBlock, vol: &Volume) -> Result<BufferHead> {
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.global_bitmap_blkno)?;
    let inode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if inode.i_flags() & (BITMAP_FL | CHAIN_FL) != (BITMAP_FL | CHAIN_FL) || inode.chain_list().cl_cpg() == 0 {
        pr_err!("{}: corrupt metadata: the global bitmap {} is not a chain allocator\n", sb.id(), vol.global_bitmap_blkno);
        return Err(errno::euclean());
    }
    Ok(bh)
}

/// The group holding cluster `cluster` and the cluster's bit in it (`cpg` is not zero:
/// [`read_inode`] checked).
fn group_of(vol: &Volume, cpg: u32, cluster: u32) -> (u64, u32) {
    let cpg = cpg.max(1);
    let group = cluster / cpg;
    let blkno = if group == 0 {
        vol.first_cluster_group
    } else {
        (u64::from(group) * u64::from(cpg)) << (vol.cluster_bits - vol.block_bits)
    };
    (blkno, cluster % cpg)
}

/// Read group `blkno` of the bitmap `bitmap` and check it belongs there.
fn read_group(sb: &NewSuperBlock, vol: &Volume, bitmap: &[u8], blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "group descriptor", |_| {
        GroupDesc::<()>::CHECK_OFFSET
    })?;
    let parent = Dinode::new(bitmap).map_err(|e| meta::corrupt(sb, &e))?;
    let group = GroupDesc::new(bh.data()).map_err(|e| meta::corrupt(sb, &e.at_block(blkno)))?;
    group
        .validate(blkno, &vol.params)
        .and_then(|()| group.validate_parent(blkno, &parent, &vol.params, false, false))
        .map_err(|e| meta::corrupt(sb, &e))?;
    Ok(bh)
}

/// The longest run of clear bits among the first `bits` of `bitmap`
/// (`ocfs2_find_max_contig_free_bits`), kept in a cluster group's `bg_contig_free_bits`.
pub fn longest_free_run(bitmap: &[u8], bits: u16) -> u16 {
    let (mut longest, mut run) = (0u16, 0u16);
    for bit in 0..usize::from(bits) {
        if test_bit(bitmap, bit) {
            run = 0;
        } else {
            run += 1;
            longest = longest.max(run);
        }
    }
    longest
}

/// A run of clusters checked and ready to be freed: its group read, its bits known to be
/// in use. Checking every run before changing anything keeps a transaction from
/// committing half a change when a later run turns out to be corrupt.
pub struct Free {
    group: BufferHead,
    start: u32,
    count: u32,
    chain: usize,
}

/// Check that the `count` clusters from cluster `first` (one run inside one group) are in
/// use in the bitmap `bitmap`, and get ready to free them.
pub fn prepare_free(sb: &NewSuperBlock, vol: &Volume, bitmap: &BufferHead, first: u32, count: u32) -> Result<Free> {
    let parent = Dinode::new(bitmap.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let (group_blkno, start) = group_of(vol, u32::from(parent.chain_list().cl_cpg()), first);
    let group_bh = read_group(sb, vol, bitmap.data(), group_blkno)?;
    let group = GroupDesc::new(group_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let bits = group.bg_bitmap();
    let end = start.saturating_add(count);
    if count == 0 || end > u32::from(group.bg_bits()) || (start..end).any(|bit| !test_bit(bits, bit as usize)) {
        pr_err!(
            "{}: corrupt metadata: freeing clusters {}..{} that group {} does not hold as used\n",
            sb.id(),
            first,
            first.saturating_add(count),
            group_blkno
        );
        return Err(errno::euclean());
    }
    let chain = usize::from(group.bg_chain());
    if parent.i_used() < count || parent.chain_list().rec(chain).is_none() {
        pr_err!("{}: corrupt metadata: the global bitmap counts fewer used clusters than it frees\n", sb.id());
        return Err(errno::euclean());
    }
    Ok(Free { group: group_bh, start, count, chain })
}

impl Free {
    /// Clusters in the run.
    pub fn count(&self) -> u32 {
        self.count
    }
}

/// Free a run checked by [`prepare_free`], in `tx`. The bits stay unallocatable until
/// `tx` commits.
pub fn free(tx: &Transaction<'_>, bitmap: &BufferHead, run: Free) -> Result {
    let Free { group, start, count, chain } = run;
    let end = start.saturating_add(count);
    tx.change_group(&group, |block| {
        let Ok(mut desc) = GroupDesc::new(block) else { return };
        for bit in start..end {
            set_bit(desc.bg_bitmap_mut(), bit as usize, false);
        }
        let free = desc.bg_free_bits_count().saturating_add(count as u16);
        desc.set_bg_free_bits_count(free);
        // The C ocfs2 (6.10 on) skips cluster groups whose longest free run looks too short.
        let contig = longest_free_run(desc.bg_bitmap(), desc.bg_bits());
        desc.set_bg_contig_free_bits(contig);
    })?;
    for bit in start..end {
        tx.hold_freed_bit(&group, bit);
    }
    tx.change(bitmap, Kind::Inode, |block| {
        let Ok(mut inode) = Dinode::new(block) else { return };
        let used = inode.i_used().saturating_sub(count);
        inode.set_i_used(used);
        if let Some(mut rec) = inode.chain_list_mut().rec_mut(chain) {
            let free = rec.c_free().saturating_add(count);
            rec.set_c_free(free);
        }
    })
}
