//! Directory indexes kept in their root block (`OCFS2_DX_FLAG_INLINE`): built over an
//! existing block directory (`ocfs2_dx_dir_build`), an entry added per link
//! (`ocfs2_dx_dir_insert_entry`), an entry dropped when its name is unlinked.
//!
//! An index that outgrows its root would need dx leaf clusters
//! (`ocfs2_expand_inline_dx_root`); that is refused.

use crate::error::{Error, Result};
use crate::volume::Inode;
use crate::writer::Writer;
use ocfs_format::dinode::INDEXED_DIR_FL;
use ocfs_format::dir::dir_rec_len;
use ocfs_format::dir::{dir_entries, dir_trailer_mut, dir_trailer_offset, DIR_MIN_REC_LEN};
use ocfs_format::dx::{dx_entries_per_root, DxRoot, DX_FLAG_INLINE, DX_ROOT_SIGNATURE};
use ocfs_format::dx_hash::{dx_name_hash, dx_seed};
use ocfs_format::signature;
use ocfs_format::system::SystemFile;

/// `ocfs2_find_max_rec_len()`: the largest hole of a directory block (0 if under 16 bytes).
fn largest_hole(region: &[u8]) -> u16 {
    let hole = dir_entries(region, 0)
        .filter_map(|e| e.ok())
        .map(|(_, e)| {
            let len = usize::from(e.rec_len());
            if e.inode() == 0 {
                len
            } else {
                len - dir_rec_len(e.name().len())
            }
        })
        .max()
        .unwrap_or(0);
    if hole >= DIR_MIN_REC_LEN {
        hole as u16
    } else {
        0
    }
}

