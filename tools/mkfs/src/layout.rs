//! Build a volume the way mkfs.ocfs2 1.8.7 does, block for block
//! (Documentation/mkfs-layout.md): phase A places the system inode group, the directories,
//! the system files and the heartbeat with mkfs.ocfs2's own allocator; phase B adds what
//! libocfs2 adds (backup superblocks, journals, extent allocator groups, the slot map,
//! lost+found) with libocfs2's allocator. Metadata is built in memory and written last.

use crate::bitmap::{ClusterBitmap, Extent};
use crate::device::Device;
use crate::dirs::{self, Entry, FT_DIR, FT_REG};
use crate::geometry::Geometry;
use crate::options::Settings;
use ocfs_format::blockcheck::{store_block_check, Crc32Le};
use ocfs_format::dinode::{self, mode, Dinode};
use ocfs_format::dir::{dir_entries, dir_trailer_mut};
use ocfs_format::dx::{dx_entries_per_root, DxRoot, DX_FLAG_INLINE};
use ocfs_format::dx_hash::{dx_name_hash, dx_seed};
use ocfs_format::group::GroupDesc;
use ocfs_format::jbd2::Jbd2Superblock;
use ocfs_format::superblock::backup_super_blknos;
use ocfs_format::{Features, SystemFile};
use std::collections::BTreeMap;

#[path = "quota.rs"]
mod quota;

/// Blocks 0-2: the OCFS1 compatibility header and the superblock.
const SUPERBLOCK_BLOCKS: u64 = 3;
const SUPERBLOCK_BLKNO: u64 = 2;
/// Inode numbers are bits of the system inode group; mkfs.ocfs2 sizes it for 32 slots at
/// least.
const SYSTEM_GROUP_MIN_SLOTS: u64 = 32;
/// The heartbeat area holds one block per possible node, plus one.
const HEARTBEAT_BLOCKS: u64 = 256;
const MAX_MOUNT_COUNT: u16 = 20;
const JBD2_MAGIC: u32 = 0xC03B_3998;
const JBD2_SUPERBLOCK_V2: u32 = 4;
const JBD2_FEATURE_INCOMPAT_64BIT: u32 = 0x2;
/// Offsets of the fixed-size parts of group descriptors and inodes.
const GROUP_HEADER: usize = 0x40;
const INODE_CHECK: usize = Dinode::<()>::CHECK_OFFSET;
const GROUP_CHECK: usize = 0x30;
/// `bg_size` of suballocator groups with discontiguous block groups.
const DISCONTIG_GROUP_BITMAP: u16 = 256;
/// `i_dyn_features` bits: inline data, indexed directory.
const INLINE_DATA_FL: u16 = 0x1;
const INDEXED_DIR_FL: u16 = 0x8;
/// Offset of `dr_check` in a dx root.
const DX_ROOT_CHECK: usize = 0x08;

/// Linux `crc32_le` for metaecc, through crc32fast (zlib convention, hence the inversions).
fn crc32_le(seed: u32, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(!seed);
    hasher.update(data);
    !hasher.finalize()
}

fn feature(name: &str) -> Features {
    Features::from_name(name).unwrap_or(Features::EMPTY)
}

/// One system file, as placed in phase A.
#[derive(Clone, Debug)]
struct SystemInode {
    kind: SystemFile,
    slot: u16,
    blkno: u64,
    bit: u16,
}

/// What the summary (`print_state`) reports, computed without writing.
pub struct Summary {
    pub extent_alloc_groups: u32,
}

pub fn summary(g: &Geometry) -> Summary {
    Summary { extent_alloc_groups: g.extent_alloc_clusters / g.suballoc_cpg() }
}

/// Makes one volume.
pub struct Builder<'a> {
    s: &'a Settings,
    g: &'a Geometry,
    uuid: [u8; 16],
    /// `s_uuid_hash`: part of the directory-index hash seed.
    uuid_hash: u32,
    generation: u32,
    now: u64,
    dx_seed: [u32; 3],
    c2b: u32,
    bitmap: ClusterBitmap,
    /// Metadata blocks, written after the zero fills.
    blocks: BTreeMap<u64, Vec<u8>>,
    /// Byte ranges to zero before the metadata goes on.
    zero: Vec<(u64, u64)>,
    /// Block of the superblock copies (primary and backups).
    backups: Vec<u64>,
    system_group: Extent,
    system_group_blkno: u64,
    system_bits_used: u16,
    root: u64,
    sysdir: u64,
    files: Vec<SystemInode>,
    inline_data: bool,
    trailers: bool,
    meta_ecc: bool,
    /// Blocks whose metaecc check sits at a fixed offset rather than behind a signature
    /// (quota blocks' trailers).
    trailer_checks: Vec<(u64, usize)>,
}

/// Randomness from the kernel, for the UUID, the generation and the dx seeds.
fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    use std::io::Read;
    let mut buf = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(buf)
}

