//! "sparse" off (`feature_sparse_files.c`, `disable_sparse_files()`): every regular file
//! that is not a system file and has no inline data, in `tunefs_foreach_inode()` order,
//! gets its holes below `i_size` (rounded up to clusters) filled and its allocation past
//! `i_size` cut:
//!
//! * each hole, from the lowest, is filled run by run: `ocfs2_new_clusters(1, len)` from
//!   the range allocator, the run zeroed, then inserted where it belongs in the extent tree
//!   (`ocfs2_inode_insert_extent()`, ocfs-volume's `insert_extent_at`: a tree with extent
//!   blocks is copied to new blocks first, the inode written, the old blocks freed);
//! * a file whose last allocated cluster lies at or past `ceil(i_size / cluster)` is
//!   truncated to `i_size` (`ocfs2_zero_tail_and_truncate()`): the clusters past it freed,
//!   the rest of its last cluster zeroed.
//!
//! Checked before any write: every file's tree reads; the runs each hole will get, worked
//! out on a copy of the global bitmap, can be inserted (ocfs-volume inserts in the middle
//! of a depth-0 tree, growing it to depth 1 when its list is full, and into the rightmost
//! leaf of a depth-1 tree; the kernel's leaf-to-leaf rotations are not done, so a hole left
//! of the rightmost leaf of a file with several leaves is refused, naming the inode);
//! enough free clusters; and, with quotas on, an entry in the global quota files for
//! every owner whose allocation changes.  With quotas on, each such owner's `dqb_curspace`
//! then moves by its files' change (`fill_sparse_files()`).  No marker: each run is zeroed and allocated before its record points at it,
//! so a run stopped half-way leaves whole files and at worst clusters allocated to
//! nothing, which fsck.ocfs2 frees.

use ocfs_format::dinode::{mode, Id2Kind, INLINE_DATA_FL, SYSTEM_FL};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::features::RoCompatFeatures;
use ocfs_format::system::SystemFile;
use ocfs_volume::{ChainAllocator, Error, Volume, Writer};

/// One file to fill and trim.
#[derive(Debug)]
pub struct File {
    blkno: u64,
    /// (first cluster, clusters) of each hole below `i_size`.
    holes: Vec<(u32, u32)>,
    /// Whether clusters lie at or past `i_size`.
    truncate: bool,
    /// The owner's ids (user, group) and the change of its allocation, in bytes.
    owners: [u32; 2],
    delta: i64,
}

/// The holes of a file below `clusters`, from its (sorted) extents.
fn holes_below(extents: &[ocfs_volume::Extent], clusters: u32) -> Vec<(u32, u32)> {
    let mut holes = Vec::new();
    let mut at = 0u32;
    for e in extents {
        if at >= clusters {
            break;
        }
        if e.cpos > at {
            holes.push((at, e.cpos.min(clusters) - at));
        }
        at = at.max(e.cpos + e.clusters);
    }
    if at < clusters {
        holes.push((at, clusters - at));
    }
    holes
}

