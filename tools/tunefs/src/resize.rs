//! `-S [SIZE]`: grow the volume to SIZE or to the whole device (op_resize_volume.c, the
//! offline path).
//!
//! Order of the writes: `RESIZE_INPROG` set on block 2; the last group extended in memory up
//! to a full group (`cl_cpg` clusters); each new group's first cluster zeroed and its
//! descriptor written, pushed on the chain after the previous group's
//! (`init_new_gd`); the former last group's descriptor; the global bitmap inode (`i_total`,
//! `i_used`, `i_clusters`, `i_size`); block 2 with the new size and the marker cleared; then
//! block 2 again and every backup superblock the new size holds.
//!
//! One deliberate difference: tunefs.ocfs2 1.8.7 writes the backup superblocks that now fit
//! without marking their clusters used in the global bitmap (only its online path reserves
//! them), so a later allocation can overwrite them and a later superblock update overwrite
//! that data.  This tool marks them used, zeroes their cluster first, as mkfs.ocfs2 and
//! `ocfs2_set_backup_super_list()` do.

use crate::inprog::{self, crash_point, InProgress};
use crate::journal::Survey;
use crate::write;
use ocfs_format::dinode::Dinode;
use ocfs_format::features::CompatFeatures;
use ocfs_format::group::{group_bitmap_size, GroupDesc};
use ocfs_format::jbd2::JBD2_FEATURE_INCOMPAT_64BIT;
use ocfs_format::set_bit;
use ocfs_format::superblock::backup_super_blknos;
use ocfs_format::system::SystemFile;
use ocfs_volume::Volume;

/// The unit of a size given to `-S`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Blocks,
    Clusters,
}

/// What `-S` was asked: nothing (fill the device) or a size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub unit: Unit,
    pub size: u64,
}

/// `resize_volume_parse_option()` of "UNIT:SIZE": the unit is what `-S` carried
/// ("blocks" when nothing), SIZE as tunefs_get_number() reads it.
pub fn parse(unit: Option<&str>, size: Option<&str>) -> Result<Option<Request>, String> {
    let Some(size) = size else {
        return Ok(None);
    };
    let unit = match unit.unwrap_or("blocks") {
        "bytes" => Unit::Bytes,
        "blocks" => Unit::Blocks,
        "clusters" => Unit::Clusters,
        other => {
            return Err(format!(
                "- new size is invalid: {other}:{size} (units are bytes, blocks or clusters)"
            ))
        }
    };
    let number =
        crate::journal::parse_size(size).ok_or_else(|| format!("- new size is invalid: {size}"))?;
    Ok(Some(Request { unit, size: number }))
}

/// `check_new_size()`: the new size in clusters.
fn new_clusters(vol: &Volume, request: Option<Request>, survey: &Survey) -> Result<u32, String> {
    let bs_bits = vol.block_size().trailing_zeros();
    let cs_bits = vol.params().cluster_size.trailing_zeros();
    let c2b = cs_bits - bs_bits;
    let path = vol.device().path().display().to_string();
    let bytes = match request {
        None => 0u64,
        Some(r) => {
            let shift = match r.unit {
                Unit::Bytes => 0,
                Unit::Blocks => bs_bits,
                Unit::Clusters => cs_bits,
            };
            r.size
                .checked_shl(shift)
                .filter(|b| b >> shift == r.size)
                .unwrap_or(u64::MAX)
        }
    };
    let max_bytes = u64::from(u32::MAX) << cs_bits;
    if bytes > max_bytes {
        return Err(format!(
            "The ocfs2 filesystem on device \"{path}\" cannot be larger than {} clusters ({max_bytes} bytes)",
            u32::MAX
        ));
    }
    let device_blocks = vol.device().size() >> bs_bits;
    let device_clusters = device_blocks >> c2b;
    let mut try_clusters = bytes.div_ceil(1 << cs_bits);
    if try_clusters == 0 {
        if device_clusters > u64::from(u32::MAX) {
            let try_blocks = u64::from(u32::MAX) << c2b;
            return Err(format!(
                "Clusters {device_clusters} is greater than max allowed {}.\n\
                 If you want to resize to {try_blocks} blocks please specify {try_blocks} as blocks-count.",
                u32::MAX
            ));
        }
        try_clusters = device_clusters;
    }
    if try_clusters > device_clusters {
        return Err(format!(
            "The device \"{path}\" cannot hold more than {device_clusters} clusters ({} bytes)",
            device_clusters << cs_bits
        ));
    }
    let current = u64::from(vol.superblock().i_clusters());
    if try_clusters < current {
        return Err("Shrinking ocfs2 filesystems is not supported".into());
    }
    let try_blocks = try_clusters << c2b;
    if try_blocks > u64::from(u32::MAX) && survey.incompat & JBD2_FEATURE_INCOMPAT_64BIT == 0 {
        return Err(format!(
            "The file system journal is not configured to support more than {} blocks.\n\
             Please enable \"block64\" journal feature before resizing the file system.",
            u32::MAX
        ));
    }
    Ok(try_clusters as u32)
}

