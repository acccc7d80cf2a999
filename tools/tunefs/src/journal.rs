//! Journals: what `tunefs_journal_check()` learns from them at open (the largest journal and
//! the JBD2 features any of them has), `-J size=` (`tunefs_set_journal_size`) and
//! `ocfs2_make_journal()`: grow (file growth) or shrink (truncate) to the size asked, then
//! zero the whole journal and write a fresh JBD2 superblock in its first block.
//!
//! tunefs.ocfs2 marks nothing in progress while it does this: the journals are clean (that
//! was checked), so an interrupted run loses no data; a journal left without a valid JBD2
//! superblock is one `fsck.ocfs2 -y` reformats.

use ocfs_format::dinode::{JOURNAL_FL, SYSTEM_FL, VALID_FL};
use ocfs_format::jbd2::{
    Jbd2Superblock, JBD2_FEATURE_COMPAT_CHECKSUM, JBD2_KNOWN_COMPAT_FEATURES,
    JBD2_KNOWN_ROCOMPAT_FEATURES, JBD2_MAGIC_NUMBER, JBD2_MIN_JOURNAL_BLOCKS, JBD2_SUPERBLOCK_V2,
};
use ocfs_format::superblock::MIN_JOURNAL_SIZE;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Volume, Writer};

/// The JBD2 incompat features libocfs2 1.8.7 knows (revoke, 64bit, async-commit).
const KNOWN_INCOMPAT: u32 = 0x7;

/// What the journals look like before an operation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Survey {
    /// The largest journal, in clusters (`ts_journal_clusters`).
    pub max_clusters: u32,
    /// JBD2 feature words ORed over every journal (`ts_journal_features`).
    pub compat: u32,
    pub incompat: u32,
    pub ro_compat: u32,
}

/// `tunefs_journal_check()` (the dirty check itself is in `guard`).
pub fn survey(vol: &Volume) -> Result<Survey, String> {
    let mut s = Survey::default();
    for slot in 0..vol.params().max_slots {
        let blkno = vol
            .system_file(SystemFile::Journal, slot)
            .map_err(|e| format!("cannot find the journal of slot {slot}: {e}"))?;
        let inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        s.max_clusters = s.max_clusters.max(inode.dinode().i_clusters());
        let first = vol
            .file_extents(&inode)
            .map_err(|e| e.to_string())?
            .map_block(0, vol.blocks_per_cluster())
            .ok_or_else(|| format!("journal:{slot:04} has no blocks"))?;
        let block = vol.read_block(first).map_err(|e| e.to_string())?;
        let jsb = Jbd2Superblock::new(block.as_slice()).map_err(|e| e.to_string())?;
        if jsb.h_magic() != JBD2_MAGIC_NUMBER {
            return Err(format!(
                "journal:{slot:04}: bad journal superblock magic in block {first}; run fsck.ocfs2"
            ));
        }
        s.compat |= jsb.s_feature_compat();
        s.incompat |= jsb.s_feature_incompat();
        s.ro_compat |= jsb.s_feature_ro_compat();
    }
    Ok(s)
}

/// Clusters the global bitmap has free.
pub fn free_clusters(vol: &Volume) -> Result<u64, String> {
    let blkno = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .map_err(|e| e.to_string())?;
    let d = vol.read_inode(blkno).map_err(|e| e.to_string())?;
    let d = d.dinode();
    Ok(u64::from(d.i_total()).saturating_sub(u64::from(d.i_used())))
}

/// Refuses up front journals that cannot fit: tunefs.ocfs2 would find out half-way
/// ("Unable to find available bit") with some journals already changed.  `extra` is what
/// else the operation allocates, in clusters.
pub fn check_room(vol: &Volume, slots: u16, clusters: u32, extra: u64) -> Result<(), String> {
    let mut need = extra;
    for slot in 0..slots {
        let have = match vol.system_file(SystemFile::Journal, slot) {
            Ok(blkno) => vol
                .read_inode(blkno)
                .map_err(|e| e.to_string())?
                .dinode()
                .i_clusters(),
            Err(_) => 0,
        };
        need += u64::from(clusters.saturating_sub(have));
    }
    let free = free_clusters(vol)?;
    if need > free {
        return Err(format!(
            "Unable to find available bit: the journals need {need} more clusters, {free} are free"
        ));
    }
    Ok(())
}

/// `-J size=SIZE`: every journal whose size differs becomes `clusters` clusters
/// (`tunefs_set_journal_size`, also run with the open-time size after adding slots).
pub fn set_size(w: &mut Writer, slots: u16, clusters: u32, survey: &Survey) -> Result<(), String> {
    let vol = w.volume();
    for slot in 0..slots {
        let blkno = vol
            .system_file(SystemFile::Journal, slot)
            .map_err(|e| format!("while looking up \"journal:{slot:04}\": {e}"))?;
        let inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        if inode.dinode().i_clusters() == clusters {
            continue;
        }
        make_journal(w, blkno, clusters, survey)
            .map_err(|e| format!("{e} while resizing \"journal:{slot:04}\""))?;
    }
    Ok(())
}

