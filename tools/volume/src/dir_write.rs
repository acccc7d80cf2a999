//! Directory updates as libocfs2 makes them: linking a name (`ocfs2_link`: the first entry
//! with room, splitting a live entry's slack, else the directory grows by a block,
//! `ocfs2_expand_dir`), turning an inline directory into a block one
//! (`ocfs2_convert_inline_data_to_extents`, which also indexes it when the volume has
//! "indexed-dirs"), giving a new directory its `.` and `..` (`ocfs2_init_dir`), and clearing
//! entries (the entry stays, its inode becomes 0, as tunefs.ocfs2's slot removal leaves it).

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use crate::writer::Writer;
use ocfs_format::dinode::{self, Id2Kind, INLINE_DATA_FL};
use ocfs_format::dir::{
    dir_rec_len, dir_trailer_mut, dir_trailer_offset, write_dir_entry, DirEntry, FT_DIR,
};
use ocfs_format::features::IncompatFeatures;

/// What one pass of `link_proc` over a region did.
struct LinkPass {
    changed: bool,
    done: bool,
}

/// `link_proc` over the entries of one region (a block less its trailer, or the inline
/// data): absorbs a following unused entry, splits a live entry with enough slack, fills
/// the first unused entry that fits.
fn link_in_region(region: &mut [u8], name: &[u8], ino: u64, file_type: u8) -> Result<LinkPass> {
    let end = region.len();
    let need = dir_rec_len(name.len());
    let mut pass = LinkPass {
        changed: false,
        done: false,
    };
    let mut offset = 0;
    while offset < end {
        let entry = DirEntry::new(&region[offset..]).map_err(Error::Format)?;
        let mut rec_len = usize::from(entry.rec_len());
        if rec_len < dir_rec_len(1) || offset + rec_len > end {
            return Err(Error::Invalid(format!(
                "corrupt directory entry at offset {offset} (rec_len {rec_len})"
            )));
        }
        let next = offset + rec_len;
        if next + 8 < end {
            let after = DirEntry::new(&region[next..]).map_err(Error::Format)?;
            let after_len = usize::from(after.rec_len());
            if after.inode() == 0 && after_len > 0 && next + after_len <= end {
                rec_len += after_len;
                DirEntry::new(&mut region[offset..])
                    .map_err(Error::Format)?
                    .set_rec_len(rec_len as u16);
                pass.changed = true;
            }
        }
        let entry = DirEntry::new(&region[offset..]).map_err(Error::Format)?;
        if entry.inode() != 0 {
            let min = dir_rec_len(usize::from(entry.name_len()));
            if rec_len >= min + need {
                DirEntry::new(&mut region[offset..])
                    .map_err(Error::Format)?
                    .set_rec_len(min as u16);
                let mut free = DirEntry::new(&mut region[offset + min..]).map_err(Error::Format)?;
                free.set_inode(0);
                free.set_name_len(0);
                free.set_rec_len((rec_len - min) as u16);
                pass.changed = true;
                offset += min;
            } else {
                offset += rec_len;
            }
            continue;
        }
        if rec_len >= need {
            // Only the fields and the name: like libocfs2's strncpy(), the padding keeps
            // whatever the block held there.
            let mut slot =
                DirEntry::new(&mut region[offset..offset + rec_len]).map_err(Error::Format)?;
            slot.set_inode(ino);
            slot.set_name(name);
            slot.set_file_type(file_type);
            pass.changed = true;
            pass.done = true;
            return Ok(pass);
        }
        offset += rec_len;
    }
    Ok(pass)
}

