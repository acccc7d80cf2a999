// SPDX-License-Identifier: GPL-2.0

//! Chain allocators: claiming bits from the global bitmap (a bit per cluster) and from the
//! per-slot suballocators (`extent_alloc:NNNN`, `inode_alloc:NNNN`: a bit per block), which
//! share one layout (`ocfs2_search_chain`, `ocfs2_block_group_set_bits` of the C ocfs2).
//!
//! A claim walks the chains of the allocator inode in order, and each chain's groups, for
//! the longest run of free bits (up to what the caller wants) in the first group that has
//! one. A bit is free when it is clear in the group *and* in the last committed copy JBD2
//! keeps of it (`ocfs2_test_bg_bit_allotable`): bits freed by a transaction that has not
//! committed yet stay taken until it does, so a crash cannot hand them to two owners.
//!
//! The group (taken with undo access), its chain record's `c_free` and the inode's
//! `i_used` change together in the caller's transaction.
//!
//! Locking: callers hold the mount's allocation lock ([`crate::rw::Writable::alloc`]).
//! A full suballocator grows by a group of `cl_cpg` clusters from the global bitmap
//! (`ocfs2_block_group_alloc`), in the claim's transaction: one contiguous run when the
//! bitmap has one, else (on "discontig-bg" volumes) up to [`MAX_REGIONS`] runs listed in
//! the group's `bg_list`, whose bits map to blocks through that list and whose blocks name
//! the group in their `*_suballoc_loc` (`ocfs2_block_group_alloc_discontig`).

use crate::format::dinode::{Dinode, BITMAP_FL, CHAIN_FL};
use crate::format::features::IncompatFeatures;
use crate::format::group::{extent_recs_per_gd, GroupDesc};
use crate::format::{set_bit, test_bit};
use crate::transaction::{Kind, Transaction};
use crate::vfs::{cond_resched, BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{errno, meta};
use kernel::prelude::*;

/// Blocks a claim dirties: the group and the allocator inode.
pub const CLAIM_CREDITS: u32 = 2;

/// Runs of clusters a discontiguous group is made of, at most: each may come from another
/// group of the global bitmap, which the claim's credits must cover.
pub const MAX_REGIONS: usize = 8;

/// Blocks a claim of one suballocator block dirties, growing the allocator if it must:
/// the claim's, the global bitmap's claims (a group each, one inode), and the new group.
pub const BLOCK_CREDITS: u32 = 2 * CLAIM_CREDITS + 1 + (MAX_REGIONS as u32 - 1);

/// Bits taken from one group of an allocator.
pub struct Claimed {
    /// The group descriptor's block.
    pub group: u64,
    /// First bit taken, and how many.
    pub start: u32,
    pub count: u32,
}

/// A block taken from a suballocator: what its owner records (`h_suballoc_*`,
/// `i_suballoc_*`).
pub struct Block {
    pub blkno: u64,
    pub suballoc_bit: u16,
    /// The group's block when it is discontiguous (the bit does not lead to it), else 0.
    pub loc: u64,
    /// Blocks right after this one that belong to the same group (the same region of a
    /// discontiguous one): what the next claims are likely to take.
    pub following: u32,
}

/// Read the chain allocator inode at `blkno` and check it is one.
pub fn read_allocator(sb: &NewSuperBlock, vol: &Volume, blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, blkno)?;
    let inode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let chains = inode.chain_list();
    if inode.i_flags() & (BITMAP_FL | CHAIN_FL) != (BITMAP_FL | CHAIN_FL) || chains.cl_cpg() == 0 || chains.cl_bpc() == 0 {
        pr_err!("{}: corrupt metadata: inode {} is not a chain allocator\n", sb.id(), blkno);
        return Err(errno::euclean());
    }
    Ok(bh)
}

