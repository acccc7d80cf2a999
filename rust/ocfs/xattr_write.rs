// SPDX-License-Identifier: GPL-2.0

//! Extended attributes, write side (`ocfs2_xattr_set`, `ocfs2_xattr_remove` of the C
//! ocfs2): setting, replacing and removing one attribute, and dropping them all when an
//! inode is deleted.
//!
//! An inode keeps its attributes in two tables: the inline area at the end of its block
//! (`OCFS2_INLINE_XATTR_FL`, `s_xattr_inline_size` bytes, made on first use when the
//! extent list or fast symlink leaves room, as `ocfs2_xattr_ibody_init` does) and an
//! unindexed xattr block from the extent-block suballocator. A change reads both tables,
//! edits the list of attributes, and rewrites the tables it touched whole (the C keeps
//! block storage compacted too, so the layout is the same): the new attribute goes inline
//! when it fits, else into the block (made when needed, freed when it empties). Values
//! longer than 80 bytes live in a run of clusters of their own, named by a value root in
//! the table. Everything of one change is one transaction, checked before it starts.
//!
//! A full block becomes an index of buckets ([`crate::xattr_bucket`]). Values whose
//! clusters cannot be one contiguous run are refused with `ENOSPC` and a log line. Every
//! table is planned (and anything refused) before the transaction opens; what can still
//! fail inside it is allocation and I/O.

use crate::cluster_bitmap::{self, FREE_CREDITS};
use crate::format::dinode::{fast_symlink_chars, mode, Dinode, HAS_XATTR_FL, INLINE_DATA_FL, INLINE_XATTR_FL};
use crate::format::extent::{ExtentBlock, ExtentRec};
use crate::format::features::IncompatFeatures;
use crate::format::xattr::{XattrBlock, XattrHeader, XattrValueRoot, XATTR_BLOCK_SIGNATURE};
use crate::format::xattr_edit::{self, check_table, name_hash, write_table, TableEntry, XATTR_ROOT_SIZE};
use crate::inode;
use crate::meta;
use crate::rw::Writable;
use crate::suballoc;
use crate::transaction::{Kind, Transaction};
use crate::vfs::{BufferHead, INode, NewSuperBlock, XattrSetFlags as SetFlags};
use crate::volume::Volume;
use crate::{bindings as c, errno, xattr, xattr_bucket, Ocfs2};
use kernel::prelude::*;

/// One attribute as a table holds it.
pub struct Attr {
    index: u8,
    name: KVec<u8>,
    pub hash: u32,
    value_len: u64,
    /// The value (local) or its value root.
    stored: KVec<u8>,
}

impl Attr {
    pub fn entry(&self) -> TableEntry<'_> {
        TableEntry { name_index: self.index, name: &self.name, hash: self.hash, value_len: self.value_len, stored: &self.stored }
    }

    pub fn name(&self) -> &[u8] {
        &self.name
    }

    pub fn index(&self) -> u8 {
        self.index
    }

    pub fn local(&self) -> bool {
        usize::try_from(self.value_len).is_ok_and(xattr_edit::is_local)
    }

    fn is(&self, index: u8, name: &[u8]) -> bool {
        self.index == index && self.name == name
    }
}

fn entries(attrs: &[Attr]) -> impl Iterator<Item = TableEntry<'_>> + Clone {
    attrs.iter().map(Attr::entry)
}

