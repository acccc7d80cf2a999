// SPDX-License-Identifier: GPL-2.0
//! Structure semantics: valid blocks built through the setters validate at
//! every block size, each validator names the right field when one fact is
//! broken, arrays and iterators stay in bounds, metaecc fits every block.

mod common;

use common::build::{self, Kind, GEN};
use common::{BLOCK_SIZES, CRC};
use ocfs_format::blockcheck::{store_block_check, validate_block_check, Verdict};
use ocfs_format::dinode::{self, mode, Dinode};
use ocfs_format::dir::{self, dir_rec_len};
use ocfs_format::dx::DxRoot;
use ocfs_format::error::{Problem, Structure};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::group::GroupDesc;
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::quota;
use ocfs_format::refcount::RefcountBlock;
use ocfs_format::slot_map::{self, ExtendedSlotMap, SlotMap};
use ocfs_format::superblock::{self, backup_super_blknos};
use ocfs_format::system::SystemFile;
use ocfs_format::xattr::{self, XattrBlock, XattrHeader};
use ocfs_format::FormatError;

fn field_of(r: Result<(), FormatError>) -> (&'static str, Structure) {
    let e = r.expect_err("validation should fail");
    (e.field, e.structure)
}

#[test]
fn built_blocks_validate_at_every_block_size() {
    for bs in BLOCK_SIZES {
        let p = build::params(bs);
        for (k, n, b) in build::all(bs, &CRC) {
            common::validate(k, n, &b, &p).unwrap_or_else(|e| panic!("{k:?} at {bs}: {e}"));
            // And not from another block.
            if k != Kind::Heartbeat
                && k != Kind::GlobalQuota
                && k != Kind::LocalQuota
                && k != Kind::Journal
            {
                assert!(
                    common::validate(k, n + 1, &b, &p).is_err(),
                    "{k:?} accepted at the wrong block"
                );
            }
        }
        let sb = build::superblock(bs);
        let fp = Dinode::new(&sb[..])
            .unwrap()
            .validate_superblock(2)
            .unwrap();
        assert_eq!(
            (
                fp.block_size,
                fp.cluster_size,
                fp.fs_generation,
                fp.max_slots
            ),
            (bs as u32, 4096, GEN, 4)
        );
    }
}

#[test]
fn metaecc_fits_every_block() {
    for bs in BLOCK_SIZES {
        for (k, _, mut b) in build::all(bs, &CRC) {
            let off = match k {
                Kind::SuperBlock | Kind::Inode => Dinode::<()>::CHECK_OFFSET,
                Kind::ExtentBlock => ExtentBlock::<()>::CHECK_OFFSET,
                Kind::GroupDesc => GroupDesc::<()>::CHECK_OFFSET,
                Kind::DirBlock => dir::dir_block_check_offset(bs),
                Kind::DxRoot => DxRoot::<()>::CHECK_OFFSET,
                Kind::DxLeaf => ocfs_format::DxLeaf::<()>::CHECK_OFFSET,
                Kind::XattrBlock => XattrBlock::<()>::CHECK_OFFSET,
                Kind::RefcountBlock => RefcountBlock::<()>::CHECK_OFFSET,
                Kind::GlobalQuota | Kind::LocalQuota => quota::quota_block_check_offset(bs),
                Kind::Heartbeat | Kind::Journal => continue,
            };
            store_block_check(&CRC, &mut b, off).unwrap();
            b[bs / 2] ^= 0x40;
            assert_eq!(
                validate_block_check(&CRC, &mut b, off).unwrap(),
                Verdict::Repaired {
                    bit: (bs / 2 * 8 + 6) as u64
                },
                "{k:?}"
            );
            // The repaired block still validates structurally.
            common::validate(
                k,
                match k {
                    Kind::SuperBlock => 2,
                    _ => 0,
                },
                &b,
                &build::params(bs),
            )
            .ok();
        }
    }
}