/// Read group `blkno` of the allocator `parent` and check it belongs there.
pub fn read_group(sb: &NewSuperBlock, vol: &Volume, parent: &[u8], blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "group descriptor", |_| {
        GroupDesc::<()>::CHECK_OFFSET
    })?;
    let parent = Dinode::new(parent).map_err(|e| meta::corrupt(sb, &e))?;
    let suballocator = parent.i_blkno() != vol.global_bitmap_blkno;
    let group = GroupDesc::new(bh.data()).map_err(|e| meta::corrupt(sb, &e.at_block(blkno)))?;
    group
        .validate(blkno, &vol.params)
        .and_then(|()| group.validate_parent(blkno, &parent, &vol.params, suballocator, false))
        .map_err(|e| meta::corrupt(sb, &e))?;
    Ok(bh)
}

/// The longest run of contiguous free bits in group `bh` of `tx`'s view, stopping at the
/// first run of `want`: `(start, len)`, `len` 0 when none is free.
fn find_run(tx: &Transaction<'_>, bh: &BufferHead, want: u32) -> (u32, u32) {
    let Ok(group) = GroupDesc::new(bh.data()) else { return (0, 0) };
    let bits = group.bg_bitmap();
    let total = u32::from(group.bg_bits()).min(bits.len() as u32 * 8);
    let free = |bit: u32| !test_bit(bits, bit as usize) && !tx.freed_uncommitted(bh, bit);
    let (mut best, mut bit) = ((0, 0), 0);
    while bit < total {
        // Whole bytes of used bits are skipped at once: a full group is scanned per claim.
        if bit % 8 == 0 && bits.get((bit / 8) as usize) == Some(&0xff) {
            bit += 8;
            continue;
        }
        if !free(bit) {
            bit += 1;
            continue;
        }
        let start = bit;
        while bit < total && bit - start < want && free(bit) {
            bit += 1;
        }
        if bit - start > best.1 {
            best = (start, bit - start);
            if best.1 >= want {
                break;
            }
        }
    }
    best
}

/// The longest run of clear bits in `bitmap`'s first `total` bits (what newer C kernels
/// keep in `bg_contig_free_bits` of the global bitmap's groups).
pub fn max_contig_free(bitmap: &[u8], total: u32) -> u16 {
    let total = total.min(bitmap.len() as u32 * 8);
    let (mut best, mut run) = (0u32, 0u32);
    let mut bit = 0;
    while bit < total {
        // Whole bytes at once where they are all used or all free (and wholly counted).
        if bit % 8 == 0 && bit + 8 <= total {
            match bitmap.get((bit / 8) as usize) {
                Some(0xff) => {
                    run = 0;
                    bit += 8;
                    continue;
                }
                Some(0) => {
                    run += 8;
                    best = best.max(run);
                    bit += 8;
                    continue;
                }
                _ => {}
            }
        }
        if test_bit(bitmap, bit as usize) {
            run = 0;
        } else {
            run += 1;
            best = best.max(run);
        }
        bit += 1;
    }
    best.min(u32::from(u16::MAX)) as u16
}