/// The attributes of one table region, checked to be what [`write_table`] writes back.
pub fn load_table(sb: &NewSuperBlock, region: &[u8], blkno: u64) -> Result<KVec<Attr>> {
    let table = XattrHeader::new(region).map_err(|e| meta::corrupt(sb, &e))?;
    let mut attrs = KVec::new();
    for e in table.entries() {
        let bad = || {
            pr_err!("{}: corrupt metadata: an xattr entry of block {} lies outside its table\n", sb.id(), blkno);
            errno::euclean()
        };
        let name = table.name(&e).ok_or_else(bad)?;
        let value_len = e.xe_value_size();
        if usize::try_from(value_len).map_or(true, |len| xattr_edit::is_local(len) != e.is_local()) {
            pr_err!("{}: corrupt metadata: an xattr value of {} bytes in block {} is stored {}\n", sb.id(), value_len, blkno,
                if e.is_local() { "in its table" } else { "outside its table" });
            return Err(errno::euclean());
        }
        let stored = if e.is_local() {
            table.local_value(&e).ok_or_else(bad)?
        } else {
            region.get(e.value_offset()..e.value_offset() + XATTR_ROOT_SIZE).ok_or_else(bad)?
        };
        let mut name_buf = KVec::new();
        name_buf.extend_from_slice(name, GFP_KERNEL)?;
        let mut stored_buf = KVec::new();
        stored_buf.extend_from_slice(stored, GFP_KERNEL)?;
        attrs.push(
            Attr { index: e.name_index(), name: name_buf, hash: e.xe_name_hash(), value_len, stored: stored_buf },
            GFP_KERNEL,
        )?;
    }
    Ok(attrs)
}

/// Where an inode's tables are.
struct Tables {
    /// The inline table, when the inode has one (or can get one: `init`).
    inline: Option<KVec<Attr>>,
    /// The inline area has to be made by this change.
    init_inline: bool,
    /// The unindexed xattr block and its table.
    block: Option<(BufferHead, KVec<Attr>)>,
    /// The xattr block when it is an index of buckets.
    index: Option<BufferHead>,
}

fn block_region(block: &[u8]) -> Option<&[u8]> {
    block.get(XattrBlock::<()>::ATTRS_OFFSET..)
}

fn block_region_size(vol: &Volume) -> usize {
    (vol.params.block_size as usize).saturating_sub(XattrBlock::<()>::ATTRS_OFFSET)
}

fn inline_region(block: &[u8], size: usize) -> Option<&[u8]> {
    block.get(block.len().checked_sub(size)?..)
}

/// Whether the volume stores attributes at all (`ocfs2_supports_xattr`).
pub fn supported(vol: &Volume) -> bool {
    vol.params.features.incompat.contains(IncompatFeatures::XATTR)
}

/// `ocfs2_xattr_has_space_inline`: whether an inode without an inline area can get one.
/// Inodes with inline data keep their whole area for it here (their attributes go to
/// the block), so the directory and file code never sees `id_count` change.
fn can_init_inline(vol: &Volume, dinode: &Dinode<&[u8]>) -> bool {
    let size = usize::from(vol.xattr_inline_size);
    if size < 256 || vol.params.block_size <= 512 || dinode.i_dyn_features() & INLINE_DATA_FL != 0 {
        return false;
    }
    let free = if dinode.i_mode() & mode::FMT == mode::LNK && dinode.i_clusters() == 0 {
        fast_symlink_chars(vol.params.block_size as usize).saturating_sub(dinode.i_size() as usize)
    } else {
        let list = dinode.extent_list();
        usize::from(list.l_count().saturating_sub(list.l_next_free_rec())) * ExtentRec::<()>::SIZE
    };
    free >= size
}

fn refuse(sb: &NewSuperBlock, ino: u64, what: &str) -> Error {
    pr_err!("{}: inode {}: {} is not supported yet\n", sb.id(), ino, what);
    errno::code(c::EOPNOTSUPP)
}

