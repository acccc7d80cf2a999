//! "usrquota" / "grpquota" on and off (`feature_quota.c`, libocfs2's `quota.c`).
//!
//! On (`create_quota_files()`): the global file (`aquota.user`) and one local file per slot
//! (`aquota.user:NNNN`) are created from global_inode_alloc and linked into the system
//! directory, names that exist already kept; the global file gets two blocks (header and
//! info with the default grace times, an empty tree root), every local file is truncated
//! and initialised as for a new slot; then every valid inode of this volume's generation
//! (system files aside, the root directory included) is charged to its uid (gid): its
//! clusters in bytes and one inode.  The dquots are inserted into the global file's radix
//! tree in the order libocfs2's quota hash releases them (bucket `id * 5` modulo its size,
//! the latest inserted first), each new tree block one more block at the end of the file
//! and a cluster more when the allocation is full (`ocfs2_get_free_dqblk()`).
//!
//! Off (`remove_quota_files()`): every system directory entry named `aquota.user` or
//! `aquota.user:DDDD` (group likewise) loses its inode (the entry's inode set to 0, its
//! index entry removed when the directory is indexed), which is truncated to nothing and
//! freed to global_inode_alloc.

use ocfs_format::blockcheck::compute_meta_ecc;
use ocfs_format::dinode::{QUOTA_FL, SYSTEM_FL, VALID_FL};
use ocfs_format::dir::FT_REG_FILE;
use ocfs_format::features::IncompatFeatures;
use ocfs_format::quota::{
    global_entries_per_block, quota_block_check_offset, GlobalDqBlk, GlobalDqInfo, QtDataHeader,
    QuotaHeader, GLOBAL_QMAGICS, GLOBAL_QVERSIONS, INFO_OFFSET, QBLK_RESERVED_SPACE, QT_TREEOFF,
};
use ocfs_format::system::SystemFile;
use ocfs_volume::{Inode, LinuxCrc, Volume, Writer};

/// `OCFS2_DEF_BLOCK_GRACE`, `OCFS2_DEF_INODE_GRACE` (seconds), `OCFS2_DEF_QUOTA_SYNC` (ms).
const GRACE_SECONDS: u32 = 7 * 24 * 3600;
const SYNC_MS: u32 = 10_000;
/// `OCFS2_GLOBAL_QF_INIT_BLOCKS`.
const GLOBAL_INIT_BLOCKS: u32 = 2;
/// `DEFAULT_QUOTA_HASH_SIZE`, `MAX_QUOTA_HASH_SIZE`.
const HASH_SIZE: usize = 8192;
const MAX_HASH_SIZE: usize = 1 << 21;

/// 0 user, 1 group.
fn files(kind: usize) -> (SystemFile, SystemFile) {
    if kind == 0 {
        (SystemFile::UserQuota, SystemFile::LocalUserQuota)
    } else {
        (SystemFile::GroupQuota, SystemFile::LocalGroupQuota)
    }
}

fn name_of(kind: SystemFile, slot: u16) -> Vec<u8> {
    let mut buf = [0u8; 32];
    kind.name(slot, &mut buf).to_vec()
}