#[test]
fn superblock_errors_name_the_field() {
    let sb = build::superblock(1024);
    let check = |f: &dyn Fn(&mut Dinode<&mut [u8]>), field: &str| {
        let mut b = sb.clone();
        f(&mut Dinode::new(&mut b[..]).unwrap());
        let e = Dinode::new(&b[..])
            .unwrap()
            .validate_superblock(2)
            .unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert_eq!(e.block, Some(2));
    };
    check(&|d| d.set_i_signature(*b"INODE01\0"), "i_signature");
    check(
        &|d| d.super_block_mut().set_s_blocksize_bits(13),
        "s_blocksize_bits",
    );
    check(
        &|d| d.super_block_mut().set_s_blocksize_bits(12),
        "s_blocksize_bits",
    );
    check(
        &|d| d.super_block_mut().set_s_minor_rev_level(91),
        "s_minor_rev_level",
    );
    check(&|d| d.set_i_blkno(3), "i_blkno");
    check(
        &|d| d.super_block_mut().set_s_clustersize_bits(21),
        "s_clustersize_bits",
    );
    check(&|d| d.super_block_mut().set_s_root_blkno(0), "s_root_blkno");
    check(
        &|d| d.super_block_mut().set_s_system_dir_blkno(0),
        "s_system_dir_blkno",
    );
    check(&|d| d.super_block_mut().set_s_max_slots(256), "s_max_slots");
    let e = Dinode::new(&sb[..]).unwrap().validate_superblock(2);
    assert!(e.is_ok());
    let msg = Dinode::new(&sb[..])
        .unwrap()
        .validate_superblock(7)
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "ocfs2_super_block at block 7: i_blkno: expected 7, found 2"
    );
}

#[test]
fn inode_errors_name_the_field() {
    let bs = 2048;
    let p = build::params(bs);
    let inodes = build::inodes(bs, 40);
    let check = |i: usize, f: &dyn Fn(&mut Dinode<&mut [u8]>), field: &str| {
        let mut b = inodes[i].clone();
        f(&mut Dinode::new(&mut b[..]).unwrap());
        let e = Dinode::new(&b[..]).unwrap().validate(40, &p).unwrap_err();
        assert_eq!(e.field, field, "inode {i}: {e}");
    };
    check(0, &|d| d.set_i_signature(*b"INODE02\0"), "i_signature");
    check(0, &|d| d.set_i_blkno(41), "i_blkno");
    check(0, &|d| d.set_i_flags(0), "i_flags");
    check(0, &|d| d.set_i_fs_generation(GEN + 1), "i_fs_generation");
    check(0, &|d| d.set_i_mode(0o644), "i_mode");
    check(0, &|d| d.set_i_rdev(5), "i_rdev");
    check(0, &|d| d.set_i_suballoc_slot(4), "i_suballoc_slot");
    check(0, &|d| d.extent_list_mut().set_l_count(0), "l_count");
    check(0, &|d| d.extent_list_mut().set_l_count(1000), "l_count");
    check(
        0,
        &|d| d.extent_list_mut().set_l_next_free_rec(200),
        "l_next_free_rec",
    );
    check(
        0,
        &|d| {
            d.set_i_flags(dinode::VALID_FL | dinode::ORPHANED_FL);
            d.set_i_orphaned_slot(4)
        },
        "i_orphaned_slot",
    );
    check(
        0,
        &|d| d.set_i_dyn_features(dinode::HAS_REFCOUNT_FL),
        "i_refcount_loc",
    );
    check(1, &|d| d.set_i_clusters(1), "i_clusters");
    check(1, &|d| d.set_id_count(5000), "id_count");
    check(1, &|d| d.set_i_size(5000), "i_size");
    check(2, &|d| d.chain_list_mut().set_cl_count(3), "cl_count");
    check(
        2,
        &|d| d.chain_list_mut().set_cl_next_free_rec(200),
        "cl_next_free_rec",
    );
    check(3, &|d| d.local_alloc_mut().set_la_size(5000), "la_size");
    check(4, &|d| d.truncate_log_mut().set_tl_used(60000), "tl_used");
    check(5, &|d| d.set_i_size(4), "i_symlink");
    check(5, &|d| d.set_i_size(5000), "i_size");
    check(6, &|d| d.set_i_xattr_inline_size(8), "i_xattr_inline_size");
    // A directory with a size and no clusters.
    check(
        0,
        &|d| {
            d.set_i_mode(mode::DIR | 0o755);
            d.set_i_clusters(0)
        },
        "i_clusters",
    );
    // Inline xattr entry pointing outside its region.
    let mut b = inodes[6].clone();
    let start = bs - 256;
    XattrHeader::new(&mut b[start..])
        .unwrap()
        .entry_mut(0)
        .unwrap()
        .set_xe_value_size(300);
    let e = Dinode::new(&b[..]).unwrap().validate(40, &p).unwrap_err();
    assert_eq!(
        (e.structure, e.field, e.index),
        (Structure::XattrEntry, "xe_value_size", Some(0))
    );
}

