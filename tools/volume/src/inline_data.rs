//! Inline data moved out to a cluster (`ocfs2_convert_inline_data_to_extents()`, libocfs2
//! `fileio.c`), for regular files and directories alike.
//!
//! A regular file's bytes go to the first block of one new, zeroed cluster (the rest of the
//! block zeros); a directory's entries go there with the last entry stretched to the
//! block's usable end and a trailer when the volume supports them, and `i_size` becomes one
//! block (`Writer::convert_inline_dir`).  The inode gets an empty extent list holding that
//! cluster, without `INLINE_DATA_FL`.
//!
//! One difference from libocfs2: a regular file of size 0 gets no cluster.  libocfs2
//! allocates one anyway, which leaves a file of size 0 with a block of data
//! (fsck.ocfs2's `INODE_SPARSE_SIZE`, whose fix would make the file 4096 bytes long); the
//! kernel never allocates for an empty inline file either.

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use crate::writer::Writer;
use ocfs_format::dinode::{self, mode, INLINE_DATA_FL, INLINE_XATTR_FL};
use ocfs_format::dir::dir_entries;

impl Volume {
    /// Checks that an inline inode can be converted: its size fits its inline area and, for
    /// a directory, its entries parse and end exactly at `i_size`.  Nothing is written.
    pub fn check_inline_convertible(&self, inode: &Inode) -> Result<()> {
        let d = inode.dinode();
        if d.i_dyn_features() & INLINE_DATA_FL == 0 {
            return Err(Error::Invalid(format!(
                "inode {}: has no inline data",
                inode.blkno
            )));
        }
        if d.i_dyn_features() & INLINE_XATTR_FL != 0 {
            // The extent list would have to stop short of the attributes kept at the end
            // of the inode (`ocfs2_extent_recs_per_inode_with_xattr()`).
            return Err(Error::Invalid(format!(
                "inode {}: its extended attributes share the inode with its data, which this tool does not move out",
                inode.blkno
            )));
        }
        let size = d.i_size();
        let room = d.inline_data().len() as u64;
        if size > room {
            return Err(Error::Invalid(format!(
                "inode {}: i_size {size} exceeds its inline data area ({room} bytes)",
                inode.blkno
            )));
        }
        if d.i_mode() & mode::FMT == mode::DIR {
            let region = &d.inline_data()[..size as usize];
            let mut end = 0usize;
            for entry in dir_entries(region, inode.blkno) {
                let (offset, e) = entry.map_err(Error::Format)?;
                end = offset + usize::from(e.rec_len());
            }
            if size == 0 || end != size as usize {
                return Err(Error::Invalid(format!(
                    "inode {}: its inline directory entries end at byte {end}, not at i_size {size}",
                    inode.blkno
                )));
            }
        }
        Ok(())
    }
}

impl Writer<'_> {
    /// `ocfs2_convert_inline_data_to_extents()` on a regular file or a directory: written
    /// data block (if any), then the inode.  Directories are not indexed here.
    pub fn convert_inline_data(&mut self, inode: &mut Inode) -> Result<()> {
        let vol = self.volume();
        vol.check_inline_convertible(inode)?;
        if inode.dinode().i_mode() & mode::FMT == mode::DIR {
            return self.convert_inline_dir(inode);
        }
        let bs = vol.block_size() as usize;
        let size = inode.dinode().i_size() as usize;
        let mut block = vec![0u8; bs];
        block[..size].copy_from_slice(&inode.dinode().inline_data()[..size]);
        {
            let mut d = inode.dinode_mut();
            d.id2_mut().fill(0);
            d.extent_list_mut()
                .set_l_count(dinode::extent_recs_per_inode(bs) as u16);
            let features = d.i_dyn_features();
            d.set_i_dyn_features(features & !INLINE_DATA_FL);
        }
        if size > 0 {
            let (p_start, _) = self.new_clusters(1, 1)?;
            vol.zero_blocks(p_start, vol.blocks_per_cluster())?;
            vol.write_block(p_start, &block)?;
            self.insert_extent(inode, 0, p_start, 1)?;
        }
        vol.write_inode(inode)
    }
}
