//! `check`: every metadata block reachable from the superblock, validated as the kernel
//! validates it (metaecc first, a repairable bit counting as an error), plus the counts that
//! must agree (chain and group free bits, allocator totals).  Stops at the first error and
//! says where it was found.

use ocfs_format::dinode::Dinode;
use ocfs_format::dinode::{Id2Kind, HAS_REFCOUNT_FL, INDEXED_DIR_FL, JOURNAL_FL};
use ocfs_format::dir::{file_type_of_mode, FT_DIR};
use ocfs_format::dx::{DxLeaf, DxRoot};
use ocfs_format::jbd2::Jbd2Superblock;
use ocfs_format::refcount::RefcountBlock;
use ocfs_format::superblock::backup_super_blknos;
use ocfs_format::xattr::XattrBlock;
use ocfs_volume::{Error, Inode, Volume};
use std::collections::{BTreeMap, HashSet};

/// How many blocks of each kind were checked.
#[derive(Default)]
pub struct Tally(BTreeMap<&'static str, u64>);

impl Tally {
    fn add(&mut self, kind: &'static str, n: u64) {
        if n > 0 {
            *self.0.entry(kind).or_default() += n;
        }
    }

    pub fn summary(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(k, n)| format!("{n} {k}")).collect();
        parts.join(", ")
    }
}

/// Checks the volume; the error names the path and block where the first problem is.
pub fn check(vol: &Volume) -> Result<Tally, String> {
    vol.set_strict_ecc(true);
    let mut walker = Walker {
        vol,
        tally: Tally::default(),
        seen: HashSet::new(),
    };
    walker.tally.add("superblocks", 1);
    walker.backups()?;
    let sb = vol.superblock();
    let (sysdir, root) = (
        sb.super_block().s_system_dir_blkno(),
        sb.super_block().s_root_blkno(),
    );
    walker.tree(sysdir, "//")?;
    walker.tree(root, "/")?;
    Ok(walker.tally)
}

struct Walker<'a> {
    vol: &'a Volume,
    tally: Tally,
    seen: HashSet<u64>,
}

/// Prefixes an error with where it was met.
fn at(place: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("{place}: {e}")
}

