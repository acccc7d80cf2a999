//! What a command is pointed at: a path (`/a/b`, `//system_file`) or an inode block number
//! (`#N`, or debugfs.ocfs2's `<N>`).

use ocfs_volume::{Error, Volume};

/// The inode block `spec` names.
pub fn inode_blkno(vol: &Volume, spec: &str) -> Result<u64, Error> {
    let number = spec
        .strip_prefix('#')
        .or_else(|| spec.strip_prefix('<').and_then(|s| s.strip_suffix('>')));
    match number {
        Some(n) => n
            .parse()
            .map_err(|_| Error::Invalid(format!("{spec}: not a block number"))),
        None => vol.resolve(spec),
    }
}
