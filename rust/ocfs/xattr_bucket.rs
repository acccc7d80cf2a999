// SPDX-License-Identifier: GPL-2.0

//! Indexed xattr blocks, write side: the attributes of an inode whose xattr block is full
//! live in 4 KiB buckets, sorted by name hash, in clusters mapped by an extent tree in the
//! block whose records start at the smallest hash they hold (`ocfs2_xattr_create_index_block`,
//! `ocfs2_xattr_set_entry_index_block` of the C ocfs2).
//!
//! The layout is the C's: an attribute goes to the bucket whose hash range holds its name
//! hash; buckets keep their entries sorted and their names and values inside one block
//! each. A full bucket divides in halves, as the C's do, the upper half always into a
//! bucket in a new cluster with a record of its own (where the C may use a free bucket of
//! the same cluster); a full bucket of a run of several (which the C makes in clusters
//! larger than a bucket) has its whole run laid out again, a bucket per cluster. The
//! records live in the block's own list and, past what it holds, in extent blocks: the
//! tree is edited as any other (`extent_tree`, [`Owner::XattrTree`]), its records never
//! merged, and each new record goes in by a tree edit of its own.

use crate::cluster_bitmap::{self, FREE_CREDITS};
use crate::format::blockcheck::store_block_check;
use crate::extent_tree::{Owner, Tree, TREE_CREDITS};
use crate::format::extent::ExtentList;
use crate::format::extent_edit::Rec;
use crate::format::xattr::{validate_xattr_bucket, XattrBlock, XattrHeader, XATTR_BUCKET_SIZE, XATTR_INDEXED, xattr_recs_per_xb};
use crate::format::xattr_edit::{self, TableEntry};
use crate::meta::{self, KernelCrc};
use crate::extent_map;
use crate::rw::Writable;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use crate::xattr_write::{load_table, Attr};
use crate::{bindings as c, errno, errors};
use core::ops::ControlFlow;
use kernel::prelude::*;

/// Blocks of one bucket.
pub fn blocks_per_bucket(vol: &Volume) -> u64 {
    ((XATTR_BUCKET_SIZE as u64) >> vol.block_bits).max(1)
}

fn refuse(sb: &NewSuperBlock, ino: u64, what: &str) -> Error {
    pr_err!("{}: inode {}: {} is not supported yet\n", sb.id(), ino, what);
    errno::code(c::EOPNOTSUPP)
}

/// One bucket as read: its blocks, attributes and (first of a run) bucket count.
pub struct Bucket {
    pub blkno: u64,
    bhs: KVec<BufferHead>,
    pub attrs: KVec<Attr>,
    num_buckets: u16,
}

/// Read and check the bucket at `blkno`.
pub fn read(sb: &NewSuperBlock, vol: &Volume, blkno: u64) -> Result<Bucket> {
    let block_size = vol.params.block_size as usize;
    let mut data = KVec::from_elem(0u8, XATTR_BUCKET_SIZE, GFP_KERNEL)?;
    let mut bhs = KVec::new();
    for (i, chunk) in data.chunks_mut(block_size.max(1)).enumerate() {
        let bh = meta::read(sb, vol.blocks, blkno.saturating_add(i as u64), "xattr bucket")?;
        chunk.copy_from_slice(bh.data().get(..chunk.len()).ok_or(EIO)?);
        bhs.push(bh, GFP_KERNEL)?;
    }
    meta::verify_check(sb, &vol.params, &data, blkno, XattrHeader::<()>::CHECK_OFFSET)?;
    validate_xattr_bucket(&data, vol.params.block_size, blkno).map_err(|e| meta::corrupt(sb, &e))?;
    let num_buckets = XattrHeader::new(&data[..]).map_err(|e| meta::corrupt(sb, &e))?.xh_num_buckets();
    let attrs = load_table(sb, &data, blkno)?;
    Ok(Bucket { blkno, bhs, attrs, num_buckets })
}

/// Sort by name hash, as buckets keep their entries.
fn sort(attrs: &mut [Attr]) {
    attrs.sort_unstable_by_key(|a| a.hash);
}

fn entries(attrs: &[Attr]) -> Result<KVec<TableEntry<'_>>> {
    let mut out = KVec::with_capacity(attrs.len(), GFP_KERNEL)?;
    for a in attrs {
        out.push(a.entry(), GFP_KERNEL)?;
    }
    Ok(out)
}

