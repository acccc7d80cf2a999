//! Rewriting the superblock: the primary at block 2, then every backup, as
//! `ocfs2_write_super()` does, each with its own block number and metaecc.
//!
//! Every new block is built and checked before the first write.  A superblock change is
//! crash-safe block by block: the fields tunefs changes and the metaecc check all lie in the
//! block's first 512 bytes (the inode header and `ocfs2_super_block` end at byte 512), which a
//! disk writes atomically, so a crash leaves each copy wholly old or wholly new.  A crash
//! between the primary and the backups leaves stale backups, which the next run rewrites.

use ocfs_format::blockcheck::store_block_check;
use ocfs_format::dinode::Dinode;
use ocfs_format::features::{CompatFeatures, IncompatFeatures};
use ocfs_format::superblock::{backup_super_blknos, SUPER_BLOCK_BLKNO};
use ocfs_volume::{LinuxCrc, Volume};

/// Writes `primary` (the new block 2, metaecc not yet set) and the backups.
/// Returns the block numbers written.
pub fn write_superblocks(vol: &Volume, primary: &[u8]) -> Result<Vec<u64>, String> {
    let backups = backup_locations(vol, primary)?;
    write_copies(vol, primary, backups)
}

/// `ocfs2_write_primary_super()`: block 2 alone (in-progress flags, per-slot steps).
pub fn write_primary(vol: &Volume, primary: &[u8]) -> Result<(), String> {
    write_copies(vol, primary, Vec::new()).map(|_| ())
}

/// `ocfs2_write_super()` after a resize: block 2, then a copy at every backup location the
/// (new) volume size holds, existing or new (`backups`).
pub fn write_superblocks_at(
    vol: &Volume,
    primary: &[u8],
    backups: &[u64],
) -> Result<Vec<u64>, String> {
    write_copies(vol, primary, backups.to_vec())
}

/// `ocfs2_refresh_backup_super_list()`: copies of `primary` at `backups` alone, block 2
/// untouched ("backup-super" on, before the feature is set).
pub fn write_backups(vol: &Volume, primary: &[u8], backups: &[u64]) -> Result<(), String> {
    let blocks = build_copies(primary, backups.iter().copied())?;
    write_and_verify(vol, &blocks)
}

/// Each copy of `primary`, with its block number and check, validated.
fn build_copies(
    primary: &[u8],
    at: impl Iterator<Item = u64>,
) -> Result<Vec<(u64, Vec<u8>)>, String> {
    let mut blocks = Vec::new();
    for blkno in at {
        let mut block = primary.to_vec();
        Dinode::new(block.as_mut_slice())
            .map_err(|e| e.to_string())?
            .set_i_blkno(blkno);
        store_check(&mut block, blkno)?;
        Dinode::new(block.as_slice())
            .and_then(|d| d.validate_superblock(blkno))
            .map_err(|e| format!("the new superblock for block {blkno} would be invalid: {e}"))?;
        blocks.push((blkno, block));
    }
    Ok(blocks)
}

fn write_copies(vol: &Volume, primary: &[u8], backups: Vec<u64>) -> Result<Vec<u64>, String> {
    let blocks = build_copies(primary, std::iter::once(SUPER_BLOCK_BLKNO).chain(backups))?;
    let (first, rest) = blocks.split_first().ok_or("no superblock to write")?;
    write_and_verify(vol, std::slice::from_ref(first))?;
    write_and_verify(vol, rest)?;
    Ok(blocks.iter().map(|(b, _)| *b).collect())
}

/// The superblock's metaecc, as `ocfs2_write_super()` computes it from the superblock being
/// written: when that one has "metaecc" (whatever the volume had); when it has not (the
/// feature just cleared, or never set), the check bytes stay as they were, unread.
fn store_check(block: &mut [u8], blkno: u64) -> Result<(), String> {
    let metaecc = Dinode::new(&*block)
        .map_err(|e| e.to_string())?
        .super_block()
        .features()
        .incompat
        .contains(IncompatFeatures::META_ECC);
    if metaecc {
        store_block_check(&LinuxCrc, block, Dinode::<()>::CHECK_OFFSET)
            .map_err(|e| format!("superblock copy at block {blkno}: {e}"))?;
    }
    Ok(())
}

/// The backup superblocks to refresh: none without "backup-super"; otherwise each location
/// inside the filesystem, which must hold a superblock copy now (if one is missing, writing
/// there could destroy data, so nothing is written).
fn backup_locations(vol: &Volume, primary: &[u8]) -> Result<Vec<u64>, String> {
    let d = Dinode::new(primary).map_err(|e| e.to_string())?;
    let compat = d.super_block().features().compat;
    if !compat.contains(CompatFeatures::BACKUP_SB) {
        return Ok(Vec::new());
    }
    let bs = vol.block_size();
    let locations: Vec<u64> = backup_super_blknos(bs, vol.fs_blocks() * u64::from(bs)).collect();
    for &blkno in &locations {
        let block = vol
            .read_block(blkno)
            .map_err(|e| format!("cannot read backup superblock {blkno}: {e}"))?;
        let found = Dinode::new(block.as_slice()).map_err(|e| e.to_string())?;
        if found.validate_superblock(blkno).is_err() {
            return Err(format!(
                "block {blkno} should hold a backup superblock (\"backup-super\" is on) but does not; \
                 run fsck.ocfs2 first"
            ));
        }
    }
    Ok(locations)
}

/// Writes the blocks, syncs, and reads each back from the disk.
fn write_and_verify(vol: &Volume, blocks: &[(u64, Vec<u8>)]) -> Result<(), String> {
    if blocks.is_empty() {
        return Ok(());
    }
    for (blkno, block) in blocks {
        vol.write_block(*blkno, block).map_err(|e| e.to_string())?;
    }
    vol.sync().map_err(|e| e.to_string())?;
    for (blkno, block) in blocks {
        let back = vol.read_block(*blkno).map_err(|e| e.to_string())?;
        if &back != block {
            return Err(format!(
                "superblock copy at block {blkno} reads back different from what was written"
            ));
        }
    }
    Ok(())
}
