// SPDX-License-Identifier: GPL-2.0

//! Slot 0's local-alloc window (`localalloc.c` of the C ocfs2): a run of the global bitmap
//! claimed whole, whose clusters file data, directory blocks, index leaves and slow
//! symlinks then take one by one from the bitmap in the `local_alloc:0000` inode, without
//! touching the global bitmap (as the C's small claims, `ocfs2_reserve_clusters`; runs a
//! caller needs whole, allocator groups and attribute values, still come from the global
//! bitmap). On a cluster mount this spares the global bitmap's cluster lock; here it keeps
//! the format's bookkeeping as the C ocfs2 keeps it and a file's clusters close together.
//!
//! The window's bits are all set in the global bitmap while it is open; a bit of the
//! window's own bitmap is set when its cluster was handed out. Clusters are always freed
//! to the global bitmap (never back to the window), so a cluster freed while its window is
//! open stays marked used in the window and is simply not handed out again. A window
//! that runs dry slides: its unused clusters go back to the global bitmap and a new run is
//! claimed. Unmount and `remount,ro` give the unused clusters back and empty the window;
//! a crash leaves it for the next mount's recovery ([`give_back`], as
//! `ocfs2_complete_local_alloc_recovery`). When `ENOSPC` makes the window go back (the
//! free space a metadata claim needs may be in it), no new one opens for a while ([`rest`]).
//!
//! Locking: callers hold the allocation lock ([`crate::rw::Writable::alloc`]), which
//! covers the window as it covers the global bitmap.

use crate::cluster_bitmap::{self, FREE_CREDITS};
use crate::format::dinode::{Dinode, LOCAL_ALLOC_FL};
use crate::format::group::group_bitmap_size;
use crate::format::{set_bit, test_bit};
use crate::rw::Writable;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::{errno, meta};
use core::sync::atomic::Ordering;
use kernel::prelude::*;

/// Blocks a claim dirties beyond [`cluster_bitmap::CLAIM_CREDITS`]: the local-alloc inode
/// and, when the window slides, the old window's group.
pub const EXTRA_CREDITS: u32 = 2;

/// Window size when the volume's groups are small (`OCFS2_LA_OLD_DEFAULT`), and the most
/// a default window takes (`OCFS2_LA_MAX_DEFAULT_MB`), in MiB.
const OLD_DEFAULT_MB: u32 = 8;
const MAX_DEFAULT_MB: u32 = 256;

/// Clusters a new window asks for (`ocfs2_la_default_mb` and `ocfs2_la_set_sizes`): the
/// `localalloc=` size in MiB, else a default from the group size; never more than the
/// inode's bitmap (`la_size` bytes) holds. 0: no window (`localalloc=0`, or no bitmap).
fn window_clusters(vol: &Volume, la_size: u16) -> u32 {
    let cluster_bits = vol.cluster_bits;
    let to_clusters = |mb: u32| ((u64::from(mb) << 20) >> cluster_bits).min(u64::from(u32::MAX)) as u32;
    let to_mb = |clusters: u64| (clusters << cluster_bits) >> 20;
    let block_size = vol.params.block_size as usize;
    let max_bits = 8 * u32::from(la_size);
    let mb = match vol.options().localalloc_mb {
        Some(mb) => mb,
        None if (block_size == 512 && cluster_bits <= 13) || (block_size == 1024 && cluster_bits == 12) => OLD_DEFAULT_MB,
        None => {
            let group_bits = 8 * group_bitmap_size(block_size, false, vol.params.features.incompat) as u64;
            let group_mb = (to_mb(group_bits).saturating_sub(16) & 0xFFFF_FFFB) as u32;
            if group_mb <= MAX_DEFAULT_MB || group_mb > 2 * MAX_DEFAULT_MB {
                group_mb.min(MAX_DEFAULT_MB)
            } else {
                let mut mult = group_mb;
                while mult > MAX_DEFAULT_MB {
                    mult >>= 1;
                }
                mult
            }
        }
    };
    // Too many slots for too few clusters: each slot's share at most.
    let volume_clusters = vol.blocks >> (vol.cluster_bits - vol.block_bits);
    let share = (volume_clusters / u64::from(vol.params.max_slots.max(1))).min(u64::from(u32::MAX)) as u32;
    to_clusters(mb).min(share).min(max_bits)
}

