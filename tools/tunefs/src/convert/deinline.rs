//! "inline-data" off (`feature_inline_data.c`, `disable_inline_data()`): every regular file
//! and directory with inline data, system files included, in the order
//! `tunefs_foreach_inode()` finds them, is moved out to a new cluster
//! (`ocfs2_convert_inline_data_to_extents()`, ocfs-volume's `convert_inline_data`).
//!
//! Two things tunefs.ocfs2 1.8.7 leaves for fsck.ocfs2 to complain about are done
//! differently here:
//!
//! * with "indexed-dirs", each converted directory is indexed (`ocfs2_dx_dir_build()`,
//!   after every conversion, so that the data clusters are the ones tunefs.ocfs2 picks);
//!   tunefs.ocfs2 leaves them unindexed, which fsck.ocfs2 reports as `DX_TREE_MISSING`;
//! * an empty regular file gets no cluster; tunefs.ocfs2 gives it one, which fsck.ocfs2
//!   reports as `INODE_SPARSE_SIZE` (and would "fix" by making the file a block long).
//!
//! Every inline inode is checked (size within its inline area, directory entries whole)
//! and the free clusters counted before the first write.  No marker: each conversion writes
//! its data block before the inode, so a run stopped half-way leaves whole files, some
//! converted, and at worst a cluster allocated to nothing, which fsck.ocfs2 frees.

use ocfs_format::dinode::{mode, INLINE_DATA_FL};
use ocfs_format::features::IncompatFeatures;
use ocfs_format::system::SystemFile;
use ocfs_volume::{Volume, Writer};

/// The inline inodes to convert, in conversion order.
#[derive(Debug, Default)]
pub struct Plan {
    inodes: Vec<u64>,
    dirs: Vec<u64>,
}

pub fn find(vol: &Volume) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let mut clusters = 0u64;
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        let fmt = d.i_mode() & mode::FMT;
        if (fmt != mode::REG && fmt != mode::DIR) || d.i_dyn_features() & INLINE_DATA_FL == 0 {
            return Ok(());
        }
        vol.check_inline_convertible(&inode).map_err(|e| {
            ocfs_volume::Error::Invalid(format!("inode {} cannot be moved out: {e}", inode.blkno))
        })?;
        if fmt == mode::DIR {
            plan.dirs.push(inode.blkno);
            clusters += 1;
        } else if d.i_size() > 0 {
            clusters += 1;
        }
        plan.inodes.push(inode.blkno);
        Ok(())
    })
    .map_err(|e| format!("disabling \"inline-data\": {e}"))?;
    let indexed = vol
        .params()
        .features
        .incompat
        .contains(IncompatFeatures::INDEXED_DIRS);
    if indexed && !plan.dirs.is_empty() {
        clusters += dx_root_clusters(vol, &plan.dirs)?;
    }
    let free = crate::journal::free_clusters(vol)?;
    if free < clusters {
        return Err(format!(
            "There is not enough space to expand all of the inline data: {clusters} clusters needed, {free} free"
        ));
    }
    Ok(plan)
}

/// Clusters the extent allocators must grow by to hold one directory index root for each
/// of `dirs` (from the allocator of the directory's slot, as `ocfs2_new_dx_root()` takes
/// it).
pub(super) fn dx_root_clusters(vol: &Volume, dirs: &[u64]) -> Result<u64, String> {
    let mut per_slot = std::collections::BTreeMap::<u16, u64>::new();
    for &dir in dirs {
        let slot = match vol.read_inode(dir).map_err(|e| e.to_string())?.dinode().i_suballoc_slot() {
            u16::MAX => 0,
            slot => slot,
        };
        *per_slot.entry(slot).or_default() += 1;
    }
    let mut clusters = 0;
    for (slot, roots) in per_slot {
        let alloc = vol
            .system_file(SystemFile::ExtentAlloc, slot)
            .and_then(|b| vol.read_inode(b))
            .map_err(|e| e.to_string())?;
        let d = alloc.dinode();
        let free = u64::from(d.i_total()).saturating_sub(u64::from(d.i_used()));
        if roots <= free {
            continue;
        }
        let cl = d.chain_list();
        let cpg = u64::from(cl.cl_cpg());
        let per_group = (cpg * u64::from(cl.cl_bpc())).saturating_sub(1).max(1);
        clusters += (roots - free).div_ceil(per_group) * cpg;
    }
    Ok(clusters)
}

pub fn convert(vol: &Volume, plan: &Plan) -> Result<(), String> {
    let mut w = Writer::new(vol);
    for &blkno in &plan.inodes {
        let mut inode = vol.read_inode(blkno).map_err(|e| e.to_string())?;
        w.convert_inline_data(&mut inode)
            .map_err(|e| format!("while expanding the inline data of inode {blkno}: {e}"))?;
    }
    if vol
        .params()
        .features
        .incompat
        .contains(IncompatFeatures::INDEXED_DIRS)
    {
        for &dir in &plan.dirs {
            w.dx_build(dir)
                .map_err(|e| format!("while indexing directory {dir}: {e}"))?;
        }
    }
    Ok(())
}
