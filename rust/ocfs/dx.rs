// SPDX-License-Identifier: GPL-2.0

//! Indexed directories: finding a name through the directory index instead of scanning
//! every block (`ocfs2_dx_dir_search`). The index maps the name hash to the directory block
//! that holds the entry; the entry itself is still an ordinary directory entry.

use crate::dir;
use crate::errno;
use crate::extent_map;
use crate::format::dinode::{Dinode, INDEXED_DIR_FL, INLINE_DATA_FL};
use crate::format::dir::dir_block_region;
use crate::format::dx::{DxEntryList, DxLeaf, DxRoot};
use crate::format::dx_edit::leaf_index;
use crate::format::dx_hash::dx_name_hash;
use crate::meta;
use crate::vfs::{BufferHead, NewSuperBlock};
use crate::volume::Volume;
use kernel::prelude::*;

/// Look `name` up through the index of the directory whose checked inode block is
/// `dinode_block`: `Some(Some(ino))` found,
/// `Some(None)` not there, `None` when the directory has no index or the index cannot
/// decide (a non-ASCII name an older kernel may have hashed with signed bytes), and the
/// caller must scan.
pub fn lookup(sb: &NewSuperBlock, vol: &Volume, dinode_block: &[u8], name: &[u8]) -> Result<Option<Option<u64>>> {
    let dinode = Dinode::new(dinode_block).map_err(|e| meta::corrupt(sb, &e))?;
    let dir_blkno = dinode.i_blkno();
    let features = dinode.i_dyn_features();
    if features & INDEXED_DIR_FL == 0 || features & INLINE_DATA_FL != 0 {
        return Ok(None);
    }
    let root_blkno = dinode.i_dx_root();
    let root_bh = read_root(sb, vol, root_blkno, dir_blkno)?;
    let root = DxRoot::new(root_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    let (major, minor) = dx_name_hash(vol.dx_seed, name);
    let found = if root.is_inline() {
        search(sb, vol, root.dr_entries(), dir_blkno, name, (major, minor))?
    } else {
        let Some(leaf_blkno) = leaf_block(sb, vol, &root, root_blkno, major, minor)? else {
            return Ok(miss(name));
        };
        let leaf_bh = read_leaf(sb, vol, leaf_blkno)?;
        let leaf = DxLeaf::new(leaf_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        search(sb, vol, leaf.dl_list(), dir_blkno, name, (major, minor))?
    };
    Ok(match found {
        Some(ino) => Some(Some(ino)),
        None => miss(name),
    })
}

/// A miss is final for ASCII names, which hash the same with signed and unsigned bytes.
fn miss(name: &[u8]) -> Option<Option<u64>> {
    name.is_ascii().then_some(None)
}

/// The cluster of index leaves a major hash falls in (`ocfs2_dx_dir_lookup`).
pub struct LeafCluster {
    /// The hash the cluster starts at.
    pub cpos: u32,
    /// Its first block.
    pub first_block: u64,
}

/// The cluster the major hash falls in (or the last one of its extent), `None` when the
/// index maps no cluster for it.
pub fn leaf_cluster(sb: &NewSuperBlock, vol: &Volume, root: &DxRoot<&[u8]>, root_blkno: u64, major: u32) -> Result<Option<LeafCluster>> {
    let rec = extent_map::with_leaf(sb, vol, root.dr_list(), root_blkno, major, |leaf| {
        leaf.recs()
            .filter(|rec| rec.e_cpos() <= major)
            .last()
            .map(|rec| (rec.e_cpos(), u32::from(rec.e_leaf_clusters()), rec.e_blkno()))
    })?;
    let Some((cpos, clusters, blkno)) = rec.flatten() else { return Ok(None) };
    if clusters == 0 {
        pr_err!("{}: corrupt metadata: index root {} has an empty extent\n", sb.id(), root_blkno);
        return Err(errno::euclean());
    }
    let cluster = (major - cpos).min(clusters - 1);
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    Ok(Some(LeafCluster {
        cpos: cpos + cluster,
        // Out-of-range results are refused when the leaf is read.
        first_block: blkno.saturating_add(u64::from(cluster) << per_cluster_bits),
    }))
}

/// The leaf block for a hash: the block the minor hash picks in the cluster of the major.
pub fn leaf_block(
    sb: &NewSuperBlock,
    vol: &Volume,
    root: &DxRoot<&[u8]>,
    root_blkno: u64,
    major: u32,
    minor: u32,
) -> Result<Option<u64>> {
    let Some(cluster) = leaf_cluster(sb, vol, root, root_blkno, major)? else { return Ok(None) };
    let index = leaf_index(minor, vol.blocks_per_cluster());
    Ok(Some(cluster.first_block.saturating_add(index as u64)))
}

/// The entries of an index list with the name's hash, each checked in the directory block
/// it points to.
fn search(
    sb: &NewSuperBlock,
    vol: &Volume,
    list: DxEntryList<&[u8]>,
    dir_blkno: u64,
    name: &[u8],
    hash: (u32, u32),
) -> Result<Option<u64>> {
    for entry in list.entries() {
        if (entry.dx_major_hash(), entry.dx_minor_hash()) != hash {
            continue;
        }
        let blkno = entry.dx_dirent_blk();
        let bh = dir::read_block(sb, vol, blkno, dir_blkno, true)?;
        if let Some(ino) = dir::find_in_region(sb, dir_block_region(bh.data(), true), blkno, name)? {
            return Ok(Some(ino));
        }
    }
    Ok(None)
}

pub fn read_root(sb: &NewSuperBlock, vol: &Volume, blkno: u64, dir_blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "directory index root", |_| {
        DxRoot::<()>::CHECK_OFFSET
    })?;
    let root = DxRoot::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    root.validate(blkno, &vol.params).map_err(|e| meta::corrupt(sb, &e))?;
    if root.dr_dir_blkno() != dir_blkno {
        pr_err!(
            "{}: corrupt metadata: index root {} belongs to directory {}, not {}\n",
            sb.id(),
            blkno,
            root.dr_dir_blkno(),
            dir_blkno
        );
        return Err(errno::euclean());
    }
    Ok(bh)
}

pub fn read_leaf(sb: &NewSuperBlock, vol: &Volume, blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "directory index leaf", |_| {
        DxLeaf::<()>::CHECK_OFFSET
    })?;
    let leaf = DxLeaf::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    leaf.validate(blkno, &vol.params).map_err(|e| meta::corrupt(sb, &e))?;
    Ok(bh)
}