impl<'a> Builder<'a> {
    pub fn new(s: &'a Settings, g: &'a Geometry) -> Result<Self, String> {
        let features = s.features;
        // How directories are written follows the features asked for, even where the
        // superblock ends up without them (a heartbeat device), as in mkfs.ocfs2.
        let layout_features = s.features_requested;
        let inline_data = layout_features.contains(feature("inline-data"));
        let uuid = match s.uuid {
            Some(u) => u,
            None => random_bytes::<16>()?,
        };
        let generation = u32::from_le_bytes(random_bytes::<4>()?);
        let seeds = random_bytes::<12>()?;
        let dx_seed = if features.contains(feature("indexed-dirs")) {
            [0, 4, 8].map(|i| u32::from_le_bytes([seeds[i], seeds[i + 1], seeds[i + 2], seeds[i + 3]]))
        } else {
            [0; 3]
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let uuid_hash = if features.contains(feature("xattr")) || features.contains(feature("indexed-dirs")) {
            uuid.iter().fold(0u32, |h, &b| (h << 5) ^ (h >> 27) ^ u32::from(b))
        } else {
            0
        };
        let c2b = g.cluster_bits - g.block_bits;
        let chains = dinode::extent_recs_per_inode(g.block_size as usize) as u16;
        let first_cluster_group = SUPERBLOCK_BLOCKS.div_ceil(1 << c2b) as u32;
        let bitmap = ClusterBitmap::new(g.clusters, g.cpg, chains, first_cluster_group + 1);
        Ok(Self {
            s,
            g,
            uuid,
            uuid_hash,
            generation,
            now,
            dx_seed,
            c2b,
            bitmap,
            blocks: BTreeMap::new(),
            zero: Vec::new(),
            backups: Vec::new(),
            system_group: Extent { cluster: 0, len: 0 },
            system_group_blkno: 0,
            system_bits_used: 0,
            root: 0,
            sysdir: 0,
            files: Vec::new(),
            inline_data,
            trailers: layout_features.contains(feature("indexed-dirs")) || layout_features.contains(feature("metaecc")),
            meta_ecc: features.contains(feature("metaecc")),
            trailer_checks: Vec::new(),
        })
    }

    fn bs(&self) -> usize {
        self.g.block_size as usize
    }

    fn cluster_blkno(&self, cluster: u32) -> u64 {
        u64::from(cluster) << self.c2b
    }

    fn cluster_bytes(&self, clusters: u64) -> u64 {
        clusters << self.g.cluster_bits
    }

    fn first_cluster_group_blkno(&self) -> u64 {
        SUPERBLOCK_BLOCKS.div_ceil(1 << self.c2b) << self.c2b
    }

    fn group_blkno(&self, index: usize) -> u64 {
        if index == 0 {
            self.first_cluster_group_blkno()
        } else {
            self.cluster_blkno(self.bitmap.groups[index].first_cluster)
        }
    }

    fn block(&mut self, blkno: u64) -> &mut Vec<u8> {
        let bs = self.bs();
        self.blocks.entry(blkno).or_insert_with(|| vec![0; bs])
    }

    fn inode(&mut self, blkno: u64) -> Dinode<&mut [u8]> {
        Dinode::new(self.block(blkno).as_mut_slice()).expect("blocks are at least 512 bytes")
    }

    fn zero_clusters(&mut self, extent: Extent) {
        self.zero.push((self.cluster_bytes(u64::from(extent.cluster)), self.cluster_bytes(u64::from(extent.len))));
    }

    fn alloc_phase_a(&mut self, clusters: u32, what: &str) -> Result<Extent, String> {
        self.bitmap
            .alloc_phase_a(clusters)
            .ok_or_else(|| format!("Could not allocate {clusters} bits from global bitmap for {what}"))
    }

    fn alloc_inode_bit(&mut self) -> Result<(u64, u16), String> {
        let bits = self.system_group.len << self.c2b;
        self.system_bits_used += 1;
        let bit = self.system_bits_used;
        if u32::from(bit) >= bits {
            return Err("the system inode group is full".into());
        }
        Ok((self.system_group_blkno + u64::from(bit), bit))
    }

    /// The system files this volume has, in mkfs.ocfs2's order: global ones, then each
    /// per-slot kind for every slot.
    fn system_file_list(&self) -> Vec<(SystemFile, u16)> {
        SystemFile::ALL
            .iter()
            .filter(|k| self.quota_enabled(**k))
            // A heartbeat device has just what o2cb's global heartbeat reads (`hb_dev_skip`).
            .filter(|k| {
                !self.s.heartbeat_device
                    || matches!(k, SystemFile::GlobalInodeAlloc | SystemFile::Heartbeat | SystemFile::GlobalBitmap)
            })
            .flat_map(|&k| {
                let slots = if k.is_global() { 1 } else { self.g.slots };
                (0..slots).map(move |slot| (k, slot))
            })
            .collect()
    }

    /// Whether the system directory goes inline, and if not, how many clusters it gets.
    fn system_dir_clusters(&self) -> Option<u32> {
        let slots = u64::from(self.g.slots);
        // mkfs.ocfs2 budgets 52 bytes for each of the 15 system file kinds (quota ones too).
        let entries = 7 + 8 * slots;
        let need = 52 * entries;
        if self.inline_data && need <= (self.g.block_size as u64).saturating_sub(200) {
            return None;
        }
        let blocks = entries.div_ceil(u64::from(self.g.block_size) / 52);
        Some(blocks.div_ceil(u64::from(self.g.bpc())) as u32)
    }

    // --- phase A ------------------------------------------------------------------------

    /// Place and build everything mkfs.ocfs2 writes itself.
    pub fn phase_a(&mut self) -> Result<(), String> {
        let slots = u64::from(self.g.slots);
        let inode_blocks = SUPERBLOCK_BLOCKS + 3 + 7 + 8 * slots.max(SYSTEM_GROUP_MIN_SLOTS);
        let group_clusters = (inode_blocks << self.g.block_bits).div_ceil(u64::from(self.g.cluster_size)) as u32;
        self.system_group = self.alloc_phase_a(group_clusters, "the system inode group")?;
        self.system_group_blkno = self.cluster_blkno(self.system_group.cluster);

        let root_data = if self.inline_data { None } else { Some(self.alloc_phase_a(1, "the root directory")?) };
        (self.root, _) = self.alloc_inode_bit()?;
        let sysdir_data = match self.system_dir_clusters() {
            Some(n) => Some(self.alloc_phase_a(n, "the system directory")?),
            None => None,
        };
        (self.sysdir, _) = self.alloc_inode_bit()?;
        for (kind, slot) in self.system_file_list() {
            let (blkno, bit) = self.alloc_inode_bit()?;
            self.files.push(SystemInode { kind, slot, blkno, bit });
        }

        let heartbeat_clusters = (HEARTBEAT_BLOCKS << self.g.block_bits).div_ceil(u64::from(self.g.cluster_size)) as u32;
        let heartbeat = self.alloc_phase_a(heartbeat_clusters, "the heartbeat area")?;
        let mut orphan_data = Vec::new();
        for slot in 0..self.g.slots {
            orphan_data.push(if self.inline_data { None } else { Some(self.alloc_phase_a(1, &format!("orphan_dir:{slot:04}"))?) });
        }

        // Inodes.
        let root_entries = vec![Entry::new(self.root, ".", FT_DIR), Entry::new(self.root, "..", FT_DIR)];
        self.write_dir(self.root, 1, root_data, &root_entries, 2)?;
        let mut sys_entries = vec![Entry::new(self.sysdir, ".", FT_DIR), Entry::new(self.sysdir, "..", FT_DIR)];
        for f in &self.files {
            let mut name = [0u8; 32];
            let name = String::from_utf8_lossy(f.kind.name(f.slot, &mut name)).into_owned();
            let ftype = if f.kind == SystemFile::OrphanDir { FT_DIR } else { FT_REG };
            sys_entries.push(Entry { inode: f.blkno, name: name.into_bytes(), file_type: ftype });
        }
        self.write_dir(self.sysdir, 2, sysdir_data, &sys_entries, 2 + u32::from(self.g.slots))?;
        for f in self.files.clone() {
            self.write_system_file(&f, heartbeat, orphan_data.get(usize::from(f.slot)).copied().flatten())?;
        }
        self.zero_clusters(heartbeat);
        self.write_system_group();
        self.write_leading_blocks();
        self.write_superblock();
        Ok(())
    }

    /// Fields every inode mkfs.ocfs2 writes shares (`format_file`).
    fn init_inode(&mut self, blkno: u64, bit: u16, mode: u16, flags: u32, links: u32) {
        let (generation, now) = (self.generation, self.now);
        let mut inode = self.inode(blkno);
        inode.set_inode_signature();
        inode.set_i_generation(generation);
        inode.set_i_fs_generation(generation);
        inode.set_i_suballoc_slot(0xFFFF);
        inode.set_i_suballoc_bit(bit);
        inode.set_i_blkno(blkno);
        inode.set_i_mode(mode);
        inode.set_links(links);
        inode.set_i_flags(flags | dinode::VALID_FL | dinode::SYSTEM_FL);
        inode.set_i_atime(now);
        inode.set_i_ctime(now);
        inode.set_i_mtime(now);
    }

    fn set_extents(&mut self, blkno: u64, extents: &[Extent]) -> Result<(), String> {
        let bs = self.bs();
        let c2b = self.c2b;
        let mut inode = self.inode(blkno);
        let clusters: u32 = extents.iter().map(|e| e.len).sum();
        inode.set_i_clusters(clusters);
        let mut list = inode.extent_list_mut();
        list.set_l_count(dinode::extent_recs_per_inode(bs) as u16);
        list.set_l_tree_depth(0);
        list.set_l_next_free_rec(extents.len() as u16);
        let mut cpos = 0;
        for (i, e) in extents.iter().enumerate() {
            let mut rec = list.rec_mut(i).ok_or("too many extents for an inode")?;
            rec.set_e_cpos(cpos);
            rec.set_e_leaf_clusters(e.len as u16);
            rec.set_e_blkno(u64::from(e.cluster) << c2b);
            cpos += e.len;
        }
        Ok(())
    }

    /// A directory: inline when `data` is `None`, else packed in its clusters.
    fn write_dir(&mut self, blkno: u64, bit: u16, data: Option<Extent>, entries: &[Entry], links: u32) -> Result<(), String> {
        self.init_inode(blkno, bit, mode::DIR | 0o755, 0, links);
        let bs = self.bs();
        match data {
            None => {
                let capacity = dinode::max_inline_data(bs);
                let region = dirs::pack(entries, capacity).into_iter().next().ok_or("empty directory")?;
                let mut inode = self.inode(blkno);
                inode.set_i_dyn_features(INLINE_DATA_FL);
                inode.set_id_count(capacity as u16);
                inode.set_i_size(capacity as u64);
                inode.inline_data_mut()[..capacity].copy_from_slice(&region);
            }
            Some(extent) => {
                let usable = if self.trailers { bs - dirs::TRAILER_SIZE } else { bs };
                let regions = dirs::pack(entries, usable);
                let first = self.cluster_blkno(extent.cluster);
                for (i, region) in regions.iter().enumerate() {
                    let dir_blkno = first + i as u64;
                    let trailers = self.trailers;
                    let block = self.block(dir_blkno);
                    block[..usable].copy_from_slice(region);
                    if trailers {
                        let mut trailer = dir_trailer_mut(block).map_err(|e| e.to_string())?;
                        trailer.init(dir_blkno, blkno, 0);
                    }
                }
                self.zero_clusters(extent);
                self.set_extents(blkno, &[extent])?;
                self.inode(blkno).set_i_size((regions.len() * bs) as u64);
            }
        }
        Ok(())
    }

    fn write_system_file(&mut self, f: &SystemInode, heartbeat: Extent, orphan: Option<Extent>) -> Result<(), String> {
        let bs = self.bs();
        let g = self.g;
        let kind = f.kind;
        if kind == SystemFile::OrphanDir {
            let entries = [Entry::new(f.blkno, ".", FT_DIR), Entry::new(self.sysdir, "..", FT_DIR)];
            return self.write_dir(f.blkno, f.bit, orphan, &entries, 2);
        }
        self.init_inode(f.blkno, f.bit, kind.mode(), kind.inode_flags(), 1);
        match kind {
            SystemFile::GlobalBitmap => {} // filled in by `write_global_bitmap`
            SystemFile::GlobalInodeAlloc => {
                let bpc = g.bpc();
                let bits = self.system_group.len * bpc;
                let clusters = self.system_group.len;
                let size = self.cluster_bytes(u64::from(clusters));
                let group = self.system_group_blkno;
                let mut inode = self.inode(f.blkno);
                inode.set_i_clusters(clusters);
                inode.set_i_size(size);
                inode.set_i_total(bits);
                let mut chains = inode.chain_list_mut();
                chains.set_cl_cpg(clusters as u16);
                chains.set_cl_bpc(bpc as u16);
                chains.set_cl_count(dinode::extent_recs_per_inode(bs) as u16);
                chains.set_cl_next_free_rec(1);
                let mut rec = chains.rec_mut(0).ok_or("no chain record")?;
                rec.set_c_total(bits);
                rec.set_c_blkno(group);
                // i_used and c_free: `write_system_group` knows the final count.
            }
            SystemFile::ExtentAlloc | SystemFile::InodeAlloc => {
                let cpg = g.suballoc_cpg();
                let mut inode = self.inode(f.blkno);
                let mut chains = inode.chain_list_mut();
                chains.set_cl_cpg(cpg as u16);
                chains.set_cl_bpc(g.bpc() as u16);
                chains.set_cl_count(dinode::extent_recs_per_inode(bs) as u16);
            }
            SystemFile::LocalAlloc => {
                let mut inode = self.inode(f.blkno);
                inode.local_alloc_mut().set_la_size((bs - 0xD0) as u16);
            }
            SystemFile::TruncateLog => {
                let mut inode = self.inode(f.blkno);
                inode.truncate_log_mut().set_tl_count(((bs - 0xC8) / 8) as u16);
            }
            SystemFile::Heartbeat => {
                self.set_extents(f.blkno, &[heartbeat])?;
                self.inode(f.blkno).set_i_size(HEARTBEAT_BLOCKS << g.block_bits);
            }
            _ => self.set_extents(f.blkno, &[])?,
        }
        Ok(())
    }

    fn file(&self, kind: SystemFile, slot: u16) -> Result<u64, String> {
        self.files
            .iter()
            .find(|f| f.kind == kind && f.slot == slot)
            .map(|f| f.blkno)
            .ok_or_else(|| format!("no system file {} for slot {slot}", kind.base_name()))
    }

    /// The descriptor of the system inode group, with every inode bit handed out.
    fn write_system_group(&mut self) {
        let bits = self.system_group.len * self.g.bpc();
        let used = u32::from(self.system_bits_used) + 1;
        let parent = self.file(SystemFile::GlobalInodeAlloc, 0).unwrap_or(0);
        let blkno = self.system_group_blkno;
        let full = (self.bs() - GROUP_HEADER) as u16;
        self.init_group(blkno, full, bits, used, 0, 0, parent);
        let mut inode = self.inode(parent);
        inode.set_i_used(used);
        if let Some(mut rec) = inode.chain_list_mut().rec_mut(0) {
            rec.set_c_free(bits - used);
        }
    }

    /// A group descriptor with its first `used` bits set.
    #[allow(clippy::too_many_arguments)]
    fn init_group(&mut self, blkno: u64, size: u16, bits: u32, used: u32, chain: u16, next: u64, parent: u64) {
        let generation = self.generation;
        let block = self.block(blkno);
        let mut group = GroupDesc::new(block.as_mut_slice()).expect("blocks hold a group descriptor");
        group.set_group_signature();
        group.set_bg_size(size);
        group.set_bg_bits(bits as u16);
        group.set_bg_free_bits_count((bits - used) as u16);
        group.set_bg_chain(chain);
        group.set_bg_generation(generation);
        group.set_bg_next_group(next);
        group.set_bg_parent_dinode(parent);
        group.set_bg_blkno(blkno);
        let bitmap = group.bg_bitmap_mut();
        for bit in 0..used as usize {
            if let Some(byte) = bitmap.get_mut(bit / 8) {
                *byte |= 1 << (bit % 8);
            }
        }
    }

    /// Blocks 0 and 1: filled with 2s and stamped with the OCFS1 header, so OCFS1 tools
    /// recognise the volume is taken (`format_leading_space`).
    fn write_leading_blocks(&mut self) {
        let bs = self.bs();
        let mut lead = vec![2u8; 2 * bs];
        let text = b"this is an ocfs2 volume\0";
        for offset in [0x08, 0x88, 512 + 0x30, 512 + 0x84] {
            lead[offset..offset + text.len()].copy_from_slice(text);
        }
        let (b0, b1) = lead.split_at(bs);
        self.blocks.insert(0, b0.to_vec());
        self.blocks.insert(1, b1.to_vec());
    }

    fn write_superblock(&mut self) {
        let s = self.s;
        let g = self.g;
        let features = s.features.difference(feature("backup-super"));
        let (generation, now, uuid, dx_seed) = (self.generation, self.now, self.uuid, self.dx_seed);
        let (root, sysdir, first_group) = (self.root, self.sysdir, self.first_cluster_group_blkno());
        let uuid_hash = self.uuid_hash;
        let mut inode = self.inode(SUPERBLOCK_BLKNO);
        inode.set_i_signature(*b"OCFSV2\0\0");
        inode.set_i_generation(generation);
        inode.set_i_fs_generation(generation);
        inode.set_i_suballoc_slot(0xFFFF);
        inode.set_i_suballoc_bit(0xFFFF);
        inode.set_i_clusters(g.clusters);
        inode.set_i_flags(dinode::VALID_FL | dinode::SYSTEM_FL | dinode::SUPER_BLOCK_FL);
        inode.set_i_ctime(now);
        inode.set_i_mtime(now);
        inode.set_i_blkno(SUPERBLOCK_BLKNO);
        let mut sb = inode.super_block_mut();
        sb.set_s_major_rev_level(0);
        sb.set_s_minor_rev_level(90);
        sb.set_s_max_mnt_count(MAX_MOUNT_COUNT);
        sb.set_s_lastcheck(now);
        sb.set_features(features);
        sb.set_s_root_blkno(root);
        sb.set_s_system_dir_blkno(sysdir);
        sb.set_s_blocksize_bits(g.block_bits);
        sb.set_s_clustersize_bits(g.cluster_bits);
        sb.set_s_max_slots(g.slots);
        sb.set_s_uuid_hash(uuid_hash);
        sb.set_s_first_cluster_group(first_group);
        sb.set_label(&s.label);
        sb.set_s_uuid(uuid);
        if let Some(c) = &s.cluster {
            let mut stack = [0u8; 4];
            stack[..c.stack.len().min(4)].copy_from_slice(&c.stack.as_bytes()[..c.stack.len().min(4)]);
            sb.set_ci_stack(stack);
            sb.set_ci_stackflags(u8::from(c.global_heartbeat));
            let mut name = [0u8; 16];
            name[..c.name.len().min(16)].copy_from_slice(&c.name.as_bytes()[..c.name.len().min(16)]);
            sb.set_ci_cluster(name);
        }
        if features.contains(feature("xattr")) {
            sb.set_s_xattr_inline_size(256);
        }
        sb.set_s_dx_seed0(dx_seed[0]);
        sb.set_s_dx_seed1(dx_seed[1]);
        sb.set_s_dx_seed2(dx_seed[2]);
    }

    // --- phase B ------------------------------------------------------------------------

    /// What libocfs2 adds after mkfs.ocfs2's own writes.
    pub fn phase_b(&mut self, progress: &mut dyn FnMut(&str)) -> Result<(), String> {
        if self.s.heartbeat_device {
            return Ok(());
        }
        if self.s.features.contains(feature("backup-super")) {
            self.backup_superblocks()?;
            progress(&format!("Writing backup superblock: {} block(s)", self.backups.len()));
        }
        for slot in 0..self.g.slots {
            self.journal(slot)?;
        }
        progress("Formatting Journals: done");
        let groups = self.g.extent_alloc_clusters / self.g.suballoc_cpg();
        for slot in 0..self.g.slots {
            let alloc = self.file(SystemFile::ExtentAlloc, slot)?;
            for _ in 0..groups {
                self.add_suballoc_group(alloc)?;
            }
        }
        progress("Growing extent allocator: done");
        self.slot_map()?;
        progress("Formatting slot map: done");
        if self.has_quota() {
            self.quota_files()?;
            progress("Formatting quota files: done");
        }
        if self.indexed_block_dirs() {
            self.index_dir(self.root)?;
            for slot in 0..self.g.slots {
                let orphans = self.file(SystemFile::OrphanDir, slot)?;
                self.index_dir(orphans)?;
            }
            progress("Indexing system directories: done");
        }
        self.lost_found()?;
        progress("Writing lost+found: done");
        Ok(())
    }

    fn backup_superblocks(&mut self) -> Result<(), String> {
        let blknos: Vec<u64> = backup_super_blknos(self.g.block_size, self.g.blocks << self.g.block_bits).collect();
        for blkno in blknos {
            let cluster = (blkno >> self.c2b) as u32;
            if !self.bitmap.claim(cluster, 1) {
                return Err("No space left on device while backing up superblock.".into());
            }
            self.zero_clusters(Extent { cluster, len: 1 });
            self.backups.push(blkno);
        }
        Ok(())
    }

    /// A file's clusters, grown as libocfs2 grows files.
    fn grow(&mut self, clusters: u32, what: &str) -> Result<Vec<Extent>, String> {
        self.bitmap
            .alloc_file(clusters)
            .ok_or_else(|| format!("Unable to find available bit while {what}"))
    }

    /// Give the system file `kind` of `slot` its clusters, as libocfs2 grows a file, and
    /// size it to them.
    fn grow_system_file(&mut self, kind: SystemFile, slot: u16, clusters: u32, what: &str) -> Result<(Vec<Extent>, u64), String> {
        let extents = self.grow(clusters, what)?;
        let blkno = self.file(kind, slot)?;
        self.set_extents(blkno, &extents)?;
        let size = self.cluster_bytes(u64::from(clusters));
        let now = self.now;
        let mut inode = self.inode(blkno);
        inode.set_i_size(size);
        inode.set_i_mtime(now);
        Ok((extents, size))
    }

    fn journal(&mut self, slot: u16) -> Result<(), String> {
        let clusters = (self.g.journal_bytes >> self.g.cluster_bits) as u32;
        let what = format!("formatting journal \"journal:{slot:04}\"");
        let (extents, size) = self.grow_system_file(SystemFile::Journal, slot, clusters, &what)?;
        for e in &extents {
            self.zero_clusters(*e);
        }
        // The JBD2 superblock, big endian, in the journal's first block.
        let first = self.cluster_blkno(extents.first().ok_or("a journal without clusters")?.cluster);
        let (bs, uuid, block64) = (self.g.block_size, self.uuid, self.s.block64);
        let journal_blocks = (size >> self.g.block_bits) as u32;
        let block = self.block(first);
        let mut jsb = Jbd2Superblock::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        jsb.set_h_magic(JBD2_MAGIC);
        jsb.set_h_blocktype(JBD2_SUPERBLOCK_V2);
        jsb.set_s_blocksize(bs);
        jsb.set_s_maxlen(journal_blocks);
        jsb.set_s_first(if bs == 512 { 2 } else { 1 });
        jsb.set_s_sequence(1);
        jsb.set_s_start(1);
        if block64 {
            jsb.set_s_feature_incompat(JBD2_FEATURE_INCOMPAT_64BIT);
        }
        jsb.set_s_uuid(uuid);
        jsb.set_s_nr_users(1);
        Ok(())
    }

    /// Add one group to the suballocator `alloc` (`ocfs2_chain_add_group`); returns its
    /// descriptor block. Only the descriptor is written, as libocfs2 does.
    fn add_suballoc_group(&mut self, alloc: u64) -> Result<u64, String> {
        let cpg = self.g.suballoc_cpg();
        let extent = self
            .bitmap
            .alloc_range(cpg, cpg)
            .filter(|e| e.len == cpg)
            .ok_or("Unable to find available bit while growing a suballocator")?;
        let blkno = self.cluster_blkno(extent.cluster);
        let bits = cpg * self.g.bpc();
        let size = if self.s.features.contains(feature("discontig-bg")) {
            DISCONTIG_GROUP_BITMAP
        } else {
            (self.bs() - GROUP_HEADER) as u16
        };
        let mut inode = self.inode(alloc);
        let chain = inode.chain_list_mut().cl_next_free_rec();
        let previous = inode.chain_list_mut().rec_mut(usize::from(chain)).map(|r| r.c_blkno()).unwrap_or(0);
        self.init_group(blkno, size, bits, 1, chain, previous, alloc);
        let cluster_bytes = self.cluster_bytes(u64::from(cpg));
        let mut inode = self.inode(alloc);
        inode.set_i_clusters(inode.i_clusters() + cpg);
        inode.set_i_size(inode.i_size() + cluster_bytes);
        inode.set_i_total(inode.i_total() + bits);
        inode.set_i_used(inode.i_used() + 1);
        let mut chains = inode.chain_list_mut();
        chains.set_cl_next_free_rec(chain + 1);
        let mut rec = chains.rec_mut(usize::from(chain)).ok_or("the allocator's chain list is full")?;
        rec.set_c_total(bits);
        rec.set_c_free(bits - 1);
        rec.set_c_blkno(blkno);
        Ok(blkno)
    }

    /// The groups of the suballocator `alloc` with their chains, in block order.
    fn suballoc_groups(&mut self, alloc: u64) -> Vec<(u64, usize)> {
        let mut inode = self.inode(alloc);
        let chains = usize::from(inode.chain_list_mut().cl_next_free_rec());
        let heads: Vec<u64> = (0..chains)
            .filter_map(|c| inode.chain_list_mut().rec_mut(c).map(|r| r.c_blkno()))
            .collect();
        let mut groups = Vec::new();
        for (chain, mut group) in heads.into_iter().enumerate() {
            while group != 0 && !groups.iter().any(|(g, _)| *g == group) {
                groups.push((group, chain));
                group = self
                    .blocks
                    .get(&group)
                    .and_then(|b| GroupDesc::new(b.as_slice()).ok())
                    .map_or(0, |d| d.bg_next_group());
            }
        }
        groups.sort_unstable();
        groups
    }

    /// The lowest free bit of the suballocator `alloc` (`ocfs2_chain_alloc`), which grows by
    /// a group when it is full: `(block, bit, group)`.
    fn alloc_suballoc_bit(&mut self, alloc: u64) -> Result<(u64, u16, u64), String> {
        for _ in 0..2 {
            for (group, chain) in self.suballoc_groups(alloc) {
                let block = self.block(group);
                let mut desc = GroupDesc::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
                let bits = u32::from(desc.bg_bits());
                let free = desc.bg_free_bits_count();
                let bitmap = desc.bg_bitmap_mut();
                let Some(bit) = (0..bits).find(|&b| bitmap.get((b / 8) as usize).is_some_and(|byte| byte & (1 << (b % 8)) == 0)) else {
                    continue;
                };
                bitmap[(bit / 8) as usize] |= 1 << (bit % 8);
                desc.set_bg_free_bits_count(free - 1);
                let mut inode = self.inode(alloc);
                inode.set_i_used(inode.i_used() + 1);
                if let Some(mut rec) = inode.chain_list_mut().rec_mut(chain) {
                    rec.set_c_free(rec.c_free() - 1);
                }
                return Ok((group + u64::from(bit), bit as u16, group));
            }
            self.add_suballoc_group(alloc)?;
        }
        Err("a new suballocator group has no free bit".into())
    }

    fn slot_map(&mut self) -> Result<(), String> {
        let extended = self.s.features.contains(feature("extended-slotmap"));
        let bytes = u64::from(self.g.slots) * if extended { 8 } else { 2 };
        let clusters = bytes.div_ceil(u64::from(self.g.cluster_size)) as u32;
        let (extents, _) = self.grow_system_file(SystemFile::SlotMap, 0, clusters, "formatting the slot map")?;
        // Extended slots are all zero (empty); the old layout marks empty slots 0xFFFF.
        let fill = if extended { 0 } else { 0xFF };
        for e in extents {
            let first = self.cluster_blkno(e.cluster);
            for b in 0..(u64::from(e.len) << self.c2b) {
                let bs = self.bs();
                self.blocks.insert(first + b, vec![fill; bs]);
            }
        }
        Ok(())
    }

    fn lost_found(&mut self) -> Result<(), String> {
        let alloc = self.file(SystemFile::InodeAlloc, 0)?;
        let (blkno, bit, group) = self.alloc_suballoc_bit(alloc)?;
        let (generation, now, root) = (self.generation, self.now, self.root);
        let data = if self.inline_data {
            None
        } else {
            Some(self.bitmap.alloc_range(1, 1).ok_or("Unable to find available bit while creating lost+found")?)
        };
        let entries = [Entry::new(blkno, ".", FT_DIR), Entry::new(root, "..", FT_DIR)];
        self.write_dir(blkno, bit, data, &entries, 2)?;
        let trailers = self.trailers;
        let bs = self.bs();
        let mut inode = self.inode(blkno);
        inode.set_i_flags(dinode::VALID_FL);
        inode.set_i_suballoc_slot(0);
        inode.set_i_suballoc_loc(group);
        inode.set_i_generation(generation);
        inode.set_i_atime(now);
        if data.is_some() && trailers {
            // libocfs2's ocfs2_init_dir sizes a directory with trailers short by the trailer.
            inode.set_i_size((bs - dirs::TRAILER_SIZE) as u64);
        }
        if self.indexed_block_dirs() {
            self.index_dir(blkno)?;
        }
        // Link it into the root directory (and its index).
        let entry = Entry::new(blkno, "lost+found", FT_DIR);
        if self.inline_data {
            let capacity = dinode::max_inline_data(bs);
            let mut root_inode = self.inode(root);
            dirs::append(&mut root_inode.inline_data_mut()[..capacity], &entry)?;
        } else {
            let usable = if trailers { bs - dirs::TRAILER_SIZE } else { bs };
            let first = self.dir_block(root)?;
            dirs::append(&mut self.block(first)[..usable], &entry)?;
            if self.indexed_block_dirs() {
                self.index_add(root, &entry.name, first)?;
            }
        }
        let mut root_inode = self.inode(root);
        let links = root_inode.links() + 1;
        root_inode.set_links(links);
        Ok(())
    }

    /// Whether block directories get an index (`index_system_dirs`): indexed-dirs on and
    /// inline-data off; with inline data the directories mkfs makes stay inline.
    fn indexed_block_dirs(&self) -> bool {
        self.s.features.contains(feature("indexed-dirs")) && !self.inline_data
    }

    /// The first (and, for what mkfs makes, only) block of a block directory.
    fn dir_block(&mut self, dir: u64) -> Result<u64, String> {
        self.inode(dir).extent_list_mut().rec_mut(0).map(|r| r.e_blkno()).ok_or_else(|| format!("directory {dir} has no block"))
    }

    /// Build the index of the one-block directory `dir` (`ocfs2_dx_dir_build`): a dx root
    /// from extent_alloc:0000 holding every entry's hash, inline in the root block.
    fn index_dir(&mut self, dir: u64) -> Result<(), String> {
        let alloc = self.file(SystemFile::ExtentAlloc, 0)?;
        let (dx, bit, group) = self.alloc_suballoc_bit(alloc)?;
        let first = self.dir_block(dir)?;
        let bs = self.bs();
        let usable = bs - dirs::TRAILER_SIZE;
        let block = self.block(first).clone();
        let entries: Vec<(Vec<u8>, u16)> = dir_entries(&block[..usable], first)
            .filter_map(Result::ok)
            .map(|(_, e)| (e.name().to_vec(), e.rec_len()))
            .collect();
        // The trailer records the free space at the end of the block: what the last entry
        // holds beyond its own length.
        let free = entries.last().map_or(0, |(name, len)| *len as usize - dirs::rec_len(name.len()));
        let mut trailer = dir_trailer_mut(self.block(first)).map_err(|e| e.to_string())?;
        trailer.set_db_free_rec_len(free as u16);
        let generation = self.generation;
        let mut root = DxRoot::new(self.block(dx).as_mut_slice()).map_err(|e| e.to_string())?;
        root.set_dr_signature(*b"DXDIR01\0");
        root.set_dr_suballoc_slot(0);
        root.set_dr_suballoc_bit(bit);
        root.set_dr_suballoc_loc(group);
        root.set_dr_fs_generation(generation);
        root.set_dr_blkno(dx);
        root.set_dr_flags(DX_FLAG_INLINE);
        root.set_dr_dir_blkno(dir);
        root.set_dr_free_blk(first);
        root.dr_entries_mut().set_de_count(dx_entries_per_root(bs) as u16);
        let mut inode = self.inode(dir);
        inode.set_i_dyn_features(inode.i_dyn_features() | INDEXED_DIR_FL);
        inode.set_i_dx_root(dx);
        for (name, _) in entries {
            self.index_add(dir, &name, first)?;
        }
        Ok(())
    }

    /// Add `name`, stored in directory block `dirent_blk`, to the index of `dir`.
    fn index_add(&mut self, dir: u64, name: &[u8], dirent_blk: u64) -> Result<(), String> {
        let dx = self.inode(dir).i_dx_root();
        let (major, minor) = dx_name_hash(dx_seed(self.dx_seed, self.uuid_hash), name);
        let mut root = DxRoot::new(self.block(dx).as_mut_slice()).map_err(|e| e.to_string())?;
        let count = root.dr_num_entries();
        root.set_dr_num_entries(count + 1);
        let mut list = root.dr_entries_mut();
        let used = list.de_num_used();
        let mut entry = list.entry_mut(usize::from(used)).ok_or("the directory index is full")?;
        entry.set_dx_major_hash(major);
        entry.set_dx_minor_hash(minor);
        entry.set_dx_dirent_blk(dirent_blk);
        list.set_de_num_used(used + 1);
        Ok(())
    }

    // --- the global bitmap and the writes ---------------------------------------------------

    fn write_global_bitmap(&mut self) -> Result<(), String> {
        let blkno = self.file(SystemFile::GlobalBitmap, 0)?;
        let bs = self.bs();
        let chains = self.bitmap.chains as usize;
        let groups = self.bitmap.groups.len();
        let full = (bs - GROUP_HEADER) as u16;
        for index in 0..groups {
            let gd = self.group_blkno(index);
            let next = if index + chains < groups { self.group_blkno(index + chains) } else { 0 };
            let group = self.bitmap.groups[index].clone();
            self.init_group(gd, full, group.bits, 0, group.chain, next, blkno);
            let block = self.block(gd);
            let mut desc = GroupDesc::new(block.as_mut_slice()).expect("blocks hold a group descriptor");
            desc.set_bg_free_bits_count(group.free as u16);
            let bitmap = desc.bg_bitmap_mut();
            let len = bitmap.len().min(group.bitmap.len());
            bitmap[..len].copy_from_slice(&group.bitmap[..len]);
            // The descriptor's cluster is zeroed behind it.
            self.zero.push((gd << self.g.block_bits, u64::from(self.g.cluster_size)));
        }
        let (g, cpg_full) = (self.g, crate::geometry::group_bitmap_bits(self.g.block_size));
        let used = self.bitmap.total_used() as u32;
        let bitmap = self.bitmap.clone();
        let group_blknos: Vec<u64> = (0..groups).map(|i| self.group_blkno(i)).collect();
        let mut inode = self.inode(blkno);
        inode.set_i_size(u64::from(g.clusters) << g.cluster_bits);
        inode.set_i_clusters(g.clusters);
        inode.set_i_used(used);
        inode.set_i_total(g.clusters);
        let mut list = inode.chain_list_mut();
        list.set_cl_cpg(cpg_full as u16);
        list.set_cl_bpc(1);
        list.set_cl_count(chains as u16);
        list.set_cl_next_free_rec(groups.min(chains) as u16);
        for (chain, &head) in group_blknos.iter().enumerate().take(chains) {
            let members = (chain..groups).step_by(chains);
            let (total, free) = members.fold((0, 0), |(t, f), i| (t + bitmap.groups[i].bits, f + bitmap.groups[i].free));
            let mut rec = list.rec_mut(chain).ok_or("too many chains")?;
            rec.set_c_total(total);
            rec.set_c_free(free);
            rec.set_c_blkno(head);
        }
        Ok(())
    }

    /// Superblock copies with their own block numbers, and metaecc over every metadata block.
    fn finish_blocks(&mut self) -> Result<(), String> {
        // mkfs.ocfs2 clears backup-super while it builds and sets it once the backups are
        // written, even when none fits the volume.
        if self.s.features.contains(feature("backup-super")) {
            let mut inode = self.inode(SUPERBLOCK_BLKNO);
            let mut sb = inode.super_block_mut();
            let features = sb.features().union(feature("backup-super"));
            sb.set_features(features);
        }
        let primary = self.blocks.get(&SUPERBLOCK_BLKNO).cloned().ok_or("no superblock")?;
        for blkno in self.backups.clone() {
            let mut copy = primary.clone();
            Dinode::new(copy.as_mut_slice()).map_err(|e| e.to_string())?.set_i_blkno(blkno);
            self.blocks.insert(blkno, copy);
        }
        if self.meta_ecc {
            let crc = crc32_le as fn(u32, &[u8]) -> u32;
            self.apply_meta_ecc(&crc)?;
        }
        Ok(())
    }

    fn apply_meta_ecc(&mut self, crc: &dyn Crc32Le) -> Result<(), String> {
        for (blkno, offset) in std::mem::take(&mut self.trailer_checks) {
            let block = self.block(blkno);
            store_block_check(crc, block, offset).map_err(|e| e.to_string())?;
        }
        let bs = self.bs();
        for block in self.blocks.values_mut() {
            let check = if block.starts_with(b"INODE01") || block.starts_with(b"OCFSV2") {
                Some(INODE_CHECK)
            } else if block.starts_with(b"GROUP01") {
                Some(GROUP_CHECK)
            } else if block.starts_with(b"DXDIR01") {
                Some(DX_ROOT_CHECK)
            } else if block.get(bs - 64 + 0x10..bs - 64 + 0x17) == Some(b"DIRTRL1") {
                Some(bs - 64 + 0x38)
            } else {
                None
            };
            if let Some(offset) = check {
                store_block_check(crc, block, offset).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// Write the volume: the first and last MiB and every region mkfs.ocfs2 zeroes, then the
    /// metadata.
    pub fn write(mut self, dev: &Device) -> Result<(), String> {
        self.write_global_bitmap()?;
        self.finish_blocks()?;
        let io = |e: std::io::Error| format!("write to {}: {e}", dev.path.display());
        let volume = self.g.blocks << self.g.block_bits;
        let mib = 1u64 << 20;
        dev.zero(0, mib.min(volume)).map_err(io)?;
        dev.zero(volume.saturating_sub(mib), mib.min(volume)).map_err(io)?;
        for (offset, len) in &self.zero {
            dev.zero(*offset, *len).map_err(io)?;
        }
        for (blkno, block) in &self.blocks {
            dev.write_at(blkno << self.g.block_bits, block).map_err(io)?;
        }
        dev.sync().map_err(io)
    }
}