#[test]
fn inode_views() {
    let bs = 1024;
    let inodes = build::inodes(bs, 40);
    let d = Dinode::new(&inodes[0][..]).unwrap();
    assert_eq!(d.id2_kind(), dinode::Id2Kind::ExtentList);
    let recs: Vec<_> = d
        .extent_list()
        .recs()
        .map(|r| (r.e_cpos(), r.clusters(0), r.e_flags(), r.e_blkno()))
        .collect();
    assert_eq!(recs, [(0, 1, 0, 100), (1, 2, 1, 200)]);
    let d = Dinode::new(&inodes[1][..]).unwrap();
    assert_eq!(d.id2_kind(), dinode::Id2Kind::InlineData);
    let names: Vec<_> = dir::dir_entries(d.inline_data(), 40)
        .map(|e| e.unwrap().1.name().to_vec())
        .collect();
    assert_eq!(names, [b".".to_vec(), b"..".to_vec()]);
    let d = Dinode::new(&inodes[5][..]).unwrap();
    assert_eq!(
        (d.id2_kind(), d.fast_symlink()),
        (dinode::Id2Kind::FastSymlink, &b"hello"[..])
    );
    let d = Dinode::new(&inodes[6][..]).unwrap();
    assert_eq!(d.extent_list().room(), (bs - 256 - 0xc0 - 16) / 16);
    let xh = d.inline_xattr().unwrap();
    let e: Vec<_> = xh.entries().collect();
    assert_eq!(xh.name(&e[0]), Some(&b"a"[..]));
    assert_eq!(xh.local_value(&e[0]), Some(&b"xyz"[..]));
    assert!(xh.value_root(&e[0]).is_none());
    assert_eq!(xh.name(&e[1]), Some(&b"bb"[..]));
    assert!(xh.value_root(&e[1]).is_some());
    assert!(Dinode::new(&[0u8; 511][..]).is_err());
}

#[test]
fn dir_entry_rules() {
    // OCFS2_DIR_REC_LEN: 12 bytes of header, name, rounded to 4.
    assert_eq!(
        (
            dir_rec_len(0),
            dir_rec_len(1),
            dir_rec_len(4),
            dir_rec_len(5),
            dir_rec_len(255)
        ),
        (12, 16, 16, 20, 268)
    );
    assert_eq!(dir::file_type_of_mode(mode::LNK | 0o777), dir::FT_SYMLINK);
    let mut b = vec![0u8; 512];
    dir::write_dir_entry(&mut b, 9, 24, b"abcdefghij", dir::FT_DIR).unwrap();
    dir::write_dir_entry(&mut b[24..], 10, 512 - 24, b"x", dir::FT_REG_FILE).unwrap();
    let v: Vec<_> = dir::dir_entries(&b, 1)
        .map(|e| e.map(|(o, e)| (o, e.inode(), e.name().to_vec())))
        .collect();
    assert_eq!(
        v,
        [
            Ok((0, 9, b"abcdefghij".to_vec())),
            Ok((24, 10, b"x".to_vec()))
        ]
    );
    assert!(dir::write_dir_entry(&mut b, 9, 20, b"abcdefghij", 1).is_err());

    let err = |b: &[u8]| {
        let e = dir::dir_entries(b, 5)
            .find_map(|r| r.err())
            .expect("an error");
        assert_eq!((e.structure, e.block), (Structure::DirEntry, Some(5)));
        (e.index, e.problem)
    };
    let mut bad = b.clone();
    bad[8] = 8; // rec_len 8 < 16
    assert!(matches!(
        err(&bad),
        (Some(0), Problem::TooSmall { min: 16, found: 8 })
    ));
    let mut bad = b.clone();
    bad[8] = 22; // not a multiple of 4
    assert!(matches!(err(&bad), (Some(0), Problem::Misaligned { .. })));
    let mut bad = b.clone();
    bad[10] = 20; // name_len 20 needs 32
    assert!(matches!(
        err(&bad),
        (Some(0), Problem::TooSmall { min: 32, .. })
    ));
    let mut bad = b.clone();
    bad[24 + 8..24 + 10].copy_from_slice(&600u16.to_le_bytes()); // overrun
    assert!(matches!(err(&bad), (Some(24), Problem::TooLarge { .. })));
    let mut bad = b.clone();
    bad[24 + 8..24 + 10].copy_from_slice(&480u16.to_le_bytes()); // leaves 8 bytes
    assert!(matches!(err(&bad), (Some(24), Problem::Invalid { .. })));
    // An entry that leaves a gap too small for another one.
    assert!(matches!(
        err(&b[..30]),
        (Some(0), Problem::Invalid { found: 24 })
    ));
    // A region too short for a header.
    assert!(matches!(
        err(&b[..8]),
        (Some(0), Problem::TooShort { need: 12, have: 8 })
    ));
}