fn load(sb: &NewSuperBlock, vol: &Volume, di_bh: &BufferHead) -> Result<Tables> {
    let dinode = Dinode::new(di_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let ino = dinode.i_blkno();
    let (inline, init_inline) = if dinode.i_dyn_features() & INLINE_XATTR_FL != 0 {
        let size = usize::from(dinode.i_xattr_inline_size());
        let region = inline_region(di_bh.data(), size).ok_or_else(errno::euclean)?;
        (Some(load_table(sb, region, ino)?), false)
    } else if can_init_inline(vol, &dinode) {
        (Some(KVec::new()), true)
    } else {
        (None, false)
    };
    let (block, index) = match dinode.i_xattr_loc() {
        0 => (None, None),
        blkno => {
            let bh = xattr::read_block(sb, vol, blkno)?;
            if XattrBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?.is_indexed() {
                (None, Some(bh))
            } else {
                let attrs = load_table(sb, block_region(bh.data()).ok_or_else(errno::euclean)?, blkno)?;
                (Some((bh, attrs)), None)
            }
        }
    };
    Ok(Tables { inline, init_inline, block, index })
}

/// Runs of clusters and extent blocks a value tree holds, ready to free.
struct Tree {
    runs: KVec<cluster_bitmap::Free>,
    /// Extent blocks: (block, suballocator bit, group).
    blocks: KVec<(u64, u16, u64)>,
}

impl Tree {
    fn credits(&self) -> u32 {
        let runs = FREE_CREDITS.saturating_mul(self.runs.len() as u32);
        runs.saturating_add(suballoc::CLAIM_CREDITS.saturating_mul(self.blocks.len() as u32))
    }
}

/// Check the value tree rooted at `root` (of inode `ino`) and get ready to free it: a
/// list of leaf records, or one level of extent blocks (what the C makes for values of
/// more than one extent).
fn prepare_tree(sb: &NewSuperBlock, vol: &Volume, bitmap: &BufferHead, root: &[u8], ino: u64) -> Result<Tree> {
    let root = XattrValueRoot::new(root).map_err(|e| meta::corrupt(sb, &e))?;
    let list = root.xr_list();
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    let mut tree = Tree { runs: KVec::new(), blocks: KVec::new() };
    let add_run = |tree: &mut Tree, blkno: u64, clusters: u32| -> Result {
        if clusters == 0 {
            return Ok(());
        }
        let first = u32::try_from(blkno >> per_cluster_bits).map_err(|_| errno::euclean())?;
        tree.runs.push(cluster_bitmap::prepare_free(sb, vol, bitmap, first, clusters)?, GFP_KERNEL)?;
        Ok(())
    };
    match list.l_tree_depth() {
        0 => {
            for rec in list.recs() {
                add_run(&mut tree, rec.e_blkno(), u32::from(rec.e_leaf_clusters()))?;
            }
        }
        1 => {
            for rec in list.recs() {
                let bh = meta::read_extent_block(sb, &vol.params, vol.blocks, rec.e_blkno())?;
                let eb = ExtentBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
                if eb.h_list().l_tree_depth() != 0 {
                    pr_err!("{}: corrupt metadata: an xattr value of inode {} has a bad tree depth\n", sb.id(), ino);
                    return Err(errno::euclean());
                }
                if eb.h_suballoc_slot() != 0 {
                    return Err(refuse(sb, ino, "freeing an xattr value's extent block of another slot"));
                }
                for leaf in eb.h_list().recs() {
                    add_run(&mut tree, leaf.e_blkno(), u32::from(leaf.e_leaf_clusters()))?;
                }
                tree.blocks.push((rec.e_blkno(), eb.h_suballoc_bit(), eb.h_suballoc_loc()), GFP_KERNEL)?;
            }
        }
        _ => return Err(refuse(sb, ino, "freeing an xattr value whose tree is deeper than one level")),
    }
    Ok(tree)
}

fn free_tree(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume, bitmap: &BufferHead, tree: Tree) -> Result {
    for run in tree.runs {
        cluster_bitmap::free(tx, bitmap, run)?;
    }
    for (blkno, bit, loc) in tree.blocks {
        suballoc::free_block(tx, sb, vol, vol.extent_alloc_blkno, blkno, bit, loc)?;
    }
    Ok(())
}

/// Where the changed attribute ends up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Inline,
    /// The unindexed xattr block.
    Block,
    /// The xattr block, full, turned into an index of buckets.
    Index,
    /// A bucket of the index.
    Bucket,
}

/// What the caller changes.
pub struct Change<'a> {
    pub index: u8,
    pub name: &'a [u8],
    /// The new value; `None` removes the attribute.
    pub value: Option<&'a [u8]>,
    pub flags: SetFlags,
}

/// `setxattr`/`removexattr` on `inode`: the VFS holds its lock.
pub fn set(inode: &INode<Ocfs2>, change: Change<'_>) -> Result {
    let sb = inode.super_block();
    let vol = sb.data();
    let writable = vol.writable()?;
    if !supported(vol) {
        return Err(errno::code(c::EOPNOTSUPP));
    }
    apply(sb, vol, writable, inode.ino(), &change, Some(inode))
}

