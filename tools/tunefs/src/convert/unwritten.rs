//! "unwritten" off (`feature_unwritten_extents.c`): in every regular file that is not a
//! system file, each unwritten extent that starts below `i_size` (rounded up to clusters)
//! has its clusters zeroed and is marked written (`ocfs2_mark_extent_written()` over the
//! whole record).  Unwritten extents wholly past `i_size` stay as they are, as
//! tunefs.ocfs2 leaves them.
//!
//! libocfs2 merges a record it marks written with a neighbour that is then contiguous
//! (logically and physically, same flags); this tool does not restructure extent trees:
//! it refuses, naming the inode, before its first write, when a merge would be due.

use ocfs_format::dinode::{mode, SYSTEM_FL};
use ocfs_format::extent::{ExtentBlock, EXT_UNWRITTEN};
use ocfs_volume::{Extent, Volume};

/// One inode with extents to mark written: the blocks holding them (the inode itself when
/// its tree has depth 0, else its leaf extent blocks).
pub struct File {
    inode: u64,
    holders: Vec<u64>,
    /// The (cpos, clusters, blkno) of every extent to convert.
    extents: Vec<Extent>,
}

/// Whether `e` is converted: unwritten and starting below the file's last cluster.
fn converts(e: &Extent, clusters: u64) -> bool {
    e.flags & EXT_UNWRITTEN != 0 && u64::from(e.cpos) < clusters
}

fn contiguous(a: &Extent, b: &Extent, bpc: u64) -> bool {
    u64::from(a.cpos) + u64::from(a.clusters) == u64::from(b.cpos)
        && a.blkno + u64::from(a.clusters) * bpc == b.blkno
}

pub fn find(vol: &Volume) -> Result<Vec<File>, String> {
    let cluster = u64::from(vol.params().cluster_size);
    let bpc = vol.blocks_per_cluster();
    let mut files = Vec::new();
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        if d.i_mode() & mode::FMT != mode::REG || d.i_flags() & SYSTEM_FL != 0 {
            return Ok(());
        }
        if d.id2_kind() != ocfs_format::dinode::Id2Kind::ExtentList {
            return Ok(());
        }
        let clusters = d.i_size().div_ceil(cluster);
        let tree = vol.file_extents(&inode)?;
        if !tree.extents.iter().any(|e| converts(e, clusters)) {
            return Ok(());
        }
        // The flags each record has once converted, to find merges libocfs2 would make.
        let after: Vec<Extent> = tree
            .extents
            .iter()
            .map(|e| Extent {
                flags: if converts(e, clusters) { e.flags & !EXT_UNWRITTEN } else { e.flags },
                ..*e
            })
            .collect();
        for (i, pair) in after.windows(2).enumerate() {
            let touched = converts(&tree.extents[i], clusters) || converts(&tree.extents[i + 1], clusters);
            if touched && pair[0].flags == pair[1].flags && contiguous(&pair[0], &pair[1], bpc) {
                return Err(ocfs_volume::Error::Invalid(format!(
                    "disabling \"unwritten\": inode {}: marking its unwritten extent at cluster {} \
                     written would merge it with its neighbour at cluster {}, which this tool does not do",
                    inode.blkno, pair[0].cpos.min(pair[1].cpos), pair[0].cpos.max(pair[1].cpos)
                )));
            }
        }
        let holders = if tree.depth == 0 {
            vec![inode.blkno]
        } else {
            tree.blocks.iter().filter(|(_, depth)| *depth == 0).map(|(b, _)| *b).collect()
        };
        files.push(File {
            inode: inode.blkno,
            holders,
            extents: tree.extents.iter().filter(|e| converts(e, clusters)).copied().collect(),
        });
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(files)
}

/// Zeroes, then marks written, every extent `find` chose: the data first, so that a run
/// stopped half-way leaves no written extent over stale bytes.
pub fn convert(vol: &Volume, files: &[File]) -> Result<(), String> {
    let bpc = vol.blocks_per_cluster();
    for file in files {
        for e in &file.extents {
            vol.zero_blocks(e.blkno, u64::from(e.clusters) * bpc)
                .map_err(|err| err.to_string())?;
        }
        let marked = |blkno: u64| file.extents.iter().any(|e| e.blkno == blkno);
        for &holder in &file.holders {
            if holder == file.inode {
                let mut inode = vol.read_inode(holder).map_err(|e| e.to_string())?;
                let mut d = inode.dinode_mut();
                let mut list = d.extent_list_mut();
                clear_flags(&mut list, marked);
                vol.write_inode(&mut inode).map_err(|e| e.to_string())?;
            } else {
                let mut block = vol.read_block(holder).map_err(|e| e.to_string())?;
                let mut eb = ExtentBlock::new(block.as_mut_slice())
                    .map_err(|e| e.at_block(holder).to_string())?;
                clear_flags(&mut eb.h_list_mut(), marked);
                vol.write_extent_block(holder, &mut block)
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

fn clear_flags(
    list: &mut ocfs_format::extent::ExtentList<&mut [u8]>,
    marked: impl Fn(u64) -> bool,
) {
    let used = usize::from(list.l_next_free_rec());
    for i in 0..used {
        if let Some(mut rec) = list.rec_mut(i) {
            if rec.e_flags() & EXT_UNWRITTEN != 0 && marked(rec.e_blkno()) {
                rec.set_e_flags(rec.e_flags() & !EXT_UNWRITTEN);
            }
        }
    }
}
