//! Every inode of the volume, as `tunefs_foreach_inode()` finds them: the allocated bits of
//! `global_inode_alloc` and of each slot's `inode_alloc`, each block read as an inode and
//! kept when it is valid (`OCFS2_VALID_FL`).  The superblock and the group descriptors are
//! not inodes of an allocator and are not visited.

use crate::error::Result;
use crate::volume::{Inode, Volume};
use ocfs_format::dinode::VALID_FL;
use ocfs_format::group::GroupDesc;
use ocfs_format::system::SystemFile;
use ocfs_format::test_bit;

impl Volume {
    /// The inode allocators: `global_inode_alloc`, then `inode_alloc` of every slot.
    fn inode_allocators(&self) -> Result<Vec<u64>> {
        let mut allocators = vec![self.system_file(SystemFile::GlobalInodeAlloc, 0)?];
        for slot in 0..self.params().max_slots {
            allocators.push(self.system_file(SystemFile::InodeAlloc, slot)?);
        }
        Ok(allocators)
    }

    /// Calls `visit` with every valid inode, in allocator, chain and group order.  An
    /// allocated block that does not read as a valid inode stops the walk with its error:
    /// a tool about to change every inode must not skip one it cannot read.
    pub fn for_each_inode(&self, mut visit: impl FnMut(Inode) -> Result<()>) -> Result<()> {
        for alloc in self.inode_allocators()? {
            let alloc = self.read_inode(alloc)?;
            for chain in self.chains(&alloc)? {
                for group in chain.groups {
                    let block = self.read_block(group.blkno)?;
                    let gd = GroupDesc::new(block.as_slice())
                        .map_err(|e| crate::Error::Format(e.at_block(group.blkno)))?;
                    // Bit 0 is the descriptor itself.
                    for bit in 1..usize::from(gd.bg_bits()) {
                        if !test_bit(gd.bg_bitmap(), bit) {
                            continue;
                        }
                        let inode = self.read_inode(group.blkno + bit as u64)?;
                        if inode.dinode().i_flags() & VALID_FL != 0 {
                            visit(inode)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