#[test]
fn dir_trailer_rules() {
    let bs = 4096;
    let b = build::dir_block(bs, 44, 40);
    let t = dir::dir_trailer(&b).unwrap();
    assert_eq!(t.db_compat_rec_len(), 64);
    assert_eq!(
        field_of(t.validate(44, 41)),
        ("db_parent_dinode", Structure::DirTrailer)
    );
    assert_eq!(
        field_of(t.validate(45, 40)),
        ("db_blkno", Structure::DirTrailer)
    );
    // The trailer also parses as an unused entry that closes the block.
    let all: Vec<_> = dir::dir_entries(&b, 44).map(|e| e.unwrap()).collect();
    assert_eq!(
        all.last().map(|(o, e)| (*o, e.is_live())),
        Some((bs - 64, false))
    );
}

#[test]
fn group_rules() {
    let bs = 4096;
    let p = build::params(bs);
    let g = build::group(bs, 42, false);
    let gd = GroupDesc::new(&g[..]).unwrap();
    assert_eq!(gd.count_free_bits(), 30);
    assert!(!gd.is_discontig());
    let dg = build::group(bs, 43, true);
    let dgd = GroupDesc::new(&dg[..]).unwrap();
    assert!(dgd.is_discontig());
    assert_eq!(dgd.bg_list().recs().count(), 1);
    let mut bad = g.clone();
    GroupDesc::new(&mut bad[..])
        .unwrap()
        .set_bg_free_bits_count(33);
    assert_eq!(
        field_of(GroupDesc::new(&bad[..]).unwrap().validate(42, &p)).0,
        "bg_free_bits_count"
    );
    let mut bad = g.clone();
    GroupDesc::new(&mut bad[..]).unwrap().set_bg_bits(60000);
    assert_eq!(
        field_of(GroupDesc::new(&bad[..]).unwrap().validate(42, &p)).0,
        "bg_bits"
    );
    // Parent checks: the parent chain inode from the builder is block 40.
    let parent = &build::inodes(bs, 7)[2];
    let parent = Dinode::new(&parent[..]).unwrap();
    gd.validate_parent(42, &parent, &p, false, false).unwrap();
    assert_eq!(
        field_of(gd.validate_parent(42, &parent, &p, true, false)).0,
        "bg_size"
    );
    dgd.validate_parent(43, &parent, &p, true, false).unwrap();
    let mut bad = g.clone();
    GroupDesc::new(&mut bad[..]).unwrap().set_bg_chain(1);
    let bad = GroupDesc::new(&bad[..]).unwrap();
    assert_eq!(
        field_of(bad.validate_parent(42, &parent, &p, false, false)).0,
        "bg_chain"
    );
    bad.validate_parent(42, &parent, &p, false, true).unwrap();
}

