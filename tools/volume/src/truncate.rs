//! Shrinking a file (`ocfs2_truncate`): inline data is cut and zeroed; an extent list gives
//! back every cluster past the new size to the global bitmap, record by record in tree order
//! (`truncate_iterate` under `OCFS2_EXTENT_FLAG_DEPTH_TRAVERSE`), emptied extent blocks go back
//! to their extent allocator, and the rest of the last kept cluster is zeroed.

use crate::error::{Error, Result};
use crate::volume::Inode;
use crate::writer::Writer;
use ocfs_format::dinode::{Id2Kind, INLINE_DATA_FL};
use ocfs_format::extent::{ExtentBlock, ExtentList};

/// Cuts a list at `keep` clusters; returns the (block, clusters) runs to free.  Records
/// wholly past the end are zeroed, one straddling it is shortened; `l_next_free_rec` becomes
/// the first record left without clusters.
fn cut_leaf(list: &mut ExtentList<&mut [u8]>, keep: u32, bpc: u64) -> Vec<(u64, u32)> {
    let mut freed = Vec::new();
    let used = usize::from(list.l_next_free_rec());
    for i in 0..used {
        let Some(mut rec) = list.rec_mut(i) else {
            break;
        };
        let (cpos, len) = (rec.e_cpos(), u32::from(rec.e_leaf_clusters()));
        if i == 0 && len == 0 {
            continue;
        }
        if cpos + len <= keep {
            continue;
        }
        if cpos >= keep {
            freed.push((rec.e_blkno(), len));
            rec.as_bytes_mut().fill(0);
        } else {
            let kept = keep - cpos;
            rec.set_e_leaf_clusters(kept as u16);
            freed.push((rec.e_blkno() + u64::from(kept) * bpc, len - kept));
        }
    }
    trim_next_free(list, 0);
    freed
}

/// `l_next_free_rec` = the first record with no clusters.
fn trim_next_free(list: &mut ExtentList<&mut [u8]>, depth: u16) {
    let count = usize::from(list.l_count());
    let first_empty = (0..count)
        .find(|&i| {
            list.rec_mut(i)
                .is_none_or(|r| r.by_ref().clusters(depth) == 0)
        })
        .unwrap_or(count);
    list.set_l_next_free_rec(first_empty as u16);
}

