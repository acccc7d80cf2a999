//! Extent trees of any depth: from a root list (in an inode, dx root, xattr or refcount
//! block) down through extent blocks to the leaf records that map clusters to blocks.

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use ocfs_format::dinode::Id2Kind;
use ocfs_format::extent::{ExtentBlock, ExtentList};

/// `OCFS2_MAX_PATH_DEPTH`: the deepest tree the kernel builds.
pub const MAX_TREE_DEPTH: u16 = 5;

/// One leaf record: `clusters` clusters from logical cluster `cpos` at block `blkno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent {
    pub cpos: u32,
    pub clusters: u32,
    pub blkno: u64,
    pub flags: u8,
}

/// A walked tree: its leaves in order and the extent blocks met on the way.
#[derive(Clone, Debug, Default)]
pub struct ExtentTree {
    pub depth: u16,
    pub extents: Vec<Extent>,
    /// Extent blocks, in walk order, with their depth below them.
    pub blocks: Vec<(u64, u16)>,
}

impl ExtentTree {
    /// The block that logical block `lblk` of the file lives in, or None for a hole.
    pub fn map_block(&self, lblk: u64, blocks_per_cluster: u64) -> Option<u64> {
        self.extents.iter().find_map(|e| {
            let first = u64::from(e.cpos) * blocks_per_cluster;
            let len = u64::from(e.clusters) * blocks_per_cluster;
            (lblk >= first && lblk < first + len).then(|| e.blkno + (lblk - first))
        })
    }
}

impl Volume {
    /// Walks the tree whose root list is `root`, held in block `owner`.
    pub fn extent_tree(&self, root: ExtentList<&[u8]>, owner: u64) -> Result<ExtentTree> {
        let depth = root.l_tree_depth();
        if depth > MAX_TREE_DEPTH {
            return Err(Error::Invalid(format!(
                "extent list in block {owner}: l_tree_depth {depth} exceeds the maximum {MAX_TREE_DEPTH}"
            )));
        }
        let mut tree = ExtentTree {
            depth,
            ..ExtentTree::default()
        };
        self.walk(root, owner, depth, &mut tree)?;
        Ok(tree)
    }

    fn walk(
        &self,
        list: ExtentList<&[u8]>,
        owner: u64,
        depth: u16,
        tree: &mut ExtentTree,
    ) -> Result<()> {
        for (i, rec) in list.recs().enumerate() {
            if depth == 0 {
                let clusters = u32::from(rec.e_leaf_clusters());
                if clusters > 0 {
                    tree.extents.push(Extent {
                        cpos: rec.e_cpos(),
                        clusters,
                        blkno: rec.e_blkno(),
                        flags: rec.e_flags(),
                    });
                }
                continue;
            }
            let blkno = rec.e_blkno();
            let mut block = self.read_block(blkno).map_err(|e| {
                Error::Invalid(format!(
                    "extent record {i} of block {owner} points at block {blkno}: {e}"
                ))
            })?;
            self.check_ecc(&mut block, ExtentBlock::<()>::CHECK_OFFSET, blkno)?;
            let eb =
                ExtentBlock::new(block.as_slice()).map_err(|e| Error::Format(e.at_block(blkno)))?;
            eb.validate(blkno, self.params())?;
            let child = eb.h_list();
            if child.l_tree_depth() != depth - 1 {
                return Err(Error::Invalid(format!(
                    "extent block {blkno}: l_tree_depth {} but its parent (block {owner}) is at depth {depth}",
                    child.l_tree_depth()
                )));
            }
            tree.blocks.push((blkno, depth - 1));
            self.walk(child, blkno, depth - 1, tree)?;
        }
        Ok(())
    }

    /// The extent tree of a file whose id2 is an extent list.
    pub fn file_extents(&self, inode: &Inode) -> Result<ExtentTree> {
        let d = inode.dinode();
        match d.id2_kind() {
            Id2Kind::ExtentList => self.extent_tree(d.extent_list(), inode.blkno),
            kind => Err(Error::Invalid(format!(
                "inode {} has no extent list (its id2 is {kind:?})",
                inode.blkno
            ))),
        }
    }

    /// The first `i_size` bytes of a file: inline data, a fast symlink target, or its
    /// blocks through the extent tree (holes read as zeros).
    pub fn read_file(&self, inode: &Inode) -> Result<Vec<u8>> {
        let d = inode.dinode();
        let size = usize::try_from(d.i_size()).map_err(|_| {
            Error::Invalid(format!(
                "inode {}: i_size {} is too large to read",
                inode.blkno,
                d.i_size()
            ))
        })?;
        match d.id2_kind() {
            Id2Kind::InlineData => Ok(d.inline_data().iter().copied().take(size).collect()),
            Id2Kind::FastSymlink => Ok(d.fast_symlink().to_vec()),
            Id2Kind::ExtentList => {
                let tree = self.file_extents(inode)?;
                let bs = self.block_size() as usize;
                let bpc = self.blocks_per_cluster();
                let mut data = Vec::with_capacity(size);
                let mut lblk = 0u64;
                while data.len() < size {
                    match tree.map_block(lblk, bpc) {
                        Some(pblk) => data.extend_from_slice(&self.read_block(pblk)?),
                        None => data.resize(data.len() + bs, 0),
                    }
                    lblk += 1;
                }
                data.truncate(size);
                Ok(data)
            }
            kind => Err(Error::Invalid(format!(
                "inode {} holds no file data (its id2 is {kind:?})",
                inode.blkno
            ))),
        }
    }
}
