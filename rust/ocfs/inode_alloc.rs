// SPDX-License-Identifier: GPL-2.0

//! Inode numbers: bits of the inode suballocators (`inode_alloc:NNNN` per slot, and the
//! `global_inode_alloc` mkfs made the first inodes from), one bit per block, each group's
//! bit 0 being its own descriptor (`ocfs2_claim_new_inode` and `ocfs2_free_dinode`).
//!
//! Every change keeps the group's `bg_free_bits_count`, its chain record's `c_free` and the
//! allocator inode's `i_used` in step, in the caller's transaction. Callers hold the mount's
//! allocation lock ([`crate::rw::Writable::alloc`]).
//!
//! Not done yet: growing an allocator by a new group from the global bitmap when every
//! group is full (refused with `ENOSPC` and a log line), and allocating from discontiguous
//! groups (skipped).

use crate::format::dinode::{Dinode, BITMAP_FL, CHAIN_FL};
use crate::format::group::GroupDesc;
use crate::format::superblock::INVALID_SLOT;
use crate::format::{set_bit, test_bit};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks a claim or a free dirties: the group and the allocator inode.
pub const CREDITS: u32 = 2;

/// An inode number claimed from slot 0's inode allocator.
pub struct Claimed {
    /// The new inode's block.
    pub blkno: u64,
    /// Its bit in the group (`i_suballoc_bit`).
    pub bit: u16,
}

/// The allocator inode, read and checked.
fn read_allocator(sb: &NewSuperBlock, vol: &Volume, blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, blkno)?;
    let inode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if inode.i_flags() & (BITMAP_FL | CHAIN_FL) != (BITMAP_FL | CHAIN_FL) {
        pr_err!("{}: corrupt metadata: inode allocator {} is not a chain allocator\n", sb.id(), blkno);
        return Err(errno::euclean());
    }
    Ok(bh)
}

/// A group of allocator `alloc`, read and checked.
fn read_group(sb: &NewSuperBlock, vol: &Volume, alloc: &[u8], blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "group descriptor", |_| {
        GroupDesc::<()>::CHECK_OFFSET
    })?;
    let parent = Dinode::new(alloc).map_err(|e| meta::corrupt(sb, &e))?;
    let group = GroupDesc::new(bh.data()).map_err(|e| meta::corrupt(sb, &e.at_block(blkno)))?;
    group
        .validate(blkno, &vol.params)
        .and_then(|()| group.validate_parent(blkno, &parent, &vol.params, true, false))
        .map_err(|e| meta::corrupt(sb, &e))?;
    Ok(bh)
}

/// Claim a free inode bit from slot 0's inode allocator, in `tx`.
pub fn claim(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume) -> Result<Claimed> {
    let alloc_bh = read_allocator(sb, vol, vol.inode_alloc_blkno)?;
    let chains: KVec<(usize, u64)> = {
        let alloc = Dinode::new(alloc_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let list = alloc.chain_list();
        let mut chains = KVec::new();
        for index in 0..usize::from(list.cl_next_free_rec()) {
            let Some(rec) = list.rec(index) else { break };
            if rec.c_free() > 0 {
                chains.push((index, rec.c_blkno()), GFP_KERNEL)?;
            }
        }
        chains
    };
    for (chain, first) in chains {
        let mut next = first;
        // A chain longer than the volume has blocks is a loop.
        let mut hops = 0u64;
        while next != 0 {
            hops += 1;
            if hops > vol.blocks {
                pr_err!("{}: corrupt metadata: group chain {} of the inode allocator loops\n", sb.id(), chain);
                return Err(errno::euclean());
            }
            let group_bh = read_group(sb, vol, alloc_bh.data(), next)?;
            let group = GroupDesc::new(group_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            next = group.bg_next_group();
            if group.bg_free_bits_count() == 0 || group.is_discontig() {
                continue;
            }
            let bits = group.bg_bitmap();
            let free = (1..group.bg_bits()).find(|&bit| {
                !test_bit(bits, usize::from(bit)) && !tx.freed_uncommitted(&group_bh, u32::from(bit))
            });
            let Some(bit) = free else { continue };
            let group_blkno = group.bg_blkno();
            let chain_index = usize::from(group.bg_chain());
            tx.change(&group_bh, Kind::Group, |block| {
                let Ok(mut desc) = GroupDesc::new(block) else { return };
                set_bit(desc.bg_bitmap_mut(), usize::from(bit), true);
                let free = desc.bg_free_bits_count().saturating_sub(1);
                desc.set_bg_free_bits_count(free);
                desc.set_bg_contig_free_bits(0);
            })?;
            tx.change(&alloc_bh, Kind::Inode, |block| {
                let Ok(mut alloc) = Dinode::new(block) else { return };
                let used = alloc.i_used().saturating_add(1);
                alloc.set_i_used(used);
                if let Some(mut rec) = alloc.chain_list_mut().rec_mut(chain_index) {
                    let free = rec.c_free().saturating_sub(1);
                    rec.set_c_free(free);
                }
            })?;
            return Ok(Claimed { blkno: group_blkno + u64::from(bit), bit });
        }
    }
    pr_err!(
        "{}: the inode allocator of slot 0 is full; growing it by a new group is not supported yet\n",
        sb.id()
    );
    Err(ENOSPC)
}

/// Give the inode at `blkno` (whose inode block says where it came from) back to its
/// allocator, in `tx`.
pub fn free(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume, dinode: &Dinode<&[u8]>) -> Result {
    let blkno = dinode.i_blkno();
    let bit = dinode.i_suballoc_bit();
    let slot = dinode.i_suballoc_slot();
    let alloc_blkno = if slot == INVALID_SLOT {
        vol.global_inode_alloc_blkno
    } else if slot == 0 {
        vol.inode_alloc_blkno
    } else {
        pr_err!("{}: inode {} came from slot {}'s allocator; this mount uses slot 0 only\n", sb.id(), blkno, slot);
        return Err(errno::euclean());
    };
    let group_blkno = match dinode.i_suballoc_loc() {
        0 => blkno.checked_sub(u64::from(bit)).ok_or_else(errno::euclean)?,
        loc => loc,
    };
    let alloc_bh = read_allocator(sb, vol, alloc_blkno)?;
    let group_bh = read_group(sb, vol, alloc_bh.data(), group_blkno)?;
    let (chain, in_use) = {
        let group = GroupDesc::new(group_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        (usize::from(group.bg_chain()), bit < group.bg_bits() && test_bit(group.bg_bitmap(), usize::from(bit)))
    };
    if !in_use {
        pr_err!("{}: corrupt metadata: inode {} (bit {} of group {}) is not in use\n", sb.id(), blkno, bit, group_blkno);
        return Err(errno::euclean());
    }
    tx.change_group(&group_bh, |block| {
        let Ok(mut desc) = GroupDesc::new(block) else { return };
        set_bit(desc.bg_bitmap_mut(), usize::from(bit), false);
        let free = desc.bg_free_bits_count().saturating_add(1);
        desc.set_bg_free_bits_count(free);
        desc.set_bg_contig_free_bits(0);
    })?;
    tx.hold_freed_bit(&group_bh, u32::from(bit));
    tx.change(&alloc_bh, Kind::Inode, |block| {
        let Ok(mut alloc) = Dinode::new(block) else { return };
        let used = alloc.i_used().saturating_sub(1);
        alloc.set_i_used(used);
        if let Some(mut rec) = alloc.chain_list_mut().rec_mut(chain) {
            let free = rec.c_free().saturating_add(1);
            rec.set_c_free(free);
        }
    })
}
