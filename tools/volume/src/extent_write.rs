//! Growing a file: clusters from the range allocator appended to the inode's extent tree
//! (`ocfs2_cached_inode_extend_allocation`, `ocfs2_tree_insert_extent` for appends).
//!
//! A piece that continues the last record, logically and physically, extends it; otherwise
//! it takes the next free record.  When the inode's list is full the tree gains a level
//! (`ocfs2_shift_tree_depth`: the records move to a new extent block from extent_alloc:0000
//! and the inode keeps one record pointing at it); when that leaf is full another leaf is
//! added beside it (`ocfs2_add_branch`).  Trees deeper than one level of extent blocks are
//! refused: system files never grow that far.

use crate::error::{Error, Result};
use crate::volume::Inode;
use crate::writer::Writer;
use ocfs_format::extent::{ExtentBlock, ExtentList};

/// One run of clusters to append at logical cluster `cpos`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    cpos: u32,
    blkno: u64,
    clusters: u32,
}

/// Appends `piece` to a leaf list: extends the last record when contiguous, else uses the
/// next record.  False when the list is full.
fn append_to_leaf(list: &mut ExtentList<&mut [u8]>, piece: Piece, bpc: u64) -> bool {
    let used = usize::from(list.l_next_free_rec());
    if let Some(mut last) = used.checked_sub(1).and_then(|i| list.rec_mut(i)) {
        let len = u32::from(last.e_leaf_clusters());
        let contiguous = last.e_flags() == 0
            && last.e_cpos() + len == piece.cpos
            && last.e_blkno() + u64::from(len) * bpc == piece.blkno
            && len + piece.clusters <= u32::from(u16::MAX);
        if contiguous {
            last.set_e_leaf_clusters((len + piece.clusters) as u16);
            return true;
        }
    }
    if used >= usize::from(list.l_count()) {
        return false;
    }
    let Some(mut rec) = list.rec_mut(used) else {
        return false;
    };
    rec.set_e_cpos(piece.cpos);
    rec.set_e_int_clusters(0);
    rec.set_e_leaf_clusters(piece.clusters as u16);
    rec.set_e_flags(0);
    rec.set_e_blkno(piece.blkno);
    list.set_l_next_free_rec(used as u16 + 1);
    true
}

/// The logical end of a list: its last record's cpos plus clusters
/// (`ocfs2_sum_rightmost_rec`).
fn rightmost_end(list: &ExtentList<&[u8]>) -> u32 {
    let depth = list.l_tree_depth();
    usize::from(list.l_next_free_rec())
        .checked_sub(1)
        .and_then(|i| list.rec(i))
        .map_or(0, |r| r.e_cpos() + r.clusters(depth))
}