impl Writer<'_> {
    fn name_hash(&self, name: &[u8]) -> (u32, u32) {
        let sb = self.volume().superblock();
        let sbv = sb.super_block();
        dx_name_hash(dx_seed(sbv.s_dx_seed(), sbv.s_uuid_hash()), name)
    }

    /// `ocfs2_dx_dir_build()`: a dx root from the extent allocator of the directory's
    /// slot, every block's trailer
    /// (re)initialised with its largest hole (blocks with a hole are chained from
    /// `dr_free_blk`), then every live entry hashed into the root in directory order, and
    /// `INDEXED_DIR_FL` set on the directory.
    pub fn dx_build(&mut self, dir_blkno: u64) -> Result<()> {
        let vol = self.volume();
        let dir = vol.read_inode(dir_blkno)?;
        if dir.dinode().i_dyn_features() & INDEXED_DIR_FL != 0 {
            return Ok(());
        }
        let bs = vol.block_size() as usize;
        // ocfs2_new_dx_root(): from the extent allocator of the directory's slot (slot 0
        // for the global allocator's inodes).
        let slot = match dir.dinode().i_suballoc_slot() {
            u16::MAX => 0,
            slot => slot,
        };
        let alloc = vol.system_file(SystemFile::ExtentAlloc, slot)?;
        let sub = self.alloc_block(alloc)?;
        let mut root = vec![0u8; bs];
        {
            let mut dx = DxRoot::new(root.as_mut_slice()).map_err(Error::Format)?;
            dx.set_dr_signature(signature(DX_ROOT_SIGNATURE));
            dx.set_dr_suballoc_slot(slot);
            dx.set_dr_suballoc_bit(sub.bit);
            dx.set_dr_suballoc_loc(sub.group);
            dx.set_dr_fs_generation(vol.params().fs_generation);
            dx.set_dr_blkno(sub.blkno);
            dx.set_dr_flags(DX_FLAG_INLINE);
            dx.dr_entries_mut()
                .set_de_count(dx_entries_per_root(bs) as u16);
        }
        vol.write_dx_root(sub.blkno, &mut root)?;
        // ocfs2_init_dir_trailers
        let mut free_blk = 0u64;
        let trailer_at = dir_trailer_offset(bs);
        for block in vol.dir_blocks_raw(&dir)? {
            let (blkno, mut data) = block;
            // ocfs2_check_dir_trailer_space: the entries must end before the trailer.
            if let Some(Err(e)) = dir_entries(&data[..trailer_at], blkno).find(|e| e.is_err()) {
                return Err(Error::Invalid(format!(
                    "directory {dir_blkno}: block {blkno} has no room for a trailer ({e})"
                )));
            }
            let hole = largest_hole(&data[..trailer_at]);
            data[trailer_at..].fill(0);
            let mut trailer = dir_trailer_mut(&mut data).map_err(Error::Format)?;
            trailer.init(blkno, dir_blkno, hole);
            if hole > 0 {
                trailer.set_db_free_next(free_blk);
                free_blk = blkno;
            }
            vol.write_dir_block(&dir, blkno, &mut data)?;
        }
        {
            let mut dx = DxRoot::new(root.as_mut_slice()).map_err(Error::Format)?;
            dx.set_dr_dir_blkno(dir_blkno);
            dx.set_dr_num_entries(0);
            dx.set_dr_free_blk(free_blk);
        }
        vol.write_dx_root(sub.blkno, &mut root)?;
        let mut dir = vol.read_inode(dir_blkno)?;
        dir.dinode_mut().set_i_dx_root(sub.blkno);
        vol.write_inode(&mut dir)?;
        for entry in vol.read_dir(&dir)? {
            self.dx_add(sub.blkno, &entry.name, entry.block)?;
        }
        let mut dir = vol.read_inode(dir_blkno)?;
        let mut d = dir.dinode_mut();
        let features = d.i_dyn_features();
        d.set_i_dyn_features(features | INDEXED_DIR_FL);
        vol.write_inode(&mut dir)
    }

    /// Adds `name`, stored in directory block `dirent_blk`, to the index of `dir` (if the
    /// directory is indexed).
    pub fn dx_insert(&mut self, dir: &Inode, name: &[u8], dirent_blk: u64) -> Result<()> {
        let d = dir.dinode();
        if d.i_dyn_features() & INDEXED_DIR_FL == 0 {
            return Ok(());
        }
        self.dx_add(d.i_dx_root(), name, dirent_blk)
    }

    fn dx_add(&mut self, root_blkno: u64, name: &[u8], dirent_blk: u64) -> Result<()> {
        let vol = self.volume();
        let (major, minor) = self.name_hash(name);
        let mut root = vol.read_block(root_blkno)?;
        let mut dx = DxRoot::new(root.as_mut_slice()).map_err(Error::Format)?;
        if !dx.by_ref().is_inline() {
            return Err(Error::Invalid(format!(
                "directory index {root_blkno} is not inline, which this tool does not handle"
            )));
        }
        let mut list = dx.dr_entries_mut();
        let used = list.de_num_used();
        if used >= list.de_count() {
            return Err(Error::Invalid(format!(
                "directory index {root_blkno} is full ({used} entries); growing it into dx leaves is not supported"
            )));
        }
        let mut entry = list
            .entry_mut(usize::from(used))
            .ok_or_else(|| Error::Invalid("directory index too small".into()))?;
        entry.as_bytes_mut().fill(0);
        entry.set_dx_major_hash(major);
        entry.set_dx_minor_hash(minor);
        entry.set_dx_dirent_blk(dirent_blk);
        list.set_de_num_used(used + 1);
        let count = dx.dr_num_entries();
        dx.set_dr_num_entries(count + 1);
        vol.write_dx_root(root_blkno, &mut root)
    }

    /// Drops the index entry of `name` in block `dirent_blk` (`ocfs2_dx_list_remove_entry`).
    pub fn dx_remove(&mut self, dir: &Inode, name: &[u8], dirent_blk: u64) -> Result<()> {
        let vol = self.volume();
        let d = dir.dinode();
        if d.i_dyn_features() & INDEXED_DIR_FL == 0 {
            return Ok(());
        }
        let root_blkno = d.i_dx_root();
        let (major, minor) = self.name_hash(name);
        let mut root = vol.read_block(root_blkno)?;
        let mut dx = DxRoot::new(root.as_mut_slice()).map_err(Error::Format)?;
        if !dx.by_ref().is_inline() {
            return Err(Error::Invalid(format!(
                "directory index {root_blkno} is not inline, which this tool does not handle"
            )));
        }
        let position = dx.by_ref().dr_entries().entries().position(|e| {
            e.dx_major_hash() == major
                && e.dx_minor_hash() == minor
                && e.dx_dirent_blk() == dirent_blk
        });
        let Some(index) = position else {
            return Ok(());
        };
        let mut list = dx.dr_entries_mut();
        let used = usize::from(list.de_num_used());
        for i in index..used - 1 {
            let next: Vec<u8> = list
                .entry_mut(i + 1)
                .map(|e| e.as_bytes().to_vec())
                .unwrap_or_default();
            if let Some(mut e) = list.entry_mut(i) {
                e.as_bytes_mut().copy_from_slice(&next);
            }
        }
        if let Some(mut last) = list.entry_mut(used - 1) {
            last.as_bytes_mut().fill(0);
        }
        list.set_de_num_used(used as u16 - 1);
        let count = dx.dr_num_entries();
        dx.set_dr_num_entries(count.saturating_sub(1));
        vol.write_dx_root(root_blkno, &mut root)
    }
}