/// `ocfs2_which_cluster_group()`: the descriptor block of the group holding `cluster`.
fn group_of(vol: &Volume, cpg: u32, cluster: u32) -> u64 {
    let group = cluster / cpg;
    if group == 0 {
        vol.superblock().super_block().s_first_cluster_group()
    } else {
        u64::from(group * cpg) * vol.blocks_per_cluster()
    }
}

/// `update_volume_size()` for an unmounted volume.
pub fn grow(
    vol: &mut Volume,
    request: Option<Request>,
    survey: &Survey,
    verbose: bool,
) -> Result<(), String> {
    let target = new_clusters(vol, request, survey)?;
    let old = vol.superblock().i_clusters();
    if target == old {
        if verbose {
            println!(
                "Filesystem on device \"{}\" is already {target} clusters; nothing to do",
                vol.device().path().display()
            );
        }
        return Ok(());
    }
    inprog::set(vol, InProgress::Resize)?;
    // libocfs2 counts the new clusters in fs->fs_clusters as it goes; the handle may
    // write up to the new end from here on.
    let mut grown = vol.superblock_inode().bytes().to_vec();
    Dinode::new(grown.as_mut_slice())
        .map_err(|e| e.to_string())?
        .set_i_clusters(target);
    vol.adopt_superblock(grown.clone())
        .map_err(|e| e.to_string())?;
    let backups = run_resize(vol, old, target)?;
    inprog::clear(vol, InProgress::Resize)?;
    let primary = vol.superblock_inode().bytes().to_vec();
    write::write_superblocks_at(vol, &primary, &backups)?;
    Ok(())
}

