// SPDX-License-Identifier: GPL-2.0

//! Inode numbers: bits of the inode suballocators (`inode_alloc:NNNN` per slot, and the
//! `global_inode_alloc` mkfs made the first inodes from), one bit per block, each group's
//! bit 0 being its own descriptor (`ocfs2_claim_new_inode` and `ocfs2_free_dinode`).
//!
//! Every change keeps the group's `bg_free_bits_count`, its chain record's `c_free` and the
//! allocator inode's `i_used` in step, in the caller's transaction. Callers hold the mount's
//! allocation lock ([`crate::rw::Writable::alloc`]).
//!
//! Claims (and growing a full allocator) are [`suballoc`]'s.

use crate::format::dinode::Dinode;
use crate::format::group::GroupDesc;
use crate::format::superblock::INVALID_SLOT;
use crate::format::{set_bit, test_bit};
use crate::suballoc;
use crate::transaction::{Kind, Transaction};
use crate::vfs::NewSuperBlock;
use crate::volume::Volume;
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks a claim (which may grow the allocator) or a free dirties.
pub const CREDITS: u32 = suballoc::BLOCK_CREDITS;

/// Claim a free inode bit from slot 0's inode allocator, in `tx`.
pub fn claim(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume) -> Result<suballoc::Block> {
    suballoc::claim_block(sb, vol, tx, vol.inode_alloc_blkno)
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
    let alloc_bh = suballoc::read_allocator(sb, vol, alloc_blkno)?;
    let group_bh = suballoc::read_group(sb, vol, alloc_bh.data(), group_blkno)?;
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
