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
//!
//! Metadata clusters (directory blocks, index leaves, attribute values, allocator groups)
//! come straight from here; file data comes through slot 0's local-alloc window
//! ([`crate::local_alloc`]), itself a run claimed here. Every free comes back here.

use crate::format::dinode::{Dinode, BITMAP_FL, CHAIN_FL};
use crate::format::group::GroupDesc;
use crate::format::{set_bit, test_bit};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::suballoc::{self, read_group};
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks a transaction that frees one run of clusters dirties: the group, the inode.
pub const FREE_CREDITS: u32 = 2;
/// Blocks a claim of one run dirties: the group, the inode.
pub const CLAIM_CREDITS: u32 = suballoc::CLAIM_CREDITS;

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
        suballoc::update_contig(&mut desc, true);
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

/// Give back `count` clusters from `first` that `tx` claimed and a later step of the same
/// change could not use (the change then leaves nothing behind).
pub fn give_back(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, bitmap: &BufferHead, first: u32, count: u32) -> Result {
    let run = prepare_free(sb, vol, bitmap, first, count)?;
    free(tx, bitmap, run)
}

/// Claim a run of up to `want` (at least 1) contiguous free clusters, in `tx` (which
/// needs [`CLAIM_CREDITS`]): `(first cluster, count)`. `ENOSPC` when the volume is full.
pub fn claim(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, bitmap: &BufferHead, want: u32) -> Result<(u32, u32)> {
    let claimed = suballoc::claim_bits(sb, vol, tx, bitmap, want)?;
    let base = if claimed.group == vol.first_cluster_group {
        0
    } else {
        claimed.group >> (vol.cluster_bits - vol.block_bits)
    };
    let first = u32::try_from(base.saturating_add(u64::from(claimed.start))).map_err(|_| errno::euclean())?;
    let cpg = Dinode::new(bitmap.data()).map_or(0, |inode| u32::from(inode.chain_list().cl_cpg()));
    // The group a cluster belongs to is fixed by its number: check the claim agrees, so a
    // misplaced group can never hand out another group's clusters.
    if group_of(vol, cpg, first).0 != claimed.group {
        pr_err!("{}: corrupt metadata: group {} is not where cluster {} belongs\n", sb.id(), claimed.group, first);
        return Err(errno::euclean());
    }
    Ok((first, claimed.count))
}