pub fn find(vol: &Volume) -> Result<Vec<File>, String> {
    let cluster = u64::from(vol.params().cluster_size);
    let bpc = vol.blocks_per_cluster();
    let quotas = vol
        .params()
        .features
        .ro_compat
        .intersects(RoCompatFeatures::USRQUOTA.union(RoCompatFeatures::GRPQUOTA));
    // The runs the range allocator will hand out, worked out on a copy.
    let mut bitmap = vol
        .system_file(SystemFile::GlobalBitmap, 0)
        .and_then(|b| ChainAllocator::load(vol, b))
        .map_err(|e| e.to_string())?;
    let writer = Writer::new(vol);
    let mut files = Vec::new();
    let mut needed = 0u64;
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        if d.i_mode() & mode::FMT != mode::REG
            || d.i_flags() & SYSTEM_FL != 0
            || d.i_dyn_features() & INLINE_DATA_FL != 0
            || d.id2_kind() != Id2Kind::ExtentList
        {
            return Ok(());
        }
        let clusters = u32::try_from(d.i_size().div_ceil(cluster)).map_err(|_| {
            Error::Invalid(format!("inode {}: i_size {} is too large", inode.blkno, d.i_size()))
        })?;
        let tree = vol.file_extents(&inode)?;
        let mut extents = tree.extents.clone();
        extents.sort_by_key(|e| e.cpos);
        let holes = holes_below(&extents, clusters);
        let last = extents.iter().map(|e| e.cpos + e.clusters).max().unwrap_or(0);
        let truncate = last > clusters;
        if holes.is_empty() && !truncate {
            return Ok(());
        }
        check_inserts(vol, &writer, &inode, &holes, &mut bitmap, bpc)?;
        let filled: u64 = holes.iter().map(|&(_, n)| u64::from(n)).sum();
        let cut: u64 = extents
            .iter()
            .map(|e| u64::from(e.cpos + e.clusters).saturating_sub(u64::from(e.cpos.max(clusters))))
            .sum();
        needed += filled;
        files.push(File {
            blkno: inode.blkno,
            holes,
            truncate,
            owners: [d.i_uid(), d.i_gid()],
            delta: (filled as i64 - cut as i64) * cluster as i64,
        });
        Ok(())
    })
    .map_err(|e| format!("disabling \"sparse\": {e}"))?;
    let free = crate::journal::free_clusters(vol)?;
    if free < needed {
        return Err(format!(
            "There is not enough space to fill all of the sparse files: {needed} clusters needed, {free} free"
        ));
    }
    if quotas {
        for kind in super::quota::kinds_on(vol) {
            super::quota::check_space(vol, kind, &space_changes(&files, kind))
                .map_err(|e| format!("disabling \"sparse\": {e}"))?;
        }
    }
    Ok(files)
}

/// Each owner's change of allocation (bytes), user (kind 0) or group (1) ids, in the
/// order the files were found; owners whose change sums to 0 left out.
fn space_changes(files: &[File], kind: usize) -> Vec<(u32, i64)> {
    let mut changes: Vec<(u32, i64)> = Vec::new();
    for file in files {
        let id = file.owners[kind];
        match changes.iter_mut().find(|(i, _)| *i == id) {
            Some((_, d)) => *d += file.delta,
            None => changes.push((id, file.delta)),
        }
    }
    changes.retain(|&(_, d)| d != 0);
    changes
}

/// Whether the runs the holes will get can go into the tree: on a depth-0 tree, the
/// inserts before the end fit the inode's list or, once it is full, one extent block
/// (`ocfs2_shift_tree_depth` moves them there); on a deeper tree each must be one
/// `insert_extent_at` accepts now (the rightmost leaf, with room for all of them).
fn check_inserts(
    vol: &Volume,
    writer: &Writer,
    inode: &ocfs_volume::Inode,
    holes: &[(u32, u32)],
    bitmap: &mut ChainAllocator,
    bpc: u64,
) -> ocfs_volume::Result<()> {
    let d = inode.dinode();
    let root = d.extent_list();
    let end = vol
        .file_extents(inode)?
        .extents
        .iter()
        .map(|e| e.cpos + e.clusters)
        .max()
        .unwrap_or(0);
    let mut middle = 0u32;
    for &(start, len) in holes {
        let mut at = start;
        let mut left = len;
        while left > 0 {
            let (bit, n) = bitmap.alloc_range(1, u64::from(left))?.ok_or_else(|| {
                Error::Invalid("There is not enough space to fill all of the sparse files".into())
            })?;
            let n = n as u32;
            if at < end {
                middle += 1;
                writer.can_insert_extent(inode, at, bit * bpc, n)?;
            }
            at += n;
            left -= n;
        }
    }
    let used = u32::from(root.l_next_free_rec());
    let room = match root.l_tree_depth() {
        0 if used + middle <= u32::from(root.l_count()) => return Ok(()),
        0 => ocfs_format::extent::extent_recs_per_eb(vol.block_size() as usize) as u32,
        _ => {
            let leaf = d.i_last_eb_blk();
            let block = vol.read_block(leaf)?;
            let eb = ExtentBlock::new(block.as_slice()).map_err(|e| Error::Format(e.at_block(leaf)))?;
            let list = eb.h_list();
            return if u32::from(list.l_next_free_rec()) + middle <= u32::from(list.l_count()) {
                Ok(())
            } else {
                Err(Error::Invalid(format!(
                    "inode {}: filling its holes needs {middle} more records in its full rightmost extent leaf {leaf}, \
                     which would need records rotated between leaves (not supported)",
                    inode.blkno
                )))
            };
        }
    };
    if used + middle <= room {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "inode {}: filling its holes needs {middle} more extent records than one extent block holds \
             once its {used} records move there, which would need records rotated between leaves (not supported)",
            inode.blkno
        )))
    }
}