#[test]
fn xattr_rules() {
    let bs = 1024;
    let p = build::params(bs);
    let b = build::xattr_block(bs, 48, false);
    let xb = XattrBlock::new(&b[..]).unwrap();
    assert_eq!(xb.xb_header().entries().count(), 2);
    let mut bad = b.clone();
    XattrBlock::new(&mut bad[..])
        .unwrap()
        .xb_header_mut()
        .set_xh_count(1000);
    assert_eq!(
        field_of(XattrBlock::new(&bad[..]).unwrap().validate(48, &p)).0,
        "xh_count"
    );
    let mut bad = b.clone();
    XattrBlock::new(&mut bad[..])
        .unwrap()
        .xb_header_mut()
        .entry_mut(1)
        .unwrap()
        .set_xe_name_offset(1000);
    assert_eq!(
        field_of(XattrBlock::new(&bad[..]).unwrap().validate(48, &p)).0,
        "xe_name_offset"
    );
    let mut bad = b.clone();
    XattrBlock::new(&mut bad[..])
        .unwrap()
        .xb_header_mut()
        .entry_mut(1)
        .unwrap()
        .set_xe_name_offset((bs - 0x30 - 20) as u16);
    assert_eq!(
        field_of(XattrBlock::new(&bad[..]).unwrap().validate(48, &p)).0,
        "value root"
    );
    // Buckets: entries in the first block, nothing crossing a block.
    let mut bucket = vec![0u8; 4096];
    build::fill_xattr_table(&mut bucket[..bs]);
    xattr::validate_xattr_bucket(&bucket, bs as u32, 9).unwrap();
    XattrHeader::new(&mut bucket[..])
        .unwrap()
        .entry_mut(0)
        .unwrap()
        .set_xe_name_offset((2 * bs - 2) as u16);
    XattrHeader::new(&mut bucket[..])
        .unwrap()
        .entry_mut(0)
        .unwrap()
        .set_xe_name_len(8);
    assert_eq!(
        field_of(xattr::validate_xattr_bucket(&bucket, bs as u32, 9)).0,
        "xe_name_len"
    );
    assert_eq!(xattr::xattr_size(5), 8);
}

#[test]
fn refcount_and_dx_rules() {
    let bs = 512;
    let p = build::params(bs);
    let b = build::refcount_block(bs, 50, false);
    let rb = RefcountBlock::new(&b[..]).unwrap();
    let r: Vec<_> = rb
        .rf_records()
        .recs()
        .map(|r| (r.r_cpos(), r.r_clusters(), r.r_refcount()))
        .collect();
    assert_eq!(r, [(10, 2, 3)]);
    let mut bad = b.clone();
    RefcountBlock::new(&mut bad[..])
        .unwrap()
        .rf_records_mut()
        .set_rl_count(5);
    assert_eq!(
        field_of(RefcountBlock::new(&bad[..]).unwrap().validate(50, &p)).0,
        "rl_count"
    );
    let b = build::dx_root(bs, 45, true);
    let mut bad = b.clone();
    DxRoot::new(&mut bad[..])
        .unwrap()
        .dr_entries_mut()
        .set_de_num_used(100);
    assert_eq!(
        field_of(DxRoot::new(&bad[..]).unwrap().validate(45, &p)).0,
        "de_num_used"
    );
    let mut bad = b.clone();
    DxRoot::new(&mut bad[..]).unwrap().set_dr_flags(0);
    assert_eq!(
        field_of(DxRoot::new(&bad[..]).unwrap().validate(45, &p)).0,
        "l_count"
    );
}

#[test]
fn slot_maps() {
    let mut b = vec![0xffu8; 512];
    let mut sm = SlotMap::new(&mut b[..]).unwrap();
    assert!(sm.set_node(3, Some(7)));
    assert!(!sm.set_node(256, Some(7)));
    let sm = SlotMap::new(&b[..]).unwrap();
    assert_eq!((sm.node(3), sm.node(2), sm.room()), (Some(7), None, 256));
    sm.validate(1, 255).unwrap();
    assert!(SlotMap::new(&b[..100]).unwrap().validate(1, 51).is_err());
    let mut b = vec![0u8; 1024];
    let mut es = ExtendedSlotMap::new(&mut b[..]).unwrap();
    let mut s = es.slot_mut(5).unwrap();
    s.set_es_valid(1);
    s.set_es_node_num(1_000_000);
    let es = ExtendedSlotMap::new(&b[..]).unwrap();
    assert_eq!(
        (es.node(5), es.node(4), es.room()),
        (Some(1_000_000), None, 128)
    );
    assert_eq!(slot_map::extended_slot_location(300, 1024), Some((2, 44)));
    assert_eq!(slot_map::slot_map_bytes(255, true), 2040);
}

#[test]
fn heartbeat_crc() {
    let b = build::heartbeat(512, 3, &CRC);
    let hb = HeartbeatBlock::new(&b[..]).unwrap();
    hb.validate(&CRC, 3, 3).unwrap();
    assert_eq!(field_of(hb.validate(&CRC, 3, 4)).0, "hb_node");
    // crc32_le(0, block with hb_cksum zeroed), computed independently.
    let mut z = b.clone();
    z[12..16].fill(0);
    assert_eq!(hb.hb_cksum(), common::crc32_le_bitwise(0, &z));
    let mut bad = b.clone();
    bad[100] ^= 1;
    assert!(matches!(
        HeartbeatBlock::new(&bad[..])
            .unwrap()
            .validate(&CRC, 3, 3)
            .unwrap_err()
            .problem,
        Problem::Checksum { .. }
    ));
    // A never-written slot verifies.
    HeartbeatBlock::new(&[0u8; 512][..])
        .unwrap()
        .validate(&CRC, 9, 9)
        .unwrap();
}