/// Claim up to `want` (at least 1) contiguous bits from the chain allocator `alloc` (read
/// with [`read_allocator`]), in `tx`. `ENOSPC` when no group has a free bit.
pub fn claim_bits(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, alloc: &BufferHead, want: u32) -> Result<Claimed> {
    let want = want.max(1);
    let (chains, total, blkno) = {
        let inode = Dinode::new(alloc.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let cl = inode.chain_list();
        let mut chains = KVec::new();
        for (i, rec) in cl.recs().enumerate() {
            if rec.c_free() > 0 {
                chains.push((i, rec.c_blkno()), GFP_KERNEL)?;
            }
        }
        (chains, inode.i_total(), inode.i_blkno())
    };
    for (chain, first) in chains {
        let mut next = first;
        // A chain holds at most `i_total` bits, each group at least one: a longer walk is
        // a loop in corrupt metadata.
        let mut budget = total;
        while next != 0 {
            if budget == 0 {
                pr_err!("{}: corrupt metadata: chain {} of allocator {} loops\n", sb.id(), chain, blkno);
                return Err(errno::euclean());
            }
            budget -= 1;
            cond_resched();
            let bh = read_group(sb, vol, alloc.data(), next)?;
            let (free, discontig, following) = {
                let group = GroupDesc::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
                (group.bg_free_bits_count(), group.is_discontig(), group.bg_next_group())
            };
            // A run in a discontiguous group may cross its regions: one bit at a time.
            let want = if discontig { 1 } else { want };
            if free > 0 {
                let (start, count) = find_run(tx, &bh, want);
                if count > 0 {
                    take(sb, vol, tx, alloc, &bh, chain, start, count)?;
                    return Ok(Claimed { group: next, start, count });
                }
            }
            next = following;
        }
    }
    Err(ENOSPC)
}

/// Set bits `start..start+count` of group `group` (on chain `chain`) and count them in
/// the group, the chain record and the allocator inode, after checking the counts allow it.
#[allow(clippy::too_many_arguments)]
fn take(
    sb: &NewSuperBlock,
    vol: &Volume,
    tx: &Transaction<'_>,
    alloc: &BufferHead,
    group: &BufferHead,
    chain: usize,
    start: u32,
    count: u32,
) -> Result {
    {
        let inode = Dinode::new(alloc.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let desc = GroupDesc::new(group.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let c_free = inode.chain_list().rec(chain).map_or(0, |rec| rec.c_free());
        if u32::from(desc.bg_free_bits_count()) < count
            || c_free < count
            || inode.i_used().saturating_add(count) > inode.i_total()
        {
            pr_err!(
                "{}: corrupt metadata: allocator {} counts fewer free bits than group {} holds\n",
                sb.id(),
                inode.i_blkno(),
                group.block_number()
            );
            return Err(errno::euclean());
        }
    }
    let cluster_bitmap = group_is_cluster_bitmap(vol, alloc);
    tx.change_group(group, |block| {
        let Ok(mut desc) = GroupDesc::new(block) else { return };
        for bit in start..start + count {
            set_bit(desc.bg_bitmap_mut(), bit as usize, true);
        }
        let free = desc.bg_free_bits_count().saturating_sub(count as u16);
        desc.set_bg_free_bits_count(free);
        update_contig(&mut desc, cluster_bitmap);
    })?;
    tx.change(alloc, Kind::Inode, |block| {
        let Ok(mut inode) = Dinode::new(block) else { return };
        let used = inode.i_used().saturating_add(count);
        inode.set_i_used(used);
        if let Some(mut rec) = inode.chain_list_mut().rec_mut(chain) {
            let free = rec.c_free().saturating_sub(count);
            rec.set_c_free(free);
        }
    })
}

fn group_is_cluster_bitmap(vol: &Volume, alloc: &BufferHead) -> bool {
    alloc.block_number() == vol.global_bitmap_blkno
}

/// `bg_contig_free_bits` as the C ocfs2 keeps it: the longest free run for groups of the
/// global bitmap, 0 (unknown) for suballocators.
pub fn update_contig(desc: &mut GroupDesc<&mut [u8]>, cluster_bitmap: bool) {
    let contig = if cluster_bitmap {
        let bits = u32::from(desc.bg_bits());
        max_contig_free(desc.bg_bitmap_mut(), bits)
    } else {
        0
    };
    desc.set_bg_contig_free_bits(contig);
}

/// Claim one block from the suballocator inode `alloc_blkno` (slot 0's `extent_alloc` or
/// `inode_alloc`), in `tx` (which needs [`CLAIM_CREDITS`] for it).
pub fn claim_block(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, alloc_blkno: u64) -> Result<Block> {
    let alloc = read_allocator(sb, vol, alloc_blkno)?;
    let claimed = match claim_bits(sb, vol, tx, &alloc, 1) {
        Err(e) if e == ENOSPC => {
            grow(sb, vol, tx, &alloc)?;
            claim_bits(sb, vol, tx, &alloc, 1)?
        }
        other => other?,
    };
    let suballoc_bit = u16::try_from(claimed.start).map_err(|_| errno::euclean())?;
    let (blkno, loc, following) = block_of_bit(sb, vol, &alloc, claimed.group, claimed.start)?;
    if blkno >= vol.blocks {
        pr_err!("{}: corrupt metadata: group {} hands out block {} past the volume\n", sb.id(), claimed.group, blkno);
        return Err(errno::euclean());
    }
    let following = following.min((vol.blocks - blkno - 1).min(u64::from(u32::MAX)) as u32);
    Ok(Block { blkno, suballoc_bit, loc, following })
}

/// The block bit `bit` of group `group` stands for, the `*_suballoc_loc` its owner
/// records (through `bg_list` for a discontiguous group, `ocfs2_bg_discontig_fix_result`),
/// and how many blocks of the group follow it on the disk.
fn block_of_bit(sb: &NewSuperBlock, vol: &Volume, alloc: &BufferHead, group: u64, bit: u32) -> Result<(u64, u64, u32)> {
    let bh = read_group(sb, vol, alloc.data(), group)?;
    let desc = GroupDesc::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if !desc.is_discontig() {
        let following = u32::from(desc.bg_bits()).saturating_sub(bit + 1);
        return Ok((group.saturating_add(u64::from(bit)), 0, following));
    }
    let bpc = Dinode::new(alloc.data()).map_or(1, |inode| u32::from(inode.chain_list().cl_bpc()).max(1));
    for rec in desc.bg_list().recs() {
        let first = rec.e_cpos().saturating_mul(bpc);
        let bits = u32::from(rec.e_leaf_clusters()).saturating_mul(bpc);
        if bit >= first && bit - first < bits {
            let following = bits - (bit - first) - 1;
            return Ok((rec.e_blkno().saturating_add(u64::from(bit - first)), group, following));
        }
    }
    pr_err!("{}: corrupt metadata: discontiguous group {} lists no region for bit {}\n", sb.id(), group, bit);
    Err(errno::euclean())
}

/// Give the full suballocator `alloc` a new group of `cl_cpg` contiguous clusters from the
/// global bitmap, at the head of a chain (`ocfs2_block_group_alloc`), in `tx`.
fn grow(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, alloc: &BufferHead) -> Result {
    let (alloc_blkno, cpg, bpc, chain, old_head) = {
        let inode = Dinode::new(alloc.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let cl = inode.chain_list();
        let (cpg, bpc, count, next_free) = (cl.cl_cpg(), cl.cl_bpc(), cl.cl_count(), cl.cl_next_free_rec());
        // A new chain while there is room for one, else the chain with the fewest bits.
        let chain = if next_free < count {
            next_free
        } else {
            cl.recs().enumerate().min_by_key(|(_, rec)| rec.c_total()).map_or(0, |(i, _)| i as u16)
        };
        let head = if chain < next_free { cl.rec(usize::from(chain)).map_or(0, |r| r.c_blkno()) } else { 0 };
        (inode.i_blkno(), cpg, bpc, chain, head)
    };
    let bits = u32::from(cpg) * u32::from(bpc);
    let max_bits = 8 * crate::format::group::group_bitmap_size(vol.params.block_size as usize, true, vol.params.features.incompat) as u32;
    if bits < 2 || bits > max_bits || bits > u32::from(u16::MAX) {
        pr_err!("{}: corrupt metadata: allocator {} has groups of {} bits\n", sb.id(), alloc_blkno, bits);
        return Err(errno::euclean());
    }
    let bitmap = crate::cluster_bitmap::read_inode(sb, vol)?;
    let regions = claim_regions(sb, vol, tx, &bitmap, u32::from(cpg))?;
    let first = regions.first().map_or(0, |&(first, _)| first);
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let group_blkno = u64::from(first) << per_cluster_bits;
    let group = sb.new_block(group_blkno)?;
    let bg_size = crate::format::group::group_bitmap_size(vol.params.block_size as usize, true, vol.params.features.incompat) as u16;
    let generation = vol.params.fs_generation;
    let data_len = vol.params.block_size as usize;
    tx.change(&group, Kind::Group, |data| {
        data.fill(0);
        let Ok(mut desc) = GroupDesc::new(data) else { return };
        desc.set_group_signature();
        desc.set_bg_size(bg_size);
        desc.set_bg_bits(bits as u16);
        desc.set_bg_free_bits_count((bits - 1) as u16);
        desc.set_bg_chain(chain);
        desc.set_bg_generation(generation);
        desc.set_bg_next_group(old_head);
        desc.set_bg_parent_dinode(alloc_blkno);
        desc.set_bg_blkno(group_blkno);
        if regions.len() > 1 {
            // Each region's clusters follow the previous ones' in the group's bits.
            let mut list = desc.bg_list_mut();
            list.set_l_count(extent_recs_per_gd(data_len) as u16);
            list.set_l_next_free_rec(regions.len() as u16);
            let mut cpos = 0u32;
            for (i, &(first, count)) in regions.iter().enumerate() {
                if let Some(mut rec) = list.rec_mut(i) {
                    rec.set_e_cpos(cpos);
                    rec.set_e_leaf_clusters(count as u16);
                    rec.set_e_blkno(u64::from(first) << per_cluster_bits);
                }
                cpos += count;
            }
        }
        // Bit 0 is the descriptor itself.
        set_bit(desc.bg_bitmap_mut(), 0, true);
    })?;
    let cluster_size = 1u64 << vol.cluster_bits;
    tx.change(alloc, Kind::Inode, |data| {
        let Ok(mut inode) = Dinode::new(data) else { return };
        let used = inode.i_used().saturating_add(1);
        let total = inode.i_total().saturating_add(bits);
        let clusters = inode.i_clusters().saturating_add(u32::from(cpg));
        inode.set_i_used(used);
        inode.set_i_total(total);
        inode.set_i_clusters(clusters);
        inode.set_i_size(u64::from(clusters) * cluster_size);
        let mut cl = inode.chain_list_mut();
        let next_free = cl.cl_next_free_rec();
        if let Some(mut rec) = cl.rec_mut(usize::from(chain)) {
            let free = rec.c_free().saturating_add(bits - 1);
            let total = rec.c_total().saturating_add(bits);
            rec.set_c_free(free);
            rec.set_c_total(total);
            rec.set_c_blkno(group_blkno);
        }
        if chain == next_free {
            cl.set_cl_next_free_rec(next_free + 1);
        }
    })?;
    pr_info!(
        "{}: allocator {} grew by a group of {} bits at block {}{}\n",
        sb.id(),
        alloc_blkno,
        bits,
        group_blkno,
        if regions.len() > 1 { " (discontiguous)" } else { "" }
    );
    Ok(())
}

/// Claim `cpg` clusters for a new group, in `tx`: one run if the global bitmap `bitmap`
/// has one, else, on "discontig-bg" volumes, runs until they add up (at most
/// [`MAX_REGIONS`]; each run the longest of the first group that has free clusters).
/// On failure every run goes back in `tx`: `ENOSPC` with a log line.
fn claim_regions(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, bitmap: &BufferHead, cpg: u32) -> Result<KVec<(u32, u32)>> {
    let discontig = vol.params.features.incompat.contains(IncompatFeatures::DISCONTIG_BG);
    let max = if discontig { MAX_REGIONS.min(extent_recs_per_gd(vol.params.block_size as usize)) } else { 1 };
    let mut regions: KVec<(u32, u32)> = KVec::new();
    let mut have = 0;
    let mut result = Ok(());
    while have < cpg && result.is_ok() {
        if regions.len() == max {
            pr_err!(
                "{}: the volume has no {} free clusters in {} run(s) for a new allocator group\n",
                sb.id(),
                cpg,
                max
            );
            result = Err(ENOSPC);
            break;
        }
        result = crate::cluster_bitmap::claim(sb, vol, tx, bitmap, cpg - have).and_then(|(first, count)| {
            regions.push((first, count), GFP_KERNEL)?;
            have += count;
            Ok(())
        });
    }
    if let Err(e) = result {
        // Give back what was claimed, in the same transaction.
        for &(first, count) in regions.iter() {
            crate::cluster_bitmap::give_back(sb, vol, tx, bitmap, first, count)?;
        }
        return Err(e);
    }
    Ok(regions)
}

/// Give block `blkno`, bit `bit` of its group (at `loc`, or found from the bit when 0), back
/// to the suballocator `alloc_blkno`, in `tx` (which needs [`CLAIM_CREDITS`]). The bit stays
/// unallocatable until `tx` commits.
pub fn free_block(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume, alloc_blkno: u64, blkno: u64, bit: u16, loc: u64) -> Result {
    let group_blkno = match loc {
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
        pr_err!("{}: corrupt metadata: block {} (bit {} of group {}) is not in use\n", sb.id(), blkno, bit, group_blkno);
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
