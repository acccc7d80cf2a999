//! `-N SLOTS` (op_set_slot_count.c).
//!
//! More slots (`add_slots`): for each per-slot system file kind in `ocfs2_system_inodes[]`
//! order (orphan_dir, extent_alloc, inode_alloc, journal, local_alloc, truncate_log, then the
//! local quota files when quotas are on), for each new slot: an inode from global_inode_alloc,
//! `.`/`..` for the orphan directory, a link in the system directory, an initialised local
//! quota file.  Then every journal is made as large as the largest one found at open, the
//! slot map is reformatted for the new count, and the superblock (with `s_max_slots`) is
//! written, primary and backups.  Nothing is marked in progress: until that last write the
//! new files are unused extras.
//!
//! Fewer slots (`remove_slots`): refused unless every slot being removed has an empty orphan
//! directory, an empty local allocator and an empty truncate log.  Then `REMOVE_SLOT` is
//! marked in progress and, from the highest slot down: its extent_alloc and inode_alloc
//! groups move to the remaining slots' allocators (chain `i` to slot `i % new`, the blocks
//! allocated in them re-stamped with their new slot), its orphan directory, journal (zeroed
//! first) and local quota files are truncated, `s_max_slots` drops by one (block 2 written),
//! its system directory entries are cleared (inode 0) with their inodes freed, and the system
//! directory loses the orphan directory's link.  The slot map is reformatted, the marker
//! cleared, and the superblock written everywhere.

use crate::inprog::{self, crash_point, InProgress};
use crate::journal::{self, Survey};
use crate::{quota, slotmap, write};
use ocfs_format::dinode::{mode, BITMAP_FL, CHAIN_FL, VALID_FL};
use ocfs_format::dir::{FT_DIR, FT_REG_FILE};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::features::{IncompatFeatures, RoCompatFeatures};
use ocfs_format::superblock::MAX_SLOTS;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Volume, Writer};

/// The per-slot system file kinds of this volume, in `ocfs2_system_inodes[]` order.
fn per_slot_kinds(vol: &Volume) -> Vec<SystemFile> {
    let ro = vol.params().features.ro_compat;
    SystemFile::ALL
        .into_iter()
        .filter(|k| !k.is_global())
        .filter(|k| match k {
            SystemFile::LocalUserQuota => ro.contains(RoCompatFeatures::USRQUOTA),
            SystemFile::LocalGroupQuota => ro.contains(RoCompatFeatures::GRPQUOTA),
            _ => true,
        })
        .collect()
}

fn name_of(kind: SystemFile, slot: u16) -> Vec<u8> {
    let mut buf = [0u8; 32];
    kind.name(slot, &mut buf).to_vec()
}

/// `update_slot_count()`.
pub fn set_slot_count(
    vol: &mut Volume,
    slots: u16,
    survey: &Survey,
    verbose: bool,
) -> Result<(), String> {
    let old = vol.params().max_slots;
    if slots == old {
        if verbose {
            println!(
                "Device \"{}\" already has {slots} node slots; nothing to do",
                vol.device().path().display()
            );
        }
        return Ok(());
    }
    if slots > old {
        // tunefs.ocfs2 allows 32767 with the extended slot map; the kernel mounts no more
        // than OCFS2_MAX_SLOTS.
        if slots > MAX_SLOTS {
            let extended = vol
                .params()
                .features
                .incompat
                .contains(IncompatFeatures::EXTENDED_SLOT_MAP);
            return Err(format!(
                "{slots} slots is more than the kernel mounts ({MAX_SLOTS}){}",
                if extended {
                    ""
                } else {
                    "; the old slot map format holds no more either"
                }
            ));
        }
        add_slots(vol, old, slots, survey)
    } else {
        remove_slots(vol, old, slots)
    }
}

