// SPDX-License-Identifier: GPL-2.0
//! Parses volumes made by the real `mkfs.ocfs2` (ocfs2-tools) and compares
//! what the crate reads with what `debugfs.ocfs2` prints.  Skipped when the
//! tools are not installed.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::CRC;
use ocfs_format::blockcheck::{compute_block_check, verify_block_check};
use ocfs_format::dinode::{self, Dinode, Id2Kind};
use ocfs_format::dir::{
    dir_block_check_offset, dir_block_region, dir_entries, dir_trailer, DIR_TRAILER_SIGNATURE,
};
use ocfs_format::extent::{ExtentBlock, ExtentList};
use ocfs_format::features::{FeatureLevel, Features, IncompatFeatures};
use ocfs_format::group::GroupDesc;
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::jbd2::Jbd2Superblock;
use ocfs_format::quota::{self, GlobalDqInfo, LocalChunk, LocalDqInfo, QuotaHeader, QuotaType};
use ocfs_format::slot_map::{ExtendedSlotMap, SlotMap};
use ocfs_format::superblock::{self, FsParams};
use ocfs_format::system::SystemFile;

const MKFS: &str = "/sbin/mkfs.ocfs2";
const DEBUGFS: &str = "/sbin/debugfs.ocfs2";

fn tools_present() -> bool {
    Path::new(MKFS).exists() && Path::new(DEBUGFS).exists()
}

struct Image {
    file: File,
    bs: usize,
    params: FsParams,
    path: PathBuf,
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

impl Image {
    fn block(&self, n: u64) -> Vec<u8> {
        let mut b = vec![0u8; self.bs];
        self.file
            .read_exact_at(&mut b, n * self.bs as u64)
            .expect("read block");
        b
    }

    /// Physical block of logical block `lblk` of the file whose extent
    /// list is `list`.
    fn map(&self, list: ExtentList<&[u8]>, lblk: u64) -> Option<u64> {
        let bpc = u64::from(self.params.cluster_size) / self.bs as u64;
        let depth = list.l_tree_depth();
        for rec in list.recs() {
            let start = u64::from(rec.e_cpos()) * bpc;
            let len = u64::from(rec.clusters(depth)) * bpc;
            if lblk < start || lblk >= start + len {
                continue;
            }
            if depth == 0 {
                return Some(rec.e_blkno() + (lblk - start));
            }
            let eb_blkno = rec.e_blkno();
            let b = self.block(eb_blkno);
            let eb = ExtentBlock::new(&b[..]).unwrap();
            eb.validate(eb_blkno, &self.params).unwrap();
            self.check_ecc(&b, ExtentBlock::<()>::CHECK_OFFSET, "extent block");
            return self.map(ExtentBlock::new(&b[..]).unwrap().h_list(), lblk);
        }
        None
    }

    fn file_block(&self, di: &Dinode<&[u8]>, lblk: u64) -> Option<u64> {
        self.map(di.extent_list(), lblk)
    }

    /// With metaecc the check must verify; without, it must be all zero.
    fn check_ecc(&self, block: &[u8], off: usize, what: &str) {
        if self.params.meta_ecc() {
            verify_block_check(&CRC, block, off).unwrap_or_else(|e| panic!("{what}: {e}"));
        } else {
            assert!(
                block[off..off + 8].iter().all(|&b| b == 0),
                "{what}: check not zero without metaecc"
            );
        }
    }

    fn inode(&self, blkno: u64) -> Vec<u8> {
        let b = self.block(blkno);
        let di = Dinode::new(&b[..]).unwrap();
        di.validate(blkno, &self.params)
            .unwrap_or_else(|e| panic!("inode {blkno}: {e}"));
        self.check_ecc(&b, Dinode::<()>::CHECK_OFFSET, "inode");
        b
    }