impl Volume {
    /// The blocks of a block directory up to `i_size`, as raw (block, bytes), unchecked.
    pub fn dir_blocks_raw(&self, dir: &Inode) -> Result<Vec<(u64, Vec<u8>)>> {
        let tree = self.file_extents(dir)?;
        let bs = u64::from(self.block_size());
        let count = dir.dinode().i_size().div_ceil(bs);
        (0..count)
            .map(|logical| {
                let blkno = tree
                    .map_block(logical, self.blocks_per_cluster())
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "directory {}: block {logical} is a hole",
                            dir.blkno
                        ))
                    })?;
                Ok((blkno, self.read_block(blkno)?))
            })
            .collect()
    }

    /// The bytes of a block of `dir` its entries may use: all of it, or up to the trailer
    /// when the directory has one (`ocfs2_dir_has_trailer`).
    fn dir_usable(&self, dir: &Inode) -> usize {
        let bs = self.block_size() as usize;
        if self.dir_has_trailer(dir) {
            dir_trailer_offset(bs)
        } else {
            bs
        }
    }

    /// The same for a directory block made now (`ocfs2_supports_dir_trailer`).
    fn new_dir_usable(&self) -> usize {
        let bs = self.block_size() as usize;
        if self.has_dir_trailers() {
            dir_trailer_offset(bs)
        } else {
            bs
        }
    }

    fn inline_data_enabled(&self) -> bool {
        self.params()
            .features
            .incompat
            .contains(IncompatFeatures::INLINE_DATA)
    }
}