pub fn convert(vol: &Volume, files: &[File]) -> Result<(), String> {
    let mut w = Writer::new(vol);
    let err = |blkno: u64| move |e: Error| format!("while filling the holes of inode {blkno}: {e}");
    for file in files {
        let mut inode = vol.read_inode(file.blkno).map_err(err(file.blkno))?;
        for &(start, len) in &file.holes {
            let (mut at, mut left) = (start, len);
            while left > 0 {
                let (blkno, n) = w.new_clusters(1, left).map_err(err(file.blkno))?;
                vol.zero_blocks(blkno, u64::from(n) * vol.blocks_per_cluster())
                    .map_err(err(file.blkno))?;
                w.insert_extent_at(&mut inode, at, blkno, n)
                    .map_err(err(file.blkno))?;
                at += n;
                left -= n;
            }
        }
        if file.truncate {
            w.truncate_allocation(file.blkno).map_err(err(file.blkno))?;
        }
    }
    // fill_sparse_files(): each owner's dqb_curspace moves by what its files gained.
    for kind in super::quota::kinds_on(vol) {
        super::quota::adjust_space(vol, kind, &space_changes(files, kind))?;
    }
    Ok(())
}

/// "sparse" on (`enable_sparse_files()`): every regular, non-system file with an extent
/// list is truncated to its `i_size` (`truncate_to_i_size()`:
/// `ocfs2_zero_tail_and_truncate()`, which also zeroes the rest of the last cluster).
/// Refused with quotas on when a file's allocation would shrink: tunefs.ocfs2 leaves the
/// owners' usage as it was.
pub fn find_all(vol: &Volume) -> Result<Vec<u64>, String> {
    let cluster = u64::from(vol.params().cluster_size);
    let quotas = vol
        .params()
        .features
        .ro_compat
        .intersects(RoCompatFeatures::USRQUOTA.union(RoCompatFeatures::GRPQUOTA));
    let mut files = Vec::new();
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        if d.i_mode() & mode::FMT != mode::REG
            || d.i_flags() & SYSTEM_FL != 0
            || d.i_dyn_features() & INLINE_DATA_FL != 0
            || d.id2_kind() != Id2Kind::ExtentList
        {
            return Ok(());
        }
        let tree = vol.file_extents(&inode)?;
        if quotas {
            let clusters = d.i_size().div_ceil(cluster);
            let last = tree.extents.iter().map(|e| u64::from(e.cpos + e.clusters)).max();
            if last.is_some_and(|l| l > clusters) {
                return Err(Error::Invalid(format!(
                    "inode {} has clusters past its size, and with quotas on cutting them would \
                     leave its owner's usage wrong (tunefs.ocfs2 does not adjust it)",
                    inode.blkno
                )));
            }
        }
        if tree.depth > 1 {
            return Err(Error::Invalid(format!(
                "inode {}: extent trees of depth {} are not supported",
                inode.blkno, tree.depth
            )));
        }
        files.push(inode.blkno);
        Ok(())
    })
    .map_err(|e| format!("enabling \"sparse\": {e}"))?;
    Ok(files)
}

pub fn truncate_all(vol: &Volume, files: &[u64]) -> Result<(), String> {
    let mut w = Writer::new(vol);
    for &blkno in files {
        w.truncate_allocation(blkno)
            .map_err(|e| format!("while truncating inode {blkno} to its size: {e}"))?;
    }
    Ok(())
}