    /// Live entries (name -> (inode, rec_len, name_len, type)) of a directory.
    fn dir(&self, blkno: u64) -> BTreeMap<Vec<u8>, (u64, u16, u8, u8)> {
        let b = self.inode(blkno);
        let di = Dinode::new(&b[..]).unwrap();
        assert!(di.is_dir());
        let mut out = BTreeMap::new();
        let mut add = |region: &[u8], at: u64| {
            for e in dir_entries(region, at) {
                let (_, e) = e.unwrap_or_else(|e| panic!("dir {blkno}: {e}"));
                if e.is_live() {
                    out.insert(
                        e.name().to_vec(),
                        (e.inode(), e.rec_len(), e.name_len(), e.file_type()),
                    );
                }
            }
        };
        if di.id2_kind() == Id2Kind::InlineData {
            let size = di.i_size() as usize;
            add(&di.inline_data()[..size], blkno);
            return out;
        }
        let blocks = di.i_size() / self.bs as u64;
        let wants_trailer = self.params.meta_ecc()
            || self
                .params
                .features
                .incompat
                .contains(IncompatFeatures::INDEXED_DIRS);
        for l in 0..blocks {
            let p = self.file_block(&di, l).expect("dir block mapped");
            let db = self.block(p);
            let has_trailer = db[self.bs - 64 + 16..self.bs - 64 + 23] == *DIR_TRAILER_SIGNATURE;
            assert_eq!(has_trailer, wants_trailer, "dir block {p} trailer presence");
            if has_trailer {
                dir_trailer(&db).unwrap().validate(p, blkno).unwrap();
                self.check_ecc(&db, dir_block_check_offset(self.bs), "dir block");
            }
            add(dir_block_region(&db, has_trailer), p);
        }
        out
    }
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect("run tool");
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn debugfs(img: &Path, req: &str) -> String {
    run(DEBUGFS, &["-R", req, img.to_str().unwrap()])
}

/// `Key: value` from a debugfs stats dump (first match).
fn stat<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .map(|v| v.trim_start_matches(':').trim())
        .unwrap_or_else(|| panic!("no {key} in debugfs output"))
}

/// The words after `key:` up to the next double space.
fn stat_word<'a>(out: &'a str, key: &str) -> &'a str {
    stat(out, key).split("  ").next().unwrap().trim()
}

fn make(name: &str, bs: u32, cs: u32, slots: u16, level: FeatureLevel, extra: &[&str]) -> Image {
    let dir = std::env::temp_dir().join(format!("ocfs-format-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.img"));
    let f = File::create(&path).unwrap();
    f.set_len(128 << 20).unwrap();
    drop(f);
    let (b, c, n) = (bs.to_string(), cs.to_string(), slots.to_string());
    let lvl = format!("--fs-feature-level={}", level.name());
    let mut args = vec!["-q", "-F", "-b", &b, "-C", &c, "-N", &n, "-L", name, &lvl];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    run(MKFS, &args);

    let file = File::open(&path).unwrap();
    let mut sb = vec![0u8; bs as usize];
    file.read_exact_at(&mut sb, u64::from(bs) * superblock::SUPER_BLOCK_BLKNO)
        .unwrap();
    let di = Dinode::new(&sb[..]).unwrap();
    let params = di
        .validate_superblock(superblock::SUPER_BLOCK_BLKNO)
        .expect("superblock validates");
    Image {
        file,
        bs: bs as usize,
        params,
        path,
    }
}