/// Drop every attribute of orphan inode `ino` that holds space of its own (values in
/// clusters, the xattr block, the buckets of an index), before the inode itself is
/// deleted: values one transaction each, then the buckets, then the block.
pub fn remove_all(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, ino: u64) -> Result {
    loop {
        let victim = {
            let _alloc = writable.alloc.lock();
            let di_bh = meta::read_dinode(sb, &vol.params, vol.blocks, ino)?;
            let dinode = Dinode::new(di_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
            if dinode.i_dyn_features() & HAS_XATTR_FL == 0 && dinode.i_xattr_loc() == 0 {
                return Ok(());
            }
            let tables = load(sb, vol, &di_bh)?;
            let mut all = Iterator::chain(tables.inline.iter().flatten(), tables.block.iter().flat_map(|(_, a)| a.iter()));
            let found = match all.find(|a| !a.local()).or_else(|| tables.block.as_ref().and_then(|(_, a)| a.first())) {
                Some(a) => {
                    let mut name = KVec::new();
                    name.extend_from_slice(&a.name, GFP_KERNEL)?;
                    Some((a.index, name))
                }
                None => match tables.index.as_ref() {
                    Some(root) => xattr_bucket::find_nonlocal(sb, vol, root, ino)?,
                    None => None,
                },
            };
            match found {
                Some(victim) => victim,
                None => {
                    drop(_alloc);
                    let block = tables.index.or(tables.block.map(|(bh, _)| bh));
                    if let Some(bh) = block {
                        if tables_indexed(sb, &bh)? {
                            xattr_bucket::free_index(sb, vol, writable, &bh, ino)?;
                        }
                        let _alloc = writable.alloc.lock();
                        drop_block(sb, vol, writable, &di_bh, &bh)?;
                    }
                    return Ok(());
                }
            }
        };
        let change = Change { index: victim.0, name: &victim.1, value: None, flags: SetFlags { create: false, replace: true } };
        apply(sb, vol, writable, ino, &change, None)?;
        crate::vfs::cond_resched();
    }
}

fn tables_indexed(sb: &NewSuperBlock, bh: &BufferHead) -> Result<bool> {
    Ok(XattrBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?.is_indexed())
}

/// An xattr block without attributes of its own any more (the C may leave an empty one):
/// free it and clear the inode's pointer.
fn drop_block(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, di_bh: &BufferHead, bh: &BufferHead) -> Result {
    let tx = writable.transaction(vol, 1 + suballoc::CLAIM_CREDITS)?;
    free_xattr_block(&tx, sb, vol, bh)?;
    tx.change(di_bh, Kind::Inode, |block| {
        if let Ok(mut d) = Dinode::new(block) {
            d.set_i_xattr_loc(0);
            let features = d.i_dyn_features();
            if features & INLINE_XATTR_FL == 0 {
                d.set_i_dyn_features(features & !HAS_XATTR_FL);
            }
        }
    })
}

fn free_xattr_block(tx: &Transaction<'_>, sb: &NewSuperBlock, vol: &Volume, bh: &BufferHead) -> Result {
    let (slot, bit, loc) = {
        let xb = XattrBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        (xb.xb_suballoc_slot(), xb.xb_suballoc_bit(), xb.xb_suballoc_loc())
    };
    if slot != 0 {
        return Err(refuse(sb, bh.block_number(), "freeing an xattr block of another slot's allocator"));
    }
    suballoc::free_block(tx, sb, vol, vol.extent_alloc_blkno, bh.block_number(), bit, loc)
}

/// Clusters for a value of `len` bytes.
fn value_clusters(vol: &Volume, len: usize) -> u32 {
    let size = 1u64.checked_shl(vol.cluster_bits).unwrap_or(u64::MAX).max(1);
    (len as u64).div_ceil(size) as u32
}

/// Plan and apply one change to inode `ino`, in one transaction; `inode` (the VFS inode,
/// when there is one) gets its change time.
fn apply(sb: &NewSuperBlock, vol: &Volume, writable: &Writable, ino: u64, change: &Change<'_>, inode: Option<&INode<Ocfs2>>) -> Result {
    let _alloc = writable.alloc.lock();
    let di_bh = meta::read_dinode(sb, &vol.params, vol.blocks, ino)?;
    let mut tables = load(sb, vol, &di_bh)?;
    let hash = name_hash(vol.uuid_hash, change.name);

    // Take the old attribute out of whichever table holds it.
    let mut old = None;
    if let Some(attrs) = tables.inline.take() {
        let (rest, found) = take_out(attrs, change.index, change.name)?;
        old = found.map(|a| (Place::Inline, a));
        tables.inline = Some(rest);
    }
    if old.is_none() {
        if let Some((bh, attrs)) = tables.block.take() {
            let (rest, found) = take_out(attrs, change.index, change.name)?;
            old = found.map(|a| (Place::Block, a));
            tables.block = Some((bh, rest));
        }
    }
    // In an index, the bucket of the name's hash.
    let mut slot = match tables.index.as_ref() {
        Some(root) => Some(xattr_bucket::locate(sb, vol, root, ino, hash)?),
        None => None,
    };
    if old.is_none() {
        if let Some(slot) = slot.as_mut() {
            let bucket = slot.attrs_mut()?;
            let attrs = core::mem::replace(bucket, KVec::new());
            let (rest, found) = take_out(attrs, change.index, change.name)?;
            old = found.map(|a| (Place::Bucket, a));
            *bucket = rest;
        }
    }
    match (&old, change.value) {
        (Some(_), _) if change.flags.create => return Err(EEXIST),
        (None, _) if change.flags.replace => return Err(errno::code(c::ENODATA)),
        (None, None) => return Err(errno::code(c::ENODATA)),
        _ => {}
    }

    // The new attribute, with a placeholder root for a value of its own (same size).
    let clusters = change.value.map_or(0, |v| if xattr_edit::is_local(v.len()) { 0 } else { value_clusters(vol, v.len()) });
    let new = match change.value {
        Some(value) => {
            let mut name = KVec::new();
            name.extend_from_slice(change.name, GFP_KERNEL)?;
            let mut stored = KVec::new();
            if clusters == 0 {
                stored.extend_from_slice(value, GFP_KERNEL)?;
            } else {
                stored.extend_from_slice(&xattr_edit::value_root(clusters, 0), GFP_KERNEL)?;
            }
            Some(Attr { index: change.index, name, hash, value_len: value.len() as u64, stored })
        }
        None => None,
    };

    // Where it goes: inline when it fits, else the block, else the block's buckets (the
    // block becoming an index when it is full).
    let inline_size = usize::from(vol.xattr_inline_size);
    let current_inline_size = Dinode::new(di_bh.data()).map_or(0, |d| usize::from(d.i_xattr_inline_size()));
    let inline_region_size = if tables.init_inline { inline_size } else { current_inline_size };
    let place = match (&new, tables.inline.as_ref()) {
        (None, _) => None,
        (Some(n), Some(attrs)) if xattr_edit::table_fits(inline_region_size, Iterator::chain(entries(attrs), [n.entry()])) => {
            Some(Place::Inline)
        }
        (Some(_), _) if tables.index.is_some() => Some(Place::Bucket),
        (Some(n), _) => {
            let attrs = tables.block.as_ref().map_or(&[][..], |(_, a)| &a[..]);
            if xattr_edit::table_fits(block_region_size(vol), Iterator::chain(entries(attrs), [n.entry()])) {
                Some(Place::Block)
            } else {
                Some(Place::Index)
            }
        }
    };
    let changed = |p: Place| old.as_ref().is_some_and(|(at, _)| *at == p) || place == Some(p);
    let inline_changed = changed(Place::Inline);
    let block_changed = changed(Place::Block) && place != Some(Place::Index);
    let bucket_changed = changed(Place::Bucket);
    let init_inline = tables.init_inline && place == Some(Place::Inline);
    let new_block = place == Some(Place::Block) && tables.block.is_none();
    if place == Some(Place::Index) && tables.block.is_none() {
        return Err(refuse(sb, ino, "an attribute too big for an empty xattr block"));
    }

    // The new attribute goes into its table now, its value root (if any) filled in once
    // its clusters are claimed, so that every table is planned before the transaction.
    let mut fresh_block = KVec::new();
    if let (Some(n), Some(p)) = (new, place) {
        match p {
            Place::Inline => tables.inline.as_mut().ok_or(EINVAL)?.push(n, GFP_KERNEL)?,
            Place::Block | Place::Index => match tables.block.as_mut() {
                Some((_, attrs)) => attrs.push(n, GFP_KERNEL)?,
                None => fresh_block.push(n, GFP_KERNEL)?,
            },
            Place::Bucket => slot.as_mut().ok_or(EINVAL)?.attrs_mut()?.push(n, GFP_KERNEL)?,
        }
    }
    let block_empties = block_changed
        && place != Some(Place::Block)
        && tables.block.as_ref().is_some_and(|(_, attrs)| attrs.is_empty());
    if inline_changed {
        check(sb, ino, inline_region_size, tables.inline.as_ref().ok_or(EINVAL)?)?;
    }
    if block_changed && !block_empties {
        let attrs = tables.block.as_ref().map_or(&fresh_block[..], |(_, a)| &a[..]);
        check(sb, ino, block_region_size(vol), attrs)?;
    }
    let mut index_plan = None;
    if place == Some(Place::Index) {
        let (bh, mut attrs) = tables.block.take().ok_or(EINVAL)?;
        let starts = xattr_bucket::plan_index(sb, vol, ino, &mut attrs)?;
        index_plan = Some((bh, attrs, starts));
    }
    let bucket_plan = match (bucket_changed, tables.index.as_ref(), slot.as_mut()) {
        (true, Some(root), Some(slot)) => Some(xattr_bucket::plan(sb, vol, root, ino, slot)?),
        _ => None,
    };

    // What the old value frees.
    let bitmap = cluster_bitmap::read_inode(sb, vol)?;
    let old_tree = match &old {
        Some((_, a)) if !a.local() => Some(prepare_tree(sb, vol, &bitmap, &a.stored, ino)?),
        _ => None,
    };

    let block_size = (vol.params.block_size as usize).max(1);
    let value_blocks = change.value.map_or(0, |v| if clusters == 0 { 0 } else { v.len().div_ceil(block_size) as u32 });
    let credits = (2 + suballoc::BLOCK_CREDITS + suballoc::CLAIM_CREDITS + cluster_bitmap::CLAIM_CREDITS + FREE_CREDITS)
        .saturating_add(bucket_plan.as_ref().map_or(0, |p| p.credits(vol)))
        .saturating_add(index_plan.as_ref().map_or(0, |(_, _, starts)| xattr_bucket::index_credits(vol, starts.len())))
        .saturating_add(value_blocks)
        .saturating_add(old_tree.as_ref().map_or(0, Tree::credits));
    let tx = writable.transaction(vol, credits)?;

    // Everything this change allocates first, all given back if any of it fails, so that
    // nothing is freed or written unless the whole change goes in.
    let bucket_clusters = bucket_plan.as_ref().map_or(0, xattr_bucket::Plan::new_clusters)
        + index_plan.as_ref().map_or(0, |(_, _, starts)| starts.len());
    let claims = claim_all(sb, vol, &tx, &bitmap, ino, clusters, bucket_clusters, new_block)?;
    // From here on the change is partly in the transaction (its claims at least): a
    // failure cannot be taken back, so nothing of it may reach the disk.
    let written = (|| -> Result {
        if let (Some(value), Some(blkno)) = (change.value, claims.value) {
            write_value(sb, vol, &tx, blkno, value)?;
            let root = xattr_edit::value_root(clusters, blkno);
            let target = match place {
                Some(Place::Inline) => tables.inline.as_mut().map(|a| &mut a[..]),
                Some(Place::Block) => Some(tables.block.as_mut().map_or(&mut fresh_block[..], |(_, a)| &mut a[..])),
                Some(Place::Index) => index_plan.as_mut().map(|(_, a, _)| &mut a[..]),
                Some(Place::Bucket) => slot.as_mut().and_then(|s| s.attrs_mut().ok()).map(|a| &mut a[..]),
                None => None,
            };
            let attr = target.and_then(|attrs| attrs.iter_mut().find(|a| a.is(change.index, change.name))).ok_or(EINVAL)?;
            let mut stored = KVec::new();
            stored.extend_from_slice(&root, GFP_KERNEL)?;
            attr.stored = stored;
        }
        if let Some(tree) = old_tree {
            free_tree(&tx, sb, vol, &bitmap, tree)?;
        }
        let new_block_bh = match claims.block {
            Some(block) => {
                let bh = sb.new_block(block.blkno)?;
                let generation = vol.params.fs_generation;
                tx.create(&bh, Kind::XattrBlock, |data| {
                    data.fill(0);
                    if let Ok(mut xb) = XattrBlock::new(data) {
                        let mut signature = [0u8; 8];
                        signature[..XATTR_BLOCK_SIGNATURE.len()].copy_from_slice(XATTR_BLOCK_SIGNATURE);
                        xb.set_xb_signature(signature);
                        xb.set_xb_suballoc_slot(0);
                        xb.set_xb_suballoc_bit(block.suballoc_bit);
                        xb.set_xb_suballoc_loc(block.loc);
                        xb.set_xb_fs_generation(generation);
                        xb.set_xb_blkno(block.blkno);
                    }
                })?;
                tables.block = Some((bh, core::mem::replace(&mut fresh_block, KVec::new())));
                Some(block.blkno)
            }
            None => None,
        };

        // Rewrite the tables changed.
        if let Some((bh, attrs, starts)) = index_plan {
            xattr_bucket::create_index(sb, vol, &tx, &bh, attrs, &starts, &claims.buckets)?;
            tables.index = Some(bh);
        }
        if let (Some(plan), Some(root), Some(slot)) = (bucket_plan, tables.index.as_ref(), slot.take()) {
            xattr_bucket::store(sb, vol, &tx, root, slot, plan, &claims.buckets)?;
        }
        if block_changed {
            let (bh, attrs) = tables.block.as_ref().ok_or(EINVAL)?;
            if block_empties {
                free_xattr_block(&tx, sb, vol, bh)?;
            } else {
                let entries: KVec<TableEntry<'_>> = collect(attrs)?;
                tx.change(bh, Kind::XattrBlock, |data| {
                    if let Some(region) = data.get_mut(XattrBlock::<()>::ATTRS_OFFSET..) {
                        let _ = write_table(region, &entries);
                    }
                })?;
            }
        }
        let inline_entries = match (inline_changed, tables.inline.as_ref()) {
            (true, Some(attrs)) => Some(collect(attrs)?),
            _ => None,
        };
        let has_block = (tables.block.is_some() && !block_empties) || tables.index.is_some();
        tx.change(&di_bh, Kind::Inode, |data| {
            let len = data.len();
            let Ok(mut d) = Dinode::new(&mut *data) else { return };
            let mut features = d.i_dyn_features();
            if init_inline {
                // The extent list (or fast symlink) gives up the end of the block.
                if features & INLINE_DATA_FL == 0 && !(d.i_mode() & mode::FMT == mode::LNK && d.i_clusters() == 0) {
                    let count = d.extent_list().l_count().saturating_sub((inline_region_size / ExtentRec::<()>::SIZE) as u16);
                    d.extent_list_mut().set_l_count(count);
                }
                d.set_i_xattr_inline_size(inline_region_size as u16);
                features |= INLINE_XATTR_FL;
            }
            if let Some(blkno) = new_block_bh {
                d.set_i_xattr_loc(blkno);
            }
            if block_empties {
                d.set_i_xattr_loc(0);
            }
            if features & INLINE_XATTR_FL != 0 || has_block {
                features |= HAS_XATTR_FL;
            } else {
                features &= !HAS_XATTR_FL;
            }
            d.set_i_dyn_features(features);
            if let Some(entries) = inline_entries.as_ref() {
                if let Some(region) = len.checked_sub(inline_region_size).and_then(|start| data.get_mut(start..)) {
                    let _ = write_table(region, entries);
                }
            }
        })?;
        if let Some(inode) = inode {
            inode.touch(false);
            inode::write_in(&tx, inode, &di_bh)?;
        }
        Ok(())
    })();
    written.map_err(|e| crate::errors::change_abandoned(sb, vol, format_args!("inode {}: an xattr change", ino), e))
}

/// `attrs` without the attribute `index`/`name`, and that attribute if it was there.
fn take_out(attrs: KVec<Attr>, index: u8, name: &[u8]) -> Result<(KVec<Attr>, Option<Attr>)> {
    let mut rest = KVec::with_capacity(attrs.len(), GFP_KERNEL)?;
    let mut found = None;
    for a in attrs {
        if found.is_none() && a.is(index, name) {
            found = Some(a);
        } else {
            rest.push(a, GFP_KERNEL)?;
        }
    }
    Ok((rest, found))
}

fn collect(attrs: &[Attr]) -> Result<KVec<TableEntry<'_>>> {
    let mut out = KVec::with_capacity(attrs.len(), GFP_KERNEL)?;
    for a in attrs {
        out.push(a.entry(), GFP_KERNEL)?;
    }
    Ok(out)
}

