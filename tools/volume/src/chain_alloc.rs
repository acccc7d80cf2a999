//! Chain allocators loaded for writing, as libocfs2 loads them (`chainalloc.c`): every group
//! descriptor of every chain becomes one region of a bitmap indexed by "bit number", regions
//! sorted by where they start, never merged.  Setting or clearing a bit keeps the group's
//! `bg_free_bits_count`, its chain record's `c_free` and the inode's `i_used` in step
//! (`chainalloc_bit_change_notify`); [`ChainAllocator::write`] writes the changed
//! descriptors, in region order, then the inode (`chainalloc_write_bitmap`).
//!
//! A region's first bit is `chainalloc_scale_start_bit()` of its descriptor's block: the
//! cluster number for the global bitmap (the group at `s_first_cluster_group` starts at 0),
//! the block number for suballocators (one bit per block).

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use ocfs_format::dinode::Id2Kind;
use ocfs_format::group::GroupDesc;
use ocfs_format::{set_bit, test_bit};

/// One group descriptor, as a region of the allocator's bitmap.
#[derive(Clone, Debug)]
pub struct Region {
    /// The descriptor's block.
    pub blkno: u64,
    /// The bit number of the group's bit 0.
    pub first_bit: u64,
    /// The descriptor block as read (and changed).
    pub block: Vec<u8>,
    dirty: bool,
}

impl Region {
    pub fn desc(&self) -> GroupDesc<&[u8]> {
        GroupDesc::new(self.block.as_slice()).expect("a region holds a whole block")
    }

    fn desc_mut(&mut self) -> GroupDesc<&mut [u8]> {
        GroupDesc::new(self.block.as_mut_slice()).expect("a region holds a whole block")
    }

    pub fn bits(&self) -> u64 {
        u64::from(self.desc().bg_bits())
    }

    pub fn free(&self) -> u64 {
        u64::from(self.desc().bg_free_bits_count())
    }

    pub fn is_set(&self, bit: u64) -> bool {
        test_bit(self.desc().bg_bitmap(), bit as usize)
    }

    /// The first clear bit at or after `from`.
    fn next_clear(&self, from: u64) -> Option<u64> {
        (from..self.bits()).find(|&b| !self.is_set(b))
    }

    /// The first set bit at or after `from`, or the group's end.
    fn next_set_or_end(&self, from: u64) -> u64 {
        (from..self.bits())
            .find(|&b| self.is_set(b))
            .unwrap_or(self.bits())
    }
}

/// A chain allocator inode and all its groups.
pub struct ChainAllocator {
    pub inode: Inode,
    /// Regions in bit order.
    pub regions: Vec<Region>,
    inode_dirty: bool,
}

impl ChainAllocator {
    /// Loads allocator `blkno` with every group read and checked
    /// (see [`Volume::chains`]).  Discontiguous groups are refused: nothing here
    /// allocates from one.
    pub fn load(vol: &Volume, blkno: u64) -> Result<Self> {
        let inode = vol.read_inode(blkno)?;
        if inode.dinode().id2_kind() != Id2Kind::ChainList {
            return Err(Error::Invalid(format!(
                "inode {blkno} is not a chain allocator"
            )));
        }
        let chains = vol.chains(&inode)?;
        let mut regions = Vec::new();
        for group in chains.iter().flat_map(|c| c.groups.iter()) {
            if group.counted_free != u32::from(group.free) {
                return Err(Error::Invalid(format!(
                    "allocator {blkno}: group {} says {} bits are free, its bitmap {}; run fsck.ocfs2",
                    group.blkno, group.free, group.counted_free
                )));
            }
            let block = vol.read_block(group.blkno)?;
            let desc = GroupDesc::new(block.as_slice()).map_err(Error::Format)?;
            if desc.is_discontig() {
                return Err(Error::Invalid(format!(
                    "allocator {blkno}: group {} is discontiguous, which this tool does not handle",
                    group.blkno
                )));
            }
            regions.push(Region {
                blkno: group.blkno,
                first_bit: start_bit(vol, &inode, group.blkno),
                block,
                dirty: false,
            });
        }
        regions.sort_by_key(|r| r.first_bit);
        let mut this = Self {
            inode,
            regions,
            inode_dirty: false,
        };
        this.check_counts()?;
        Ok(this)
    }

    /// The chain records' totals and the inode's bit counts must match the groups
    /// (what `tunefs_validate_chain_group()` checks before an allocating operation).
    fn check_counts(&mut self) -> Result<()> {
        let d = self.inode.dinode();
        let cl = d.chain_list();
        let mut total_all = 0u64;
        let mut free_all = 0u64;
        for (index, rec) in cl.recs().enumerate() {
            let (total, free) = self
                .regions
                .iter()
                .filter(|r| usize::from(r.desc().bg_chain()) == index)
                .fold((0u64, 0u64), |(t, f), r| (t + r.bits(), f + r.free()));
            if total != u64::from(rec.c_total()) || free != u64::from(rec.c_free()) {
                return Err(Error::Invalid(format!(
                    "allocator {}: chain {index} records {} bits ({} free) but its groups hold {total} ({free} free); run fsck.ocfs2",
                    self.inode.blkno,
                    rec.c_total(),
                    rec.c_free()
                )));
            }
            total_all += total;
            free_all += free;
        }
        if total_all != u64::from(d.i_total()) || total_all - free_all != u64::from(d.i_used()) {
            return Err(Error::Invalid(format!(
                "allocator {}: i_total {} / i_used {} disagree with its chains ({total_all} / {}); run fsck.ocfs2",
                self.inode.blkno,
                d.i_total(),
                d.i_used(),
                total_all - free_all
            )));
        }
        Ok(())
    }

