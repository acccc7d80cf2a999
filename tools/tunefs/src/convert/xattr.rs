//! "xattr" off.  tunefs.ocfs2 (`feature_xattr.c`) removes every extended attribute of
//! every file, freeing their blocks, buckets and value trees.  This tool does not remove
//! data: it refuses, naming the first inode that has attributes, and otherwise only the
//! superblock changes (the feature bit, `s_uuid_hash` and `s_xattr_inline_size` zeroed,
//! as tunefs.ocfs2 leaves them).

use ocfs_format::dinode::HAS_XATTR_FL;
use ocfs_volume::{Error, Volume};

pub fn check_none(vol: &Volume) -> Result<(), String> {
    let found = vol.for_each_inode(|inode| {
        if inode.dinode().i_dyn_features() & HAS_XATTR_FL != 0 {
            // Stop at the first: one is reason enough.
            return Err(Error::Invalid(format!(
                "disabling \"xattr\": inode {} has extended attributes; remove them first \
                 (this tool does not delete data)",
                inode.blkno
            )));
        }
        Ok(())
    });
    found.map_err(|e| e.to_string())
}