impl Writer<'_> {
    /// `ocfs2_cached_inode_extend_allocation()`: `clusters` more clusters at the end of the
    /// file (from `ceil(i_size / cluster size)`), each piece the range allocator's answer
    /// for what is still missing.  Updates `inode` (records, `i_clusters`) in memory and
    /// writes the extent blocks it changes; the caller writes the inode.
    pub fn extend_allocation(&mut self, inode: &mut Inode, clusters: u32) -> Result<()> {
        let cluster_size = u64::from(self.volume().params().cluster_size);
        let mut cpos = inode.dinode().i_size().div_ceil(cluster_size) as u32;
        let mut left = clusters;
        while left > 0 {
            let (blkno, n) = self.new_clusters(1, left)?;
            self.insert_extent(inode, cpos, blkno, n)?;
            left -= n;
            cpos += n;
        }
        Ok(())
    }

    /// Appends `clusters` clusters at block `blkno` as logical cluster `cpos` of `inode`.
    pub fn insert_extent(
        &mut self,
        inode: &mut Inode,
        cpos: u32,
        blkno: u64,
        clusters: u32,
    ) -> Result<()> {
        let piece = Piece {
            cpos,
            blkno,
            clusters,
        };
        let bpc = self.volume().blocks_per_cluster();
        let depth = inode.dinode().extent_list().l_tree_depth();
        let done = match depth {
            0 => append_to_leaf(&mut inode.dinode_mut().extent_list_mut(), piece, bpc),
            1 => false,
            _ => {
                return Err(Error::Invalid(format!(
                    "inode {}: extent trees of depth {depth} are not supported",
                    inode.blkno
                )))
            }
        };
        if !done {
            if depth == 0 {
                self.shift_tree_depth(inode)?;
            }
            self.append_at_depth_one(inode, piece)?;
        }
        let mut d = inode.dinode_mut();
        let total = d.i_clusters() + clusters;
        d.set_i_clusters(total);
        Ok(())
    }

    /// Moves the inode's full leaf list into a new extent block; the inode keeps one
    /// interior record covering it.
    pub(crate) fn shift_tree_depth(&mut self, inode: &mut Inode) -> Result<()> {
        let vol = self.volume();
        let mut block = self.new_extent_block()?;
        let eb_blkno;
        {
            let root = inode.dinode();
            let root_list = root.extent_list();
            let mut eb = ExtentBlock::new(block.as_mut_slice()).map_err(Error::Format)?;
            eb_blkno = eb.h_blkno();
            let mut list = eb.h_list_mut();
            let used = usize::from(root_list.l_next_free_rec());
            if used > usize::from(list.l_count()) {
                return Err(Error::Invalid(
                    "an extent block holds fewer records than the inode".into(),
                ));
            }
            for (i, rec) in root_list.recs().enumerate() {
                let mut dst = list
                    .rec_mut(i)
                    .ok_or_else(|| Error::Invalid("extent block too small".into()))?;
                dst.as_bytes_mut().copy_from_slice(rec.as_bytes());
            }
            list.set_l_tree_depth(root_list.l_tree_depth());
            list.set_l_next_free_rec(used as u16);
        }
        vol.write_extent_block(eb_blkno, &mut block)?;
        let end = rightmost_end(&inode.dinode().extent_list());
        let mut d = inode.dinode_mut();
        d.set_i_last_eb_blk(eb_blkno);
        let mut list = d.extent_list_mut();
        let used = usize::from(list.l_next_free_rec());
        for i in 1..used {
            if let Some(mut rec) = list.rec_mut(i) {
                rec.as_bytes_mut().fill(0);
            }
        }
        let depth = list.l_tree_depth();
        list.set_l_tree_depth(depth + 1);
        list.set_l_next_free_rec(1);
        let mut rec = list
            .rec_mut(0)
            .ok_or_else(|| Error::Invalid("the inode holds no extent record".into()))?;
        rec.as_bytes_mut().fill(0);
        rec.set_e_cpos(0);
        rec.set_e_int_clusters(end);
        rec.set_e_blkno(eb_blkno);
        Ok(())
    }

    /// Appends to the rightmost leaf of a depth-1 tree, adding a leaf when it is full.
    fn append_at_depth_one(&mut self, inode: &mut Inode, piece: Piece) -> Result<()> {
        let vol = self.volume();
        let bpc = vol.blocks_per_cluster();
        let leaf_blkno = inode.dinode().i_last_eb_blk();
        let mut leaf = vol.read_block(leaf_blkno)?;
        let appended = {
            let mut eb = ExtentBlock::new(leaf.as_mut_slice()).map_err(Error::Format)?;
            append_to_leaf(&mut eb.h_list_mut(), piece, bpc)
        };
        if appended {
            vol.write_extent_block(leaf_blkno, &mut leaf)?;
        } else {
            let root_full = {
                let d = inode.dinode();
                let list = d.extent_list();
                list.l_next_free_rec() >= list.l_count()
            };
            if root_full {
                return Err(Error::Invalid(format!(
                    "inode {}: its extent tree would need a second level of extent blocks, which is not supported",
                    inode.blkno
                )));
            }
            let mut new_leaf = self.new_extent_block()?;
            let new_blkno;
            {
                let mut eb = ExtentBlock::new(new_leaf.as_mut_slice()).map_err(Error::Format)?;
                new_blkno = eb.h_blkno();
                if !append_to_leaf(&mut eb.h_list_mut(), piece, bpc) {
                    return Err(Error::Invalid("a new extent block is full".into()));
                }
            }
            let branch_cpos = {
                let mut eb = ExtentBlock::new(leaf.as_mut_slice()).map_err(Error::Format)?;
                eb.set_h_next_leaf_blk(new_blkno);
                rightmost_end(&eb.by_ref().h_list())
            };
            vol.write_extent_block(leaf_blkno, &mut leaf)?;
            vol.write_extent_block(new_blkno, &mut new_leaf)?;
            let mut d = inode.dinode_mut();
            d.set_i_last_eb_blk(new_blkno);
            let mut list = d.extent_list_mut();
            let used = usize::from(list.l_next_free_rec());
            let mut rec = list
                .rec_mut(used)
                .ok_or_else(|| Error::Invalid("the inode's extent list is full".into()))?;
            rec.as_bytes_mut().fill(0);
            rec.set_e_cpos(branch_cpos);
            rec.set_e_blkno(new_blkno);
            list.set_l_next_free_rec(used as u16 + 1);
        }
        // ocfs2_adjust_rightmost_records: the interior record covers up to the new end.
        let mut d = inode.dinode_mut();
        let mut list = d.extent_list_mut();
        let last = usize::from(list.l_next_free_rec()) - 1;
        let mut rec = list
            .rec_mut(last)
            .ok_or_else(|| Error::Invalid("the inode's extent list is empty".into()))?;
        let span = piece.cpos + piece.clusters - rec.e_cpos();
        rec.set_e_int_clusters(span);
        Ok(())
    }
}
