// SPDX-License-Identifier: GPL-2.0
//! Growing a directory index, one block at a time, the way the kernel's
//! ocfs2 does:
//!
//! - a full inline root moves its entries into a cluster of leaf blocks,
//!   each entry to the block its minor hash picks, and becomes the root of
//!   an extent tree mapping that cluster at hash 0
//!   (`ocfs2_expand_inline_dx_root`);
//! - a full leaf is sorted, a split hash chosen
//!   (`ocfs2_dx_dir_find_leaf_split`), and the entries of every leaf in its
//!   cluster hashing at or above it move to the same block of a new cluster,
//!   mapped at the split hash (`ocfs2_dx_dir_rebalance`; the mapping is an
//!   extent tree edit, the kernel's `extent_tree`).
//!
//! Each function changes one block and cannot fail halfway.

use super::dx::{
    dx_entries_per_leaf, extent_recs_per_dx_root, DxEntryList, DxLeaf, DxRoot, DX_FLAG_INLINE,
    DX_LEAF_SIGNATURE,
};

/// The block of a leaf cluster of `blocks_per_cluster` blocks (a power of
/// two) that holds entries with minor hash `minor` (`__ocfs2_dx_dir_hash_idx`).
pub fn leaf_index(minor: u32, blocks_per_cluster: usize) -> usize {
    (minor as usize) & blocks_per_cluster.saturating_sub(1)
}

/// Formats `block` as an empty index leaf numbered `blkno`
/// (`ocfs2_dx_dir_format_cluster`).
pub fn init_leaf(block: &mut [u8], blkno: u64, fs_generation: u32) {
    let count = dx_entries_per_leaf(block.len()) as u16;
    block.fill(0);
    let mut leaf = DxLeaf::wrap(block);
    let mut signature = [0u8; 8];
    signature[..DX_LEAF_SIGNATURE.len()].copy_from_slice(DX_LEAF_SIGNATURE);
    leaf.set_dl_signature(signature);
    leaf.set_dl_fs_generation(fs_generation);
    leaf.set_dl_blkno(blkno);
    leaf.dl_list_mut().set_de_count(count);
}

/// Turns an inline root (whose entries the caller has moved to leaves) into
/// the root of a tree mapping one cluster of leaves, starting at block
/// `first_leaf`, at hash 0.
pub fn root_to_tree(root: &mut [u8], first_leaf: u64) {
    let count = extent_recs_per_dx_root(root.len()) as u16;
    let mut view = DxRoot::wrap(root);
    let flags = view.dr_flags() & !DX_FLAG_INLINE;
    view.set_dr_flags(flags);
    view.set_dr_clusters(1);
    view.set_dr_last_eb_blk(0);
    if let Some(union) = view.as_bytes_mut().get_mut(DxRoot::<()>::UNION_OFFSET..) {
        union.fill(0);
    }
    let mut list = view.dr_list_mut();
    list.set_l_count(count);
    list.set_l_next_free_rec(1);
    if let Some(mut rec) = list.rec_mut(0) {
        rec.set_e_cpos(0);
        rec.set_e_leaf_clusters(1);
        rec.set_e_blkno(first_leaf);
    }
}

