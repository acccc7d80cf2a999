//! "indexed-dirs" off (`feature_indexed_dirs.c`, `ocfs2_dx_dir_truncate()`): every indexed
//! directory loses its index.  For each, as libocfs2 orders it: the directory inode first
//! (`INDEXED_DIR_FL` and `i_dx_root` cleared), then the index's leaf clusters back to the
//! global bitmap, then the root's bit back to the extent allocator of its slot.  The
//! directory blocks keep their trailers (readable without the feature).  No marker: a run
//! stopped after an inode was written leaves blocks allocated to nothing, which
//! fsck.ocfs2 frees; the directories themselves are whole at every step.

use ocfs_format::dinode::{INDEXED_DIR_FL, INLINE_DATA_FL};
use ocfs_format::dx::DxRoot;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Error, Volume, Writer};

/// One indexed directory and where its index lives.
#[derive(Debug)]
pub struct Indexed {
    dir: u64,
    root: u64,
    root_slot: u16,
    /// (first block, clusters) of each leaf extent; empty for an inline root.
    leaves: Vec<(u64, u32)>,
}

/// Every indexed directory, each index read and checked before anything is written.
/// Indexes whose extent tree has interior blocks are refused (none this tool or a kernel
/// of a few thousand entries per directory makes; libocfs2 would free them too).
pub fn find(vol: &Volume) -> Result<Vec<Indexed>, String> {
    let mut found = Vec::new();
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        let dyn_features = d.i_dyn_features();
        if !d.is_dir() || dyn_features & INDEXED_DIR_FL == 0 || dyn_features & INLINE_DATA_FL != 0
        {
            return Ok(());
        }
        let root = d.i_dx_root();
        let mut block = vol.read_block(root)?;
        vol.check_ecc(&mut block, DxRoot::<()>::CHECK_OFFSET, root)?;
        let dx = DxRoot::new(block.as_slice()).map_err(|e| Error::Format(e.at_block(root)))?;
        dx.validate(root, vol.params())
            .map_err(|e| Error::Format(e.at_block(root)))?;
        let mut leaves = Vec::new();
        if !dx.is_inline() {
            let list = dx.dr_list();
            if list.l_tree_depth() != 0 {
                return Err(Error::Invalid(format!(
                    "disabling \"indexed-dirs\": the index of directory {} has a tree of depth {}, which this tool does not free",
                    inode.blkno,
                    list.l_tree_depth()
                )));
            }
            for rec in list.recs() {
                leaves.push((rec.e_blkno(), u32::from(rec.e_leaf_clusters())));
            }
        }
        found.push(Indexed {
            dir: inode.blkno,
            root,
            root_slot: dx.dr_suballoc_slot(),
            leaves,
        });
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(found)
}

pub fn remove(vol: &Volume, indexed: &[Indexed]) -> Result<(), String> {
    let mut w = Writer::new(vol);
    for one in indexed {
        let mut dir = vol.read_inode(one.dir).map_err(|e| e.to_string())?;
        {
            let mut d = dir.dinode_mut();
            let dyn_features = d.i_dyn_features();
            d.set_i_dyn_features(dyn_features & !INDEXED_DIR_FL);
            d.set_i_dx_root(0);
        }
        vol.write_inode(&mut dir).map_err(|e| e.to_string())?;
        for &(blkno, clusters) in &one.leaves {
            w.free_clusters(blkno, clusters)
                .map_err(|e| e.to_string())?;
        }
        let alloc = vol
            .system_file(SystemFile::ExtentAlloc, one.root_slot)
            .map_err(|e| e.to_string())?;
        w.free_block(alloc, one.root).map_err(|e| e.to_string())?;
    }
    Ok(())
}
