//! New and freed metadata: system inodes from global_inode_alloc (`ocfs2_new_system_inode`,
//! `ocfs2_init_inode`), extent blocks from extent_alloc:0000 (`ocfs2_new_extent_block`), and
//! their release (`ocfs2_delete_inode`, `ocfs2_delete_extent_block`).

use crate::error::{Error, Result};
use crate::suballoc::{clusters_per_group, SubBlock};
use crate::volume::Inode;
use crate::writer::Writer;
use ocfs_format::chain::chain_recs_per_inode;
use ocfs_format::dinode::{
    self, mode, CHAIN_FL, DEALLOC_FL, INLINE_DATA_FL, LOCAL_ALLOC_FL, ORPHANED_FL, SUPER_BLOCK_FL,
    SYSTEM_FL, VALID_FL,
};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::features::IncompatFeatures;
use ocfs_format::local_alloc::local_alloc_size;
use ocfs_format::system::SystemFile;
use ocfs_format::truncate_log::truncate_recs_per_inode;

impl Writer<'_> {
    /// `ocfs2_new_system_inode(mode, flags)`: a bit of global_inode_alloc (which grows by a
    /// group when full) and a fresh inode there, written.  Returns the inode.
    pub fn new_system_inode(&mut self, mode: u16, flags: u32) -> Result<Inode> {
        let alloc = self.volume().system_file(SystemFile::GlobalInodeAlloc, 0)?;
        let sub = self.alloc_block(alloc)?;
        let mut inode = self.init_inode(sub, u16::MAX, mode, flags | VALID_FL | SYSTEM_FL)?;
        self.volume().write_inode(&mut inode)?;
        Ok(inode)
    }

    /// `ocfs2_init_inode()`: the inode a new allocation starts as.
    fn init_inode(&self, sub: SubBlock, slot: u16, mode: u16, flags: u32) -> Result<Inode> {
        let vol = self.volume();
        let bs = vol.block_size() as usize;
        let sb = vol.superblock();
        let (generation, fs_generation) = (sb.i_generation(), sb.i_fs_generation());
        let cluster_bits = vol.params().cluster_size.trailing_zeros();
        let inline_dirs = vol
            .params()
            .features
            .incompat
            .contains(IncompatFeatures::INLINE_DATA);
        let mut inode = Inode::from_block(sub.blkno, vec![0u8; bs])?;
        let now = self.now();
        let mut d = inode.dinode_mut();
        d.set_i_generation(generation);
        d.set_i_fs_generation(fs_generation);
        d.set_i_blkno(sub.blkno);
        d.set_i_suballoc_slot(slot);
        d.set_i_suballoc_bit(sub.bit);
        d.set_i_suballoc_loc(sub.group);
        d.set_i_mode(mode);
        d.set_links(if mode & mode::FMT == mode::DIR { 2 } else { 1 });
        d.set_inode_signature();
        d.set_i_atime(now);
        d.set_i_ctime(now);
        d.set_i_mtime(now);
        d.set_i_flags(flags);
        if flags & LOCAL_ALLOC_FL != 0 {
            d.local_alloc_mut().set_la_size(local_alloc_size(bs) as u16);
        } else if flags & CHAIN_FL != 0 {
            let mut cl = d.chain_list_mut();
            cl.set_cl_count(chain_recs_per_inode(bs) as u16);
            cl.set_cl_cpg(clusters_per_group(vol.block_size(), cluster_bits));
            cl.set_cl_bpc((vol.params().cluster_size / vol.block_size()) as u16);
        } else if flags & DEALLOC_FL != 0 {
            d.truncate_log_mut()
                .set_tl_count(truncate_recs_per_inode(bs) as u16);
        } else if flags & SUPER_BLOCK_FL != 0 {
        } else if inline_dirs && mode & mode::FMT == mode::DIR {
            d.set_id_count(dinode::max_inline_data(bs) as u16);
            d.set_i_dyn_features(INLINE_DATA_FL);
        } else {
            d.extent_list_mut()
                .set_l_count(dinode::extent_recs_per_inode(bs) as u16);
        }
        Ok(inode)
    }

    /// `ocfs2_delete_inode()`: its bit back to the allocator it came from (global_inode_alloc
    /// or the slot's inode_alloc), VALID and ORPHANED cleared, `i_dtime` set.  Its clusters
    /// are not freed: truncate it first.
    pub fn delete_inode(&mut self, blkno: u64) -> Result<()> {
        let vol = self.volume();
        let mut inode = vol.read_inode(blkno)?;
        let slot = inode.dinode().i_suballoc_slot();
        let alloc = self.allocator_of(SystemFile::InodeAlloc, slot)?;
        self.free_block(alloc, blkno)?;
        let now = self.now();
        let mut d = inode.dinode_mut();
        let flags = d.i_flags();
        d.set_i_flags(flags & !(VALID_FL | ORPHANED_FL));
        d.set_i_dtime(now);
        vol.write_freed_inode(&mut inode)
    }

    /// `ocfs2_new_extent_block()`: an empty extent block from extent_alloc:0000, written.
    pub fn new_extent_block(&mut self) -> Result<Vec<u8>> {
        let vol = self.volume();
        let alloc = vol.system_file(SystemFile::ExtentAlloc, 0)?;
        let sub = self.alloc_block(alloc)?;
        let mut block = vec![0u8; vol.block_size() as usize];
        {
            let mut eb = ExtentBlock::new(block.as_mut_slice()).map_err(Error::Format)?;
            eb.init(sub.blkno, vol.params().fs_generation);
            eb.set_h_suballoc_slot(0);
            eb.set_h_suballoc_bit(sub.bit);
            eb.set_h_suballoc_loc(sub.group);
        }
        vol.write_extent_block(sub.blkno, &mut block)?;
        Ok(block)
    }

    /// `ocfs2_delete_extent_block()`: its bit back to the extent allocator of its slot.
    pub fn delete_extent_block(&mut self, blkno: u64) -> Result<()> {
        let vol = self.volume();
        let block = vol.read_block(blkno)?;
        let slot = ExtentBlock::new(block.as_slice())
            .map_err(Error::Format)?
            .h_suballoc_slot();
        let alloc = vol.system_file(SystemFile::ExtentAlloc, slot)?;
        self.free_block(alloc, blkno)
    }
}