impl Writer<'_> {
    /// `ocfs2_link(dir, name, ino, file_type)`, then the index entry if `dir` is indexed.
    pub fn link(&mut self, dir: u64, name: &[u8], ino: u64, file_type: u8) -> Result<()> {
        if let Some(block) = self.try_link(dir, name, ino, file_type)? {
            return self.index_link(dir, name, block);
        }
        self.expand_dir(dir)?;
        match self.try_link(dir, name, ino, file_type)? {
            Some(block) => self.index_link(dir, name, block),
            None => Err(Error::Invalid(format!(
                "directory {dir} has no room for {} even after growing",
                String::from_utf8_lossy(name)
            ))),
        }
    }

    fn index_link(&mut self, dir: u64, name: &[u8], block: u64) -> Result<()> {
        let inode = self.volume().read_inode(dir)?;
        self.dx_insert(&inode, name, block)
    }

    /// One `ocfs2_dir_iterate(..., link_proc)` pass; the block the entry went in.
    fn try_link(&mut self, dir: u64, name: &[u8], ino: u64, file_type: u8) -> Result<Option<u64>> {
        let vol = self.volume();
        let mut inode = vol.read_inode(dir)?;
        if inode.dinode().i_dyn_features() & INLINE_DATA_FL != 0 {
            let size = inode.dinode().i_size() as usize;
            let pass = {
                let mut d = inode.dinode_mut();
                let data = d.inline_data_mut();
                let region = data
                    .get_mut(..size)
                    .ok_or_else(|| Error::Invalid(format!("directory {dir}: bad inline size")))?;
                link_in_region(region, name, ino, file_type)?
            };
            if pass.changed {
                vol.write_inode(&mut inode)?;
            }
            return Ok(pass.done.then_some(dir));
        }
        let usable = vol.dir_usable(&inode);
        for (blkno, mut data) in vol.dir_blocks_raw(&inode)? {
            let pass = link_in_region(&mut data[..usable], name, ino, file_type)?;
            if pass.changed {
                vol.write_dir_block(&inode, blkno, &mut data)?;
            }
            if pass.done {
                return Ok(Some(blkno));
            }
        }
        Ok(None)
    }

    /// `ocfs2_expand_dir()`: an inline directory becomes a block directory (and gets an
    /// index with "indexed-dirs"); a block directory gets one more block, from its last
    /// cluster or a new one, holding one empty entry (and a trailer).
    pub fn expand_dir(&mut self, dir: u64) -> Result<()> {
        let vol = self.volume();
        let mut inode = vol.read_inode(dir)?;
        if vol.inline_data_enabled() && inode.dinode().i_dyn_features() & INLINE_DATA_FL != 0 {
            self.convert_inline_dir(&mut inode)?;
            if vol
                .params()
                .features
                .incompat
                .contains(IncompatFeatures::INDEXED_DIRS)
            {
                self.dx_build(dir)?;
            }
            return Ok(());
        }
        let bs = u64::from(vol.block_size());
        let used = inode.dinode().i_size() / bs;
        let total = u64::from(inode.dinode().i_clusters()) * vol.blocks_per_cluster();
        if used >= total {
            self.extend_allocation(&mut inode, 1)?;
            vol.write_inode(&mut inode)?;
        }
        let tree = vol.file_extents(&inode)?;
        let new_blk = tree
            .map_block(used, vol.blocks_per_cluster())
            .ok_or_else(|| Error::Invalid(format!("directory {dir}: block {used} is a hole")))?;
        let mut block = vec![0u8; bs as usize];
        self.init_empty_dir_block(&inode, new_blk, &mut block)?;
        vol.write_dir_block(&inode, new_blk, &mut block)?;
        let mut d = inode.dinode_mut();
        let size = d.i_size();
        d.set_i_size(size + bs);
        vol.write_inode(&mut inode)
    }

    /// A directory block holding one unused entry over all its usable bytes, plus the
    /// trailer when the directory has them.
    fn init_empty_dir_block(&self, dir: &Inode, blkno: u64, block: &mut [u8]) -> Result<()> {
        let vol = self.volume();
        let usable = vol.dir_usable(dir);
        DirEntry::new(&mut block[..])
            .map_err(Error::Format)?
            .set_rec_len(usable as u16);
        if vol.dir_has_trailer(dir) {
            dir_trailer_mut(block)
                .map_err(Error::Format)?
                .init(blkno, dir.blkno, 0);
        }
        Ok(())
    }

    /// `ocfs2_convert_inline_data_to_extents()` for a directory: one new cluster (zeroed),
    /// the inline entries copied to its first block with the last entry stretched to the
    /// block's usable end, a trailer, `i_size` one block.
    pub(crate) fn convert_inline_dir(&mut self, inode: &mut Inode) -> Result<()> {
        let vol = self.volume();
        let bs = vol.block_size() as usize;
        let dir = inode.blkno;
        let size = inode.dinode().i_size() as usize;
        let inline: Vec<u8> = inode
            .dinode()
            .inline_data()
            .get(..size)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "directory {dir}: i_size {size} exceeds its inline data area"
                ))
            })?
            .to_vec();
        {
            let mut d = inode.dinode_mut();
            d.id2_mut().fill(0);
            d.extent_list_mut()
                .set_l_count(dinode::extent_recs_per_inode(bs) as u16);
            let features = d.i_dyn_features();
            d.set_i_dyn_features(features & !INLINE_DATA_FL);
        }
        let (p_start, _) = self.new_clusters(1, 1)?;
        vol.zero_blocks(p_start, vol.blocks_per_cluster())?;
        if size > 0 {
            let mut block = vec![0u8; bs];
            block[..size].copy_from_slice(&inline);
            let usable = vol.new_dir_usable();
            stretch_last_entry(&mut block[..usable], size)?;
            if vol.has_dir_trailers() {
                dir_trailer_mut(&mut block)
                    .map_err(Error::Format)?
                    .init(p_start, dir, 0);
            }
            inode.dinode_mut().set_i_size(bs as u64);
            vol.write_dir_block(inode, p_start, &mut block)?;
        }
        self.insert_extent(inode, 0, p_start, 1)?;
        vol.write_inode(inode)
    }

    /// `ocfs2_init_dir(dir, parent)`: `.` and `..` in a new directory (inline when the volume
    /// has inline data, else in a first block, indexed with "indexed-dirs"), the parent's
    /// link count up by one.
    pub fn init_dir(&mut self, dir: u64, parent: u64) -> Result<()> {
        let vol = self.volume();
        let bs = vol.block_size() as usize;
        let size;
        if vol.inline_data_enabled() {
            let mut inode = vol.read_inode(dir)?;
            if inode.dinode().i_dyn_features() & INLINE_DATA_FL == 0 {
                return Err(Error::Invalid(format!("directory {dir} is not inline")));
            }
            size = usize::from(inode.dinode().id_count());
            fill_dots(inode.dinode_mut().inline_data_mut(), dir, parent, size)?;
            vol.write_inode(&mut inode)?;
        } else {
            self.expand_dir(dir)?;
            let inode = vol.read_inode(dir)?;
            let blkno = vol
                .file_extents(&inode)?
                .map_block(0, vol.blocks_per_cluster())
                .ok_or_else(|| Error::Invalid(format!("directory {dir} has no block")))?;
            size = vol.new_dir_usable();
            let mut block = vec![0u8; bs];
            fill_dots(&mut block, dir, parent, size)?;
            if vol.has_dir_trailers() {
                dir_trailer_mut(&mut block)
                    .map_err(Error::Format)?
                    .init(blkno, dir, 0);
            }
            vol.write_dir_block(&inode, blkno, &mut block)?;
            if vol
                .params()
                .features
                .incompat
                .contains(IncompatFeatures::INDEXED_DIRS)
            {
                self.dx_build(dir)?;
            }
        }
        let mut parent_inode = vol.read_inode(parent)?;
        let links = parent_inode.dinode().links();
        parent_inode.dinode_mut().set_links(links + 1);
        vol.write_inode(&mut parent_inode)?;
        let mut inode = vol.read_inode(dir)?;
        inode.dinode_mut().set_i_size(size as u64);
        vol.write_inode(&mut inode)
    }

    /// Sets the inode of every live entry of `dir` that `matches` to 0 (the name and
    /// `rec_len` stay), dropping its index entry; returns the inodes the entries named.
    pub fn clear_entries(
        &mut self,
        dir: u64,
        matches: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Vec<(Vec<u8>, u64)>> {
        let vol = self.volume();
        let mut inode = vol.read_inode(dir)?;
        let mut cleared = Vec::new();
        if inode.dinode().i_dyn_features() & INLINE_DATA_FL != 0 {
            let size = inode.dinode().i_size() as usize;
            let hits = clear_in_region(&mut inode.dinode_mut().inline_data_mut()[..size], matches)?;
            if !hits.is_empty() {
                vol.write_inode(&mut inode)?;
            }
            cleared.extend(hits);
            return Ok(cleared);
        }
        if inode.dinode().id2_kind() != Id2Kind::ExtentList {
            return Err(Error::Invalid(format!("inode {dir} is not a directory")));
        }
        let usable = vol.dir_usable(&inode);
        for (blkno, mut data) in vol.dir_blocks_raw(&inode)? {
            let hits = clear_in_region(&mut data[..usable], matches)?;
            if hits.is_empty() {
                continue;
            }
            vol.write_dir_block(&inode, blkno, &mut data)?;
            for (name, _) in &hits {
                self.dx_remove(&inode, name, blkno)?;
            }
            cleared.extend(hits);
        }
        Ok(cleared)
    }
}