/// Refuses, before anything is written, a slot count whose system directory index would
/// outgrow its root block: libocfs2 then moves the index into dx leaf clusters
/// (`ocfs2_expand_inline_dx_root`), which this tool does not do.  The directory is (or
/// becomes, when its entries no longer fit inline) indexed with "indexed-dirs" and
/// "inline-data".
fn check_index_room(vol: &Volume, old: u16, slots: u16) -> Result<(), String> {
    let incompat = vol.params().features.incompat;
    if !incompat.contains(IncompatFeatures::INDEXED_DIRS) {
        return Ok(());
    }
    let sysdir = vol
        .read_inode(vol.superblock().super_block().s_system_dir_blkno())
        .map_err(|e| e.to_string())?;
    let d = sysdir.dinode();
    let indexed = d.i_dyn_features() & ocfs_format::dinode::INDEXED_DIR_FL != 0;
    let inline = d.i_dyn_features() & ocfs_format::dinode::INLINE_DATA_FL != 0;
    if !indexed && !inline {
        return Ok(());
    }
    let entries = vol.read_dir(&sysdir).map_err(|e| e.to_string())?;
    let mut names: Vec<Vec<u8>> = entries.into_iter().map(|e| e.name).collect();
    for kind in per_slot_kinds(vol) {
        for slot in old..slots {
            let name = name_of(kind, slot);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let bytes: usize = names
        .iter()
        .map(|n| ocfs_format::dir::dir_rec_len(n.len()))
        .sum();
    let will_index = indexed || bytes > usize::from(d.id_count());
    let room = ocfs_format::dx::dx_entries_per_root(vol.block_size() as usize);
    if will_index && names.len() > room {
        return Err(format!(
            "{slots} slots need {} system directory entries, more than its index root holds ({room}); \
             moving the index into leaf blocks is not supported",
            names.len()
        ));
    }
    Ok(())
}

fn add_slots(vol: &mut Volume, old: u16, slots: u16, survey: &Survey) -> Result<(), String> {
    check_index_room(vol, old, slots)?;
    // One cluster per new slot for its orphan directory and each local quota file, at most.
    let extra = u64::from(slots - old) * per_slot_kinds(vol).len() as u64;
    journal::check_room(vol, slots, survey.max_clusters, extra)
        .map_err(|e| format!("{e} while trying to size the new journals"))?;
    let sysdir = vol.superblock().super_block().s_system_dir_blkno();
    {
        let mut w = Writer::new(vol);
        for kind in per_slot_kinds(vol) {
            for slot in old..slots {
                let name = name_of(kind, slot);
                let shown = String::from_utf8_lossy(&name).into_owned();
                if vol.system_file(kind, slot).is_ok() {
                    continue;
                }
                let inode = w
                    .new_system_inode(kind.mode(), kind.inode_flags())
                    .map_err(|e| format!("{e} while creating inode for system file \"{shown}\""))?;
                let is_dir = kind.mode() & mode::FMT == mode::DIR;
                if is_dir {
                    w.init_dir(inode.blkno, sysdir)
                        .map_err(|e| format!("{e} while initializing directory \"{shown}\""))?;
                }
                let file_type = if is_dir { FT_DIR } else { FT_REG_FILE };
                w.link(sysdir, &name, inode.blkno, file_type).map_err(|e| {
                    format!(
                        "{e} while linking inode {} as \"{shown}\" in the system directory",
                        inode.blkno
                    )
                })?;
                match kind {
                    SystemFile::LocalUserQuota => quota::init_local(&mut w, 0, inode.blkno)?,
                    SystemFile::LocalGroupQuota => quota::init_local(&mut w, 1, inode.blkno)?,
                    _ => {}
                }
            }
        }
        crash_point(vol, "add-slots:files-created");
        // tunefs_set_journal_size(fs, 0): the size found at open, for every slot.
        journal::set_size(&mut w, slots, survey.max_clusters, survey)
            .map_err(|e| format!("{e} while trying to size the new journals"))?;
        slotmap::format(&mut w, slots)?;
    }
    write_slot_count(vol, slots)
}

/// The superblock with `slots`, everywhere (`ocfs2_write_super`).
fn write_slot_count(vol: &mut Volume, slots: u16) -> Result<(), String> {
    let mut block = vol.superblock_inode().bytes().to_vec();
    ocfs_format::dinode::Dinode::new(block.as_mut_slice())
        .map_err(|e| e.to_string())?
        .super_block_mut()
        .set_s_max_slots(slots);
    write::write_superblocks(vol, &block)?;
    vol.adopt_superblock(block).map_err(|e| e.to_string())
}

/// `remove_slot_check()`: the slots going away hold nothing.
fn check_removable(vol: &Volume, old: u16, slots: u16) -> Result<(), String> {
    for slot in slots..old {
        let blkno = vol
            .system_file(SystemFile::OrphanDir, slot)
            .map_err(|e| e.to_string())?;
        let dir = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        let entries = vol.read_dir(&dir).map_err(|e| e.to_string())?;
        if entries.iter().any(|e| e.name != b"." && e.name != b"..") {
            return Err(format!(
                "Entries found in orphan dir for slot {slot}: files deleted while in use there \
                 are not yet reclaimed; mount the volume in that slot (or run fsck.ocfs2) first"
            ));
        }
    }
    for slot in slots..old {
        let blkno = vol
            .system_file(SystemFile::LocalAlloc, slot)
            .map_err(|e| e.to_string())?;
        if vol
            .read_inode(blkno)
            .map_err(|e| e.to_string())?
            .dinode()
            .i_total()
            > 0
        {
            return Err(format!(
                "Local alloc for slot {slot} is not empty; run fsck.ocfs2 first"
            ));
        }
    }
    for slot in slots..old {
        let blkno = vol
            .system_file(SystemFile::TruncateLog, slot)
            .map_err(|e| e.to_string())?;
        let inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        if inode.dinode().truncate_log().tl_used() > 0 {
            return Err(format!(
                "Truncate log for slot {slot} is not empty; run fsck.ocfs2 first"
            ));
        }
    }
    // What relinking re-stamps must be extent blocks and inodes (tunefs.ocfs2 would stop
    // half-way on anything else).
    for slot in slots..old {
        for kind in [SystemFile::ExtentAlloc, SystemFile::InodeAlloc] {
            for blkno in allocated_blocks(vol, kind, slot)? {
                let ok = if kind == SystemFile::ExtentAlloc {
                    vol.read_block(blkno)
                        .ok()
                        .and_then(|b| ExtentBlock::new(b).ok().map(|eb| eb.has_signature()))
                        .unwrap_or(false)
                } else {
                    vol.read_inode(blkno).is_ok()
                };
                if !ok {
                    return Err(format!(
                        "{} holds block {blkno}, which is not {}; refusing to move it",
                        String::from_utf8_lossy(&name_of(kind, slot)),
                        if kind == SystemFile::ExtentAlloc {
                            "an extent block"
                        } else {
                            "a valid inode"
                        }
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The blocks allocated in the groups of allocator `kind` of `slot` (descriptors aside).
fn allocated_blocks(vol: &Volume, kind: SystemFile, slot: u16) -> Result<Vec<u64>, String> {
    let alloc = vol
        .system_file(kind, slot)
        .and_then(|b| vol.read_inode(b))
        .map_err(|e| e.to_string())?;
    let mut blocks = Vec::new();
    for chain in vol.chains(&alloc).map_err(|e| e.to_string())? {
        for group in chain.groups {
            let block = vol.read_block(group.blkno).map_err(|e| e.to_string())?;
            let gd =
                ocfs_format::group::GroupDesc::new(block.as_slice()).map_err(|e| e.to_string())?;
            if gd.is_discontig() {
                return Err(format!(
                    "group {} of {} is discontiguous, which this tool does not move",
                    group.blkno,
                    String::from_utf8_lossy(&name_of(kind, slot))
                ));
            }
            for bit in 1..u64::from(gd.bg_bits()) {
                if ocfs_format::test_bit(gd.bg_bitmap(), bit as usize) {
                    blocks.push(group.blkno + bit);
                }
            }
        }
    }
    Ok(blocks)
}

fn remove_slots(vol: &mut Volume, old: u16, slots: u16) -> Result<(), String> {
    check_removable(vol, old, slots)?;
    inprog::set(vol, InProgress::RemoveSlot)?;
    crash_point(vol, "remove-slots:marked");
    let sysdir = vol.superblock().super_block().s_system_dir_blkno();
    let quota_kinds: Vec<SystemFile> = per_slot_kinds(vol)
        .into_iter()
        .filter(|k| matches!(k, SystemFile::LocalUserQuota | SystemFile::LocalGroupQuota))
        .collect();
    for removed in (slots..old).rev() {
        {
            let mut w = Writer::new(vol);
            relink_allocator(&mut w, removed, slots, SystemFile::ExtentAlloc)?;
            relink_allocator(&mut w, removed, slots, SystemFile::InodeAlloc)?;
            let orphans = vol
                .system_file(SystemFile::OrphanDir, removed)
                .map_err(|e| e.to_string())?;
            w.truncate(orphans, 0)
                .map_err(|e| format!("{e} while truncating orphan dir {removed}"))?;
            empty_and_truncate_journal(&mut w, removed)?;
            for kind in &quota_kinds {
                let blkno = vol.system_file(*kind, removed).map_err(|e| e.to_string())?;
                w.truncate(blkno, 0).map_err(|e| e.to_string())?;
            }
        }
        crash_point(vol, "remove-slots:slot-emptied");
        // The slot count first: a later failure leaves only unused inodes behind.
        inprog::edit_primary(vol, |d| {
            let mut sb = d.super_block_mut();
            let n = sb.s_max_slots();
            sb.set_s_max_slots(n - 1);
        })?;
        let mut w = Writer::new(vol);
        let suffix = format!(":{removed:04}").into_bytes();
        let sysdir_inode = vol.read_inode(sysdir).map_err(|e| e.to_string())?;
        let doomed: Vec<u64> = vol
            .read_dir(&sysdir_inode)
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|e| e.name.ends_with(&suffix))
            .map(|e| e.inode)
            .collect();
        for ino in doomed {
            w.delete_inode(ino)
                .map_err(|e| format!("{e} while unlinking system file at inode {ino}"))?;
        }
        w.clear_entries(sysdir, &|name| name.ends_with(&suffix))
            .map_err(|e| e.to_string())?;
        let mut dir = vol.read_inode(sysdir).map_err(|e| e.to_string())?;
        let links = dir.dinode().links();
        if links == 0 {
            return Err("the system directory has no links to drop".into());
        }
        dir.dinode_mut().set_links(links - 1);
        vol.write_inode(&mut dir).map_err(|e| e.to_string())?;
    }
    {
        let mut w = Writer::new(vol);
        slotmap::format(&mut w, slots)?;
    }
    inprog::clear(vol, InProgress::RemoveSlot)?;
    inprog::write_all(vol)
}

/// `empty_and_truncate_journal()`: zeros over the journal (its blocks could pass for
/// metadata once reused), then no clusters.
fn empty_and_truncate_journal(w: &mut Writer, slot: u16) -> Result<(), String> {
    let vol = w.volume();
    let blkno = vol
        .system_file(SystemFile::Journal, slot)
        .map_err(|e| e.to_string())?;
    let inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
    let bs = u64::from(vol.block_size());
    let bpc = vol.blocks_per_cluster();
    let mut left = inode.dinode().i_size().div_ceil(bs);
    for extent in vol.file_extents(&inode).map_err(|e| e.to_string())?.extents {
        if left == 0 {
            break;
        }
        let n = (u64::from(extent.clusters) * bpc).min(left);
        vol.zero_blocks(extent.blkno, n)
            .map_err(|e| e.to_string())?;
        left -= n;
    }
    w.truncate(blkno, 0)
        .map_err(|e| format!("{e} while truncating journal \"journal:{slot:04}\""))
}

/// `relink_system_alloc()`: every group of `kind` of slot `removed` moves to the remaining
/// slots, chains from the last to the first, each chain's groups last to first.
fn relink_allocator(
    w: &mut Writer,
    removed: u16,
    slots: u16,
    kind: SystemFile,
) -> Result<(), String> {
    let vol = w.volume();
    let src_blkno = vol.system_file(kind, removed).map_err(|e| e.to_string())?;
    let mut src = vol.read_inode(src_blkno).map_err(|e| e.to_string())?;
    let need = VALID_FL | BITMAP_FL | CHAIN_FL;
    if src.dinode().i_flags() & need != need || src.dinode().i_total() == 0 {
        return Ok(());
    }
    let chains = vol.chains(&src).map_err(|e| e.to_string())?;
    let cluster_size = u64::from(vol.params().cluster_size);
    for chain in chains.iter().rev() {
        let new_slot = chain.index % slots;
        let dst_blkno = vol.system_file(kind, new_slot).map_err(|e| e.to_string())?;
        let mut dst = vol.read_inode(dst_blkno).map_err(|e| e.to_string())?;
        for group in chain.groups.iter().rev() {
            let mut block = vol.read_block(group.blkno).map_err(|e| e.to_string())?;
            let bits = {
                let gd = ocfs_format::group::GroupDesc::new(block.as_slice())
                    .map_err(|e| e.to_string())?;
                (1..u64::from(gd.bg_bits()))
                    .filter(|&b| ocfs_format::test_bit(gd.bg_bitmap(), b as usize))
                    .collect::<Vec<u64>>()
            };
            for bit in bits {
                restamp(vol, kind, group.blkno + bit, new_slot)?;
            }
            // move_group()
            let (cr_pos, next_group) = {
                let d = dst.dinode();
                let cl = d.chain_list();
                let pos = if cl.cl_next_free_rec() < cl.cl_count() {
                    cl.cl_next_free_rec()
                } else {
                    let per_group = u32::from(cl.cl_cpg()) * u32::from(cl.cl_bpc());
                    ((d.i_total() / per_group) % u32::from(cl.cl_count())) as u16
                };
                (pos, cl.rec(usize::from(pos)).map_or(0, |r| r.c_blkno()))
            };
            let (gd_bits, gd_free) = {
                let mut gd = ocfs_format::group::GroupDesc::new(block.as_mut_slice())
                    .map_err(|e| e.to_string())?;
                gd.set_bg_chain(cr_pos);
                gd.set_bg_parent_dinode(dst_blkno);
                gd.set_bg_next_group(next_group);
                (u32::from(gd.bg_bits()), u32::from(gd.bg_free_bits_count()))
            };
            vol.write_group(group.blkno, &mut block)
                .map_err(|e| e.to_string())?;
            let mut d = dst.dinode_mut();
            let total = d.i_total();
            d.set_i_total(total + gd_bits);
            let used = d.i_used();
            d.set_i_used(used + gd_bits - gd_free);
            let mut cl = d.chain_list_mut();
            let cpg = u32::from(cl.cl_cpg());
            let mut rec = cl
                .rec_mut(usize::from(cr_pos))
                .ok_or_else(|| format!("no chain record {cr_pos}"))?;
            rec.set_c_blkno(group.blkno);
            rec.set_c_total(rec.c_total() + gd_bits);
            rec.set_c_free(rec.c_free() + gd_free);
            if cl.cl_next_free_rec() != cl.cl_count() {
                let next = cl.cl_next_free_rec();
                cl.set_cl_next_free_rec(next + 1);
            }
            let clusters = d.i_clusters() + cpg;
            d.set_i_clusters(clusters);
            let size = d.i_size();
            d.set_i_size(size + u64::from(cpg) * cluster_size);
            vol.write_inode(&mut dst).map_err(|e| e.to_string())?;
        }
    }
    let mut d = src.dinode_mut();
    d.set_i_used(0);
    d.set_i_total(0);
    d.set_i_clusters(0);
    d.set_i_size(0);
    let mut cl = d.chain_list_mut();
    let count = usize::from(cl.cl_count());
    cl.set_cl_next_free_rec(0);
    for i in 0..count {
        if let Some(mut rec) = cl.rec_mut(i) {
            rec.set_c_free(0);
            rec.set_c_total(0);
            rec.set_c_blkno(0);
        }
    }
    vol.write_inode(&mut src).map_err(|e| e.to_string())
}

/// `change_sub_alloc_slot()`: the block's suballocator slot becomes `slot`.
fn restamp(vol: &Volume, kind: SystemFile, blkno: u64, slot: u16) -> Result<(), String> {
    if kind == SystemFile::ExtentAlloc {
        let mut block = vol.read_block(blkno).map_err(|e| e.to_string())?;
        ExtentBlock::new(block.as_mut_slice())
            .map_err(|e| e.to_string())?
            .set_h_suballoc_slot(slot);
        vol.write_extent_block(blkno, &mut block)
            .map_err(|e| e.to_string())
    } else {
        let mut inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        inode.dinode_mut().set_i_suballoc_slot(slot);
        vol.write_inode(&mut inode).map_err(|e| e.to_string())
    }
}
