//! Quota files (usrquota, grpquota), as libocfs2's `format_quota_files` writes them: for each
//! type a global file holding a radix tree of dquots, and an empty local file per slot. The
//! only dquot at format time is id 0's, charged with the root directory.
//! (Documentation/mkfs-layout.md, section 6.9.)

use super::{feature, Builder};
use crate::bitmap::Extent;
use ocfs_format::quota::{
    GlobalDqBlk, GlobalDqInfo, LocalDqInfo, QtDataHeader, QuotaHeader, GLOBAL_QMAGICS, INFO_OFFSET, LOCAL_QMAGICS,
    OLQF_CLEAN, QBLK_RESERVED_SPACE, QT_TREEOFF,
};
use ocfs_format::SystemFile;

/// Grace times and sync interval of a fresh global quota file.
const GRACE_SECONDS: u32 = 7 * 24 * 3600;
const SYNC_MS: u32 = 10_000;
/// Size of the header of a quota tree leaf block.
const LEAF_HEADER: usize = 16;

/// One quota type: its global and local system files and magic numbers.
#[derive(Clone, Copy)]
struct QuotaKind {
    index: usize,
    global: SystemFile,
    local: SystemFile,
}

const USER: QuotaKind = QuotaKind { index: 0, global: SystemFile::UserQuota, local: SystemFile::LocalUserQuota };
const GROUP: QuotaKind = QuotaKind { index: 1, global: SystemFile::GroupQuota, local: SystemFile::LocalGroupQuota };

/// A quota file being grown a block at a time.
struct QuotaFile {
    inode: u64,
    extents: Vec<Extent>,
    /// Blocks in use (`dqi_blocks`).
    blocks: u32,
}