/// Whether `name` is one of the files of quota `kind` (`remove_quota_files_iterate()`).
pub fn is_quota_name(kind: usize, name: &[u8]) -> bool {
    let stem: &[u8] = if kind == 0 {
        b"aquota.user"
    } else {
        b"aquota.group"
    };
    match name.strip_prefix(stem) {
        Some([]) => true,
        Some([b':', digits @ ..]) => digits.len() == 4 && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// One id's usage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Usage {
    id: u32,
    space: u64,
    inodes: u64,
}

/// libocfs2's `ocfs2_quota_hash`, kept only for the order it releases its dquots in.
struct QuotaHash {
    /// Each chain's dquots (indexes into `usage`), the head last.
    buckets: Vec<Vec<usize>>,
    usage: Vec<Usage>,
}

impl QuotaHash {
    fn new() -> Self {
        QuotaHash {
            buckets: vec![Vec::new(); HASH_SIZE],
            usage: Vec::new(),
        }
    }

    fn bucket(&self, id: u32) -> usize {
        ((u64::from(id) * 5) & (self.buckets.len() as u64 - 1)) as usize
    }

    /// `ocfs2_find_create_quota_hash()`.
    fn find_create(&mut self, id: u32) -> &mut Usage {
        let b = self.bucket(id);
        if let Some(&i) = self.buckets[b].iter().find(|&&i| self.usage[i].id == id) {
            return &mut self.usage[i];
        }
        // `ocfs2_insert_quota_hash()`: grow (rehashing chain by chain, head first) once
        // more dquots than buckets are in use.
        let alloc = self.buckets.len();
        if self.usage.len() > alloc && alloc * 2 < MAX_HASH_SIZE {
            let old = std::mem::replace(&mut self.buckets, vec![Vec::new(); alloc * 2]);
            for chain in old {
                for &i in chain.iter().rev() {
                    let nb = self.bucket(self.usage[i].id);
                    self.buckets[nb].push(i);
                }
            }
        }
        let i = self.usage.len();
        self.usage.push(Usage {
            id,
            ..Usage::default()
        });
        let b = self.bucket(id);
        self.buckets[b].push(i);
        &mut self.usage[i]
    }

    /// `ocfs2_iterate_quota_hash()` order.
    fn release_order(&self) -> Vec<Usage> {
        self.buckets
            .iter()
            .flat_map(|chain| chain.iter().rev().map(|&i| self.usage[i]))
            .collect()
    }
}

/// `ocfs2_compute_quota_usage()` for one type.
fn compute_usage(vol: &Volume, kind: usize) -> Result<Vec<Usage>, String> {
    let generation = vol.params().fs_generation;
    let root = vol.superblock().super_block().s_root_blkno();
    let cluster_bits = vol.params().cluster_size_bits();
    let mut hash = QuotaHash::new();
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        if d.i_fs_generation() != generation || d.i_flags() & VALID_FL == 0 {
            return Ok(());
        }
        if d.i_flags() & SYSTEM_FL != 0 && inode.blkno != root {
            return Ok(());
        }
        let id = if kind == 0 { d.i_uid() } else { d.i_gid() };
        let dq = hash.find_create(id);
        dq.space += u64::from(d.i_clusters()) << cluster_bits;
        dq.inodes += 1;
        Ok(())
    })
    .map_err(|e| format!("{e} while scanning filesystem to gather quota usage"))?;
    Ok(hash.release_order())
}

/// `ocfs2_qtree_depth()`.
fn qtree_depth(bs: usize) -> u32 {
    let epb = ((bs - QBLK_RESERVED_SPACE) >> 2) as u128;
    let mut entries = epb;
    let mut depth = 1;
    while entries < (1u128 << 32) {
        entries *= epb;
        depth += 1;
    }
    depth
}

fn read_u32(block: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([block[off], block[off + 1], block[off + 2], block[off + 3]])
}

/// The global quota file being built in memory: its blocks by file block, and the info
/// fields libocfs2 keeps in `fs->qinfo[type]`.
struct GlobalFile<'a, 'v> {
    w: &'a mut Writer<'v>,
    inode: Inode,
    blocks: Vec<Vec<u8>>,
    bs: usize,
    depth: u32,
    free_entry: u32,
}

impl GlobalFile<'_, '_> {
    fn dqi_blocks(&self) -> u32 {
        self.blocks.len() as u32
    }

    /// `ocfs2_get_free_dqblk()` on a file without freed blocks: the next block, a cluster
    /// more when the allocation is full.
    fn new_block(&mut self) -> Result<u32, String> {
        let bpc = self.w.volume().blocks_per_cluster();
        let have = u64::from(self.inode.dinode().i_clusters()) * bpc;
        if u64::from(self.dqi_blocks()) == have {
            self.w
                .extend_allocation(&mut self.inode, 1)
                .map_err(|e| format!("{e} while extending the global quota file"))?;
        }
        let blk = self.dqi_blocks();
        self.blocks.push(vec![0u8; self.bs]);
        let size = u64::from(self.dqi_blocks()) * self.bs as u64;
        self.inode.dinode_mut().set_i_size(size);
        Ok(blk)
    }

    /// `ocfs2_qtree_index()`.
    fn index(&self, id: u32, depth: u32) -> usize {
        let epb = ((self.bs - QBLK_RESERVED_SPACE) >> 2) as u32;
        let mut id = id;
        for _ in 0..(self.depth - depth - 1) {
            id /= epb;
        }
        (id % epb) as usize
    }

    fn header(&mut self, blk: u32) -> Result<QtDataHeader<&mut [u8]>, String> {
        QtDataHeader::new(self.blocks[blk as usize].as_mut_slice()).map_err(|e| e.to_string())
    }

