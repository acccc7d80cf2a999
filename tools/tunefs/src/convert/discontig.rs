//! "discontig-bg" off (`feature_discontig_bg.c`): refused while any inode or extent
//! allocator has a discontiguous group (nothing but the feature can describe one); else
//! every group of those allocators whose bitmap is capped at `OCFS2_MAX_BG_BITMAP_SIZE`
//! gets the whole block again (`ocfs2_group_bitmap_size()` without the feature), as
//! libocfs2 and the kernel size them on volumes without it.  The groups' bits do not
//! change, so a run stopped half-way leaves groups that are valid either way.

use ocfs_format::features::IncompatFeatures;
use ocfs_format::group::{group_bitmap_size, GroupDesc};
use ocfs_format::system::SystemFile;
use ocfs_volume::Volume;

/// The descriptors to resize, after checking that no group is discontiguous.  Like
/// tunefs.ocfs2, the per-slot inode allocators first, then the extent allocators;
/// `global_inode_alloc` and the global bitmap never had capped groups.
pub fn groups_to_resize(vol: &Volume) -> Result<Vec<u64>, String> {
    let full = full_size(vol);
    let mut resize = Vec::new();
    for kind in [SystemFile::InodeAlloc, SystemFile::ExtentAlloc] {
        for slot in 0..vol.params().max_slots {
            let alloc = vol
                .system_file(kind, slot)
                .and_then(|b| vol.read_inode(b))
                .map_err(|e| e.to_string())?;
            for chain in vol.chains(&alloc).map_err(|e| e.to_string())? {
                for group in chain.groups {
                    let block = vol.read_block(group.blkno).map_err(|e| e.to_string())?;
                    let gd = GroupDesc::new(block.as_slice()).map_err(|e| e.to_string())?;
                    if gd.is_discontig() {
                        return Err(format!(
                            "disabling \"discontig-bg\": group {} of {} is discontiguous, which only that feature can describe",
                            group.blkno,
                            String::from_utf8_lossy(kind.name(slot, &mut [0; 32]))
                        ));
                    }
                    if usize::from(gd.bg_size()) != full {
                        resize.push(group.blkno);
                    }
                }
            }
        }
    }
    Ok(resize)
}

fn full_size(vol: &Volume) -> usize {
    group_bitmap_size(vol.block_size() as usize, false, IncompatFeatures(0))
}

pub fn resize_groups(vol: &Volume, groups: &[u64]) -> Result<(), String> {
    let full = full_size(vol) as u16;
    for &blkno in groups {
        let mut block = vol.read_block(blkno).map_err(|e| e.to_string())?;
        GroupDesc::new(block.as_mut_slice())
            .map_err(|e| e.to_string())?
            .set_bg_size(full);
        vol.write_group(blkno, &mut block)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
