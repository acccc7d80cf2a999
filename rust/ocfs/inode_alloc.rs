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

use crate::format::dinode::{Dinode, VALID_FL};
use crate::format::superblock::INVALID_SLOT;
use crate::suballoc;
use crate::transaction::Transaction;
use crate::vfs::NewSuperBlock;
use crate::volume::Volume;
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks a claim (which may grow the allocator) or a free dirties.
pub const CREDITS: u32 = suballoc::BLOCK_CREDITS;

/// Inode blocks read at once when a claimed one is not cached (each claim checks its
/// block holds no live inode).
const READAHEAD: u32 = 32;

/// Claim a free inode bit from slot 0's inode allocator, in `tx`. A bit whose block holds
/// a live inode of this volume is corrupt metadata: refused (the bit stays set, as it should be), never
/// overwritten.
pub fn claim(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume) -> Result<suballoc::Block> {
    let block = suballoc::claim_block(sb, vol, tx, vol.inode_alloc_blkno)?;
    // The next creates take the blocks after this one: read them in the same request. Not
    // with metaecc: a block read ahead is cached unchecked, and the block check is verified
    // only when a read brings a block in from the disk itself.
    if !vol.params.meta_ecc() {
        sb.readahead(block.blkno, 1 + block.following.min(READAHEAD - 1));
    }
    let bh = meta::read(sb, vol.blocks, block.blkno, "new inode")?;
    // Blocks of a new group keep whatever an earlier filesystem left there: only an inode
    // of this volume's generation is live.
    let live = Dinode::new(bh.data()).is_ok_and(|d| {
        d.has_signature()
            && d.i_flags() & VALID_FL != 0
            && d.i_fs_generation() == vol.params.fs_generation
    });
    if live {
        pr_err!(
            "{}: corrupt metadata: the inode allocator says inode {} is free, but it is in use\n",
            sb.id(),
            block.blkno
        );
        return Err(errno::euclean());
    }
    Ok(block)
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
    suballoc::free_block(tx, sb, vol, alloc_blkno, blkno, bit, dinode.i_suballoc_loc())
}