/// `ocfs2_make_journal()`.
pub fn make_journal(
    w: &mut Writer,
    blkno: u64,
    clusters: u32,
    survey: &Survey,
) -> Result<(), String> {
    let vol = w.volume();
    let cluster_bits = vol.params().cluster_size.trailing_zeros();
    if (u64::from(clusters) << cluster_bits) < MIN_JOURNAL_SIZE {
        return Err("Journal must be at least 1024 blocks".into());
    }
    let mut inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
    let flags = inode.dinode().i_flags();
    if flags & (VALID_FL | SYSTEM_FL | JOURNAL_FL) != VALID_FL | SYSTEM_FL | JOURNAL_FL {
        return Err(format!("inode {blkno} is not a journal"));
    }
    let have = inode.dinode().i_clusters();
    if clusters > have {
        w.extend_allocation(&mut inode, clusters - have)
            .map_err(|e| e.to_string())?;
        let now = w.now();
        let mut d = inode.dinode_mut();
        let size = u64::from(d.i_clusters()) << cluster_bits;
        d.set_i_size(size);
        d.set_i_mtime(now);
        vol.write_inode(&mut inode).map_err(|e| e.to_string())?;
    } else if clusters < have {
        w.truncate(blkno, u64::from(clusters) << cluster_bits)
            .map_err(|e| e.to_string())?;
        inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
    }
    format_journal(vol, &inode, survey)
}

/// `ocfs2_format_journal()`: zeros over `i_size`, then the JBD2 superblock.
fn format_journal(vol: &Volume, inode: &ocfs_volume::Inode, survey: &Survey) -> Result<(), String> {
    let bs = u64::from(vol.block_size());
    let bpc = vol.blocks_per_cluster();
    let d = inode.dinode();
    let tree = vol.file_extents(inode).map_err(|e| e.to_string())?;
    let mut left = d.i_size().div_ceil(bs);
    for extent in &tree.extents {
        if left == 0 {
            break;
        }
        let n = (u64::from(extent.clusters) * bpc).min(left);
        vol.zero_blocks(extent.blkno, n)
            .map_err(|e| e.to_string())?;
        left -= n;
    }
    let blocks = u64::from(d.i_clusters()) * bpc;
    if blocks < u64::from(JBD2_MIN_JOURNAL_BLOCKS) {
        return Err("Journal must be at least 1024 blocks".into());
    }
    // ocfs2_journal_check_available_features
    if survey.compat & !JBD2_KNOWN_COMPAT_FEATURES != 0
        || survey.compat & JBD2_FEATURE_COMPAT_CHECKSUM != 0
        || survey.ro_compat & !JBD2_KNOWN_ROCOMPAT_FEATURES != 0
        || survey.incompat & !KNOWN_INCOMPAT != 0
    {
        return Err("the journals have JBD2 features libocfs2 does not support".into());
    }
    let mut block = vec![0u8; bs as usize];
    {
        let mut jsb = Jbd2Superblock::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        jsb.set_h_magic(JBD2_MAGIC_NUMBER);
        jsb.set_h_blocktype(JBD2_SUPERBLOCK_V2);
        jsb.set_s_blocksize(vol.block_size());
        jsb.set_s_maxlen(blocks as u32);
        jsb.set_s_first(if bs == 512 { 2 } else { 1 });
        jsb.set_s_start(1);
        jsb.set_s_sequence(1);
        jsb.set_s_nr_users(1);
        jsb.set_s_uuid(vol.superblock().super_block().s_uuid());
        jsb.set_s_feature_compat(survey.compat);
        jsb.set_s_feature_ro_compat(survey.ro_compat);
        jsb.set_s_feature_incompat(survey.incompat);
    }
    let first = tree
        .map_block(0, bpc)
        .ok_or_else(|| format!("journal {} has no first block", inode.blkno))?;
    vol.write_block(first, &block).map_err(|e| e.to_string())
}

/// `-J size=` as tunefs_get_number() reads it: a number (C base prefixes), optional
/// K/M/G/T/P (powers of 1024) or b/B (bytes).
pub fn parse_size(text: &str) -> Option<u64> {
    let (digits, suffix) = split_number(text)?;
    let shift = match suffix {
        "" | "b" | "B" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        "p" | "P" => 50,
        _ => return None,
    };
    digits.checked_mul(1u64 << shift)
}

/// strtoull(base 0): the number and what follows it.
pub fn split_number(text: &str) -> Option<(u64, &str)> {
    let t = text.trim_start();
    let (radix, body) = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, hex)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let end = body
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(body.len());
    if end == 0 && radix != 8 {
        return None;
    }
    let value = if end == 0 {
        0
    } else {
        u64::from_str_radix(&body[..end], radix).ok()?
    };
    if value == u64::MAX {
        return None;
    }
    Some((value, &body[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_tunefs_get_number() {
        assert_eq!(parse_size("64M"), Some(64 << 20));
        assert_eq!(parse_size("4194304"), Some(4 << 20));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        assert_eq!(parse_size("0x100K"), Some(256 << 10));
        assert_eq!(parse_size("512b"), Some(512));
        assert_eq!(parse_size("12Q"), None);
        assert_eq!(parse_size("M"), None);
    }
}