    /// `ocfs2_remove_free_dqentry()`.
    fn remove_free_entry(&mut self, blk: u32) -> Result<(), String> {
        let (next, prev) = {
            let h = self.header(blk)?;
            (h.dqdh_next_free(), h.dqdh_prev_free())
        };
        if next != 0 {
            self.header(next)?.set_dqdh_prev_free(prev);
        }
        if prev != 0 {
            self.header(prev)?.set_dqdh_next_free(next);
        } else {
            self.free_entry = next;
        }
        let mut h = self.header(blk)?;
        h.set_dqdh_next_free(0);
        h.set_dqdh_prev_free(0);
        Ok(())
    }

    /// `ocfs2_find_free_dqentry()`: the byte offset of a free entry, now counted.
    fn find_free_entry(&mut self) -> Result<(u32, usize), String> {
        let blk = if self.free_entry != 0 {
            self.free_entry
        } else {
            let blk = self.new_block()?;
            self.free_entry = blk;
            blk
        };
        let per_block = global_entries_per_block(self.bs);
        let entries = usize::from(self.header(blk)?.dqdh_entries());
        if entries + 1 >= per_block {
            self.remove_free_entry(blk)?;
        }
        self.header(blk)?.set_dqdh_entries(entries as u16 + 1);
        let size = GlobalDqBlk::<()>::SIZE;
        let first = QtDataHeader::<()>::SIZE;
        let block = &self.blocks[blk as usize];
        let i = (0..per_block)
            .find(|i| {
                block[first + i * size..first + (i + 1) * size]
                    .iter()
                    .all(|&b| b == 0)
            })
            .ok_or_else(|| format!("global quota file block {blk} has no free entry"))?;
        Ok((blk, first + i * size))
    }

    /// `ocfs2_do_insert_tree()` for a new id: (the tree block at `depth`, made when
    /// `treeblk` is 0; the leaf block and the entry's offset in it).
    fn insert(
        &mut self,
        id: u32,
        treeblk: u32,
        depth: u32,
    ) -> Result<(u32, (u32, usize)), String> {
        let treeblk = if treeblk == 0 {
            self.new_block()?
        } else {
            treeblk
        };
        let idx = self.index(id, depth);
        let child = read_u32(&self.blocks[treeblk as usize], idx * 4);
        let (new_child, found) = if depth == self.depth - 1 {
            if child != 0 {
                return Err(format!("global quota file: id {id} is already in the tree"));
            }
            let found = self.find_free_entry()?;
            (found.0, found)
        } else {
            self.insert(id, child, depth + 1)?
        };
        if child == 0 {
            self.blocks[treeblk as usize][idx * 4..idx * 4 + 4]
                .copy_from_slice(&new_child.to_le_bytes());
        }
        Ok((treeblk, found))
    }

    /// `ocfs2_write_dquot()` of a new dquot (`dqb_btime`/`dqb_itime` 0: no limits).
    fn write_dquot(&mut self, dq: &Usage) -> Result<(), String> {
        let (_, (blk, off)) = self.insert(dq.id, QT_TREEOFF, 0)?;
        let block = &mut self.blocks[blk as usize];
        let mut e = GlobalDqBlk::new(&mut block[off..]).map_err(|e| e.to_string())?;
        e.set_dqb_id(dq.id);
        e.set_dqb_curinodes(dq.inodes);
        e.set_dqb_curspace(dq.space);
        Ok(())
    }

