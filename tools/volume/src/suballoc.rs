//! Suballocators (global_inode_alloc, inode_alloc, extent_alloc): one bit per metadata block,
//! groups carved from the global bitmap (`ocfs2_chain_add_group`), the lowest free bit handed
//! out (`ocfs2_chain_alloc`), each change written at once (`ocfs2_chain_alloc_with_io`).

use crate::chain_alloc::ChainAllocator;
use crate::error::{Error, Result};
use crate::writer::Writer;
use ocfs_format::chain::chain_recs_per_inode;
use ocfs_format::group::{group_bitmap_size, GroupDesc};
use ocfs_format::set_bit;
use ocfs_format::system::SystemFile;

/// A block handed out by a suballocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubBlock {
    pub blkno: u64,
    /// Its bit in its group (`*_suballoc_bit`).
    pub bit: u16,
    /// Its group's descriptor (`*_suballoc_loc`).
    pub group: u64,
}

/// `ocfs2_clusters_per_group()`: suballocator groups are 1, 2 or 4 MiB by block size.
pub fn clusters_per_group(block_size: u32, cluster_bits: u32) -> u16 {
    let megabytes: u32 = match block_size {
        4096 | 2048 => 4,
        1024 => 2,
        _ => 1,
    };
    ((megabytes << 20) >> cluster_bits) as u16
}

impl Writer<'_> {
    /// `ocfs2_chain_add_group()`: `cl_cpg` clusters from the range allocator (exactly that
    /// many or nothing), a descriptor at their first block with bit 0 set, pushed on chain
    /// `cl_next_free_rec` (or, with every chain in use, `(i_clusters / cpg) % cl_count`).
    /// The descriptor is written, then the allocator inode.  Returns the group's block.
    pub fn add_group(&mut self, alloc: &mut ChainAllocator) -> Result<u64> {
        let vol = self.volume();
        let cpg = alloc.cpg();
        let (blkno, found) = self.new_clusters(cpg, cpg)?;
        if found != cpg {
            self.free_clusters(blkno, found)?;
            return Err(Error::Invalid(format!(
                "Unable to find available bit: no run of {cpg} free clusters for a new group of allocator {}",
                alloc.inode.blkno
            )));
        }
        let bs = vol.block_size() as usize;
        let incompat = vol.params().features.incompat;
        let generation = vol.params().fs_generation;
        let parent = alloc.inode.blkno;
        let (chain, bits, previous) = {
            let d = alloc.inode.dinode();
            let cl = d.chain_list();
            let count = cl.cl_count();
            let chain = if cl.cl_next_free_rec() < count {
                cl.cl_next_free_rec()
            } else {
                ((d.i_clusters() / cpg) % u32::from(count)) as u16
            };
            let bits = cpg * u32::from(cl.cl_bpc());
            let previous = cl.rec(usize::from(chain)).map_or(0, |r| r.c_blkno());
            (chain, bits, previous)
        };
        let mut block = vec![0u8; bs];
        {
            let mut gd = GroupDesc::new(block.as_mut_slice()).map_err(Error::Format)?;
            gd.set_group_signature();
            gd.set_bg_generation(generation);
            gd.set_bg_size(group_bitmap_size(bs, true, incompat) as u16);
            gd.set_bg_bits(bits as u16);
            gd.set_bg_chain(chain);
            gd.set_bg_parent_dinode(parent);
            gd.set_bg_blkno(blkno);
            set_bit(gd.bg_bitmap_mut(), 0, true);
            gd.set_bg_free_bits_count((bits - 1) as u16);
            gd.set_bg_next_group(previous);
        }
        vol.write_group(blkno, &mut block)?;
        let cluster_size = u64::from(vol.params().cluster_size);
        {
            let mut d = alloc.inode.dinode_mut();
            let clusters = d.i_clusters() + cpg;
            d.set_i_clusters(clusters);
            d.set_i_size(u64::from(clusters) * cluster_size);
            let total = d.i_total();
            d.set_i_total(total + bits);
            let used = d.i_used();
            d.set_i_used(used + 1);
            let mut cl = d.chain_list_mut();
            if cl.cl_next_free_rec() == chain {
                cl.set_cl_next_free_rec(chain + 1);
            }
            let mut rec = cl
                .rec_mut(usize::from(chain))
                .ok_or_else(|| Error::Invalid(format!("no chain record {chain}")))?;
            rec.set_c_free(rec.c_free() + bits - 1);
            rec.set_c_total(rec.c_total() + bits);
            rec.set_c_blkno(blkno);
        }
        vol.write_inode(&mut alloc.inode)?;
        alloc.insert_region(vol, blkno, block);
        Ok(blkno)
    }

    /// One block from suballocator `alloc_blkno`, growing it by a group when it is full.
    pub fn alloc_block(&mut self, alloc_blkno: u64) -> Result<SubBlock> {
        let vol = self.volume();
        let mut alloc = ChainAllocator::load(vol, alloc_blkno)?;
        let mut hit = alloc.alloc_lowest()?;
        if hit.is_none() {
            self.add_group(&mut alloc)?;
            hit = alloc.alloc_lowest()?;
        }
        let (blkno, group, bit) =
            hit.ok_or_else(|| Error::Invalid(format!("allocator {alloc_blkno} has no free bit")))?;
        alloc.write(vol)?;
        Ok(SubBlock { blkno, bit, group })
    }

    /// Gives block `blkno` back to suballocator `alloc_blkno`.
    pub fn free_block(&mut self, alloc_blkno: u64, blkno: u64) -> Result<()> {
        let vol = self.volume();
        let mut alloc = ChainAllocator::load(vol, alloc_blkno)?;
        if !alloc.change_bit(blkno, false)? {
            return Err(Error::Invalid(format!(
                "block {blkno} is not allocated in allocator {alloc_blkno}"
            )));
        }
        alloc.write(vol)
    }

    /// The allocator a per-slot (or global, for slot `0xFFFF`) metadata block comes from.
    pub fn allocator_of(&self, kind: SystemFile, slot: u16) -> Result<u64> {
        if slot == u16::MAX {
            return self.volume().system_file(SystemFile::GlobalInodeAlloc, 0);
        }
        self.volume().system_file(kind, slot)
    }

    /// `cl_count` of chain lists in inodes of this volume.
    pub fn chain_recs(&self) -> u16 {
        chain_recs_per_inode(self.volume().block_size() as usize) as u16
    }
}
