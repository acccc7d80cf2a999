// SPDX-License-Identifier: GPL-2.0
//! Setter/getter round trips for every fixed field of every view: setting
//! a field reads back equal, writes exactly the value's bytes (in the
//! view's byte order) at the field's `FIELDS` offset, and touches nothing
//! else.  The field lists come from the `fields!` invocations; the count
//! check fails when a field is added without a test here.

use ocfs_format::blockcheck::BlockCheck;
use ocfs_format::*;
use proptest::prelude::*;

/// Builds a field value from raw bytes in the view's byte order, so that
/// the bytes a setter writes can be compared with the input.
trait FromRaw: Sized {
    fn from_raw(b: &[u8], be: bool) -> Self;
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl FromRaw for $t {
            fn from_raw(b: &[u8], be: bool) -> Self {
                let a = b[..std::mem::size_of::<$t>()].try_into().unwrap();
                if be { <$t>::from_be_bytes(a) } else { <$t>::from_le_bytes(a) }
            }
        }
    )*};
}
ints!(u8, u16, u32, u64);

impl<const N: usize> FromRaw for [u8; N] {
    fn from_raw(b: &[u8], _: bool) -> Self {
        b[..N].try_into().unwrap()
    }
}

impl FromRaw for BlockCheck {
    fn from_raw(b: &[u8], _: bool) -> Self {
        BlockCheck {
            crc32e: u32::from_le_bytes(b[0..4].try_into().unwrap()),
            ecc: u16::from_le_bytes(b[4..6].try_into().unwrap()),
            reserved: u16::from_le_bytes(b[6..8].try_into().unwrap()),
        }
    }
}

fn buffer(min: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), min.max(1)..min.max(1) + 64)
}

fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 64)
}