fn check_volume(name: &str, bs: u32, cs: u32, slots: u16, level: FeatureLevel, extra: &[&str]) {
    let img = make(name, bs, cs, slots, level, extra);
    let stats = debugfs(&img.path, "stats");
    let p = img.params;

    // Superblock against debugfs.
    let sbb = img.block(2);
    let di = Dinode::new(&sbb[..]).unwrap();
    let sb = di.super_block();
    assert_eq!(p.block_size, bs);
    assert_eq!(p.cluster_size, cs);
    assert_eq!(p.max_slots, slots);
    assert_eq!(sb.label(), name.as_bytes());
    assert_eq!(stat(&stats, "Label"), name);
    assert_eq!(
        stat_word(&stats, "Block Size Bits"),
        p.block_size_bits().to_string()
    );
    assert_eq!(
        stat(&stats, "Block Size Bits").rsplit(' ').next().unwrap(),
        p.cluster_size_bits().to_string()
    );
    assert_eq!(stat(&stats, "Max Node Slots"), slots.to_string());
    assert_eq!(
        stat_word(&stats, "Root Blknum"),
        sb.s_root_blkno().to_string()
    );
    assert_eq!(
        stat(&stats, "Root Blknum").rsplit(' ').next().unwrap(),
        sb.s_system_dir_blkno().to_string()
    );
    assert_eq!(
        stat(&stats, "First Cluster Group Blknum"),
        sb.s_first_cluster_group().to_string()
    );
    assert_eq!(
        stat(&stats, "Extended Attributes Inline Size"),
        sb.s_xattr_inline_size().to_string()
    );
    let uuid: String = sb.s_uuid().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(stat(&stats, "UUID"), uuid);
    assert!(stat(&stats, "FS Generation").starts_with(&format!("{} ", p.fs_generation)));
    let f = p.features;
    let line = |n: u32, names: String| {
        if names.is_empty() {
            format!("{n}")
        } else {
            format!("{n} {names}")
        }
    };
    assert_eq!(
        stat(&stats, "Feature Compat"),
        line(f.compat.0, f.compat.to_string())
    );
    assert_eq!(
        stat(&stats, "Feature Incompat"),
        line(f.incompat.0, f.incompat.to_string())
    );
    assert_eq!(
        stat(&stats, "Feature RO compat"),
        line(f.ro_compat.0, f.ro_compat.to_string())
    );
    // The level's features are what mkfs wrote (extra options may add).
    assert!(
        f.contains(level.features()),
        "{name}: {f} lacks {}",
        level.features()
    );
    assert!(f.unsupported_by_kernel().is_empty() || extra.contains(&"-H"));
    // metaecc of the superblock: ours verifies and equals what debugfs shows.
    let check = compute_block_check(&CRC, &sbb, Dinode::<()>::CHECK_OFFSET).unwrap();
    let stored = di.i_check();
    if p.meta_ecc() {
        assert_eq!(check.crc32e, stored.crc32e);
        assert_eq!(check.ecc, stored.ecc);
        let shown = stat(&stats, "CRC32");
        assert_eq!(
            shown,
            format!("{:08x}   ECC: {:04x}", stored.crc32e, stored.ecc)
        );
    } else {
        assert_eq!(stored, Default::default());
    }
    // No backups below 1G, whatever the feature says.
    assert_eq!(superblock::backup_super_blknos(bs, 128 << 20).count(), 0);

    // Root directory: "." and ".." point at itself.
    let root = sb.s_root_blkno();
    let entries = img.dir(root);
    assert_eq!(entries[&b".".to_vec()].0, root);
    assert_eq!(entries[&b"..".to_vec()].0, root);

    // System directory against debugfs `ls //`.
    let sysdir = sb.s_system_dir_blkno();
    let entries = img.dir(sysdir);
    let listed = debugfs(&img.path, "ls //");
    let mut seen = 0;
    for l in listed.lines() {
        let cols: Vec<&str> = l.split_whitespace().collect();
        if cols.len() != 5 {
            continue;
        }
        let e = entries
            .get(cols[4].as_bytes())
            .unwrap_or_else(|| panic!("{} missing", cols[4]));
        assert_eq!(e.0.to_string(), cols[0], "{}", cols[4]);
        assert_eq!(e.1.to_string(), cols[1], "{}", cols[4]);
        assert_eq!(e.2.to_string(), cols[2], "{}", cols[4]);
        assert_eq!(e.3.to_string(), cols[3], "{}", cols[4]);
        seen += 1;
    }
    assert_eq!(seen, entries.len());

    // Every system file: type from its name, flags as the kernel table says.
    let mut files = BTreeMap::new();
    for (name, &(ino, ..)) in &entries {
        if name == b"." || name == b".." {
            continue;
        }
        let (kind, slot) = SystemFile::parse(name)
            .unwrap_or_else(|| panic!("unknown {:?}", String::from_utf8_lossy(name)));
        let mut nb = [0u8; 32];
        assert_eq!(kind.name(slot.unwrap_or(0), &mut nb), &name[..]);
        let b = img.inode(ino);
        let di = Dinode::new(&b[..]).unwrap();
        assert_eq!(
            di.i_flags() & !(dinode::VALID_FL | dinode::SYSTEM_FL),
            kind.inode_flags(),
            "{kind:?}"
        );
        assert_eq!(di.i_mode(), kind.mode(), "{kind:?}");
        files.insert((kind, slot), ino);
    }

    check_allocators(&img, &files);
    check_slot_map(&img, files[&(SystemFile::SlotMap, None)]);
    check_heartbeat(&img, files[&(SystemFile::Heartbeat, None)]);
    for s in 0..slots {
        check_journal(&img, files[&(SystemFile::Journal, Some(s))], s);
        let la = img.inode(files[&(SystemFile::LocalAlloc, Some(s))]);
        assert_eq!(
            Dinode::new(&la[..]).unwrap().id2_kind(),
            Id2Kind::LocalAlloc
        );
        let tl = img.inode(files[&(SystemFile::TruncateLog, Some(s))]);
        let tl = Dinode::new(&tl[..]).unwrap();
        assert_eq!(tl.truncate_log().tl_used(), 0);
        img.dir(files[&(SystemFile::OrphanDir, Some(s))]);
    }
    for (t, global, local) in [
        (
            QuotaType::User,
            SystemFile::UserQuota,
            SystemFile::LocalUserQuota,
        ),
        (
            QuotaType::Group,
            SystemFile::GroupQuota,
            SystemFile::LocalGroupQuota,
        ),
    ] {
        let on = match t {
            QuotaType::User => f
                .ro_compat
                .contains(ocfs_format::RoCompatFeatures::USRQUOTA),
            QuotaType::Group => f
                .ro_compat
                .contains(ocfs_format::RoCompatFeatures::GRPQUOTA),
        };
        if on {
            check_quota(
                &img,
                t,
                files[&(global, None)],
                &(0..slots)
                    .map(|s| files[&(local, Some(s))])
                    .collect::<Vec<_>>(),
            );
        }
    }
}