/// The hash to split a full, sorted leaf of the cluster mapped at
/// `leaf_cpos` at, so that a name hashing to `insert_hash` finds room
/// (`ocfs2_dx_dir_find_leaf_split`); `None` when no split can help (every
/// entry has the new name's major hash).
pub fn split_hash<B: AsRef<[u8]>>(list: &DxEntryList<B>, leaf_cpos: u32, insert_hash: u32) -> Option<u32> {
    let used = usize::from(list.de_num_used().min(list.de_count()));
    let major = |i: usize| list.entries().nth(i).map(|e| e.dx_major_hash());
    let first = major(0)?;
    if list.entries().all(|e| e.dx_major_hash() == first) {
        return if first == insert_hash {
            None
        } else if first == leaf_cpos {
            // The new name hashes above every entry: split right above them.
            Some(leaf_cpos.saturating_add(1))
        } else if first > insert_hash {
            Some(first)
        } else {
            Some(insert_hash)
        };
    }
    // From the median on, the first entry above the cluster's own hash.
    (used / 2..used).filter_map(major).find(|&m| m > leaf_cpos)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    const BS: usize = 512;

    fn leaf_with(blkno: u64, entries: &[(u32, u32)]) -> Vec<u8> {
        let mut block = vec![0xa5u8; BS];
        init_leaf(&mut block, blkno, 7);
        let mut leaf = DxLeaf::wrap(&mut block[..]);
        for &(major, minor) in entries {
            assert!(leaf.dl_list_mut().push(major, minor, u64::from(major)));
        }
        block
    }

    fn majors(block: &[u8]) -> Vec<u32> {
        DxLeaf::wrap(block).dl_list().values().map(|e| e.major).collect()
    }

    #[test]
    fn new_leaf_is_empty_and_valid() {
        let block = leaf_with(40, &[]);
        let leaf = DxLeaf::wrap(&block[..]);
        let params = crate::ondisk::superblock::FsParams {
            block_size: BS as u32,
            cluster_size: 4096,
            fs_generation: 7,
            max_slots: 1,
            features: Default::default(),
        };
        leaf.validate(40, &params).unwrap();
        assert_eq!(usize::from(leaf.dl_list().de_count()), dx_entries_per_leaf(BS));
        assert_eq!(leaf.dl_list().de_num_used(), 0);
    }

    #[test]
    fn sort_and_retain() {
        let mut block = leaf_with(1, &[(9, 1), (3, 5), (3, 2), (7, 0)]);
        let mut leaf = DxLeaf::wrap(&mut block[..]);
        leaf.dl_list_mut().sort_by_hash();
        let sorted: Vec<_> = leaf.dl_list().values().map(|e| (e.major, e.minor)).collect();
        assert_eq!(sorted, [(3, 2), (3, 5), (7, 0), (9, 1)]);
        leaf.dl_list_mut().retain(|e| e.major < 7);
        assert_eq!(majors(&block), [3, 3]);
        // Freed slots are zero.
        let list = DxLeaf::wrap(&block[..]);
        let raw = list.dl_list();
        assert!(raw.entry(2).unwrap().as_bytes().iter().all(|&b| b == 0));
    }

    #[test]
    fn split_picks_the_median_above_the_cluster_hash() {
        let entries: Vec<_> = (0..10).map(|i| (100 + i * 10, 0)).collect();
        let block = leaf_with(1, &entries);
        let leaf = DxLeaf::wrap(&block[..]);
        assert_eq!(split_hash(&leaf.dl_list(), 100, 5), Some(150));
        // Entries at the cluster's own hash are skipped.
        let entries: Vec<_> = (0..10).map(|i| (if i < 8 { 100 } else { 300 }, 0)).collect();
        let block = leaf_with(1, &entries);
        let leaf = DxLeaf::wrap(&block[..]);
        assert_eq!(split_hash(&leaf.dl_list(), 100, 5), Some(300));
    }

    #[test]
    fn split_of_a_leaf_with_one_hash() {
        let block = leaf_with(1, &[(50, 0), (50, 1), (50, 2)]);
        let list = DxLeaf::wrap(&block[..]);
        let list = list.dl_list();
        assert_eq!(split_hash(&list, 0, 50), None);
        assert_eq!(split_hash(&list, 50, 60), Some(51));
        assert_eq!(split_hash(&list, 0, 20), Some(50));
        assert_eq!(split_hash(&list, 0, 70), Some(70));
    }

    fn root_block(entries: &[(u32, u32)]) -> Vec<u8> {
        let mut block = vec![0u8; BS];
        let mut root = DxRoot::wrap(&mut block[..]);
        root.set_dr_flags(DX_FLAG_INLINE);
        let mut list = root.dr_entries_mut();
        list.set_de_count(super::super::dx::dx_entries_per_root(BS) as u16);
        for &(major, minor) in entries {
            assert!(list.push(major, minor, 1));
        }
        block
    }

    fn recs(block: &[u8]) -> Vec<(u32, u64)> {
        DxRoot::wrap(block).dr_list().recs().map(|r| (r.e_cpos(), r.e_blkno())).collect()
    }

    #[test]
    fn root_becomes_a_tree_of_one_cluster_at_hash_0() {
        let mut block = root_block(&[(1, 2), (3, 4)]);
        root_to_tree(&mut block, 800);
        let root = DxRoot::wrap(&block[..]);
        assert!(!root.is_inline());
        assert_eq!(root.dr_clusters(), 1);
        assert_eq!(usize::from(root.dr_list().l_count()), extent_recs_per_dx_root(BS));
        assert_eq!(recs(&block), [(0, 800)]);
    }

    #[test]
    fn leaf_index_masks_the_minor_hash() {
        assert_eq!(leaf_index(0x1234_5677, 8), 7);
        assert_eq!(leaf_index(0x1234_5677, 1), 0);
    }
}
