//! `ocfs2_format_slot_map()`: the slot map sized for the slot count (grown or truncated to
//! whole clusters, `i_size` its whole allocation) and rewritten empty: zeros in the extended
//! layout, 0xFFFF ("no node") per slot in the old one.

use ocfs_format::dinode::{SYSTEM_FL, VALID_FL};
use ocfs_format::features::IncompatFeatures;
use ocfs_format::system::SystemFile;
use ocfs_volume::Writer;

/// The slot map for `slots` slots in the volume's own layout.
pub fn format(w: &mut Writer, slots: u16) -> Result<(), String> {
    let extended = w
        .volume()
        .params()
        .features
        .incompat
        .contains(IncompatFeatures::EXTENDED_SLOT_MAP);
    format_layout(w, slots, extended)
}

/// The slot map for `slots` slots in the extended layout (`extended`) or the old one: what
/// toggling "extended-slotmap" rewrites before the superblock says so.
pub fn format_layout(w: &mut Writer, slots: u16, extended: bool) -> Result<(), String> {
    let vol = w.volume();
    let entry = if extended { 8u64 } else { 2 };
    let blkno = vol
        .system_file(SystemFile::SlotMap, 0)
        .map_err(|e| e.to_string())?;
    let mut inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
    if inode.dinode().i_flags() & (VALID_FL | SYSTEM_FL) != VALID_FL | SYSTEM_FL {
        return Err(format!("inode {blkno} is not the slot map"));
    }
    let cluster_size = u64::from(vol.params().cluster_size);
    let clusters = (u64::from(slots) * entry).div_ceil(cluster_size) as u32;
    if clusters == 0 {
        return Err("a slot map needs at least one slot".into());
    }
    let have = inode.dinode().i_clusters();
    if clusters != have {
        if clusters > have {
            w.extend_allocation(&mut inode, clusters - have)
                .map_err(|e| e.to_string())?;
            vol.write_inode(&mut inode).map_err(|e| e.to_string())?;
        } else {
            w.truncate(blkno, u64::from(clusters) * cluster_size)
                .map_err(|e| e.to_string())?;
            inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        }
        let now = w.now();
        let mut d = inode.dinode_mut();
        let size = u64::from(d.i_clusters()) * cluster_size;
        d.set_i_size(size);
        d.set_i_mtime(now);
        vol.write_inode(&mut inode).map_err(|e| e.to_string())?;
    }
    // Every slot of the allocation, empty.
    let bs = u64::from(vol.block_size());
    let fill = if extended { 0u8 } else { 0xFF };
    let blocks = (inode.dinode().i_size() / entry * entry).div_ceil(bs);
    let tree = vol.file_extents(&inode).map_err(|e| e.to_string())?;
    let block = vec![fill; bs as usize];
    for lblk in 0..blocks {
        let pblk = tree
            .map_block(lblk, vol.blocks_per_cluster())
            .ok_or_else(|| format!("slot map block {lblk} is a hole"))?;
        vol.write_block(pblk, &block).map_err(|e| e.to_string())?;
    }
    Ok(())
}