fn check_allocators(img: &Image, files: &BTreeMap<(SystemFile, Option<u16>), u64>) {
    for (&(kind, _), &ino) in files {
        let suballocator = matches!(kind, SystemFile::InodeAlloc | SystemFile::ExtentAlloc);
        if !suballocator
            && !matches!(
                kind,
                SystemFile::GlobalInodeAlloc | SystemFile::GlobalBitmap
            )
        {
            continue;
        }
        let b = img.inode(ino);
        let di = Dinode::new(&b[..]).unwrap();
        assert_eq!(di.id2_kind(), Id2Kind::ChainList);
        let cl = di.chain_list();
        cl.validate(ino, img.params.block_size).unwrap();
        let (mut total, mut free) = (0u64, 0u64);
        let cmp = debugfs(&img.path, &format!("stat <{ino}>"));
        if img.params.meta_ecc() {
            let chk = di.i_check();
            assert!(cmp.contains(&format!("CRC32: {:08x}   ECC: {:04x}", chk.crc32e, chk.ecc)));
        }
        for (i, rec) in cl.recs().enumerate() {
            // debugfs prints "##  Total  Used  Free  Block#" rows.
            let row = format!("{}    {}", i, rec.c_total());
            assert!(
                cmp.lines().any(|l| l.trim_start().starts_with(&row)
                    && l.trim_end().ends_with(&rec.c_blkno().to_string())),
                "chain {i} of {ino}"
            );
            let (mut ct, mut cf) = (0u32, 0u32);
            let mut g = rec.c_blkno();
            while g != 0 {
                let gb = img.block(g);
                let gd = GroupDesc::new(&gb[..]).unwrap();
                gd.validate(g, &img.params)
                    .unwrap_or_else(|e| panic!("{e}"));
                gd.validate_parent(g, &di, &img.params, suballocator, false)
                    .unwrap_or_else(|e| panic!("{e}"));
                img.check_ecc(&gb, GroupDesc::<()>::CHECK_OFFSET, "group");
                assert_eq!(usize::from(gd.bg_chain()), i);
                assert_eq!(gd.count_free_bits(), u32::from(gd.bg_free_bits_count()));
                ct += u32::from(gd.bg_bits());
                cf += u32::from(gd.bg_free_bits_count());
                g = gd.bg_next_group();
            }
            assert_eq!((ct, cf), (rec.c_total(), rec.c_free()));
            total += u64::from(ct);
            free += u64::from(cf);
        }
        assert_eq!(total, u64::from(di.i_total()));
        assert_eq!(total - free, u64::from(di.i_used()));
    }
}