fn desc(fields: &[FieldDesc], name: &str) -> FieldDesc {
    *fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

macro_rules! field {
    ($m:ident :: $v:ident, $be:expr, $buf:ident, $vb:ident, $get:ident, $set:ident, $ty:ty) => {{
        let d = desc($m::$v::<()>::FIELDS, stringify!($get));
        let v = <$ty as FromRaw>::from_raw(&$vb, $be);
        let mut buf = $buf.clone();
        $m::$v::new(&mut buf[..]).unwrap().$set(v.clone());
        prop_assert_eq!(
            $m::$v::new(&buf[..]).unwrap().$get(),
            v.clone(),
            "{}",
            stringify!($get)
        );
        prop_assert_eq!(
            &buf[d.offset..d.offset + d.size],
            &$vb[..d.size],
            "{} bytes",
            stringify!($get)
        );
        for (i, (a, b)) in buf.iter().zip($buf.iter()).enumerate() {
            if !(d.offset..d.offset + d.size).contains(&i) {
                prop_assert_eq!(a, b, "{} touched byte {}", stringify!($get), i);
            }
        }
        // The getter reads exactly those bytes of an untouched buffer.
        let orig = <$ty as FromRaw>::from_raw(&$buf[d.offset..], $be);
        prop_assert_eq!($m::$v::new(&$buf[..]).unwrap().$get(), orig);
    }};
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn chain_list(buf in buffer(chain::ChainList::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(chain::ChainList::<()>::FIELDS.len(), 5);
        field!(chain::ChainList, false, buf, vb, cl_cpg, set_cl_cpg, u16);
        field!(chain::ChainList, false, buf, vb, cl_bpc, set_cl_bpc, u16);
        field!(chain::ChainList, false, buf, vb, cl_count, set_cl_count, u16);
        field!(chain::ChainList, false, buf, vb, cl_next_free_rec, set_cl_next_free_rec, u16);
        field!(chain::ChainList, false, buf, vb, cl_reserved1, set_cl_reserved1, u64);
    }

    #[test]
    fn chain_rec(buf in buffer(chain::ChainRec::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(chain::ChainRec::<()>::FIELDS.len(), 3);
        field!(chain::ChainRec, false, buf, vb, c_free, set_c_free, u32);
        field!(chain::ChainRec, false, buf, vb, c_total, set_c_total, u32);
        field!(chain::ChainRec, false, buf, vb, c_blkno, set_c_blkno, u64);
    }

    #[test]
    fn dinode(buf in buffer(dinode::Dinode::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dinode::Dinode::<()>::FIELDS.len(), 38);
        field!(dinode::Dinode, false, buf, vb, i_signature, set_i_signature, [u8; 8]);
        field!(dinode::Dinode, false, buf, vb, i_generation, set_i_generation, u32);
        field!(dinode::Dinode, false, buf, vb, i_suballoc_slot, set_i_suballoc_slot, u16);
        field!(dinode::Dinode, false, buf, vb, i_suballoc_bit, set_i_suballoc_bit, u16);
        field!(dinode::Dinode, false, buf, vb, i_links_count_hi, set_i_links_count_hi, u16);
        field!(dinode::Dinode, false, buf, vb, i_xattr_inline_size, set_i_xattr_inline_size, u16);
        field!(dinode::Dinode, false, buf, vb, i_clusters, set_i_clusters, u32);
        field!(dinode::Dinode, false, buf, vb, i_uid, set_i_uid, u32);
        field!(dinode::Dinode, false, buf, vb, i_gid, set_i_gid, u32);
        field!(dinode::Dinode, false, buf, vb, i_size, set_i_size, u64);
        field!(dinode::Dinode, false, buf, vb, i_mode, set_i_mode, u16);
        field!(dinode::Dinode, false, buf, vb, i_links_count, set_i_links_count, u16);
        field!(dinode::Dinode, false, buf, vb, i_flags, set_i_flags, u32);
        field!(dinode::Dinode, false, buf, vb, i_atime, set_i_atime, u64);
        field!(dinode::Dinode, false, buf, vb, i_ctime, set_i_ctime, u64);
        field!(dinode::Dinode, false, buf, vb, i_mtime, set_i_mtime, u64);
        field!(dinode::Dinode, false, buf, vb, i_dtime, set_i_dtime, u64);
        field!(dinode::Dinode, false, buf, vb, i_blkno, set_i_blkno, u64);
        field!(dinode::Dinode, false, buf, vb, i_last_eb_blk, set_i_last_eb_blk, u64);
        field!(dinode::Dinode, false, buf, vb, i_fs_generation, set_i_fs_generation, u32);
        field!(dinode::Dinode, false, buf, vb, i_atime_nsec, set_i_atime_nsec, u32);
        field!(dinode::Dinode, false, buf, vb, i_ctime_nsec, set_i_ctime_nsec, u32);
        field!(dinode::Dinode, false, buf, vb, i_mtime_nsec, set_i_mtime_nsec, u32);
        field!(dinode::Dinode, false, buf, vb, i_attr, set_i_attr, u32);
        field!(dinode::Dinode, false, buf, vb, i_orphaned_slot, set_i_orphaned_slot, u16);
        field!(dinode::Dinode, false, buf, vb, i_dyn_features, set_i_dyn_features, u16);
        field!(dinode::Dinode, false, buf, vb, i_xattr_loc, set_i_xattr_loc, u64);
        field!(dinode::Dinode, false, buf, vb, i_check, set_i_check, BlockCheck);
        field!(dinode::Dinode, false, buf, vb, i_dx_root, set_i_dx_root, u64);
        field!(dinode::Dinode, false, buf, vb, i_refcount_loc, set_i_refcount_loc, u64);
        field!(dinode::Dinode, false, buf, vb, i_suballoc_loc, set_i_suballoc_loc, u64);
        field!(dinode::Dinode, false, buf, vb, i_dio_orphaned_slot, set_i_dio_orphaned_slot, u16);
        field!(dinode::Dinode, false, buf, vb, i_rdev, set_i_rdev, u64);
        field!(dinode::Dinode, false, buf, vb, i_used, set_i_used, u32);
        field!(dinode::Dinode, false, buf, vb, i_total, set_i_total, u32);
        field!(dinode::Dinode, false, buf, vb, ij_flags, set_ij_flags, u32);
        field!(dinode::Dinode, false, buf, vb, ij_recovery_generation, set_ij_recovery_generation, u32);
        field!(dinode::Dinode, false, buf, vb, id_count, set_id_count, u16);
    }

    #[test]
    fn dir_entry(buf in buffer(dir::DirEntry::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dir::DirEntry::<()>::FIELDS.len(), 4);
        field!(dir::DirEntry, false, buf, vb, inode, set_inode, u64);
        field!(dir::DirEntry, false, buf, vb, rec_len, set_rec_len, u16);
        field!(dir::DirEntry, false, buf, vb, name_len, set_name_len, u8);
        field!(dir::DirEntry, false, buf, vb, file_type, set_file_type, u8);
    }

    #[test]
    fn dir_trailer(buf in buffer(dir::DirTrailer::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dir::DirTrailer::<()>::FIELDS.len(), 12);
        field!(dir::DirTrailer, false, buf, vb, db_compat_inode, set_db_compat_inode, u64);
        field!(dir::DirTrailer, false, buf, vb, db_compat_rec_len, set_db_compat_rec_len, u16);
        field!(dir::DirTrailer, false, buf, vb, db_compat_name_len, set_db_compat_name_len, u8);
        field!(dir::DirTrailer, false, buf, vb, db_reserved0, set_db_reserved0, u8);
        field!(dir::DirTrailer, false, buf, vb, db_reserved1, set_db_reserved1, u16);
        field!(dir::DirTrailer, false, buf, vb, db_free_rec_len, set_db_free_rec_len, u16);
        field!(dir::DirTrailer, false, buf, vb, db_signature, set_db_signature, [u8; 8]);
        field!(dir::DirTrailer, false, buf, vb, db_reserved2, set_db_reserved2, u64);
        field!(dir::DirTrailer, false, buf, vb, db_free_next, set_db_free_next, u64);
        field!(dir::DirTrailer, false, buf, vb, db_blkno, set_db_blkno, u64);
        field!(dir::DirTrailer, false, buf, vb, db_parent_dinode, set_db_parent_dinode, u64);
        field!(dir::DirTrailer, false, buf, vb, db_check, set_db_check, BlockCheck);
    }

    #[test]
    fn dx_entry(buf in buffer(dx::DxEntry::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dx::DxEntry::<()>::FIELDS.len(), 3);
        field!(dx::DxEntry, false, buf, vb, dx_major_hash, set_dx_major_hash, u32);
        field!(dx::DxEntry, false, buf, vb, dx_minor_hash, set_dx_minor_hash, u32);
        field!(dx::DxEntry, false, buf, vb, dx_dirent_blk, set_dx_dirent_blk, u64);
    }

    #[test]
    fn dx_entry_list(buf in buffer(dx::DxEntryList::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dx::DxEntryList::<()>::FIELDS.len(), 3);
        field!(dx::DxEntryList, false, buf, vb, de_reserved, set_de_reserved, u32);
        field!(dx::DxEntryList, false, buf, vb, de_count, set_de_count, u16);
        field!(dx::DxEntryList, false, buf, vb, de_num_used, set_de_num_used, u16);
    }

    #[test]
    fn dx_root(buf in buffer(dx::DxRoot::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dx::DxRoot::<()>::FIELDS.len(), 16);
        field!(dx::DxRoot, false, buf, vb, dr_signature, set_dr_signature, [u8; 8]);
        field!(dx::DxRoot, false, buf, vb, dr_check, set_dr_check, BlockCheck);
        field!(dx::DxRoot, false, buf, vb, dr_suballoc_slot, set_dr_suballoc_slot, u16);
        field!(dx::DxRoot, false, buf, vb, dr_suballoc_bit, set_dr_suballoc_bit, u16);
        field!(dx::DxRoot, false, buf, vb, dr_fs_generation, set_dr_fs_generation, u32);
        field!(dx::DxRoot, false, buf, vb, dr_blkno, set_dr_blkno, u64);
        field!(dx::DxRoot, false, buf, vb, dr_last_eb_blk, set_dr_last_eb_blk, u64);
        field!(dx::DxRoot, false, buf, vb, dr_clusters, set_dr_clusters, u32);
        field!(dx::DxRoot, false, buf, vb, dr_flags, set_dr_flags, u8);
        field!(dx::DxRoot, false, buf, vb, dr_reserved0, set_dr_reserved0, u8);
        field!(dx::DxRoot, false, buf, vb, dr_reserved1, set_dr_reserved1, u16);
        field!(dx::DxRoot, false, buf, vb, dr_dir_blkno, set_dr_dir_blkno, u64);
        field!(dx::DxRoot, false, buf, vb, dr_num_entries, set_dr_num_entries, u32);
        field!(dx::DxRoot, false, buf, vb, dr_reserved2, set_dr_reserved2, u32);
        field!(dx::DxRoot, false, buf, vb, dr_free_blk, set_dr_free_blk, u64);
        field!(dx::DxRoot, false, buf, vb, dr_suballoc_loc, set_dr_suballoc_loc, u64);
    }

    #[test]
    fn dx_leaf(buf in buffer(dx::DxLeaf::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(dx::DxLeaf::<()>::FIELDS.len(), 6);
        field!(dx::DxLeaf, false, buf, vb, dl_signature, set_dl_signature, [u8; 8]);
        field!(dx::DxLeaf, false, buf, vb, dl_check, set_dl_check, BlockCheck);
        field!(dx::DxLeaf, false, buf, vb, dl_blkno, set_dl_blkno, u64);
        field!(dx::DxLeaf, false, buf, vb, dl_fs_generation, set_dl_fs_generation, u32);
        field!(dx::DxLeaf, false, buf, vb, dl_reserved0, set_dl_reserved0, u32);
        field!(dx::DxLeaf, false, buf, vb, dl_reserved1, set_dl_reserved1, u64);
    }

    #[test]
    fn extent_list(buf in buffer(extent::ExtentList::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(extent::ExtentList::<()>::FIELDS.len(), 5);
        field!(extent::ExtentList, false, buf, vb, l_tree_depth, set_l_tree_depth, u16);
        field!(extent::ExtentList, false, buf, vb, l_count, set_l_count, u16);
        field!(extent::ExtentList, false, buf, vb, l_next_free_rec, set_l_next_free_rec, u16);
        field!(extent::ExtentList, false, buf, vb, l_reserved1, set_l_reserved1, u16);
        field!(extent::ExtentList, false, buf, vb, l_reserved2, set_l_reserved2, u64);
    }

    #[test]
    fn extent_rec(buf in buffer(extent::ExtentRec::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(extent::ExtentRec::<()>::FIELDS.len(), 6);
        field!(extent::ExtentRec, false, buf, vb, e_cpos, set_e_cpos, u32);
        field!(extent::ExtentRec, false, buf, vb, e_int_clusters, set_e_int_clusters, u32);
        field!(extent::ExtentRec, false, buf, vb, e_leaf_clusters, set_e_leaf_clusters, u16);
        field!(extent::ExtentRec, false, buf, vb, e_reserved1, set_e_reserved1, u8);
        field!(extent::ExtentRec, false, buf, vb, e_flags, set_e_flags, u8);
        field!(extent::ExtentRec, false, buf, vb, e_blkno, set_e_blkno, u64);
    }

    #[test]
    fn extent_block(buf in buffer(extent::ExtentBlock::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(extent::ExtentBlock::<()>::FIELDS.len(), 8);
        field!(extent::ExtentBlock, false, buf, vb, h_signature, set_h_signature, [u8; 8]);
        field!(extent::ExtentBlock, false, buf, vb, h_check, set_h_check, BlockCheck);
        field!(extent::ExtentBlock, false, buf, vb, h_suballoc_slot, set_h_suballoc_slot, u16);
        field!(extent::ExtentBlock, false, buf, vb, h_suballoc_bit, set_h_suballoc_bit, u16);
        field!(extent::ExtentBlock, false, buf, vb, h_fs_generation, set_h_fs_generation, u32);
        field!(extent::ExtentBlock, false, buf, vb, h_blkno, set_h_blkno, u64);
        field!(extent::ExtentBlock, false, buf, vb, h_suballoc_loc, set_h_suballoc_loc, u64);
        field!(extent::ExtentBlock, false, buf, vb, h_next_leaf_blk, set_h_next_leaf_blk, u64);
    }

    #[test]
    fn group_desc(buf in buffer(group::GroupDesc::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(group::GroupDesc::<()>::FIELDS.len(), 13);
        field!(group::GroupDesc, false, buf, vb, bg_signature, set_bg_signature, [u8; 8]);
        field!(group::GroupDesc, false, buf, vb, bg_size, set_bg_size, u16);
        field!(group::GroupDesc, false, buf, vb, bg_bits, set_bg_bits, u16);
        field!(group::GroupDesc, false, buf, vb, bg_free_bits_count, set_bg_free_bits_count, u16);
        field!(group::GroupDesc, false, buf, vb, bg_chain, set_bg_chain, u16);
        field!(group::GroupDesc, false, buf, vb, bg_generation, set_bg_generation, u32);
        field!(group::GroupDesc, false, buf, vb, bg_contig_free_bits, set_bg_contig_free_bits, u16);
        field!(group::GroupDesc, false, buf, vb, bg_reserved1, set_bg_reserved1, u16);
        field!(group::GroupDesc, false, buf, vb, bg_next_group, set_bg_next_group, u64);
        field!(group::GroupDesc, false, buf, vb, bg_parent_dinode, set_bg_parent_dinode, u64);
        field!(group::GroupDesc, false, buf, vb, bg_blkno, set_bg_blkno, u64);
        field!(group::GroupDesc, false, buf, vb, bg_check, set_bg_check, BlockCheck);
        field!(group::GroupDesc, false, buf, vb, bg_reserved2, set_bg_reserved2, u64);
    }

    #[test]
    fn heartbeat_block(buf in buffer(heartbeat::HeartbeatBlock::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(heartbeat::HeartbeatBlock::<()>::FIELDS.len(), 6);
        field!(heartbeat::HeartbeatBlock, false, buf, vb, hb_seq, set_hb_seq, u64);
        field!(heartbeat::HeartbeatBlock, false, buf, vb, hb_node, set_hb_node, u8);
        field!(heartbeat::HeartbeatBlock, false, buf, vb, hb_pad1, set_hb_pad1, [u8; 3]);
        field!(heartbeat::HeartbeatBlock, false, buf, vb, hb_cksum, set_hb_cksum, u32);
        field!(heartbeat::HeartbeatBlock, false, buf, vb, hb_generation, set_hb_generation, u64);
        field!(heartbeat::HeartbeatBlock, false, buf, vb, hb_dead_ms, set_hb_dead_ms, u32);
    }

    #[test]
    fn journal_header(buf in buffer(jbd2::JournalHeader::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(jbd2::JournalHeader::<()>::FIELDS.len(), 3);
        field!(jbd2::JournalHeader, true, buf, vb, h_magic, set_h_magic, u32);
        field!(jbd2::JournalHeader, true, buf, vb, h_blocktype, set_h_blocktype, u32);
        field!(jbd2::JournalHeader, true, buf, vb, h_sequence, set_h_sequence, u32);
    }

    #[test]
    fn jbd2_superblock(buf in buffer(jbd2::Jbd2Superblock::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(jbd2::Jbd2Superblock::<()>::FIELDS.len(), 21);
        field!(jbd2::Jbd2Superblock, true, buf, vb, h_magic, set_h_magic, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, h_blocktype, set_h_blocktype, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, h_sequence, set_h_sequence, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_blocksize, set_s_blocksize, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_maxlen, set_s_maxlen, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_first, set_s_first, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_sequence, set_s_sequence, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_start, set_s_start, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_errno, set_s_errno, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_feature_compat, set_s_feature_compat, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_feature_incompat, set_s_feature_incompat, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_feature_ro_compat, set_s_feature_ro_compat, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_uuid, set_s_uuid, [u8; 16]);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_nr_users, set_s_nr_users, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_dynsuper, set_s_dynsuper, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_max_transaction, set_s_max_transaction, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_max_trans_data, set_s_max_trans_data, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_checksum_type, set_s_checksum_type, u8);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_num_fc_blks, set_s_num_fc_blks, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_head, set_s_head, u32);
        field!(jbd2::Jbd2Superblock, true, buf, vb, s_checksum, set_s_checksum, u32);
    }

    #[test]
    fn local_alloc(buf in buffer(local_alloc::LocalAlloc::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(local_alloc::LocalAlloc::<()>::FIELDS.len(), 4);
        field!(local_alloc::LocalAlloc, false, buf, vb, la_bm_off, set_la_bm_off, u32);
        field!(local_alloc::LocalAlloc, false, buf, vb, la_size, set_la_size, u16);
        field!(local_alloc::LocalAlloc, false, buf, vb, la_reserved1, set_la_reserved1, u16);
        field!(local_alloc::LocalAlloc, false, buf, vb, la_reserved2, set_la_reserved2, u64);
    }

    #[test]
    fn quota_header(buf in buffer(quota::QuotaHeader::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::QuotaHeader::<()>::FIELDS.len(), 2);
        field!(quota::QuotaHeader, false, buf, vb, dqh_magic, set_dqh_magic, u32);
        field!(quota::QuotaHeader, false, buf, vb, dqh_version, set_dqh_version, u32);
    }

    #[test]
    fn global_dq_info(buf in buffer(quota::GlobalDqInfo::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::GlobalDqInfo::<()>::FIELDS.len(), 6);
        field!(quota::GlobalDqInfo, false, buf, vb, dqi_bgrace, set_dqi_bgrace, u32);
        field!(quota::GlobalDqInfo, false, buf, vb, dqi_igrace, set_dqi_igrace, u32);
        field!(quota::GlobalDqInfo, false, buf, vb, dqi_syncms, set_dqi_syncms, u32);
        field!(quota::GlobalDqInfo, false, buf, vb, dqi_blocks, set_dqi_blocks, u32);
        field!(quota::GlobalDqInfo, false, buf, vb, dqi_free_blk, set_dqi_free_blk, u32);
        field!(quota::GlobalDqInfo, false, buf, vb, dqi_free_entry, set_dqi_free_entry, u32);
    }

    #[test]
    fn global_dq_blk(buf in buffer(quota::GlobalDqBlk::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::GlobalDqBlk::<()>::FIELDS.len(), 12);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_id, set_dqb_id, u32);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_use_count, set_dqb_use_count, u32);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_ihardlimit, set_dqb_ihardlimit, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_isoftlimit, set_dqb_isoftlimit, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_curinodes, set_dqb_curinodes, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_bhardlimit, set_dqb_bhardlimit, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_bsoftlimit, set_dqb_bsoftlimit, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_curspace, set_dqb_curspace, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_btime, set_dqb_btime, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_itime, set_dqb_itime, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_pad1, set_dqb_pad1, u64);
        field!(quota::GlobalDqBlk, false, buf, vb, dqb_pad2, set_dqb_pad2, u64);
    }

    #[test]
    fn qt_data_header(buf in buffer(quota::QtDataHeader::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::QtDataHeader::<()>::FIELDS.len(), 5);
        field!(quota::QtDataHeader, false, buf, vb, dqdh_next_free, set_dqdh_next_free, u32);
        field!(quota::QtDataHeader, false, buf, vb, dqdh_prev_free, set_dqdh_prev_free, u32);
        field!(quota::QtDataHeader, false, buf, vb, dqdh_entries, set_dqdh_entries, u16);
        field!(quota::QtDataHeader, false, buf, vb, dqdh_pad1, set_dqdh_pad1, u16);
        field!(quota::QtDataHeader, false, buf, vb, dqdh_pad2, set_dqdh_pad2, u32);
    }

    #[test]
    fn local_dq_info(buf in buffer(quota::LocalDqInfo::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::LocalDqInfo::<()>::FIELDS.len(), 3);
        field!(quota::LocalDqInfo, false, buf, vb, dqi_flags, set_dqi_flags, u32);
        field!(quota::LocalDqInfo, false, buf, vb, dqi_chunks, set_dqi_chunks, u32);
        field!(quota::LocalDqInfo, false, buf, vb, dqi_blocks, set_dqi_blocks, u32);
    }

    #[test]
    fn local_chunk(buf in buffer(quota::LocalChunk::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::LocalChunk::<()>::FIELDS.len(), 1);
        field!(quota::LocalChunk, false, buf, vb, dqc_free, set_dqc_free, u32);
    }

    #[test]
    fn local_dq_blk(buf in buffer(quota::LocalDqBlk::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::LocalDqBlk::<()>::FIELDS.len(), 3);
        field!(quota::LocalDqBlk, false, buf, vb, dqb_id, set_dqb_id, u64);
        field!(quota::LocalDqBlk, false, buf, vb, dqb_spacemod, set_dqb_spacemod, u64);
        field!(quota::LocalDqBlk, false, buf, vb, dqb_inodemod, set_dqb_inodemod, u64);
    }

    #[test]
    fn quota_trailer(buf in buffer(quota::QuotaTrailer::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(quota::QuotaTrailer::<()>::FIELDS.len(), 1);
        field!(quota::QuotaTrailer, false, buf, vb, dq_check, set_dq_check, BlockCheck);
    }

    #[test]
    fn refcount_rec(buf in buffer(refcount::RefcountRec::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(refcount::RefcountRec::<()>::FIELDS.len(), 3);
        field!(refcount::RefcountRec, false, buf, vb, r_cpos, set_r_cpos, u64);
        field!(refcount::RefcountRec, false, buf, vb, r_clusters, set_r_clusters, u32);
        field!(refcount::RefcountRec, false, buf, vb, r_refcount, set_r_refcount, u32);
    }

    #[test]
    fn refcount_list(buf in buffer(refcount::RefcountList::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(refcount::RefcountList::<()>::FIELDS.len(), 4);
        field!(refcount::RefcountList, false, buf, vb, rl_count, set_rl_count, u16);
        field!(refcount::RefcountList, false, buf, vb, rl_used, set_rl_used, u16);
        field!(refcount::RefcountList, false, buf, vb, rl_reserved2, set_rl_reserved2, u32);
        field!(refcount::RefcountList, false, buf, vb, rl_reserved1, set_rl_reserved1, u64);
    }

    #[test]
    fn refcount_block(buf in buffer(refcount::RefcountBlock::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(refcount::RefcountBlock::<()>::FIELDS.len(), 15);
        field!(refcount::RefcountBlock, false, buf, vb, rf_signature, set_rf_signature, [u8; 8]);
        field!(refcount::RefcountBlock, false, buf, vb, rf_suballoc_slot, set_rf_suballoc_slot, u16);
        field!(refcount::RefcountBlock, false, buf, vb, rf_suballoc_bit, set_rf_suballoc_bit, u16);
        field!(refcount::RefcountBlock, false, buf, vb, rf_fs_generation, set_rf_fs_generation, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_blkno, set_rf_blkno, u64);
        field!(refcount::RefcountBlock, false, buf, vb, rf_parent, set_rf_parent, u64);
        field!(refcount::RefcountBlock, false, buf, vb, rf_check, set_rf_check, BlockCheck);
        field!(refcount::RefcountBlock, false, buf, vb, rf_last_eb_blk, set_rf_last_eb_blk, u64);
        field!(refcount::RefcountBlock, false, buf, vb, rf_count, set_rf_count, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_flags, set_rf_flags, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_clusters, set_rf_clusters, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_cpos, set_rf_cpos, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_generation, set_rf_generation, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_reserved0, set_rf_reserved0, u32);
        field!(refcount::RefcountBlock, false, buf, vb, rf_suballoc_loc, set_rf_suballoc_loc, u64);
    }

    #[test]
    fn extended_slot(buf in buffer(slot_map::ExtendedSlot::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(slot_map::ExtendedSlot::<()>::FIELDS.len(), 3);
        field!(slot_map::ExtendedSlot, false, buf, vb, es_valid, set_es_valid, u8);
        field!(slot_map::ExtendedSlot, false, buf, vb, es_reserved1, set_es_reserved1, [u8; 3]);
        field!(slot_map::ExtendedSlot, false, buf, vb, es_node_num, set_es_node_num, u32);
    }

    #[test]
    fn super_block(buf in buffer(superblock::SuperBlock::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(superblock::SuperBlock::<()>::FIELDS.len(), 30);
        field!(superblock::SuperBlock, false, buf, vb, s_major_rev_level, set_s_major_rev_level, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_minor_rev_level, set_s_minor_rev_level, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_mnt_count, set_s_mnt_count, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_max_mnt_count, set_s_max_mnt_count, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_state, set_s_state, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_errors, set_s_errors, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_checkinterval, set_s_checkinterval, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_lastcheck, set_s_lastcheck, u64);
        field!(superblock::SuperBlock, false, buf, vb, s_creator_os, set_s_creator_os, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_feature_compat, set_s_feature_compat, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_feature_incompat, set_s_feature_incompat, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_feature_ro_compat, set_s_feature_ro_compat, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_root_blkno, set_s_root_blkno, u64);
        field!(superblock::SuperBlock, false, buf, vb, s_system_dir_blkno, set_s_system_dir_blkno, u64);
        field!(superblock::SuperBlock, false, buf, vb, s_blocksize_bits, set_s_blocksize_bits, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_clustersize_bits, set_s_clustersize_bits, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_max_slots, set_s_max_slots, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_tunefs_flag, set_s_tunefs_flag, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_uuid_hash, set_s_uuid_hash, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_first_cluster_group, set_s_first_cluster_group, u64);
        field!(superblock::SuperBlock, false, buf, vb, s_label, set_s_label, [u8; 64]);
        field!(superblock::SuperBlock, false, buf, vb, s_uuid, set_s_uuid, [u8; 16]);
        field!(superblock::SuperBlock, false, buf, vb, ci_stack, set_ci_stack, [u8; 4]);
        field!(superblock::SuperBlock, false, buf, vb, ci_stackflags, set_ci_stackflags, u8);
        field!(superblock::SuperBlock, false, buf, vb, ci_cluster, set_ci_cluster, [u8; 16]);
        field!(superblock::SuperBlock, false, buf, vb, s_xattr_inline_size, set_s_xattr_inline_size, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_reserved0, set_s_reserved0, u16);
        field!(superblock::SuperBlock, false, buf, vb, s_dx_seed0, set_s_dx_seed0, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_dx_seed1, set_s_dx_seed1, u32);
        field!(superblock::SuperBlock, false, buf, vb, s_dx_seed2, set_s_dx_seed2, u32);
    }

    #[test]
    fn truncate_log(buf in buffer(truncate_log::TruncateLog::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(truncate_log::TruncateLog::<()>::FIELDS.len(), 3);
        field!(truncate_log::TruncateLog, false, buf, vb, tl_count, set_tl_count, u16);
        field!(truncate_log::TruncateLog, false, buf, vb, tl_used, set_tl_used, u16);
        field!(truncate_log::TruncateLog, false, buf, vb, tl_reserved1, set_tl_reserved1, u32);
    }

    #[test]
    fn truncate_rec(buf in buffer(truncate_log::TruncateRec::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(truncate_log::TruncateRec::<()>::FIELDS.len(), 2);
        field!(truncate_log::TruncateRec, false, buf, vb, t_start, set_t_start, u32);
        field!(truncate_log::TruncateRec, false, buf, vb, t_clusters, set_t_clusters, u32);
    }

    #[test]
    fn xattr_entry(buf in buffer(xattr::XattrEntry::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(xattr::XattrEntry::<()>::FIELDS.len(), 5);
        field!(xattr::XattrEntry, false, buf, vb, xe_name_hash, set_xe_name_hash, u32);
        field!(xattr::XattrEntry, false, buf, vb, xe_name_offset, set_xe_name_offset, u16);
        field!(xattr::XattrEntry, false, buf, vb, xe_name_len, set_xe_name_len, u8);
        field!(xattr::XattrEntry, false, buf, vb, xe_type, set_xe_type, u8);
        field!(xattr::XattrEntry, false, buf, vb, xe_value_size, set_xe_value_size, u64);
    }

    #[test]
    fn xattr_header(buf in buffer(xattr::XattrHeader::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(xattr::XattrHeader::<()>::FIELDS.len(), 5);
        field!(xattr::XattrHeader, false, buf, vb, xh_count, set_xh_count, u16);
        field!(xattr::XattrHeader, false, buf, vb, xh_free_start, set_xh_free_start, u16);
        field!(xattr::XattrHeader, false, buf, vb, xh_name_value_len, set_xh_name_value_len, u16);
        field!(xattr::XattrHeader, false, buf, vb, xh_num_buckets, set_xh_num_buckets, u16);
        field!(xattr::XattrHeader, false, buf, vb, xh_check, set_xh_check, BlockCheck);
    }

    #[test]
    fn xattr_value_root(buf in buffer(xattr::XattrValueRoot::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(xattr::XattrValueRoot::<()>::FIELDS.len(), 3);
        field!(xattr::XattrValueRoot, false, buf, vb, xr_clusters, set_xr_clusters, u32);
        field!(xattr::XattrValueRoot, false, buf, vb, xr_reserved0, set_xr_reserved0, u32);
        field!(xattr::XattrValueRoot, false, buf, vb, xr_last_eb_blk, set_xr_last_eb_blk, u64);
    }

    #[test]
    fn xattr_tree_root(buf in buffer(xattr::XattrTreeRoot::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(xattr::XattrTreeRoot::<()>::FIELDS.len(), 3);
        field!(xattr::XattrTreeRoot, false, buf, vb, xt_clusters, set_xt_clusters, u32);
        field!(xattr::XattrTreeRoot, false, buf, vb, xt_reserved0, set_xt_reserved0, u32);
        field!(xattr::XattrTreeRoot, false, buf, vb, xt_last_eb_blk, set_xt_last_eb_blk, u64);
    }

    #[test]
    fn xattr_block(buf in buffer(xattr::XattrBlock::<()>::SIZE), vb in value_bytes()) {
        assert_eq!(xattr::XattrBlock::<()>::FIELDS.len(), 10);
        field!(xattr::XattrBlock, false, buf, vb, xb_signature, set_xb_signature, [u8; 8]);
        field!(xattr::XattrBlock, false, buf, vb, xb_suballoc_slot, set_xb_suballoc_slot, u16);
        field!(xattr::XattrBlock, false, buf, vb, xb_suballoc_bit, set_xb_suballoc_bit, u16);
        field!(xattr::XattrBlock, false, buf, vb, xb_fs_generation, set_xb_fs_generation, u32);
        field!(xattr::XattrBlock, false, buf, vb, xb_blkno, set_xb_blkno, u64);
        field!(xattr::XattrBlock, false, buf, vb, xb_check, set_xb_check, BlockCheck);
        field!(xattr::XattrBlock, false, buf, vb, xb_flags, set_xb_flags, u16);
        field!(xattr::XattrBlock, false, buf, vb, xb_reserved0, set_xb_reserved0, u16);
        field!(xattr::XattrBlock, false, buf, vb, xb_reserved1, set_xb_reserved1, u32);
        field!(xattr::XattrBlock, false, buf, vb, xb_suballoc_loc, set_xb_suballoc_loc, u64);
    }
}