fn check(sb: &NewSuperBlock, ino: u64, region_size: usize, attrs: &[Attr]) -> Result {
    let entries = collect(attrs)?;
    check_table(region_size, &entries).map_err(|e| {
        pr_err!("{}: inode {}: xattr table does not add up ({:?})\n", sb.id(), ino, e);
        errno::euclean()
    })
}

/// What one change allocates: the value's run of clusters, one cluster per new bucket,
/// a new xattr block.
struct Claims {
    value: Option<u64>,
    buckets: KVec<u64>,
    block: Option<suballoc::Block>,
}

/// Claim what a change needs, in `tx`: `value_clusters` contiguous clusters for a value
/// (none when 0), `buckets` single clusters, and an xattr block when `block`. On any
/// failure, what was claimed goes back in the same transaction, so the change leaves
/// nothing behind; a value whose clusters are not one contiguous run is refused.
#[allow(clippy::too_many_arguments)]
fn claim_all(
    sb: &NewSuperBlock,
    vol: &Volume,
    tx: &Transaction<'_>,
    bitmap: &BufferHead,
    ino: u64,
    value_clusters: u32,
    buckets: usize,
    block: bool,
) -> Result<Claims> {
    let to_block = |cluster: u32| u64::from(cluster) << (vol.cluster_bits - vol.block_bits);
    let mut runs: KVec<(u32, u32)> = KVec::new();
    let mut claims = Claims { value: None, buckets: KVec::new(), block: None };
    let result = (|| -> Result {
        if value_clusters > 0 {
            let (first, count) = cluster_bitmap::claim(sb, vol, tx, bitmap, value_clusters)?;
            runs.push((first, count), GFP_KERNEL)?;
            if count < value_clusters {
                pr_err!(
                    "{}: inode {}: no run of {} free clusters for an xattr value (values in several extents are not made yet)\n",
                    sb.id(),
                    ino,
                    value_clusters
                );
                return Err(ENOSPC);
            }
            claims.value = Some(to_block(first));
        }
        for _ in 0..buckets {
            let (first, count) = cluster_bitmap::claim(sb, vol, tx, bitmap, 1)?;
            runs.push((first, count), GFP_KERNEL)?;
            claims.buckets.push(to_block(first), GFP_KERNEL)?;
        }
        if block {
            claims.block = Some(suballoc::claim_block(sb, vol, tx, vol.extent_alloc_blkno)?);
        }
        Ok(())
    })();
    if let Err(e) = result {
        for &(first, count) in runs.iter() {
            cluster_bitmap::give_back(sb, vol, tx, bitmap, first, count)?;
        }
        return Err(e);
    }
    Ok(claims)
}

/// Write `value` to the blocks from `blkno`, through the journal as the C does
/// (`__ocfs2_xattr_set_value_outside`), zeroing the rest of the last block.
fn write_value(sb: &NewSuperBlock, vol: &Volume, tx: &Transaction<'_>, blkno: u64, value: &[u8]) -> Result {
    for (i, chunk) in value.chunks((vol.params.block_size as usize).max(1)).enumerate() {
        let bh = sb.new_block(blkno.saturating_add(i as u64))?;
        tx.create(&bh, Kind::Plain, |data| {
            data.fill(0);
            if let Some(out) = data.get_mut(..chunk.len()) {
                out.copy_from_slice(chunk);
            }
        })?;
    }
    Ok(())
}