fn check_slot_map(img: &Image, ino: u64) {
    let b = img.inode(ino);
    let di = Dinode::new(&b[..]).unwrap();
    let first = img.file_block(&di, 0).unwrap();
    let block = img.block(first);
    let slots = img.params.max_slots;
    if img
        .params
        .features
        .incompat
        .contains(IncompatFeatures::EXTENDED_SLOT_MAP)
    {
        assert!(di.i_size() as usize >= ocfs_format::slot_map::slot_map_bytes(slots, true));
        let sm = ExtendedSlotMap::new(&block[..]).unwrap();
        sm.validate(first, slots.min(sm.room() as u16)).unwrap();
        for i in 0..usize::from(slots).min(sm.room()) {
            assert_eq!(sm.node(i), None);
        }
    } else {
        let sm = SlotMap::new(&block[..]).unwrap();
        sm.validate(first, slots).unwrap();
        for i in 0..usize::from(slots) {
            assert_eq!(sm.raw(i), Some(superblock::INVALID_SLOT));
        }
    }
}

fn check_heartbeat(img: &Image, ino: u64) {
    let b = img.inode(ino);
    let di = Dinode::new(&b[..]).unwrap();
    for node in [0u8, 1, 7] {
        let blk = img.file_block(&di, u64::from(node)).unwrap();
        let hb = img.block(blk);
        HeartbeatBlock::new(&hb[..])
            .unwrap()
            .validate(&CRC, blk, node)
            .unwrap();
    }
}

fn check_journal(img: &Image, ino: u64, slot: u16) {
    let b = img.inode(ino);
    let di = Dinode::new(&b[..]).unwrap();
    assert_eq!(di.ij_flags() & dinode::JOURNAL_DIRTY_FL, 0);
    let first = img.file_block(&di, 0).unwrap();
    let jb = img.block(first);
    let js = Jbd2Superblock::new(&jb[..]).unwrap();
    js.validate(first, img.params.block_size, di.i_size() / img.bs as u64)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(js.unknown_incompat(), 0);
    // The big-endian fields against debugfs's own decoding.
    let dump = debugfs(&img.path, &format!("logdump {slot}"));
    let want = format!(
        "Blocksize: {}   Total Blocks: {}   First Block: {}",
        js.s_blocksize(),
        js.s_maxlen(),
        js.s_first()
    );
    assert!(dump.contains(&want), "{want} not in {dump}");
    let want = format!(
        "First Commit ID: {}   Start Log Blknum: {}",
        js.s_sequence(),
        js.s_start()
    );
    assert!(dump.contains(&want), "{want} not in {dump}");
    assert!(dump.contains(&format!("Type: {} (JBD2_SUPERBLOCK_V2)", js.h_blocktype())));
}