/// The live entries of a region matching `matches` (dots excluded) get inode 0.
fn clear_in_region(
    region: &mut [u8],
    matches: &dyn Fn(&[u8]) -> bool,
) -> Result<Vec<(Vec<u8>, u64)>> {
    let mut hits = Vec::new();
    let offsets: Vec<usize> = ocfs_format::dir::dir_entries(region, 0)
        .map(|e| e.map(|(off, _)| off))
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::Format)?;
    for off in offsets {
        let mut entry = DirEntry::new(&mut region[off..]).map_err(Error::Format)?;
        let name = entry.by_ref().name().to_vec();
        if entry.inode() == 0 || name == b"." || name == b".." || !matches(&name) {
            continue;
        }
        hits.push((name, entry.inode()));
        entry.set_inode(0);
    }
    Ok(hits)
}

/// `ocfs2_fill_initial_dirents()`: `.` of 16 bytes, `..` over the rest of `size`.
fn fill_dots(data: &mut [u8], dir: u64, parent: u64, size: usize) -> Result<()> {
    let dot = dir_rec_len(1);
    write_dir_entry(&mut data[..], dir, dot as u16, b".", FT_DIR).map_err(Error::Format)?;
    write_dir_entry(
        &mut data[dot..size],
        parent,
        (size - dot) as u16,
        b"..",
        FT_DIR,
    )
    .map_err(Error::Format)?;
    Ok(())
}

/// `ocfs2_expand_last_dirent()`: the entry ending at `old_size` grows to the region's end.
fn stretch_last_entry(region: &mut [u8], old_size: usize) -> Result<()> {
    let mut offset = 0;
    loop {
        let len = usize::from(
            DirEntry::new(&region[offset..])
                .map_err(Error::Format)?
                .rec_len(),
        );
        if len == 0 {
            return Err(Error::Invalid("corrupt inline directory".into()));
        }
        if offset + len >= old_size {
            let grown = region.len() - offset;
            DirEntry::new(&mut region[offset..])
                .map_err(Error::Format)?
                .set_rec_len(grown as u16);
            return Ok(());
        }
        offset += len;
    }
}
