// SPDX-License-Identifier: GPL-2.0
//! Builds one valid instance of every block structure through the
//! setters, the way mkfs or the kernel would fill them in.

use ocfs_format::chain::chain_recs_per_inode;
use ocfs_format::dinode::{self, mode, Dinode};
use ocfs_format::dir::{self, dir_rec_len};
use ocfs_format::dx::{self, DxLeaf, DxRoot};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::features::FeatureLevel;
use ocfs_format::group::{self, GroupDesc};
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::jbd2::{self, Jbd2Superblock};
use ocfs_format::local_alloc::local_alloc_size;
use ocfs_format::quota::{self, GlobalDqInfo, LocalDqInfo, QuotaHeader, QuotaType};
use ocfs_format::refcount::{self, RefcountBlock};
use ocfs_format::signature as sig;
use ocfs_format::superblock::{self, FsParams};
use ocfs_format::truncate_log::truncate_recs_per_inode;
use ocfs_format::xattr::{self, XattrBlock, XattrHeader};
use ocfs_format::Crc32Le;

pub const GEN: u32 = 0x1234_5678;

pub fn params(bs: usize) -> FsParams {
    FsParams {
        block_size: bs as u32,
        cluster_size: 4096,
        fs_generation: GEN,
        max_slots: 4,
        features: FeatureLevel::Default.features(),
    }
}

/// What a built block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    SuperBlock,
    Inode,
    ExtentBlock,
    GroupDesc,
    DirBlock,
    DxRoot,
    DxLeaf,
    XattrBlock,
    RefcountBlock,
    Heartbeat,
    GlobalQuota,
    LocalQuota,
    Journal,
}

fn inode(bs: usize, blkno: u64, m: u16, flags: u32) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut di = Dinode::new(&mut b[..]).unwrap();
    di.set_inode_signature();
    di.set_i_blkno(blkno);
    di.set_i_fs_generation(GEN);
    di.set_i_flags(dinode::VALID_FL | flags);
    di.set_i_mode(m);
    di.set_i_suballoc_slot(superblock::INVALID_SLOT);
    di.set_links(1);
    b
}

pub fn superblock(bs: usize) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut di = Dinode::new(&mut b[..]).unwrap();
    di.set_i_signature(sig(superblock::SUPER_BLOCK_SIGNATURE));
    di.set_i_blkno(2);
    di.set_i_fs_generation(GEN);
    di.set_i_flags(dinode::VALID_FL | dinode::SYSTEM_FL | dinode::SUPER_BLOCK_FL);
    let mut sb = di.super_block_mut();
    sb.set_s_major_rev_level(superblock::MAJOR_REV_LEVEL);
    sb.set_s_minor_rev_level(superblock::MINOR_REV_LEVEL);
    sb.set_s_blocksize_bits(bs.trailing_zeros());
    sb.set_s_clustersize_bits(12);
    sb.set_s_root_blkno(5);
    sb.set_s_system_dir_blkno(6);
    sb.set_s_max_slots(4);
    sb.set_label(b"built");
    sb.set_features(FeatureLevel::Default.features());
    b
}

