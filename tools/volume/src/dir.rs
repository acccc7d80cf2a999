//! Directories (inline or in blocks, with or without trailers) and path lookup.
//!
//! Paths are read as debugfs.ocfs2 reads them: `/a/b` from the root directory, `//name`
//! in the system directory (`//` alone is the system directory).

use crate::error::{Error, Result};
use crate::volume::{Inode, Volume};
use ocfs_format::dinode::{Id2Kind, INDEXED_DIR_FL, INLINE_DATA_FL};
use ocfs_format::dir::{dir_block_check_offset, dir_block_region, dir_entries, dir_trailer};
use ocfs_format::features::IncompatFeatures;
use ocfs_format::system::SystemFile;

/// One directory entry, copied out of its block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub inode: u64,
    pub file_type: u8,
    pub name: Vec<u8>,
    /// The block holding the entry (the directory inode itself when inline).
    pub block: u64,
    /// Byte offset of the entry in its region.
    pub offset: usize,
    pub rec_len: u16,
}

impl Entry {
    pub fn name_lossy(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

/// One block of a directory, as read and checked.
pub struct DirBlock {
    pub logical: u64,
    pub blkno: u64,
    pub data: Vec<u8>,
    pub has_trailer: bool,
}

impl Volume {
    /// Whether new directory blocks of this volume get a trailer
    /// (libocfs2's `ocfs2_supports_dir_trailer`: "metaecc" or "indexed-dirs").
    pub fn has_dir_trailers(&self) -> bool {
        let incompat = self.params().features.incompat;
        incompat.intersects(IncompatFeatures::META_ECC.union(IncompatFeatures::INDEXED_DIRS))
    }

    /// Whether the blocks of directory `dir` end in a trailer that must be one
    /// (`ocfs2_dir_has_trailer`, the kernel's `ocfs2_supports_dir_trailer(dir)`): never
    /// inline; an indexed directory; otherwise only with "metaecc".  A directory mkfs wrote
    /// with a trailer but no index on a volume without metaecc reads its trailer as an unused
    /// entry, and libocfs2 may reuse that space.
    pub fn dir_has_trailer(&self, dir: &Inode) -> bool {
        let d = dir.dinode();
        let dyn_features = d.i_dyn_features();
        if dyn_features & INLINE_DATA_FL != 0 {
            return false;
        }
        let incompat = self.params().features.incompat;
        if incompat.contains(IncompatFeatures::INDEXED_DIRS) && dyn_features & INDEXED_DIR_FL != 0 {
            return true;
        }
        incompat.contains(IncompatFeatures::META_ECC)
    }

    /// The blocks of a non-inline directory, each checked: metaecc and trailer when the
    /// directory has trailers.  Holes are refused: directories have none.
    pub fn dir_blocks(&self, dir: &Inode) -> Result<Vec<DirBlock>> {
        let d = dir.dinode();
        let tree = self.file_extents(dir)?;
        let bs = u64::from(self.block_size());
        let count = d.i_size().div_ceil(bs);
        let has_trailer = self.dir_has_trailer(dir);
        let mut blocks = Vec::new();
        for logical in 0..count {
            let blkno = tree
                .map_block(logical, self.blocks_per_cluster())
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "directory {}: block {logical} of {count} is a hole",
                        dir.blkno
                    ))
                })?;
            let mut data = self.read_block(blkno)?;
            if has_trailer {
                let check_off = dir_block_check_offset(data.len());
                self.check_ecc(&mut data, check_off, blkno)?;
                dir_trailer(&data)
                    .and_then(|t| t.validate(blkno, dir.blkno))
                    .map_err(|e| Error::Format(e.at_block(blkno)))?;
            }
            blocks.push(DirBlock {
                logical,
                blkno,
                data,
                has_trailer,
            });
        }
        Ok(blocks)
    }

    /// Every entry of a directory, unused ones (inode 0) included, each checked as
    /// `ocfs2_check_dir_entry()` does.
    pub fn dir_entries_all(&self, dir: &Inode) -> Result<Vec<Entry>> {
        let d = dir.dinode();
        if !d.is_dir() {
            return Err(Error::Invalid(format!(
                "inode {} is not a directory (mode {:o})",
                dir.blkno,
                d.i_mode()
            )));
        }
        let mut out = Vec::new();
        if d.id2_kind() == Id2Kind::InlineData {
            let size = usize::try_from(d.i_size()).unwrap_or(usize::MAX);
            let data = d.inline_data();
            let region = data.get(..size.min(data.len())).unwrap_or(data);
            collect(region, dir.blkno, &mut out)?;
        } else {
            for block in self.dir_blocks(dir)? {
                collect(
                    dir_block_region(&block.data, block.has_trailer),
                    block.blkno,
                    &mut out,
                )?;
            }
        }
        Ok(out)
    }

    /// The live entries of a directory (those naming an inode).
    pub fn read_dir(&self, dir: &Inode) -> Result<Vec<Entry>> {
        Ok(self
            .dir_entries_all(dir)?
            .into_iter()
            .filter(|e| e.inode != 0)
            .collect())
    }

    /// The inode `name` names in directory `dir`, if any.
    pub fn lookup(&self, dir: &Inode, name: &[u8]) -> Result<Option<u64>> {
        Ok(self
            .read_dir(dir)?
            .into_iter()
            .find(|e| e.name == name)
            .map(|e| e.inode))
    }

    /// The inode block of `path` (`/...` from the root, `//...` in the system directory).
    pub fn resolve(&self, path: &str) -> Result<u64> {
        let sb = self.superblock();
        let sbv = sb.super_block();
        let (mut blkno, rest) = match path.strip_prefix("//") {
            Some(rest) => (sbv.s_system_dir_blkno(), rest),
            None => match path.strip_prefix('/') {
                Some(rest) => (sbv.s_root_blkno(), rest),
                None => {
                    return Err(Error::Invalid(format!(
                        "{path}: paths start with / (or // for system files)"
                    )))
                }
            },
        };
        // The path walked so far, for messages: "/" or "//" then the components.
        let mut walked = String::from(&path[..path.len() - rest.len()]);
        for component in rest.split('/').filter(|c| !c.is_empty()) {
            let dir = self.read_inode(blkno)?;
            if !dir.dinode().is_dir() {
                return Err(Error::NotADirectory {
                    path: walked,
                    blkno,
                });
            }
            if !walked.ends_with('/') {
                walked.push('/');
            }
            walked.push_str(component);
            blkno = self
                .lookup(&dir, component.as_bytes())?
                .ok_or_else(|| Error::NotFound {
                    path: walked.clone(),
                })?;
        }
        Ok(blkno)
    }

    /// The inode block of a system file (`slot` is ignored for global files).
    pub fn system_file(&self, kind: SystemFile, slot: u16) -> Result<u64> {
        let mut name = [0u8; 32];
        let name = kind.name(slot, &mut name);
        let sysdir = self.read_inode(self.superblock().super_block().s_system_dir_blkno())?;
        self.lookup(&sysdir, name)?.ok_or_else(|| Error::NotFound {
            path: format!("//{}", String::from_utf8_lossy(name)),
        })
    }
}

fn collect(region: &[u8], blkno: u64, out: &mut Vec<Entry>) -> Result<()> {
    for item in dir_entries(region, blkno) {
        let (offset, e) = item?;
        out.push(Entry {
            inode: e.inode(),
            file_type: e.file_type(),
            name: e.name().to_vec(),
            block: blkno,
            offset,
            rec_len: e.rec_len(),
        });
    }
    Ok(())
}
