//! "refcount" off.  tunefs.ocfs2 (`feature_refcount.c`) copies out every shared extent of
//! every file with a refcount tree (`ocfs2_refcount_cow()`) and frees the trees.  This tool
//! does not copy extents: it refuses, naming the first inode with a refcount tree, and
//! otherwise only the feature bit changes, as with tunefs.ocfs2 on such a volume.

use ocfs_format::dinode::HAS_REFCOUNT_FL;
use ocfs_volume::{Error, Volume};

pub fn check_none(vol: &Volume) -> Result<(), String> {
    let found = vol.for_each_inode(|inode| {
        let d = inode.dinode();
        if d.i_dyn_features() & HAS_REFCOUNT_FL != 0 {
            return Err(Error::Invalid(format!(
                "disabling \"refcount\": inode {} has a refcount tree (block {}); its shared \
                 extents would have to be copied out, which this tool does not do",
                inode.blkno,
                d.i_refcount_loc()
            )));
        }
        Ok(())
    });
    found.map_err(|e| e.to_string())
}