/// Every kind of inode: extents, inline dir, chain, local alloc, truncate
/// log, fast symlink, inline xattrs.
pub fn inodes(bs: usize, blkno: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();

    let mut b = inode(bs, blkno, mode::REG | 0o644, 0);
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        di.set_i_clusters(3);
        di.set_i_size(3 * 4096);
        let mut el = di.extent_list_mut();
        el.set_l_count(dinode::extent_recs_per_inode(bs) as u16);
        el.set_l_next_free_rec(2);
        let mut r = el.rec_mut(0).unwrap();
        r.set_e_cpos(0);
        r.set_e_leaf_clusters(1);
        r.set_e_blkno(100);
        let mut r = el.rec_mut(1).unwrap();
        r.set_e_cpos(1);
        r.set_e_leaf_clusters(2);
        r.set_e_flags(ocfs_format::extent::EXT_UNWRITTEN);
        r.set_e_blkno(200);
    }
    out.push(b);

    let mut b = inode(bs, blkno, mode::DIR | 0o755, 0);
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        di.set_i_dyn_features(dinode::INLINE_DATA_FL);
        let max = dinode::max_inline_data(bs);
        di.set_id_count(max as u16);
        di.set_i_size(max as u64);
        di.set_links(2);
        let data = di.inline_data_mut();
        dir::write_dir_entry(data, blkno, dir_rec_len(1) as u16, b".", dir::FT_DIR).unwrap();
        let rest = (max - dir_rec_len(1)) as u16;
        dir::write_dir_entry(&mut data[dir_rec_len(1)..], blkno, rest, b"..", dir::FT_DIR).unwrap();
    }
    out.push(b);

    let mut b = inode(
        bs,
        blkno,
        mode::REG | 0o644,
        dinode::SYSTEM_FL | dinode::BITMAP_FL | dinode::CHAIN_FL,
    );
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        di.set_i_total(100);
        di.set_i_used(10);
        let mut cl = di.chain_list_mut();
        cl.set_cl_cpg(32);
        cl.set_cl_bpc(1);
        cl.set_cl_count(chain_recs_per_inode(bs) as u16);
        cl.set_cl_next_free_rec(1);
        let mut r = cl.rec_mut(0).unwrap();
        r.set_c_total(100);
        r.set_c_free(90);
        r.set_c_blkno(300);
    }
    out.push(b);

    let mut b = inode(
        bs,
        blkno,
        mode::REG | 0o644,
        dinode::SYSTEM_FL | dinode::BITMAP_FL | dinode::LOCAL_ALLOC_FL,
    );
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        di.local_alloc_mut()
            .set_la_size(local_alloc_size(bs) as u16);
    }
    out.push(b);

    let mut b = inode(
        bs,
        blkno,
        mode::REG | 0o644,
        dinode::SYSTEM_FL | dinode::DEALLOC_FL,
    );
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        let mut tl = di.truncate_log_mut();
        tl.set_tl_count(truncate_recs_per_inode(bs) as u16);
        tl.set_tl_used(1);
        tl.rec_mut(0).unwrap().set_t_clusters(4);
    }
    out.push(b);

    let mut b = inode(bs, blkno, mode::LNK | 0o777, 0);
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        di.set_i_size(5);
        di.id2_mut()[..6].copy_from_slice(b"hello\0");
    }
    out.push(b);

    let mut b = inode(bs, blkno, mode::REG | 0o644, 0);
    {
        let mut di = Dinode::new(&mut b[..]).unwrap();
        di.set_i_dyn_features(dinode::INLINE_XATTR_FL | dinode::HAS_XATTR_FL);
        di.set_i_xattr_inline_size(superblock::MIN_XATTR_INLINE_SIZE);
        let mut el = di.extent_list_mut();
        el.set_l_count((el.room()) as u16);
    }
    {
        let start = bs - 256;
        fill_xattr_table(&mut b[start..]);
    }
    out.push(b);
    out
}

/// One local entry "user.a" = "xyz" and one with a value root.
pub fn fill_xattr_table(region: &mut [u8]) {
    let len = region.len();
    let mut xh = XattrHeader::new(&mut region[..]).unwrap();
    xh.set_xh_count(2);
    let name_off = len - 64;
    let mut e = xh.entry_mut(0).unwrap();
    e.set_xe_name_offset(name_off as u16);
    e.set_xe_name_len(1);
    e.set_xe_type(xattr::XATTR_ENTRY_LOCAL | xattr::XATTR_INDEX_USER);
    e.set_xe_value_size(3);
    let root_off = len - 48;
    let mut e = xh.entry_mut(1).unwrap();
    e.set_xe_name_offset(root_off as u16);
    e.set_xe_name_len(2);
    e.set_xe_type(xattr::XATTR_INDEX_TRUSTED);
    e.set_xe_value_size(100_000);
    region[name_off] = b'a';
    region[name_off + 4..name_off + 7].copy_from_slice(b"xyz");
    region[root_off..root_off + 2].copy_from_slice(b"bb");
}