/// How long no new window opens after `ENOSPC` made the window go back
/// (`OCFS2_LA_ENABLE_INTERVAL`): claims then go straight to the global bitmap, so that a
/// window of what little is free cannot take the run an allocator group needs.
const REST_SECS: u64 = 30;

/// Open no new window for [`REST_SECS`] (`ocfs2_recalc_la_window`'s `OCFS2_LA_DISABLED`,
/// whose worker enables it again after the interval).
pub fn rest(writable: &Writable) {
    writable.window_rest_until.store(crate::vfs::monotonic_seconds() + REST_SECS, Ordering::Relaxed);
}

fn resting(vol: &Volume) -> bool {
    vol.writable().is_ok_and(|w| crate::vfs::monotonic_seconds() < w.window_rest_until.load(Ordering::Relaxed))
}

/// Slot 0's local-alloc inode, read and checked.
fn read_inode(sb: &NewSuperBlock, vol: &Volume) -> Result<BufferHead> {
    let bh = meta::read_dinode(sb, &vol.params, vol.blocks, vol.local_alloc_blkno)?;
    let inode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if inode.i_flags() & LOCAL_ALLOC_FL == 0 {
        pr_err!("{}: corrupt metadata: inode {} is not a local alloc\n", sb.id(), vol.local_alloc_blkno);
        return Err(errno::euclean());
    }
    let la = inode.local_alloc();
    la.validate(vol.local_alloc_blkno, &vol.params).map_err(|e| meta::corrupt(sb, &e))?;
    let volume_clusters = vol.blocks >> (vol.cluster_bits - vol.block_bits);
    if u64::from(la.la_bm_off()) + u64::from(inode.i_total()) > volume_clusters {
        pr_err!(
            "{}: corrupt metadata: local alloc window of {} clusters at cluster {} runs past the volume\n",
            sb.id(),
            inode.i_total(),
            la.la_bm_off()
        );
        return Err(errno::euclean());
    }
    if u64::from(inode.i_total()) > la.la_bitmap().len() as u64 * 8 || inode.i_used() > inode.i_total() {
        pr_err!(
            "{}: corrupt metadata: local alloc window of {} bits ({} used) in a {}-byte bitmap\n",
            sb.id(),
            inode.i_total(),
            inode.i_used(),
            la.la_bitmap().len()
        );
        return Err(errno::euclean());
    }
    Ok(bh)
}

/// The first run of free bits in `bits[..total]` at least `want` long, else the longest.
fn find_run(bits: &[u8], total: u32, want: u32) -> Option<(u32, u32)> {
    let mut best: Option<(u32, u32)> = None;
    let mut bit = 0;
    while bit < total {
        // Whole used bytes at once: a window fills from its start.
        if bit % 8 == 0 && bits.get(bit as usize / 8) == Some(&0xFF) {
            bit += 8;
            continue;
        }
        if test_bit(bits, bit as usize) {
            bit += 1;
            continue;
        }
        let start = bit;
        while bit < total && bit - start < want && !test_bit(bits, bit as usize) {
            bit += 1;
        }
        let len = bit - start;
        if len >= want {
            return Some((start, len));
        }
        if best.is_none_or(|(_, l)| len > l) {
            best = Some((start, len));
        }
    }
    best
}