impl Builder<'_> {
    /// Whether the volume has quota files of either type.
    pub(super) fn has_quota(&self) -> bool {
        self.s.features.contains(feature("usrquota")) || self.s.features.contains(feature("grpquota"))
    }

    /// Whether `kind` is a quota file this volume has.
    pub(super) fn quota_enabled(&self, kind: SystemFile) -> bool {
        match kind {
            SystemFile::UserQuota | SystemFile::LocalUserQuota => self.s.features.contains(feature("usrquota")),
            SystemFile::GroupQuota | SystemFile::LocalGroupQuota => self.s.features.contains(feature("grpquota")),
            _ => true,
        }
    }

    pub(super) fn quota_files(&mut self) -> Result<(), String> {
        let kinds: Vec<QuotaKind> = [USER, GROUP].into_iter().filter(|k| self.quota_enabled(k.global)).collect();
        let mut globals = Vec::new();
        for kind in &kinds {
            globals.push(self.init_global_quota(*kind)?);
            for slot in 0..self.g.slots {
                self.init_local_quota(*kind, slot)?;
            }
        }
        // Usage at format time: the root directory alone (lost+found does not exist yet).
        let root_space = u64::from(self.inode(self.root).i_clusters()) << self.g.cluster_bits;
        for mut file in globals {
            self.write_root_dquot(&mut file, root_space)?;
            self.finish_quota_file(&file)?;
        }
        Ok(())
    }

    fn quota_block(&mut self, file: &QuotaFile, index: u32) -> Result<u64, String> {
        let bpc = self.g.bpc();
        let mut cluster_index = index / bpc;
        for e in &file.extents {
            if cluster_index < e.len {
                return Ok(self.cluster_blkno(e.cluster + cluster_index) + u64::from(index % bpc));
            }
            cluster_index -= e.len;
        }
        Err(format!("quota file block {index} is beyond its clusters"))
    }

    /// Grow `file` so that it holds `blocks` blocks, a cluster at a time as libocfs2 extends
    /// files it writes, merging contiguous clusters into one extent.
    fn reserve_quota_blocks(&mut self, file: &mut QuotaFile, blocks: u32, what: &str) -> Result<(), String> {
        let bpc = self.g.bpc();
        let mut have: u32 = file.extents.iter().map(|e| e.len).sum();
        while have * bpc < blocks {
            // A new file gets its first blocks at once; writes beyond the end add a cluster.
            let clusters = if have == 0 { blocks.div_ceil(bpc) } else { 1 };
            for piece in self.grow(clusters, what)? {
                match file.extents.last_mut() {
                    Some(last) if last.cluster + last.len == piece.cluster => last.len += piece.len,
                    _ => file.extents.push(piece),
                }
                have += piece.len;
            }
        }
        Ok(())
    }

    fn init_global_quota(&mut self, kind: QuotaKind) -> Result<QuotaFile, String> {
        let inode = self.file(kind.global, 0)?;
        let mut file = QuotaFile { inode, extents: Vec::new(), blocks: 2 };
        self.reserve_quota_blocks(&mut file, 2, "formatting quota files")?;
        let header = self.quota_block(&file, 0)?;
        let root = self.quota_block(&file, QT_TREEOFF)?;
        let bs = self.bs();
        self.blocks.insert(root, vec![0; bs]);
        let block = self.block(header);
        block.fill(0);
        let mut h = QuotaHeader::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        h.set_dqh_magic(GLOBAL_QMAGICS[kind.index]);
        h.set_dqh_version(0);
        let mut info = GlobalDqInfo::new(&mut block[INFO_OFFSET..]).map_err(|e| e.to_string())?;
        info.set_dqi_bgrace(GRACE_SECONDS);
        info.set_dqi_igrace(GRACE_SECONDS);
        info.set_dqi_syncms(SYNC_MS);
        info.set_dqi_blocks(2);
        Ok(file)
    }

    fn init_local_quota(&mut self, kind: QuotaKind, slot: u16) -> Result<(), String> {
        let inode = self.file(kind.local, slot)?;
        let mut file = QuotaFile { inode, extents: Vec::new(), blocks: 2 };
        self.reserve_quota_blocks(&mut file, 2, "formatting quota files")?;
        let header = self.quota_block(&file, 0)?;
        let chunk = self.quota_block(&file, 1)?;
        let bs = self.bs();
        self.blocks.insert(chunk, vec![0; bs]);
        let block = self.block(header);
        block.fill(0);
        let mut h = QuotaHeader::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        h.set_dqh_magic(LOCAL_QMAGICS[kind.index]);
        h.set_dqh_version(0);
        let mut info = LocalDqInfo::new(&mut block[INFO_OFFSET..]).map_err(|e| e.to_string())?;
        info.set_dqi_flags(OLQF_CLEAN);
        info.set_dqi_chunks(1);
        info.set_dqi_blocks(2);
        self.finish_quota_file(&file)
    }

    /// Depth of the quota radix tree: enough levels of `block/4` references for 2^32 ids.
    fn qtree_depth(&self) -> u32 {
        let refs_per_block = ((self.bs() - QBLK_RESERVED_SPACE) / 4) as u128;
        let mut entries = refs_per_block;
        let mut depth = 1;
        while entries < (1u128 << 32) {
            entries *= refs_per_block;
            depth += 1;
        }
        depth
    }

    /// Insert id 0's dquot: one new index block per level under the root, then a leaf.
    fn write_root_dquot(&mut self, file: &mut QuotaFile, space: u64) -> Result<(), String> {
        let mut parent = QT_TREEOFF;
        for _ in 1..=self.qtree_depth() {
            let new = file.blocks;
            file.blocks += 1;
            self.reserve_quota_blocks(file, file.blocks, "writing quota entries")?;
            let parent_blk = self.quota_block(file, parent)?;
            self.block(parent_blk)[..4].copy_from_slice(&new.to_le_bytes());
            let new_blk = self.quota_block(file, new)?;
            let bs = self.bs();
            self.blocks.insert(new_blk, vec![0; bs]);
            parent = new;
        }
        // `parent` is now the leaf.
        let leaf = self.quota_block(file, parent)?;
        let block = self.block(leaf);
        let mut header = QtDataHeader::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        header.set_dqdh_entries(1);
        let mut dq = GlobalDqBlk::new(&mut block[LEAF_HEADER..]).map_err(|e| e.to_string())?;
        dq.set_dqb_id(0);
        dq.set_dqb_curinodes(1);
        dq.set_dqb_curspace(space);
        let info_blk = self.quota_block(file, 0)?;
        let block = self.block(info_blk);
        let mut info = GlobalDqInfo::new(&mut block[INFO_OFFSET..]).map_err(|e| e.to_string())?;
        info.set_dqi_blocks(file.blocks);
        info.set_dqi_free_entry(parent);
        Ok(())
    }

    fn finish_quota_file(&mut self, file: &QuotaFile) -> Result<(), String> {
        // Every quota block ends in a trailer that holds its metaecc check.
        let trailer = self.bs() - QBLK_RESERVED_SPACE;
        for index in 0..file.blocks {
            let blkno = self.quota_block(file, index)?;
            self.trailer_checks.push((blkno, trailer));
        }
        self.set_extents(file.inode, &file.extents)?;
        let (size, now) = (u64::from(file.blocks) << self.g.block_bits, self.now);
        let mut inode = self.inode(file.inode);
        inode.set_i_size(size);
        inode.set_i_mtime(now);
        Ok(())
    }
}