pub fn extent_block(bs: usize, blkno: u64) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut eb = ExtentBlock::new(&mut b[..]).unwrap();
    eb.init(blkno, GEN);
    let mut el = eb.h_list_mut();
    el.set_l_next_free_rec(1);
    let mut r = el.rec_mut(0).unwrap();
    r.set_e_leaf_clusters(8);
    r.set_e_blkno(1000);
    b
}

pub fn group(bs: usize, blkno: u64, discontig: bool) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut gd = GroupDesc::new(&mut b[..]).unwrap();
    gd.set_group_signature();
    gd.set_bg_blkno(blkno);
    gd.set_bg_generation(GEN);
    gd.set_bg_parent_dinode(7);
    let size = if discontig {
        group::MAX_BG_BITMAP_SIZE
    } else {
        group::group_bitmap_size(bs, false, Default::default())
    };
    gd.set_bg_size(size as u16);
    gd.set_bg_bits(32);
    gd.set_bg_free_bits_count(30);
    gd.bg_bitmap_mut()[0] = 0b11;
    if discontig {
        let mut el = gd.bg_list_mut();
        el.set_l_count(group::extent_recs_per_gd(bs) as u16);
        el.set_l_next_free_rec(1);
        el.rec_mut(0).unwrap().set_e_leaf_clusters(1);
    }
    b
}

pub fn dir_block(bs: usize, blkno: u64, dir_ino: u64) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let end = dir::dir_trailer_offset(bs);
    dir::write_dir_entry(&mut b, 77, 16, b"file", dir::FT_REG_FILE).unwrap();
    dir::write_dir_entry(&mut b[16..end], 0, (end - 16) as u16, b"", 0).unwrap();
    dir::dir_trailer_mut(&mut b)
        .unwrap()
        .init(blkno, dir_ino, (end - 16) as u16);
    b
}

pub fn dx_root(bs: usize, blkno: u64, inline: bool) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut dr = DxRoot::new(&mut b[..]).unwrap();
    dr.set_dr_signature(sig(dx::DX_ROOT_SIGNATURE));
    dr.set_dr_blkno(blkno);
    dr.set_dr_fs_generation(GEN);
    if inline {
        dr.set_dr_flags(dx::DX_FLAG_INLINE);
        let mut l = dr.dr_entries_mut();
        l.set_de_count(dx::dx_entries_per_root(bs) as u16);
        l.set_de_num_used(1);
        l.entry_mut(0).unwrap().set_dx_dirent_blk(55);
    } else {
        let mut l = dr.dr_list_mut();
        l.set_l_count(dx::extent_recs_per_dx_root(bs) as u16);
    }
    b
}

pub fn dx_leaf(bs: usize, blkno: u64) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut dl = DxLeaf::new(&mut b[..]).unwrap();
    dl.set_dl_signature(sig(dx::DX_LEAF_SIGNATURE));
    dl.set_dl_blkno(blkno);
    dl.set_dl_fs_generation(GEN);
    dl.dl_list_mut()
        .set_de_count(dx::dx_entries_per_leaf(bs) as u16);
    b
}

pub fn xattr_block(bs: usize, blkno: u64, indexed: bool) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    {
        let mut xb = XattrBlock::new(&mut b[..]).unwrap();
        xb.set_xb_signature(sig(xattr::XATTR_BLOCK_SIGNATURE));
        xb.set_xb_blkno(blkno);
        xb.set_xb_fs_generation(GEN);
        if indexed {
            xb.set_xb_flags(xattr::XATTR_INDEXED);
            xb.xb_root_mut()
                .xt_list_mut()
                .set_l_count(xattr::xattr_recs_per_xb(bs) as u16);
        }
    }
    if !indexed {
        fill_xattr_table(&mut b[XattrBlock::<()>::ATTRS_OFFSET..]);
    }
    b
}