impl Writer<'_> {
    /// `ocfs2_truncate(blkno, new_size)` (only ever to a smaller size here).
    pub fn truncate(&mut self, blkno: u64, new_size: u64) -> Result<()> {
        let vol = self.volume();
        let mut inode = vol.read_inode(blkno)?;
        let d = inode.dinode();
        let size = d.i_size();
        if size == new_size {
            return Ok(());
        }
        if size < new_size {
            return Err(Error::Invalid(format!(
                "inode {blkno}: growing through truncate is not supported"
            )));
        }
        if d.i_dyn_features() & INLINE_DATA_FL != 0 {
            let mut d = inode.dinode_mut();
            let data = d.inline_data_mut();
            let end = (size as usize).min(data.len());
            data[new_size as usize..end].fill(0);
            d.set_i_size(new_size);
            return vol.write_inode(&mut inode);
        }
        if d.id2_kind() != Id2Kind::ExtentList {
            return Err(Error::Invalid(format!(
                "inode {blkno} has no extent list to truncate"
            )));
        }
        self.cut_to(&mut inode, new_size)?;
        vol.write_inode(&mut inode)
    }

    /// `ocfs2_zero_tail_and_truncate(i_size)` on an extent-list file: every cluster past
    /// `i_size` freed, the rest of the last kept cluster zeroed, `i_size` unchanged.
    pub fn truncate_allocation(&mut self, blkno: u64) -> Result<()> {
        let vol = self.volume();
        let mut inode = vol.read_inode(blkno)?;
        let d = inode.dinode();
        if d.i_dyn_features() & INLINE_DATA_FL != 0 || d.id2_kind() != Id2Kind::ExtentList {
            return Err(Error::Invalid(format!(
                "inode {blkno} has no extent list to truncate"
            )));
        }
        let size = d.i_size();
        self.cut_to(&mut inode, size)?;
        vol.write_inode(&mut inode)
    }

    /// Frees the clusters past `new_size`, zeroes the tail of the last kept cluster and
    /// sets `i_clusters` and `i_size` in memory.
    fn cut_to(&mut self, inode: &mut Inode, new_size: u64) -> Result<()> {
        let vol = self.volume();
        let bs = u64::from(vol.block_size());
        let bpc = vol.blocks_per_cluster();
        let keep = new_size.div_ceil(bs).div_ceil(bpc) as u32;
        let freed = self.cut_tree(inode, keep)?;
        let total: u32 = freed.iter().map(|(_, n)| n).sum();
        for (start, len) in freed {
            self.free_clusters(start, len)?;
        }
        self.zero_tail(inode, new_size)?;
        let mut d = inode.dinode_mut();
        let clusters = d.i_clusters().saturating_sub(total);
        d.set_i_clusters(clusters);
        if clusters == 0 {
            d.extent_list_mut().set_l_tree_depth(0);
        }
        d.set_i_size(new_size);
        Ok(())
    }

    /// Cuts the tree at `keep` clusters, writing changed extent blocks and freeing emptied
    /// ones; returns the cluster runs to free.
    fn cut_tree(&mut self, inode: &mut Inode, keep: u32) -> Result<Vec<(u64, u32)>> {
        let vol = self.volume();
        let bpc = vol.blocks_per_cluster();
        let depth = inode.dinode().extent_list().l_tree_depth();
        match depth {
            0 => Ok(cut_leaf(
                &mut inode.dinode_mut().extent_list_mut(),
                keep,
                bpc,
            )),
            1 => {
                let mut freed = Vec::new();
                let branches: Vec<(usize, u32, u32, u64)> = inode
                    .dinode()
                    .extent_list()
                    .recs()
                    .enumerate()
                    .map(|(i, r)| (i, r.e_cpos(), r.e_int_clusters(), r.e_blkno()))
                    .collect();
                let mut last_eb = 0;
                for (i, cpos, len, eb_blkno) in branches {
                    if cpos + len <= keep {
                        if len > 0 {
                            last_eb = eb_blkno;
                        }
                        continue;
                    }
                    let mut block = vol.read_block(eb_blkno)?;
                    let emptied = {
                        let mut eb =
                            ExtentBlock::new(block.as_mut_slice()).map_err(Error::Format)?;
                        let mut list = eb.h_list_mut();
                        freed.extend(cut_leaf(&mut list, keep, bpc));
                        list.l_next_free_rec() == 0
                    };
                    vol.write_extent_block(eb_blkno, &mut block)?;
                    let mut d = inode.dinode_mut();
                    let mut root = d.extent_list_mut();
                    let mut rec = root
                        .rec_mut(i)
                        .ok_or_else(|| Error::Invalid("extent record vanished".into()))?;
                    if cpos >= keep || emptied {
                        self.delete_extent_block(eb_blkno)?;
                        rec.as_bytes_mut().fill(0);
                    } else {
                        rec.set_e_int_clusters(keep - cpos);
                        last_eb = eb_blkno;
                    }
                }
                let mut d = inode.dinode_mut();
                trim_next_free(&mut d.extent_list_mut(), 1);
                d.set_i_last_eb_blk(last_eb);
                Ok(freed)
            }
            _ => Err(Error::Invalid(format!(
                "inode {}: extent trees of depth {depth} are not supported",
                inode.blkno
            ))),
        }
    }

    /// `ocfs2_zero_tail_for_truncate()`: zeroes from `new_size` to the end of its cluster.
    fn zero_tail(&self, inode: &Inode, new_size: u64) -> Result<()> {
        let vol = self.volume();
        let bs = u64::from(vol.block_size());
        if new_size == 0 {
            return Ok(());
        }
        let lblk = new_size / bs;
        let tree = vol.file_extents(inode)?;
        let Some(pblk) = tree.map_block(lblk, vol.blocks_per_cluster()) else {
            return Ok(());
        };
        let bpc = vol.blocks_per_cluster();
        let count = bpc - (pblk & (bpc - 1));
        let mut data = vol.read_blocks(pblk, count)?;
        data[(new_size % bs) as usize..].fill(0);
        vol.device()
            .write_at(pblk * bs, &data)
            .map_err(|e| Error::io(format!("cannot zero block {pblk}"), e))
    }
}