fn check_quota(img: &Image, t: QuotaType, global: u64, locals: &[u64]) {
    let b = img.inode(global);
    let di = Dinode::new(&b[..]).unwrap();
    let blk0 = img.file_block(&di, 0).unwrap();
    let q = img.block(blk0);
    img.check_ecc(
        &q,
        quota::quota_block_check_offset(img.bs),
        "global quota block",
    );
    QuotaHeader::new(&q[..])
        .unwrap()
        .validate(blk0, t, false)
        .unwrap();
    assert_eq!(QuotaHeader::new(&q[..]).unwrap().kind(), Some((t, false)));
    let info = GlobalDqInfo::new(&q[quota::INFO_OFFSET..]).unwrap();
    info.validate(blk0).unwrap();
    assert_eq!(u64::from(info.dqi_blocks()), di.i_size() / img.bs as u64);
    for &l in locals {
        let b = img.inode(l);
        let di = Dinode::new(&b[..]).unwrap();
        let blk0 = img.file_block(&di, 0).unwrap();
        let q = img.block(blk0);
        img.check_ecc(
            &q,
            quota::quota_block_check_offset(img.bs),
            "local quota block",
        );
        QuotaHeader::new(&q[..])
            .unwrap()
            .validate(blk0, t, true)
            .unwrap();
        let info = LocalDqInfo::new(&q[quota::INFO_OFFSET..]).unwrap();
        info.validate(blk0, img.params.block_size)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u64::from(info.dqi_blocks()), di.i_size() / img.bs as u64);
        for c in 0..info.dqi_chunks() as usize {
            let cb = img
                .file_block(&di, quota::ol_quota_chunk_block(img.bs, c) as u64)
                .unwrap();
            let chunk = img.block(cb);
            img.check_ecc(&chunk, quota::quota_block_check_offset(img.bs), "chunk");
            LocalChunk::new(&chunk[..])
                .unwrap()
                .validate(cb, img.params.block_size)
                .unwrap();
        }
    }
}

#[test]
fn mkfs_max_features_4k() {
    if !tools_present() {
        eprintln!("skipped: {MKFS} not installed");
        return;
    }
    check_volume("fmt-max-4k", 4096, 4096, 4, FeatureLevel::MaxFeatures, &[]);
}

#[test]
fn mkfs_max_features_512() {
    if !tools_present() {
        eprintln!("skipped: {MKFS} not installed");
        return;
    }
    // Small blocks: the system directory is not inline, so its blocks carry
    // trailers with metaecc, and the extended slot map spans blocks.
    check_volume("fmt-max-512", 512, 4096, 3, FeatureLevel::MaxFeatures, &[]);
}

#[test]
fn mkfs_default_512() {
    if !tools_present() {
        eprintln!("skipped: {MKFS} not installed");
        return;
    }
    check_volume("fmt-def-512", 512, 4096, 2, FeatureLevel::Default, &[]);
}

#[test]
fn mkfs_max_compat_1k() {
    if !tools_present() {
        eprintln!("skipped: {MKFS} not installed");
        return;
    }
    check_volume("fmt-compat-1k", 1024, 8192, 3, FeatureLevel::MaxCompat, &[]);
}

#[test]
fn mkfs_max_features_2k_local() {
    if !tools_present() {
        eprintln!("skipped: {MKFS} not installed");
        return;
    }
    check_volume(
        "fmt-max-2k",
        2048,
        16384,
        2,
        FeatureLevel::MaxFeatures,
        &["-M", "local"],
    );
}

/// The levels mkfs.ocfs2 applies are exactly `FeatureLevel::features()`.
#[test]
fn mkfs_feature_levels_exact() {
    if !tools_present() {
        eprintln!("skipped: {MKFS} not installed");
        return;
    }
    for level in FeatureLevel::ALL {
        let img = make(&format!("lvl-{}", level.name()), 4096, 4096, 2, level, &[]);
        assert_eq!(img.params.features, level.features(), "{}", level.name());
        let _: Features = img.params.features;
    }
}