impl Walker<'_> {
    fn backups(&mut self) -> Result<(), String> {
        let vol = self.vol;
        if !vol
            .params()
            .features
            .compat
            .contains(ocfs_format::features::CompatFeatures::BACKUP_SB)
        {
            return Ok(());
        }
        let bs = vol.block_size();
        for blkno in backup_super_blknos(bs, vol.fs_blocks() * u64::from(bs)) {
            let place = format!("backup superblock {blkno}");
            let mut block = vol.read_block(blkno).map_err(at(&place))?;
            vol.check_ecc(&mut block, Dinode::<()>::CHECK_OFFSET, blkno)
                .map_err(at(&place))?;
            Dinode::new(block.as_slice())
                .and_then(|d| d.validate_superblock(blkno))
                .map_err(|e| format!("{place}: {e}"))?;
            self.tally.add("superblocks", 1);
        }
        Ok(())
    }

    /// The directory tree under `blkno`, depth first.
    fn tree(&mut self, blkno: u64, path: &str) -> Result<(), String> {
        let mut stack = vec![(blkno, path.to_string())];
        while let Some((blkno, path)) = stack.pop() {
            if !self.seen.insert(blkno) {
                continue;
            }
            let place = format!("{path} (inode {blkno})");
            let inode = self.vol.read_inode(blkno).map_err(at(&place))?;
            self.tally.add("inodes", 1);
            self.inode(&inode, &place)?;
            if !inode.dinode().is_dir() {
                continue;
            }
            for e in self.vol.read_dir(&inode).map_err(at(&place))? {
                if e.name == b"." || e.name == b".." {
                    continue;
                }
                let child = if path.ends_with('/') {
                    format!("{path}{}", e.name_lossy())
                } else {
                    format!("{path}/{}", e.name_lossy())
                };
                self.entry_type(&e, &child)?;
                stack.push((e.inode, child));
            }
        }
        Ok(())
    }

    /// A directory entry's file type must be its inode's (`fs_umode_to_ftype`).
    fn entry_type(&self, e: &ocfs_volume::Entry, path: &str) -> Result<(), String> {
        let place = format!("{path} (inode {})", e.inode);
        let target = self.vol.read_inode(e.inode).map_err(at(&place))?;
        let expected = file_type_of_mode(target.dinode().i_mode());
        if e.file_type != expected {
            return Err(format!(
                "{place}: its entry (block {}, offset {}) has file type {} but the inode is type {expected}",
                e.block, e.offset, e.file_type
            ));
        }
        Ok(())
    }

    fn inode(&mut self, inode: &Inode, place: &str) -> Result<(), String> {
        let vol = self.vol;
        let d = inode.dinode();
        match d.id2_kind() {
            Id2Kind::ExtentList => {
                let tree = vol.file_extents(inode).map_err(at(place))?;
                self.tally.add("extent blocks", tree.blocks.len() as u64);
                let end = vol.fs_blocks();
                for e in &tree.extents {
                    let last = e.blkno + u64::from(e.clusters) * vol.blocks_per_cluster();
                    if last > end {
                        return Err(format!("{place}: extent at cpos {} (block {}, {} clusters) runs past the volume's {end} blocks", e.cpos, e.blkno, e.clusters));
                    }
                }
                if d.is_dir() {
                    let blocks = vol.dir_blocks(inode).map_err(at(place))?;
                    self.tally.add("directory blocks", blocks.len() as u64);
                }
                if d.i_flags() & JOURNAL_FL != 0 {
                    self.journal(inode, &tree, place)?;
                }
            }
            Id2Kind::ChainList => self.chains(inode, place)?,
            _ => {}
        }
        if d.is_dir() {
            // Reading the entries checks every one of them.
            vol.dir_entries_all(inode).map_err(at(place))?;
            let parent_type = vol
                .read_dir(inode)
                .map_err(at(place))?
                .iter()
                .find(|e| e.name == b"..")
                .map(|e| e.file_type);
            if parent_type.is_some_and(|t| t != FT_DIR) {
                return Err(format!("{place}: \"..\" is not a directory entry"));
            }
        }
        if d.i_xattr_loc() != 0 {
            self.block(
                d.i_xattr_loc(),
                XattrBlock::<()>::CHECK_OFFSET,
                "xattr blocks",
                place,
                |b, n, p| XattrBlock::new(b)?.validate(n, p),
            )?;
        }
        if d.i_dyn_features() & INDEXED_DIR_FL != 0 {
            self.dx(inode, place)?;
        }
        if d.i_dyn_features() & HAS_REFCOUNT_FL != 0 {
            self.block(
                d.i_refcount_loc(),
                RefcountBlock::<()>::CHECK_OFFSET,
                "refcount blocks",
                place,
                |b, n, p| RefcountBlock::new(b)?.validate(n, p),
            )?;
        }
        Ok(())
    }

    /// Reads one block, checks its metaecc and runs `validate` on it.
    fn block(
        &mut self,
        blkno: u64,
        check_off: usize,
        kind: &'static str,
        place: &str,
        validate: impl Fn(&[u8], u64, &ocfs_volume::FsParams) -> Result<(), ocfs_format::FormatError>,
    ) -> Result<(), String> {
        let mut block = self.vol.read_block(blkno).map_err(at(place))?;
        self.vol
            .check_ecc(&mut block, check_off, blkno)
            .map_err(at(place))?;
        validate(&block, blkno, self.vol.params()).map_err(|e| format!("{place}: {e}"))?;
        self.tally.add(kind, 1);
        Ok(())
    }

    fn dx(&mut self, inode: &Inode, place: &str) -> Result<(), String> {
        let vol = self.vol;
        let root_blkno = inode.dinode().i_dx_root();
        let mut block = vol.read_block(root_blkno).map_err(at(place))?;
        vol.check_ecc(&mut block, DxRoot::<()>::CHECK_OFFSET, root_blkno)
            .map_err(at(place))?;
        let root = DxRoot::new(block.as_slice()).map_err(|e| format!("{place}: {e}"))?;
        root.validate(root_blkno, vol.params())
            .map_err(|e| format!("{place}: {e}"))?;
        if root.dr_dir_blkno() != inode.blkno {
            return Err(format!(
                "{place}: dx root {root_blkno} says it indexes directory {}",
                root.dr_dir_blkno()
            ));
        }
        self.tally.add("dx roots", 1);
        if root.is_inline() {
            return Ok(());
        }
        let tree = vol
            .extent_tree(root.dr_list(), root_blkno)
            .map_err(at(place))?;
        self.tally.add("extent blocks", tree.blocks.len() as u64);
        for e in &tree.extents {
            for i in 0..u64::from(e.clusters) * vol.blocks_per_cluster() {
                self.block(
                    e.blkno + i,
                    DxLeaf::<()>::CHECK_OFFSET,
                    "dx leaves",
                    place,
                    |b, n, p| DxLeaf::new(b)?.validate(n, p),
                )?;
            }
        }
        Ok(())
    }

    fn journal(
        &mut self,
        inode: &Inode,
        tree: &ocfs_volume::ExtentTree,
        place: &str,
    ) -> Result<(), String> {
        let vol = self.vol;
        let Some(first) = tree.map_block(0, vol.blocks_per_cluster()) else {
            return Err(format!("{place}: the journal has no first block"));
        };
        let block = vol.read_block(first).map_err(at(place))?;
        let blocks = inode.dinode().i_size() / u64::from(vol.block_size());
        Jbd2Superblock::new(block.as_slice())
            .and_then(|j| j.validate(first, vol.block_size(), blocks))
            .map_err(|e| format!("{place}: journal superblock: {e}"))?;
        self.tally.add("journal superblocks", 1);
        Ok(())
    }

    fn chains(&mut self, inode: &Inode, place: &str) -> Result<(), String> {
        let chains = self.vol.chains(inode).map_err(at(place))?;
        let (mut total, mut free) = (0u64, 0u64);
        for chain in &chains {
            let bits: u64 = chain.groups.iter().map(|g| u64::from(g.bits)).sum();
            let chain_free: u64 = chain.groups.iter().map(|g| u64::from(g.free)).sum();
            for g in &chain.groups {
                if u32::from(g.free) != g.counted_free {
                    return Err(format!(
                        "{place}: group {} says {} bits free, its bitmap has {}",
                        g.blkno, g.free, g.counted_free
                    ));
                }
            }
            if bits != u64::from(chain.c_total) || chain_free != u64::from(chain.c_free) {
                return Err(format!(
                    "{place}: chain {} says c_total {} c_free {}, its groups hold {bits} bits with {chain_free} free",
                    chain.index, chain.c_total, chain.c_free
                ));
            }
            self.tally
                .add("group descriptors", chain.groups.len() as u64);
            total += bits;
            free += chain_free;
        }
        let d = inode.dinode();
        if u64::from(d.i_total()) != total || u64::from(d.i_used()) != total - free {
            return Err(format!(
                "{place}: i_total {} i_used {}, its chains hold {total} bits with {} used",
                d.i_total(),
                d.i_used(),
                total - free
            ));
        }
        Ok(())
    }
}
