//! Chain allocators (the global bitmap, inode and extent allocators): each chain record of
//! the inode heads a linked list of group descriptors.

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use ocfs_format::dinode::Id2Kind;
use ocfs_format::group::GroupDesc;
use ocfs_format::system::SystemFile;
use std::collections::HashSet;

/// One group descriptor of a chain.
#[derive(Clone, Debug)]
pub struct Group {
    pub blkno: u64,
    pub chain: u16,
    pub bits: u16,
    pub free: u16,
    /// Free bits counted in the bitmap.
    pub counted_free: u32,
    pub next: u64,
}

/// One chain record and its groups.
#[derive(Clone, Debug)]
pub struct Chain {
    pub index: u16,
    pub c_free: u32,
    pub c_total: u32,
    pub c_blkno: u64,
    pub groups: Vec<Group>,
}

impl Volume {
    /// The chains of allocator `alloc` with every group descriptor read and validated:
    /// metaecc, `ocfs2_validate_gd_self/parent()`, the chain it says it is on, no loops.
    pub fn chains(&self, alloc: &Inode) -> Result<Vec<Chain>> {
        let d = alloc.dinode();
        if d.id2_kind() != Id2Kind::ChainList {
            return Err(Error::Invalid(format!(
                "inode {} is not a chain allocator (no CHAIN_FL)",
                alloc.blkno
            )));
        }
        let suballocator = self.is_suballocator(alloc.blkno)?;
        let mut seen = HashSet::new();
        let mut chains = Vec::new();
        for (index, rec) in d.chain_list().recs().enumerate() {
            let index = index as u16;
            let mut chain = Chain {
                index,
                c_free: rec.c_free(),
                c_total: rec.c_total(),
                c_blkno: rec.c_blkno(),
                groups: Vec::new(),
            };
            let mut next = rec.c_blkno();
            while next != 0 {
                if !seen.insert(next) {
                    return Err(Error::Invalid(format!(
                        "allocator {}: chain {index} loops back to group {next}",
                        alloc.blkno
                    )));
                }
                let group = self.read_group(next, alloc, suballocator)?;
                if group.chain != index {
                    return Err(Error::Invalid(format!(
                        "allocator {}: group {next} is on chain {index} but its bg_chain is {}",
                        alloc.blkno, group.chain
                    )));
                }
                next = group.next;
                chain.groups.push(group);
            }
            chains.push(chain);
        }
        Ok(chains)
    }

    fn read_group(&self, blkno: u64, parent: &Inode, suballocator: bool) -> Result<Group> {
        let mut block = self.read_block(blkno)?;
        self.check_ecc(&mut block, GroupDesc::<()>::CHECK_OFFSET, blkno)?;
        let gd = GroupDesc::new(block.as_slice()).map_err(|e| Error::Format(e.at_block(blkno)))?;
        gd.validate(blkno, self.params())?;
        gd.validate_parent(blkno, &parent.dinode(), self.params(), suballocator, false)?;
        Ok(Group {
            blkno,
            chain: gd.bg_chain(),
            bits: gd.bg_bits(),
            free: gd.bg_free_bits_count(),
            counted_free: gd.count_free_bits(),
            next: gd.bg_next_group(),
        })
    }

    /// The kernel's notion of a suballocator: the per-slot inode and extent allocators, not
    /// the global bitmap nor the userspace-only `global_inode_alloc`.
    fn is_suballocator(&self, blkno: u64) -> Result<bool> {
        let global = [SystemFile::GlobalBitmap, SystemFile::GlobalInodeAlloc];
        for kind in global {
            if self.system_file(kind, 0)? == blkno {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