/// Write `attrs` (sorted) as the bucket at `blkno`, in `tx`: through `bhs` when it exists,
/// as new blocks when `bhs` is `None`. The bucket's check covers all its blocks, so it is
/// computed here rather than by a per-block trigger.
fn write(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, blkno: u64, bhs: Option<&[BufferHead]>, attrs: &[Attr], num_buckets: u16) -> Result {
    let block_size = vol.params.block_size as usize;
    let mut data = KVec::from_elem(0u8, XATTR_BUCKET_SIZE, GFP_KERNEL)?;
    let list = entries(attrs)?;
    xattr_edit::write_bucket(&mut data, block_size, &list, num_buckets).map_err(|e| {
        pr_err!("{}: xattr bucket {}: the entries do not add up ({:?})\n", sb.id(), blkno, e);
        errno::euclean()
    })?;
    if vol.params.meta_ecc() {
        let _ = store_block_check(&KernelCrc, &mut data, XattrHeader::<()>::CHECK_OFFSET);
    }
    for (i, chunk) in data.chunks(block_size.max(1)).enumerate() {
        let copy = |block: &mut [u8]| {
            if let Some(out) = block.get_mut(..chunk.len()) {
                out.copy_from_slice(chunk);
            }
        };
        match bhs.and_then(|b| b.get(i)) {
            Some(bh) => tx.change(bh, Kind::Plain, copy)?,
            None => {
                let bh = sb.new_block(blkno.saturating_add(i as u64))?;
                tx.create(&bh, Kind::Plain, copy)?
            }
        }
    }
    Ok(())
}

/// The index's tree, read down to the leaf whose range holds `hash`, and that leaf.
fn tree_for<'a>(sb: &NewSuperBlock, vol: &Volume, root_bh: &'a BufferHead, ino: u64, hash: u32) -> Result<(Tree<'a>, usize)> {
    let mut tree = Tree::read(sb, vol, Owner::XattrTree(root_bh))?;
    if tree.is_empty() {
        pr_err!("{}: corrupt metadata: inode {} has an empty xattr index\n", sb.id(), ino);
        return Err(errno::euclean());
    }
    let leaf = tree.leaf_for(sb, vol, hash)?;
    Ok((tree, leaf))
}

/// The record of the run of buckets that holds `hash` (`ocfs2_xattr_get_rec`): the last
/// record of its leaf starting at or before it.
fn record_for(sb: &NewSuperBlock, vol: &Volume, root_bh: &BufferHead, ino: u64, hash: u32) -> Result<Rec> {
    let (tree, leaf) = tree_for(sb, vol, root_bh, ino, hash)?;
    let recs = tree.leaf_recs(leaf)?;
    recs.iter().rev().find(|r| r.cpos <= hash).or(recs.first()).copied().ok_or_else(|| {
        pr_err!("{}: corrupt metadata: inode {}: the xattr index has an empty leaf\n", sb.id(), ino);
        errno::euclean()
    })
}

/// Where an attribute of hash `hash` lives or goes (`ocfs2_xattr_index_block_find`): a
/// bucket of a run of buckets (one record of the index's tree).
pub struct Slot {
    ino: u64,
    /// The record: its first hash, first block and clusters.
    cpos: u32,
    start: u64,
    clusters: u32,
    /// The run's buckets, and the one of the hash.
    run: KVec<Bucket>,
    chosen: usize,
}

impl Slot {
    /// The attributes of the hash's bucket, to change.
    pub fn attrs_mut(&mut self) -> Result<&mut KVec<Attr>> {
        self.run.get_mut(self.chosen).map(|b| &mut b.attrs).ok_or(EINVAL)
    }
}