    /// Bits per cluster of this allocator (`cl_bpc`).
    pub fn bpc(&self) -> u64 {
        u64::from(self.inode.dinode().chain_list().cl_bpc())
    }

    /// Clusters per group (`cl_cpg`).
    pub fn cpg(&self) -> u32 {
        u32::from(self.inode.dinode().chain_list().cl_cpg())
    }

    fn region_of(&self, bit: u64) -> Option<usize> {
        self.regions
            .iter()
            .position(|r| bit >= r.first_bit && bit < r.first_bit + r.bits())
    }

    /// Sets (`on`) or clears one bit; false if it already had that value.
    pub fn change_bit(&mut self, bit: u64, on: bool) -> Result<bool> {
        let index = self
            .region_of(bit)
            .ok_or_else(|| Error::Invalid(format!("bit {bit} is in no group")))?;
        let region = &mut self.regions[index];
        let offset = bit - region.first_bit;
        if region.is_set(offset) == on {
            return Ok(false);
        }
        let chain = usize::from(region.desc().bg_chain());
        let mut desc = region.desc_mut();
        set_bit(desc.bg_bitmap_mut(), offset as usize, on);
        let free = desc.bg_free_bits_count();
        desc.set_bg_free_bits_count(if on { free - 1 } else { free + 1 });
        region.dirty = true;
        let mut d = self.inode.dinode_mut();
        let used = d.i_used();
        d.set_i_used(if on { used + 1 } else { used - 1 });
        let mut cl = d.chain_list_mut();
        let mut rec = cl
            .rec_mut(chain)
            .ok_or_else(|| Error::Invalid(format!("no chain record {chain}")))?;
        let c_free = rec.c_free();
        rec.set_c_free(if on { c_free - 1 } else { c_free + 1 });
        self.inode_dirty = true;
        Ok(true)
    }

    /// `ocfs2_bitmap_alloc_range_generic()`: in the first region (bit order) with at least
    /// `min` free bits, the first run of `len` clear bits; failing that, that region's
    /// longest run if it holds `min`; else the next region.  Returns (first bit, length).
    pub fn alloc_range(&mut self, min: u64, len: u64) -> Result<Option<(u64, u64)>> {
        let mut found = None;
        for region in &self.regions {
            if region.free() < min {
                continue;
            }
            let bits = region.bits();
            let mut best: Option<(u64, u64)> = None;
            let mut start = 0;
            while start + min <= bits {
                let Some(clear) = region.next_clear(start) else {
                    break;
                };
                let end = region.next_set_or_end(clear);
                if end - clear >= len {
                    found = Some((region.first_bit + clear, len));
                    break;
                }
                if best.is_none_or(|(s, e)| end - clear > e - s) {
                    best = Some((clear, end));
                }
                start = end + 1;
            }
            if found.is_some() {
                break;
            }
            if let Some((s, e)) = best.filter(|(s, e)| e - s >= min) {
                found = Some((region.first_bit + s, e - s));
                break;
            }
        }
        if let Some((first, n)) = found {
            for bit in first..first + n {
                self.change_bit(bit, true)?;
            }
        }
        Ok(found)
    }

    /// `ocfs2_chain_alloc()`: the lowest clear bit of all regions.  Returns
    /// (bit, the group's block, the bit's index in its group).
    pub fn alloc_lowest(&mut self) -> Result<Option<(u64, u64, u16)>> {
        let hit = self.regions.iter().find_map(|r| {
            r.next_clear(0)
                .map(|b| (r.first_bit + b, r.blkno, b as u16))
        });
        if let Some((bit, _, _)) = hit {
            self.change_bit(bit, true)?;
        }
        Ok(hit)
    }

    /// Adds a region for a group descriptor just written (`chainalloc_process_group`).
    pub fn insert_region(&mut self, vol: &Volume, blkno: u64, block: Vec<u8>) {
        let first_bit = start_bit(vol, &self.inode, blkno);
        let at = self.regions.partition_point(|r| r.first_bit < first_bit);
        self.regions.insert(
            at,
            Region {
                blkno,
                first_bit,
                block,
                dirty: false,
            },
        );
    }

    /// Marks the inode changed (its chain list or counts were edited directly).
    pub fn touch_inode(&mut self) {
        self.inode_dirty = true;
    }

    /// Writes the changed descriptors, then the inode.
    pub fn write(&mut self, vol: &Volume) -> Result<()> {
        for region in self.regions.iter_mut().filter(|r| r.dirty) {
            vol.write_group(region.blkno, &mut region.block)?;
            region.dirty = false;
        }
        if self.inode_dirty {
            vol.write_inode(&mut self.inode)?;
            self.inode_dirty = false;
        }
        Ok(())
    }
}

/// `chainalloc_scale_start_bit()`, with the group at `s_first_cluster_group` at bit 0.
fn start_bit(vol: &Volume, alloc: &Inode, blkno: u64) -> u64 {
    let blkno = if blkno == vol.superblock().super_block().s_first_cluster_group() {
        0
    } else {
        blkno
    };
    let bpc = u64::from(alloc.dinode().chain_list().cl_bpc()).max(1);
    let bs = u64::from(vol.block_size());
    let bitsize = u64::from(vol.params().cluster_size) / bpc;
    if bitsize == bs {
        blkno
    } else if bitsize < bs {
        blkno * (bs / bitsize)
    } else {
        blkno / (bitsize / bs)
    }
}