/// Claim up to `want` (at least 1) contiguous clusters, in `tx` (which needs
/// [`cluster_bitmap::CLAIM_CREDITS`] + [`EXTRA_CREDITS`]): from the window, sliding it
/// when it has no free cluster; straight from the global bitmap `bitmap` when the volume
/// has no window. `(first cluster, count)`; `ENOSPC` when the volume is full.
pub fn claim(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, bitmap: &BufferHead, want: u32) -> Result<(u32, u32)> {
    let la_bh = read_inode(sb, vol)?;
    let (size, offset, run) = {
        let inode = Dinode::new(la_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let la = inode.local_alloc();
        let size = window_clusters(vol, la.la_size());
        (size, la.la_bm_off(), find_run(la.la_bitmap(), inode.i_total(), want.max(1)))
    };
    let (offset, (start, count)) = match run {
        _ if size == 0 => return cluster_bitmap::claim(sb, vol, tx, bitmap, want),
        Some(run) => (offset, run),
        None if resting(vol) => return cluster_bitmap::claim(sb, vol, tx, bitmap, want),
        None => slide(sb, vol, tx, bitmap, &la_bh, size, want.max(1))?,
    };
    let first = offset.checked_add(start).ok_or_else(errno::euclean)?;
    tx.change(&la_bh, Kind::Inode, |block| {
        let Ok(mut inode) = Dinode::new(block) else { return };
        let used = inode.i_used().saturating_add(count);
        inode.set_i_used(used);
        let mut la = inode.local_alloc_mut();
        for bit in start..start + count {
            set_bit(la.la_bitmap_mut(), bit as usize, true);
        }
    })?;
    Ok((first, count))
}

/// Give the window's unused clusters back and claim a new window of up to `size` clusters
/// (the best run the global bitmap has), in `tx`: `(new offset, the first run of up to
/// `want` clusters in it)`.
fn slide(
    sb: &NewSuperBlock,
    vol: &Volume,
    tx: &Transaction<'_>,
    bitmap: &BufferHead,
    la_bh: &BufferHead,
    size: u32,
    want: u32,
) -> Result<(u32, (u32, u32))> {
    let runs = unused_runs(sb, vol, la_bh, bitmap)?;
    // A full window holds no unused cluster, so sliding frees at most one group's runs;
    // a window that is not full did not need to slide. Either way `tx` has the credits.
    for run in runs {
        cluster_bitmap::free(tx, bitmap, run)?;
    }
    let (first, count) = cluster_bitmap::claim(sb, vol, tx, bitmap, size)?;
    set_window(tx, la_bh, first, count)?;
    Ok((first, (0, count.min(want))))
}

/// Make the window `count` unused clusters from cluster `first` (0, 0: no window).
fn set_window(tx: &Transaction<'_>, la_bh: &BufferHead, first: u32, count: u32) -> Result {
    tx.change(la_bh, Kind::Inode, |block| {
        let Ok(mut inode) = Dinode::new(block) else { return };
        inode.set_i_total(count);
        inode.set_i_used(0);
        let mut la = inode.local_alloc_mut();
        la.set_la_bm_off(first);
        la.la_bitmap_mut().fill(0);
    })
}

/// The window's unused clusters as runs of the global bitmap, each checked (in use there)
/// and ready to free.
fn unused_runs(sb: &NewSuperBlock, vol: &Volume, la_bh: &BufferHead, bitmap: &BufferHead) -> Result<KVec<cluster_bitmap::Free>> {
    let inode = Dinode::new(la_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let la = inode.local_alloc();
    let (offset, bits, total) = (la.la_bm_off(), la.la_bitmap(), inode.i_total());
    let mut runs = KVec::new();
    let mut bit = 0;
    while bit < total {
        if test_bit(bits, bit as usize) {
            bit += 1;
            continue;
        }
        let start = bit;
        while bit < total && !test_bit(bits, bit as usize) {
            bit += 1;
        }
        let first = offset.checked_add(start).ok_or_else(errno::euclean)?;
        runs.push(cluster_bitmap::prepare_free(sb, vol, bitmap, first, bit - start)?, GFP_KERNEL)?;
    }
    Ok(runs)
}

/// Give the clusters of slot 0's window that no file took back to the global bitmap and
/// empty the window, in a transaction of its own: at unmount, `remount,ro`, and in the
/// recovery of a crashed mount (`ocfs2_shutdown_local_alloc`,
/// `ocfs2_complete_local_alloc_recovery`). The number of clusters given back.
pub fn give_back(sb: &NewSuperBlock, vol: &Volume, writable: &Writable) -> Result<u32> {
    let _alloc = writable.alloc.lock();
    let la_bh = read_inode(sb, vol)?;
    let total = Dinode::new(la_bh.data()).map_or(0, |inode| inode.i_total());
    if total == 0 {
        return Ok(0);
    }
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let runs = unused_runs(sb, vol, &la_bh, &bitmap)?;
    // One window is one run of the global bitmap, so its runs share a group or two.
    let cpg = Dinode::new(bitmap.data()).map_or(1, |inode| u32::from(inode.chain_list().cl_cpg()).max(1));
    let credits = 2 + FREE_CREDITS * (total / cpg + 2);
    let tx = writable.transaction(vol, credits)?;
    let returned: u32 = runs.iter().map(|run| run.count()).sum();
    for run in runs {
        cluster_bitmap::free(&tx, &bitmap, run)?;
    }
    set_window(&tx, &la_bh, 0, 0)?;
    Ok(returned)
}