/// `run_resize()` (offline); returns every backup superblock location of the new size.
fn run_resize(vol: &Volume, old: u32, target: u32) -> Result<Vec<u64>, String> {
    let bs = vol.block_size() as usize;
    let bpc_blocks = vol.blocks_per_cluster();
    let cluster_size = u64::from(vol.params().cluster_size);
    let generation = vol.params().fs_generation;
    let incompat = vol.params().features.incompat;
    let gb_blkno = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .map_err(|e| e.to_string())?;
    let mut gb = vol.read_inode(gb_blkno).map_err(|e| e.to_string())?;
    let gb_clusters = gb.dinode().i_clusters();
    if gb_clusters != old {
        return Err(format!(
            "the global bitmap counts {gb_clusters} clusters, the superblock {old}; run fsck.ocfs2 -f first"
        ));
    }
    // Backup superblocks the grown volume gains, to be marked used (see the module notes).
    let backup_super = vol
        .superblock()
        .super_block()
        .features()
        .compat
        .contains(CompatFeatures::BACKUP_SB);
    let all_backups: Vec<u64> = if backup_super {
        backup_super_blknos(vol.block_size(), u64::from(target) * cluster_size).collect()
    } else {
        Vec::new()
    };
    let new_backups: Vec<u32> = all_backups
        .iter()
        .map(|&b| (b / bpc_blocks) as u32)
        .filter(|&c| c >= old)
        .collect();

    let mut total_bits = 0u32;
    let mut used_bits = 0u32;
    let (mut cpg, bpc, count) = {
        let d = gb.dinode();
        let cl = d.chain_list();
        (
            u32::from(cl.cl_cpg()),
            u32::from(cl.cl_bpc()),
            cl.cl_count(),
        )
    };
    // The former last group.
    let lgd_blkno = group_of(vol, cpg, old - 1);
    let mut lgd = vol.read_block(lgd_blkno).map_err(|e| e.to_string())?;
    let (lgd_bits, lgd_size, mut chain) = {
        let gd = GroupDesc::new(lgd.as_slice()).map_err(|e| e.to_string())?;
        (
            u32::from(gd.bg_bits()),
            u32::from(gd.bg_size()),
            gd.bg_chain(),
        )
    };
    if gb.dinode().chain_list().cl_next_free_rec() == 1 && cpg < 8 * lgd_size {
        cpg = 8 * lgd_size;
        gb.dinode_mut().chain_list_mut().set_cl_cpg(cpg as u16);
    }
    let mut first_new = old;
    let mut left = target - old;
    let extend = left.min(cpg - lgd_bits / bpc);
    let lgd_first = if lgd_blkno == vol.superblock().super_block().s_first_cluster_group() {
        0
    } else {
        (lgd_blkno / bpc_blocks) as u32
    };
    if extend > 0 {
        let num_bits = extend * bpc;
        {
            let mut gd = GroupDesc::new(lgd.as_mut_slice()).map_err(|e| e.to_string())?;
            gd.set_bg_bits((lgd_bits + num_bits) as u16);
            let free = u32::from(gd.bg_free_bits_count()) + num_bits;
            gd.set_bg_free_bits_count(free as u16);
        }
        let mut d = gb.dinode_mut();
        let mut cl = d.chain_list_mut();
        let mut rec = cl
            .rec_mut(usize::from(chain))
            .ok_or_else(|| format!("no chain record {chain}"))?;
        rec.set_c_total(rec.c_total() + num_bits);
        rec.set_c_free(rec.c_free() + num_bits);
        total_bits += num_bits;
        first_new += extend;
        left -= extend;
        reserve_backups(&mut lgd, lgd_first, &new_backups, &mut gb, &mut used_bits)?;
    }
    // init_new_gd()
    let mut zero_written = false;
    while left > 0 {
        let gd_blkno = group_of(vol, cpg, first_new);
        let chunk = left.min(cpg);
        let group_first = first_new;
        left -= chunk;
        first_new += chunk;
        chain += 1;
        if chain >= count {
            chain = 0;
        }
        let bits = chunk * bpc;
        let mut block = vec![0u8; bs];
        {
            let mut gd = GroupDesc::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
            gd.set_group_signature();
            gd.set_bg_generation(generation);
            gd.set_bg_size(group_bitmap_size(bs, false, incompat) as u16);
            gd.set_bg_bits(bits as u16);
            gd.set_bg_chain(chain);
            gd.set_bg_parent_dinode(gb_blkno);
            gd.set_bg_blkno(gd_blkno);
            set_bit(gd.bg_bitmap_mut(), 0, true);
            gd.set_bg_free_bits_count((bits - 1) as u16);
        }
        let previous = {
            let mut d = gb.dinode_mut();
            let mut cl = d.chain_list_mut();
            if chain >= cl.cl_next_free_rec() {
                let next = cl.cl_next_free_rec();
                cl.set_cl_next_free_rec(next + 1);
                if let Some(mut rec) = cl.rec_mut(usize::from(chain)) {
                    rec.set_c_free(0);
                    rec.set_c_total(0);
                    rec.set_c_blkno(0);
                }
            }
            let mut rec = cl
                .rec_mut(usize::from(chain))
                .ok_or_else(|| format!("no chain record {chain}"))?;
            let previous = rec.c_blkno();
            rec.set_c_blkno(gd_blkno);
            rec.set_c_free(rec.c_free() + bits - 1);
            rec.set_c_total(rec.c_total() + bits);
            previous
        };
        GroupDesc::new(block.as_mut_slice())
            .map_err(|e| e.to_string())?
            .set_bg_next_group(previous);
        used_bits += 1;
        total_bits += bits;
        reserve_backups(
            &mut block,
            group_first,
            &new_backups,
            &mut gb,
            &mut used_bits,
        )?;
        vol.zero_blocks(gd_blkno, bpc_blocks)
            .map_err(|e| e.to_string())?;
        vol.write_group(gd_blkno, &mut block)
            .map_err(|e| e.to_string())?;
        if !zero_written {
            crash_point(vol, "resize:first-group-written");
            zero_written = true;
        }
    }
    for &cluster in &new_backups {
        vol.zero_blocks(u64::from(cluster) * bpc_blocks, bpc_blocks)
            .map_err(|e| e.to_string())?;
    }
    crash_point(vol, "resize:groups-written");
    {
        let mut d = gb.dinode_mut();
        let total = d.i_total();
        d.set_i_total(total + total_bits);
        let used = d.i_used();
        d.set_i_used(used + used_bits);
        d.set_i_clusters(target);
        d.set_i_size(u64::from(target) * cluster_size);
    }
    if extend > 0 {
        vol.write_group(lgd_blkno, &mut lgd)
            .map_err(|e| e.to_string())?;
    }
    vol.write_inode(&mut gb).map_err(|e| e.to_string())?;
    crash_point(vol, "resize:bitmap-written");
    Ok(all_backups)
}

/// Marks used the clusters of `backups` that fall in the group whose bit 0 is cluster
/// `first`, keeping the group, chain and inode counts.
fn reserve_backups(
    block: &mut [u8],
    first: u32,
    backups: &[u32],
    gb: &mut ocfs_volume::Inode,
    used_bits: &mut u32,
) -> Result<(), String> {
    let mut gd = GroupDesc::new(block).map_err(|e| e.to_string())?;
    let bits = u32::from(gd.bg_bits());
    let chain = usize::from(gd.bg_chain());
    for &cluster in backups {
        if cluster < first || cluster >= first + bits {
            continue;
        }
        let bit = (cluster - first) as usize;
        if ocfs_format::test_bit(gd.by_ref().bg_bitmap(), bit) {
            return Err(format!(
                "Unable to allocate the backup superblock in cluster {cluster}"
            ));
        }
        set_bit(gd.bg_bitmap_mut(), bit, true);
        let free = gd.bg_free_bits_count();
        gd.set_bg_free_bits_count(free - 1);
        let mut d = gb.dinode_mut();
        let mut cl = d.chain_list_mut();
        if let Some(mut rec) = cl.rec_mut(chain) {
            rec.set_c_free(rec.c_free() - 1);
        }
        *used_bits += 1;
    }
    Ok(())
}
