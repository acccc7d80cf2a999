//! "backup-super" on and off (`tunefs.ocfs2/feature_backup_super.c`, libocfs2's
//! `backup_super.c`).
//!
//! On: the backup locations inside the volume (1G, 4G, 16G, 64G, 256G, 1T: those below
//! its last block, `ocfs2_get_backup_super_offsets()`) must all lie in free clusters of the
//! global bitmap; the volume must hold at least one.  Every location's cluster is zeroed,
//! a copy of the current superblock written at the location, then the clusters marked
//! used in the global bitmap (`ocfs2_set_backup_super_list()`); the superblock written
//! afterwards, with the feature on, refreshes the copies.  Stopped half-way, the clusters
//! are free or used with the feature still off: fsck.ocfs2 counts them either way.
//!
//! Off: the clusters of the locations are freed in the global bitmap
//! (`ocfs2_clear_backup_super_list()`), their blocks left as they are; the superblock
//! written afterwards no longer refreshes them.

use ocfs_format::superblock::backup_super_blknos;
use ocfs_format::system::SystemFile;
use ocfs_volume::{ChainAllocator, Volume};

/// The backup superblock locations inside the volume.
fn locations(vol: &Volume) -> Vec<u64> {
    let bs = vol.block_size();
    backup_super_blknos(bs, vol.fs_blocks() * u64::from(bs)).collect()
}

fn load_bitmap(vol: &Volume) -> Result<ChainAllocator, String> {
    let blkno = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .map_err(|e| e.to_string())?;
    ChainAllocator::load(vol, blkno).map_err(|e| e.to_string())
}

/// Whether `cluster` is marked used in `bitmap`.
fn in_use(bitmap: &ChainAllocator, cluster: u64) -> Result<bool, String> {
    bitmap
        .regions
        .iter()
        .find(|r| cluster >= r.first_bit && cluster < r.first_bit + r.bits())
        .map(|r| r.is_set(cluster - r.first_bit))
        .ok_or_else(|| {
            format!("cluster {cluster} is in no group of the global bitmap; run fsck.ocfs2")
        })
}

/// Enabling: the locations, once checked free (`check_backup_offsets()`).
pub fn check_on(vol: &Volume) -> Result<Vec<u64>, String> {
    let blocks = locations(vol);
    if blocks.is_empty() {
        return Err(format!(
            "enabling \"backup-super\": the volume ({} blocks of {} bytes) is too small to contain backup superblocks",
            vol.fs_blocks(),
            vol.block_size()
        ));
    }
    let bitmap = load_bitmap(vol)?;
    let bpc = vol.blocks_per_cluster();
    let mut busy = Vec::new();
    for &blkno in &blocks {
        if in_use(&bitmap, blkno / bpc)? {
            busy.push(format!("block {blkno} (cluster {})", blkno / bpc));
        }
    }
    if !busy.is_empty() {
        return Err(format!(
            "enabling \"backup-super\": backup superblock location(s) already in use: {}; \
             the data there would be overwritten",
            busy.join(", ")
        ));
    }
    Ok(blocks)
}

pub fn enable(vol: &Volume, blocks: &[u64]) -> Result<(), String> {
    let bpc = vol.blocks_per_cluster();
    for &blkno in blocks {
        vol.zero_blocks(blkno / bpc * bpc, bpc)
            .map_err(|e| e.to_string())?;
    }
    let current = vol.superblock_inode().bytes().to_vec();
    crate::write::write_backups(vol, &current, blocks)?;
    let mut bitmap = load_bitmap(vol)?;
    for &blkno in blocks {
        if !bitmap
            .change_bit(blkno / bpc, true)
            .map_err(|e| e.to_string())?
        {
            return Err(format!(
                "the cluster of backup superblock block {blkno} was taken meanwhile"
            ));
        }
    }
    bitmap.write(vol).map_err(|e| e.to_string())
}

/// Disabling: the locations, each of whose clusters must be marked used.
pub fn check_off(vol: &Volume) -> Result<Vec<u64>, String> {
    let blocks = locations(vol);
    let bitmap = load_bitmap(vol)?;
    let bpc = vol.blocks_per_cluster();
    for &blkno in &blocks {
        if !in_use(&bitmap, blkno / bpc)? {
            return Err(format!(
                "disabling \"backup-super\": the cluster of backup superblock block {blkno} is \
                 not marked used in the global bitmap; run fsck.ocfs2 first"
            ));
        }
    }
    Ok(blocks)
}

pub fn disable(vol: &Volume, blocks: &[u64]) -> Result<(), String> {
    let bpc = vol.blocks_per_cluster();
    let mut bitmap = load_bitmap(vol)?;
    for &blkno in blocks {
        bitmap
            .change_bit(blkno / bpc, false)
            .map_err(|e| e.to_string())?;
    }
    bitmap.write(vol).map_err(|e| e.to_string())
}