#[test]
fn quota_geometry() {
    // From quota_local.c: 1 info block, then chunks of 1 header + N blocks.
    assert_eq!(quota::ol_quota_entries_per_block(4096), (4096 - 8) / 24);
    assert_eq!(
        quota::ol_chunk_blocks(4096),
        ((4096 - 4 - 8) * 8) / ((4096 - 8) / 24)
    );
    assert_eq!(quota::ol_quota_chunk_block(4096, 0), 1);
    assert_eq!(
        quota::ol_quota_chunk_block(4096, 2),
        1 + 2 * (quota::ol_chunk_blocks(4096) + 1)
    );
    assert_eq!(quota::ol_dqblk_block(512, 0, 0), Some(2));
    assert_eq!(quota::ol_dqblk_block_off(512, 21), Some(0));
    assert_eq!(quota::global_entries_per_block(4096), (4096 - 8 - 16) / 88);
}

#[test]
fn backup_superblocks() {
    // 1G, 4G, 16G, 64G, 256G, 1T, in blocks of the volume's size.
    let all: Vec<u64> = (0..6)
        .map(|i| superblock::backup_super_blkno(4096, i).unwrap())
        .collect();
    assert_eq!(
        all,
        [
            262_144,
            1_048_576,
            4_194_304,
            16_777_216,
            67_108_864,
            268_435_456
        ]
    );
    assert_eq!(superblock::backup_super_blkno(512, 0), Some(2_097_152));
    assert_eq!(superblock::backup_super_blkno(4096, 6), None);
    assert_eq!(backup_super_blknos(4096, 1 << 30).count(), 0);
    assert_eq!(
        backup_super_blknos(4096, (1 << 30) + 4096).collect::<Vec<_>>(),
        [262_144]
    );
    assert_eq!(backup_super_blknos(1024, 20 << 30).count(), 3);
    assert_eq!(backup_super_blknos(4096, u64::MAX).count(), 6);
    assert_eq!(backup_super_blknos(0, 1 << 40).count(), 0);
}

#[test]
fn system_file_names() {
    let mut buf = [0u8; 32];
    assert_eq!(SystemFile::Journal.name(3, &mut buf), b"journal:0003");
    assert_eq!(SystemFile::GlobalBitmap.name(3, &mut buf), b"global_bitmap");
    assert_eq!(
        SystemFile::parse(b"aquota.group:0012"),
        Some((SystemFile::LocalGroupQuota, Some(12)))
    );
    assert_eq!(
        SystemFile::parse(b"aquota.group"),
        Some((SystemFile::GroupQuota, None))
    );
    assert_eq!(SystemFile::parse(b"journal"), None);
    assert_eq!(SystemFile::parse(b"slot_map:0001"), None);
    assert_eq!(SystemFile::parse(b"journal:12"), None);
    for f in SystemFile::ALL {
        let n = f.name(9999, &mut buf).to_vec();
        assert_eq!(
            SystemFile::parse(&n),
            Some((f, if f.is_global() { None } else { Some(9999) }))
        );
    }
}

#[test]
fn error_display() {
    let e = FormatError::new(
        Structure::ExtentBlock,
        "h_signature",
        Problem::BadSignature {
            expected: b"EXBLK01",
            found: *b"GROUP01\0",
        },
    )
    .at_block(12);
    assert_eq!(e.to_string(), "ocfs2_extent_block at block 12: h_signature: bad signature: expected \"EXBLK01\", found \"GROUP01\"");
    let e = FormatError::new(
        Structure::DirEntry,
        "rec_len",
        Problem::Misaligned {
            align: 4,
            found: 22,
        },
    )
    .at_block(3)
    .at_index(40);
    assert_eq!(
        e.to_string(),
        "ocfs2_dir_entry at block 3: rec_len[40]: 22 is not a multiple of 4"
    );
    let e = ExtentBlock::new(&[0u8; 10][..]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ocfs2_extent_block: buffer too short: need 64 bytes, have 10"
    );
}