    /// Block 0 (`ocfs2_write_global_quota_info()`), every block with its check, and the
    /// inode.
    fn finish(mut self, kind: usize) -> Result<(), String> {
        {
            let blocks = self.blocks.len() as u32;
            let block = &mut self.blocks[0];
            block.fill(0);
            let mut h = QuotaHeader::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
            h.set_dqh_magic(GLOBAL_QMAGICS[kind]);
            h.set_dqh_version(GLOBAL_QVERSIONS[kind]);
            let mut info =
                GlobalDqInfo::new(&mut block[INFO_OFFSET..]).map_err(|e| e.to_string())?;
            info.set_dqi_bgrace(GRACE_SECONDS);
            info.set_dqi_igrace(GRACE_SECONDS);
            info.set_dqi_syncms(SYNC_MS);
            info.set_dqi_blocks(blocks);
            info.set_dqi_free_blk(0);
            info.set_dqi_free_entry(self.free_entry);
        }
        let vol = self.w.volume();
        vol.write_inode(&mut self.inode).map_err(|e| e.to_string())?;
        let tree = vol.file_extents(&self.inode).map_err(|e| e.to_string())?;
        for (lblk, block) in self.blocks.iter_mut().enumerate() {
            compute_meta_ecc(
                &LinuxCrc,
                vol.params(),
                block,
                quota_block_check_offset(self.bs),
            )
            .map_err(|e| e.to_string())?;
            let pblk = tree
                .map_block(lblk as u64, vol.blocks_per_cluster())
                .ok_or_else(|| format!("global quota file: block {lblk} is a hole"))?;
            vol.write_block(pblk, block).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// The system file `name`'s inode, if the system directory has it.
fn lookup_system(vol: &Volume, name: &[u8]) -> Result<Option<u64>, String> {
    let sysdir = vol
        .read_inode(vol.superblock().super_block().s_system_dir_blkno())
        .map_err(|e| e.to_string())?;
    vol.lookup(&sysdir, name).map_err(|e| e.to_string())
}

/// `create_system_file()`: the existing file, or a new one linked into the system
/// directory.
fn create_system_file(w: &mut Writer, kind: SystemFile, slot: u16) -> Result<u64, String> {
    let vol = w.volume();
    let name = name_of(kind, slot);
    let shown = String::from_utf8_lossy(&name).into_owned();
    if let Some(blkno) = lookup_system(vol, &name)? {
        return Ok(blkno);
    }
    let sysdir = vol.superblock().super_block().s_system_dir_blkno();
    let inode = w
        .new_system_inode(kind.mode(), kind.inode_flags())
        .map_err(|e| format!("{e} while creating system file \"{shown}\""))?;
    w.link(sysdir, &name, inode.blkno, FT_REG_FILE)
        .map_err(|e| format!("{e} while linking file \"{shown}\" in the system directory"))?;
    Ok(inode.blkno)
}

/// Refuses, before anything is written, a system directory whose index would outgrow its
/// root block (libocfs2 would move it into leaf clusters, which this tool does not do), and
/// a volume without the clusters the files need.
pub fn check_on(vol: &Volume, kinds: &[usize]) -> Result<(), String> {
    let slots = vol.params().max_slots;
    let sysdir = vol
        .read_inode(vol.superblock().super_block().s_system_dir_blkno())
        .map_err(|e| e.to_string())?;
    let mut names: Vec<Vec<u8>> = vol
        .read_dir(&sysdir)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|e| e.name)
        .collect();
    let mut new_files = 0u64;
    for &kind in kinds {
        let (global, local) = files(kind);
        let wanted = std::iter::once(name_of(global, 0)).chain((0..slots).map(|s| name_of(local, s)));
        for name in wanted {
            if !names.contains(&name) {
                names.push(name);
                new_files += 1;
            }
        }
    }
    let d = sysdir.dinode();
    let incompat = vol.params().features.incompat;
    let indexed = d.i_dyn_features() & ocfs_format::dinode::INDEXED_DIR_FL != 0;
    let inline = d.i_dyn_features() & ocfs_format::dinode::INLINE_DATA_FL != 0;
    if incompat.contains(IncompatFeatures::INDEXED_DIRS) && (indexed || inline) {
        let bytes: usize = names
            .iter()
            .map(|n| ocfs_format::dir::dir_rec_len(n.len()))
            .sum();
        let will_index = indexed || bytes > usize::from(d.id_count());
        let room = ocfs_format::dx::dx_entries_per_root(vol.block_size() as usize);
        if will_index && names.len() > room {
            return Err(format!(
                "the quota files need {} system directory entries, more than its index root holds ({room}); \
                 moving the index into leaf blocks is not supported",
                names.len()
            ));
        }
    }
    // A cluster for each new file, the system directory's growth, and the global files'
    // trees: at most one block per level per id, counted by inode.
    let mut inodes = 0u64;
    vol.for_each_inode(|_| {
        inodes += 1;
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let bs = vol.block_size() as usize;
    let tree_blocks = 2 + inodes * u64::from(qtree_depth(bs));
    let need = new_files
        + 2
        + kinds.len() as u64 * tree_blocks.div_ceil(vol.blocks_per_cluster());
    let free = crate::journal::free_clusters(vol)?;
    if need > free {
        return Err(format!(
            "the quota files may need {need} clusters, and {free} are free"
        ));
    }
    Ok(())
}

/// `create_quota_files()` for `kind` (0 user, 1 group).
pub fn enable(vol: &Volume, kind: usize) -> Result<(), String> {
    let (global_kind, local_kind) = files(kind);
    let slots = vol.params().max_slots;
    let mut w = Writer::new(vol);
    let global = create_system_file(&mut w, global_kind, 0)?;
    let mut locals = Vec::new();
    for slot in 0..slots {
        locals.push(create_system_file(&mut w, local_kind, slot)?);
    }
    // `ocfs2_init_global_quota_file()`.
    let mut inode = vol.read_inode(global).map_err(|e| e.to_string())?;
    let need = VALID_FL | SYSTEM_FL | QUOTA_FL;
    if inode.dinode().i_flags() & need != need {
        return Err(format!("inode {global} is not a quota file"));
    }
    if inode.dinode().i_clusters() != 0 || inode.dinode().i_size() != 0 {
        return Err(format!(
            "the global quota file (inode {global}) already holds data"
        ));
    }
    let bs = vol.block_size() as usize;
    let clusters = u64::from(GLOBAL_INIT_BLOCKS).div_ceil(vol.blocks_per_cluster()) as u32;
    w.extend_allocation(&mut inode, clusters)
        .map_err(|e| format!("{e} while initializing the global quota file"))?;
    {
        let now = w.now();
        let mut d = inode.dinode_mut();
        d.set_i_size(u64::from(GLOBAL_INIT_BLOCKS) * bs as u64);
        d.set_i_mtime(now);
    }
    vol.write_inode(&mut inode).map_err(|e| e.to_string())?;
    // `ocfs2_init_local_quota_files()`.
    for &local in &locals {
        let d = vol.read_inode(local).map_err(|e| e.to_string())?;
        if d.dinode().i_size() != 0 || d.dinode().i_clusters() != 0 {
            w.truncate(local, 0).map_err(|e| e.to_string())?;
        }
        crate::quota::init_local(&mut w, kind, local)?;
    }
    let usage = compute_usage(vol, kind)?;
    let mut file = GlobalFile {
        w: &mut w,
        inode,
        blocks: vec![vec![0u8; bs]; GLOBAL_INIT_BLOCKS as usize],
        bs,
        depth: qtree_depth(bs),
        free_entry: 0,
    };
    for dq in &usage {
        file.write_dquot(dq)?;
    }
    file.finish(kind)
}

/// `remove_quota_files()` for `kind`.
pub fn disable(vol: &Volume, kind: usize) -> Result<(), String> {
    let sysdir = vol.superblock().super_block().s_system_dir_blkno();
    let mut w = Writer::new(vol);
    let cleared = w
        .clear_entries(sysdir, &|name| is_quota_name(kind, name))
        .map_err(|e| e.to_string())?;
    for (name, ino) in cleared {
        let shown = String::from_utf8_lossy(&name).into_owned();
        w.truncate(ino, 0)
            .map_err(|e| format!("{e} while truncating quota file \"{shown}\""))?;
        w.delete_inode(ino)
            .map_err(|e| format!("{e} while deleting quota file \"{shown}\""))?;
    }
    Ok(())
}

/// The entry of `id` in a global quota file read whole (`find_tree_dqentry()`): (file
/// block, byte offset in it), or None when the tree has no entry for it.
fn find_dqentry(file: &[u8], bs: usize, id: u32) -> Option<(usize, usize)> {
    let depth = qtree_depth(bs);
    let epb = ((bs - QBLK_RESERVED_SPACE) >> 2) as u32;
    let block = |n: usize| file.get(n * bs..(n + 1) * bs);
    let mut blk = QT_TREEOFF as usize;
    for level in 0..depth {
        let mut rest = id;
        for _ in 0..(depth - level - 1) {
            rest /= epb;
        }
        let idx = (rest % epb) as usize;
        let b = block(blk)?;
        let child = u32::from_le_bytes(b.get(idx * 4..idx * 4 + 4)?.try_into().ok()?);
        if child == 0 {
            return None;
        }
        blk = child as usize;
    }
    let b = block(blk)?;
    let size = GlobalDqBlk::<()>::SIZE;
    let first = QtDataHeader::<()>::SIZE;
    (0..global_entries_per_block(bs)).find_map(|i| {
        let off = first + i * size;
        let entry = b.get(off..off + size)?;
        let e = GlobalDqBlk::new(entry).ok()?;
        (entry.iter().any(|&x| x != 0) && e.dqb_id() == id).then_some((blk, off))
    })
}

/// The quota kinds ("usrquota" 0, "grpquota" 1) the volume has.
pub fn kinds_on(vol: &Volume) -> Vec<usize> {
    use ocfs_format::features::RoCompatFeatures;
    let ro = vol.params().features.ro_compat;
    [RoCompatFeatures::USRQUOTA, RoCompatFeatures::GRPQUOTA]
        .into_iter()
        .enumerate()
        .filter(|(_, f)| ro.contains(*f))
        .map(|(k, _)| k)
        .collect()
}

/// Checks that every id in `changes` has an entry in the global quota file of `kind`.
pub fn check_space(vol: &Volume, kind: usize, changes: &[(u32, i64)]) -> Result<(), String> {
    let (file, bs) = read_global(vol, kind)?;
    for &(id, _) in changes {
        if find_dqentry(&file, bs, id).is_none() {
            return Err(format!(
                "the global quota file of type {kind} has no entry for id {id}, which tunefs.ocfs2 \
                 would add; this tool only updates existing entries"
            ));
        }
    }
    Ok(())
}

fn read_global(vol: &Volume, kind: usize) -> Result<(Vec<u8>, usize), String> {
    let inode = vol
        .system_file(files(kind).0, 0)
        .and_then(|b| vol.read_inode(b))
        .map_err(|e| e.to_string())?;
    let file = vol.read_file(&inode).map_err(|e| e.to_string())?;
    Ok((file, vol.block_size() as usize))
}

/// `dqb_curspace` of each id in `changes` moved by its delta (bytes) in the global quota
/// file of `kind`, as `fill_sparse_files()` charges filled and cut clusters
/// (`ocfs2_write_release_dquots()`): each entry's block rewritten with its check, ids in
/// the order given.
pub fn adjust_space(vol: &Volume, kind: usize, changes: &[(u32, i64)]) -> Result<(), String> {
    let inode = vol
        .system_file(files(kind).0, 0)
        .and_then(|b| vol.read_inode(b))
        .map_err(|e| e.to_string())?;
    let tree = vol.file_extents(&inode).map_err(|e| e.to_string())?;
    let (mut file, bs) = read_global(vol, kind)?;
    for &(id, delta) in changes {
        let (blk, off) = find_dqentry(&file, bs, id)
            .ok_or_else(|| format!("the global quota file of type {kind} has no entry for id {id}"))?;
        let block = file
            .get_mut(blk * bs..(blk + 1) * bs)
            .ok_or_else(|| format!("global quota file block {blk} is past its end"))?;
        {
            let mut e = GlobalDqBlk::new(&mut block[off..]).map_err(|e| e.to_string())?;
            let space = e.dqb_curspace().saturating_add_signed(delta);
            e.set_dqb_curspace(space);
        }
        compute_meta_ecc(&LinuxCrc, vol.params(), block, quota_block_check_offset(bs))
            .map_err(|e| e.to_string())?;
        let pblk = tree
            .map_block(blk as u64, vol.blocks_per_cluster())
            .ok_or_else(|| format!("global quota file: block {blk} is a hole"))?;
        vol.write_block(pblk, block).map_err(|e| e.to_string())?;
    }
    Ok(())
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_names_are_matched_as_tunefs_ocfs2_matches_them() {
        assert!(is_quota_name(0, b"aquota.user"));
        assert!(is_quota_name(0, b"aquota.user:0003"));
        assert!(!is_quota_name(0, b"aquota.user:003"));
        assert!(!is_quota_name(0, b"aquota.user:00031"));
        assert!(!is_quota_name(0, b"aquota.group"));
        assert!(is_quota_name(1, b"aquota.group:0000"));
        assert!(!is_quota_name(1, b"aquota.groupx"));
    }

    #[test]
    fn the_hash_releases_by_bucket_latest_first() {
        let mut hash = QuotaHash::new();
        // 8192 collides with 0 (bucket 0); 1 lands in bucket 5, 1639 in bucket 3.
        for id in [1, 0, 1639, 8192] {
            hash.find_create(id).inodes += 1;
        }
        hash.find_create(0).inodes += 1;
        let order: Vec<(u32, u64)> = hash.release_order().iter().map(|u| (u.id, u.inodes)).collect();
        assert_eq!(order, vec![(8192, 1), (0, 2), (1639, 1), (1, 1)]);
    }

    #[test]
    fn tree_depth_is_libocfs2s() {
        assert_eq!(qtree_depth(4096), 4);
        assert_eq!(qtree_depth(512), 5);
    }
}