pub fn refcount_block(bs: usize, blkno: u64, tree: bool) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut rb = RefcountBlock::new(&mut b[..]).unwrap();
    rb.set_rf_signature(sig(refcount::REFCOUNT_BLOCK_SIGNATURE));
    rb.set_rf_blkno(blkno);
    rb.set_rf_fs_generation(GEN);
    if tree {
        rb.set_rf_flags(refcount::REFCOUNT_TREE_FL);
        rb.rf_list_mut()
            .set_l_count(refcount::extent_recs_per_rb(bs) as u16);
    } else {
        let mut rl = rb.rf_records_mut();
        rl.set_rl_count(refcount::refcount_recs_per_rb(bs) as u16);
        rl.set_rl_used(1);
        let mut r = rl.rec_mut(0).unwrap();
        r.set_r_cpos(10);
        r.set_r_clusters(2);
        r.set_r_refcount(3);
    }
    b
}

pub fn heartbeat(bs: usize, node: u8, crc: &impl Crc32Le) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut hb = HeartbeatBlock::new(&mut b[..]).unwrap();
    hb.set_hb_seq(1_700_000_000);
    hb.set_hb_node(node);
    hb.set_hb_generation(0xdead_beef);
    hb.set_hb_dead_ms(60_000);
    hb.store_cksum(crc);
    b
}

pub fn global_quota(bs: usize) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut q = QuotaHeader::new(&mut b[..]).unwrap();
    q.set_dqh_magic(quota::GLOBAL_QMAGICS[QuotaType::Group as usize]);
    let mut i = GlobalDqInfo::new(&mut b[quota::INFO_OFFSET..]).unwrap();
    i.set_dqi_blocks(3);
    i.set_dqi_free_entry(2);
    b
}

pub fn local_quota(bs: usize) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut q = QuotaHeader::new(&mut b[..]).unwrap();
    q.set_dqh_magic(quota::LOCAL_QMAGICS[QuotaType::User as usize]);
    let mut i = LocalDqInfo::new(&mut b[quota::INFO_OFFSET..]).unwrap();
    i.set_dqi_flags(quota::OLQF_CLEAN);
    i.set_dqi_chunks(1);
    i.set_dqi_blocks(2);
    b
}

pub fn journal(bs: usize) -> Vec<u8> {
    let mut b = vec![0u8; bs];
    let mut j = Jbd2Superblock::new(&mut b[..]).unwrap();
    j.set_h_magic(jbd2::JBD2_MAGIC_NUMBER);
    j.set_h_blocktype(jbd2::JBD2_SUPERBLOCK_V2);
    j.set_s_blocksize(bs as u32);
    j.set_s_maxlen(4096);
    j.set_s_first(1);
    j.set_s_sequence(1);
    j.set_s_nr_users(1);
    b
}

/// (kind, block number, bytes) of one valid instance of everything.
pub fn all(bs: usize, crc: &impl Crc32Le) -> Vec<(Kind, u64, Vec<u8>)> {
    let mut v = vec![(Kind::SuperBlock, 2, superblock(bs))];
    for b in inodes(bs, 40) {
        v.push((Kind::Inode, 40, b));
    }
    v.push((Kind::ExtentBlock, 41, extent_block(bs, 41)));
    v.push((Kind::GroupDesc, 42, group(bs, 42, false)));
    v.push((Kind::GroupDesc, 43, group(bs, 43, true)));
    v.push((Kind::DirBlock, 44, dir_block(bs, 44, 40)));
    v.push((Kind::DxRoot, 45, dx_root(bs, 45, true)));
    v.push((Kind::DxRoot, 46, dx_root(bs, 46, false)));
    v.push((Kind::DxLeaf, 47, dx_leaf(bs, 47)));
    v.push((Kind::XattrBlock, 48, xattr_block(bs, 48, false)));
    v.push((Kind::XattrBlock, 49, xattr_block(bs, 49, true)));
    v.push((Kind::RefcountBlock, 50, refcount_block(bs, 50, false)));
    v.push((Kind::RefcountBlock, 51, refcount_block(bs, 51, true)));
    v.push((Kind::Heartbeat, 3, heartbeat(bs, 3, crc)));
    v.push((Kind::GlobalQuota, 52, global_quota(bs)));
    v.push((Kind::LocalQuota, 53, local_quota(bs)));
    v.push((Kind::Journal, 54, journal(bs)));
    v
}