/// Find the bucket for `hash` under the index block `root_bh`: the record with the largest
/// first hash not above it, then in its run the last bucket whose first entry's hash is not
/// above it (or the first bucket).
pub fn locate(sb: &NewSuperBlock, vol: &Volume, root_bh: &BufferHead, ino: u64, hash: u32) -> Result<Slot> {
    let Rec { cpos, clusters, blkno: start, .. } = record_for(sb, vol, root_bh, ino, hash)?;
    let mut run = KVec::new();
    let mut chosen = 0;
    let _ = for_each_in_run(sb, vol, start, clusters, |i, bucket| {
        if i > 0 && chosen + 1 == i && bucket.attrs.first().is_some_and(|a| a.hash <= hash) {
            chosen = i;
        }
        run.push(bucket, GFP_KERNEL)?;
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(Slot { ino, cpos, start, clusters, run, chosen })
}

/// The number of buckets of the run at `start`, `clusters` long, whose first bucket says
/// it holds `num_buckets`: checked against the clusters.
pub fn run_length(sb: &NewSuperBlock, vol: &Volume, start: u64, clusters: u32, num_buckets: u16) -> Result<u64> {
    let count = u64::from(num_buckets);
    let room = u64::from(clusters) << (vol.cluster_bits - vol.block_bits);
    if count == 0 || count.saturating_mul(blocks_per_bucket(vol)) > room {
        pr_err!("{}: corrupt metadata: xattr bucket {} claims {} buckets in {} clusters\n", sb.id(), start, count, clusters);
        return Err(errno::euclean());
    }
    Ok(count)
}

/// Visit the buckets of the run at `start` (`clusters` long) in order, with their index in
/// the run, until `visit` breaks.
fn for_each_in_run(
    sb: &NewSuperBlock,
    vol: &Volume,
    start: u64,
    clusters: u32,
    mut visit: impl FnMut(usize, Bucket) -> Result<ControlFlow<()>>,
) -> Result<ControlFlow<()>> {
    let first = read(sb, vol, start)?;
    let count = run_length(sb, vol, start, clusters, first.num_buckets)?;
    if let ControlFlow::Break(()) = visit(0, first)? {
        return Ok(ControlFlow::Break(()));
    }
    for i in 1..count {
        crate::vfs::cond_resched();
        let bucket = read(sb, vol, start + i * blocks_per_bucket(vol))?;
        if let ControlFlow::Break(()) = visit(i as usize, bucket)? {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// How a changed bucket goes back.
pub enum Plan {
    /// It fits: rewrite it.
    Rewrite,
    /// It does not: the run's attributes, divided into buckets (first indices), the first
    /// in the run's first cluster, each other in a new cluster with a record of its own;
    /// the run's other clusters freed; `tree_credits` for the tree edits.
    Relayout { starts: KVec<usize>, free: Option<cluster_bitmap::Free>, tree_credits: u32 },
}

impl Plan {
    /// Blocks the plan dirties: the buckets written, their clusters' claims, the root,
    /// and the clusters freed.
    pub fn credits(&self, vol: &Volume) -> u32 {
        let per = blocks_per_bucket(vol) as u32;
        match self {
            Plan::Rewrite => per,
            Plan::Relayout { starts, tree_credits, .. } => (starts.len() as u32)
                .saturating_mul(per + cluster_bitmap::CLAIM_CREDITS)
                .saturating_add(*tree_credits)
                .saturating_add(FREE_CREDITS),
        }
    }
}

/// The run's attributes in hash order (after the change to the chosen bucket).
fn run_attrs(slot: &mut Slot) -> Result<KVec<Attr>> {
    let mut all = KVec::new();
    for bucket in slot.run.iter_mut() {
        for a in core::mem::replace(&mut bucket.attrs, KVec::new()) {
            all.push(a, GFP_KERNEL)?;
        }
    }
    sort(&mut all);
    Ok(all)
}

/// Plan storing `slot` after its chosen bucket's attributes changed, before the
/// transaction: what fits, what divides, whether the index has room.
pub fn plan(sb: &NewSuperBlock, vol: &Volume, root_bh: &BufferHead, ino: u64, slot: &mut Slot) -> Result<Plan> {
    let block_size = vol.params.block_size as usize;
    let chosen = slot.attrs_mut()?;
    sort(chosen);
    if xattr_edit::bucket_fits(block_size, &entries(chosen)?) {
        return Ok(Plan::Rewrite);
    }
    let total: usize = slot.run.iter().map(|b| b.attrs.len()).sum();
    let mut all = KVec::with_capacity(total, GFP_KERNEL)?;
    for bucket in slot.run.iter() {
        for a in bucket.attrs.iter() {
            all.push(a.entry(), GFP_KERNEL)?;
        }
    }
    all.sort_unstable_by_key(|e| e.hash);
    let starts = partition(sb, block_size, ino, &all)?;
    // The new records go in next to the run's: the leaf holding it, the leaves to its
    // right when it fills (records move through them), and room for a split per record
    // after the first (a block changed twice in one transaction is counted once).
    let more = starts.len().saturating_sub(1);
    let tree_credits = {
        let (mut tree, leaf) = tree_for(sb, vol, root_bh, ino, slot.cpos)?;
        if tree.needs_right(leaf, more)? {
            tree.load_right(sb, vol, leaf)?;
        }
        tree.credits().saturating_add((more.saturating_sub(1) as u32).saturating_mul(TREE_CREDITS))
    };
    if slot.clusters > 1 && u64::from(slot.cpos) + u64::from(slot.clusters) > u64::from(u32::MAX) {
        pr_err!("{}: inode {}: the xattr run at hash {:#x} reaches past the last hash\n", sb.id(), ino, slot.cpos);
        return Err(refuse(sb, ino, "dividing an xattr run that ends past the last hash"));
    }
    let free = if slot.clusters > 1 {
        let bitmap = cluster_bitmap::read_inode(sb, vol)?;
        let first = u32::try_from(slot.start >> (vol.cluster_bits - vol.block_bits)).map_err(|_| errno::euclean())?;
        Some(cluster_bitmap::prepare_free(sb, vol, &bitmap, first + 1, slot.clusters - 1)?)
    } else {
        None
    };
    Ok(Plan::Relayout { starts, free, tree_credits })
}

/// The first indices of the buckets `entries` (sorted) divide into.
fn partition(sb: &NewSuperBlock, block_size: usize, ino: u64, entries: &[TableEntry<'_>]) -> Result<KVec<usize>> {
    let mut starts = KVec::new();
    let mut failed = false;
    let ok = xattr_edit::bucket_partition(block_size, entries, |i| failed |= starts.push(i, GFP_KERNEL).is_err());
    if failed {
        return Err(ENOMEM);
    }
    if !ok {
        return Err(refuse(sb, ino, "an xattr bucket full of one name hash"));
    }
    Ok(starts)
}

/// Store `slot` as `plan` says, in `tx`, the new buckets in `clusters` (claimed by the
/// caller, [`Plan::new_clusters`] of them). On failure part of it may be in `tx`: the
/// caller abandons the change (`errors::change_abandoned`).
pub fn store(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, root_bh: &BufferHead, mut slot: Slot, plan: Plan, clusters: &[u64]) -> Result {
    let (starts, free) = match plan {
        Plan::Rewrite => {
            let bucket = slot.run.get_mut(slot.chosen).ok_or(EINVAL)?;
            sort(&mut bucket.attrs);
            return write(sb, vol, tx, bucket.blkno, Some(&bucket.bhs), &bucket.attrs, bucket.num_buckets);
        }
        Plan::Relayout { starts, free, .. } => (starts, free),
    };
    let mut all = run_attrs(&mut slot)?;
    // The groups from last to first, each split off the end; group `g` > 0 goes to the
    // cluster at `clusters[g - 1]`, with a record of its own.
    let mut groups = KVec::new();
    let mut records = KVec::new();
    for (g, &first) in starts.iter().enumerate().rev() {
        let group = split_off(&mut all, first)?;
        let blkno = match g {
            0 => slot.start,
            _ => clusters.get(g - 1).copied().ok_or(EINVAL)?,
        };
        if g > 0 {
            records.push((group.first().map_or(0, |a| a.hash), blkno), GFP_KERNEL)?;
        }
        groups.push((g, blkno, group), GFP_KERNEL)?;
    }
    // The records first, then the buckets they map, then the run's tail freed. A failure
    // part-way is the caller's to handle: the transaction holds part of the change.
    if free.is_some() {
        shrink_run(sb, vol, tx, root_bh, &slot)?;
    }
    for &(cpos, blkno) in records.iter() {
        add_record(sb, vol, tx, root_bh, slot.ino, cpos, blkno)?;
    }
    for (g, blkno, group) in groups.iter() {
        let bhs = if *g == 0 { Some(&slot.run.first().ok_or(EINVAL)?.bhs[..]) } else { None };
        write(sb, vol, tx, *blkno, bhs, group, 1)?;
    }
    if let Some(run) = free {
        let bitmap = cluster_bitmap::read_inode(sb, vol)?;
        cluster_bitmap::free(tx, &bitmap, run)?;
    }
    Ok(())
}

/// The run of `slot` keeps its first cluster: the rest leaves its record (their clusters
/// are freed by the caller).
fn shrink_run(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, root_bh: &BufferHead, slot: &Slot) -> Result {
    let (mut tree, leaf) = tree_for(sb, vol, root_bh, slot.ino, slot.cpos)?;
    let end = u32::try_from(u64::from(slot.cpos) + u64::from(slot.clusters)).map_err(|_| EINVAL)?;
    tree.remove(sb, leaf, slot.cpos.saturating_add(1), end, &mut |_| {})?;
    tree.commit(sb, vol, tx, leaf)
}

/// A one-cluster record for the bucket at `blkno`, whose first hash is `cpos`, by an edit
/// of its own (so that a leaf it fills splits before the next goes in).
fn add_record(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, root_bh: &BufferHead, ino: u64, cpos: u32, blkno: u64) -> Result {
    let (mut tree, leaf) = tree_for(sb, vol, root_bh, ino, cpos)?;
    if tree.needs_right(leaf, 1)? {
        tree.load_right(sb, vol, leaf)?;
    }
    tree.insert(sb, leaf, Rec { cpos, clusters: 1, blkno, flags: 0 })?;
    tree.commit(sb, vol, tx, leaf)
}

/// The attributes from `pos` on, taken out of `attrs`.
fn split_off(attrs: &mut KVec<Attr>, pos: usize) -> Result<KVec<Attr>> {
    let all = core::mem::replace(attrs, KVec::new());
    let mut upper = KVec::new();
    for (i, a) in all.into_iter().enumerate() {
        if i < pos { attrs.push(a, GFP_KERNEL)? } else { upper.push(a, GFP_KERNEL)? }
    }
    Ok(upper)
}

/// Insert a one-cluster record at `at` of `list` (which has room), shifting the rest.
fn insert_record(list: &mut ExtentList<&mut [u8]>, at: usize, cpos: u32, blkno: u64) {
    let used = usize::from(list.l_next_free_rec());
    let mut i = used;
    while i > at {
        let prev = list.rec(i - 1).map(|r| (r.e_cpos(), r.e_leaf_clusters(), r.e_flags(), r.e_blkno()));
        if let (Some((c, n, f, b)), Some(mut rec)) = (prev, list.rec_mut(i)) {
            rec.set_e_cpos(c);
            rec.set_e_leaf_clusters(n);
            rec.set_e_reserved1(0);
            rec.set_e_flags(f);
            rec.set_e_blkno(b);
        }
        i -= 1;
    }
    if let Some(mut rec) = list.rec_mut(at) {
        rec.set_e_cpos(cpos);
        rec.set_e_leaf_clusters(1);
        rec.set_e_reserved1(0);
        rec.set_e_flags(0);
        rec.set_e_blkno(blkno);
    }
    list.set_l_next_free_rec(used as u16 + 1);
}

impl Plan {
    /// New clusters the plan writes buckets to.
    pub fn new_clusters(&self) -> usize {
        match self {
            Plan::Rewrite => 0,
            Plan::Relayout { starts, .. } => starts.len().saturating_sub(1),
        }
    }
}

/// Plan turning a full xattr block into an index whose buckets hold `attrs` (sorted
/// here): the first indices of its buckets.
pub fn plan_index(sb: &NewSuperBlock, vol: &Volume, ino: u64, attrs: &mut KVec<Attr>) -> Result<KVec<usize>> {
    sort(attrs);
    let block_size = vol.params.block_size as usize;
    let list = entries(attrs)?;
    let starts = partition(sb, block_size, ino, &list)?;
    if starts.len() > xattr_recs_per_xb(block_size) {
        return Err(refuse(sb, ino, "an xattr index with more records than its block holds"));
    }
    Ok(starts)
}

/// Blocks [`create_index`] dirties for `buckets` buckets.
pub fn index_credits(vol: &Volume, buckets: usize) -> u32 {
    (buckets as u32).saturating_mul(blocks_per_bucket(vol) as u32 + cluster_bitmap::CLAIM_CREDITS) + 1
}

/// Turn the full xattr block `root_bh` into an index whose buckets hold `attrs` (sorted by
/// [`plan_index`]), divided at `starts`, bucket `g` in the cluster at `clusters[g]`
/// (`ocfs2_xattr_create_index_block`), in `tx`.
pub fn create_index(
    sb: &NewSuperBlock,
    vol: &Volume,
    tx: &Transaction<'_>,
    root_bh: &BufferHead,
    mut attrs: KVec<Attr>,
    starts: &[usize],
    clusters: &[u64],
) -> Result {
    let block_size = vol.params.block_size as usize;
    let mut placed = KVec::new();
    for (g, &first) in starts.iter().enumerate().rev() {
        let group = split_off(&mut attrs, first)?;
        let blkno = clusters.get(g).copied().ok_or(EINVAL)?;
        write(sb, vol, tx, blkno, None, &group, 1)?;
        // The first bucket's record starts at hash 0, as the C makes it.
        let cpos = if first == 0 { 0 } else { group.first().map_or(0, |a| a.hash) };
        placed.push((cpos, blkno), GFP_KERNEL)?;
    }
    let recs = xattr_recs_per_xb(block_size) as u16;
    tx.change(root_bh, Kind::XattrBlock, |data| {
        if let Some(attrs) = data.get_mut(XattrBlock::<()>::ATTRS_OFFSET..) {
            attrs.fill(0);
        }
        let Ok(mut xb) = XattrBlock::new(data) else { return };
        let flags = xb.xb_flags() | XATTR_INDEXED;
        xb.set_xb_flags(flags);
        let mut root = xb.xb_root_mut();
        root.set_xt_clusters(placed.len() as u32);
        root.set_xt_last_eb_blk(0);
        let mut list = root.xt_list_mut();
        list.set_l_tree_depth(0);
        list.set_l_count(recs);
        list.set_l_next_free_rec(0);
        // `placed` runs from the last bucket to the first.
        for &(cpos, blkno) in placed.iter() {
            insert_record(&mut list, 0, cpos, blkno);
        }
    })
}

/// An attribute of the index `root_bh` whose value has clusters of its own: its index
/// and name.
pub fn find_nonlocal(sb: &NewSuperBlock, vol: &Volume, root_bh: &BufferHead, ino: u64) -> Result<Option<(u8, KVec<u8>)>> {
    let xb = XattrBlock::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if !xb.is_indexed() {
        pr_err!("{}: corrupt metadata: inode {}: xattr block {} is not an index\n", sb.id(), ino, root_bh.block_number());
        return Err(errno::euclean());
    }
    let root = xb.xb_root();
    let mut found = None;
    let _ = extent_map::for_each_leaf_record(sb, vol, &root.xt_list(), root_bh.block_number(), &mut |_, clusters, start| {
        for_each_in_run(sb, vol, start, clusters, |_, bucket| {
            let Some(a) = bucket.attrs.iter().find(|a| !a.local()) else {
                return Ok(ControlFlow::Continue(()));
            };
            let mut name = KVec::new();
            name.extend_from_slice(a.name(), GFP_KERNEL)?;
            found = Some((a.index(), name));
            Ok(ControlFlow::Break(()))
        })
    })?;
    Ok(found)
}

/// Free the buckets' clusters of the index block `root_bh` (whose attributes hold no
/// clusters of their own any more), a few records per transaction, from the end of the
/// tree, its extent blocks going as they empty.
pub fn free_index(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, root_bh: &BufferHead, ino: u64) -> Result {
    const PER_TRANSACTION: usize = 16;
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    loop {
        let _alloc = writable.alloc.lock();
        let mut tree = Tree::read(sb, vol, Owner::XattrTree(root_bh))?;
        if tree.is_empty() {
            return Ok(());
        }
        let leaf = tree.leaf_for(sb, vol, u32::MAX)?;
        let bitmap = cluster_bitmap::read_inode(sb, vol)?;
        let mut runs = KVec::new();
        while runs.len() < PER_TRANSACTION {
            let Some(rec) = tree.pop(leaf)? else { break };
            let first = u32::try_from(rec.blkno >> per_cluster_bits).map_err(|_| errno::euclean())?;
            runs.push(cluster_bitmap::prepare_free(sb, vol, &bitmap, first, rec.clusters)?, GFP_KERNEL)?;
        }
        if runs.is_empty() {
            pr_err!("{}: corrupt metadata: inode {}: the xattr index has an empty leaf\n", sb.id(), ino);
            return Err(errno::euclean());
        }
        tree.drop_empty(sb, vol)?;
        let credits = tree.credits().saturating_add(FREE_CREDITS * PER_TRANSACTION as u32);
        let tx = writable.transaction(vol, credits)?;
        // The records go first: a failed tree edit changes nothing; a failed free after it
        // cannot be taken back.
        tree.commit(sb, vol, &tx, leaf)?;
        for run in runs {
            cluster_bitmap::free(&tx, &bitmap, run)
                .map_err(|e| errors::change_abandoned(sb, vol, format_args!("inode {}: freeing xattr buckets", ino), e))?;
        }
        drop(tx);
        crate::vfs::cond_resched();
    }
}
