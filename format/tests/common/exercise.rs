// SPDX-License-Identifier: GPL-2.0
//! Throws one byte string at every parser, validator, iterator and
//! accessor of the crate.  Used by the no-panic property tests and by the
//! cargo-fuzz target (which includes this file by path).  Nothing here may
//! panic for any input; results are consumed so nothing is optimised away.

use std::fmt::Write as _;

use ocfs_format::blockcheck::{self, Crc32Le};
use ocfs_format::chain::ChainList;
use ocfs_format::dinode::Dinode;
use ocfs_format::dir::{self, DirEntry};
use ocfs_format::dx::{DxLeaf, DxRoot};
use ocfs_format::extent::{ExtentBlock, ExtentList};
use ocfs_format::features::{FeatureLevel, Features};
use ocfs_format::group::GroupDesc;
use ocfs_format::heartbeat::HeartbeatBlock;
use ocfs_format::jbd2::Jbd2Superblock;
use ocfs_format::quota::{
    self, GlobalDqInfo, LocalChunk, LocalDqInfo, QtDataHeader, QuotaHeader, QuotaType,
};
use ocfs_format::refcount::RefcountBlock;
use ocfs_format::slot_map::{ExtendedSlotMap, SlotMap};
use ocfs_format::superblock::{self, FsParams};
use ocfs_format::system::SystemFile;
use ocfs_format::xattr::{self, XattrBlock, XattrHeader};
use ocfs_format::{FormatError, Records};

/// A cheap crc32_le so the fuzz target needs no extra crate.
pub struct SlowCrc;

impl Crc32Le for SlowCrc {
    fn crc32_le(&self, seed: u32, data: &[u8]) -> u32 {
        let mut crc = seed;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        crc
    }
}

fn sink<T: std::fmt::Debug>(out: &mut String, v: T) {
    if out.len() > 4096 {
        out.clear();
    }
    let _ = write!(out, "{v:?}");
}

fn sink_err(out: &mut String, r: Result<impl std::fmt::Debug, FormatError>) {
    match r {
        Ok(v) => sink(out, v),
        Err(e) => {
            let _ = write!(out, "{e}");
        }
    }
}

fn drain<T: std::fmt::Debug>(out: &mut String, it: Records<'_, T>) {
    for r in it.take(1 << 16) {
        sink(out, r);
    }
}

/// Volume parameters taken from the input's first bytes (any values,
/// including nonsense ones the validators must cope with).
pub fn params_from(data: &[u8]) -> FsParams {
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    let w = |i: usize| u32::from_le_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]);
    FsParams {
        block_size: match b(0) % 5 {
            0 => 512,
            1 => 1024,
            2 => 2048,
            3 => 4096,
            _ => data.len() as u32,
        },
        cluster_size: 4096 << (b(1) % 9),
        fs_generation: w(8),
        max_slots: u16::from(b(2)),
        features: Features::from_bits(w(12), w(16), w(20)),
    }
}

/// Everything, on `data` read "from block" `blkno`.
pub fn exercise(data: &[u8], blkno: u64) -> String {
    let mut out = String::new();
    let o = &mut out;
    let p = params_from(data);
    let crc = SlowCrc;

    // Superblock and inodes.
    if let Ok(di) = Dinode::new(data) {
        sink_err(o, di.validate_superblock(blkno));
        sink_err(o, di.validate(blkno, &p));
        sink(o, di.id2_kind());
        let sb = di.super_block();
        sink(
            o,
            (
                sb.features(),
                sb.label(),
                sb.cluster_stack(),
                sb.cluster_name(),
                sb.block_size(),
                sb.cluster_size(),
            ),
        );
        let _ = write!(o, "{}", sb.features());
        sink(
            o,
            (
                di.inline_data(),
                di.fast_symlink(),
                di.links(),
                di.id2_end(),
            ),
        );
        drain(o, di.extent_list().recs());
        drain(o, di.chain_list().recs());
        drain(o, di.truncate_log().recs());
        sink(o, di.local_alloc().la_bitmap());
        sink_err(o, di.local_alloc().validate(blkno, &p));
        sink_err(o, di.truncate_log().validate(blkno, &p));
        sink_err(o, di.chain_list().validate(blkno, p.block_size));
        sink_err(o, di.extent_list().validate(blkno, 1 << 16));
        if let Some(xh) = di.inline_xattr() {
            for e in xh.entries().take(1 << 12) {
                sink(
                    o,
                    (
                        xh.name(&e),
                        xh.local_value(&e),
                        xh.value_root(&e).map(|r| r.xr_list().recs().count()),
                    ),
                );
            }
        }
        let mut copy = data.to_vec();
        if let Ok(mut m) = Dinode::new(&mut copy[..]) {
            m.set_links(u32::MAX);
            sink(o, m.inline_data_mut().len());
            if let Some(mut r) = m.extent_list_mut().rec_mut(3) {
                r.set_e_cpos(7);
            }
            m.super_block_mut().set_label(data);
            m.local_alloc_mut().la_bitmap_mut().fill(0xa5);
            if let Some(mut r) = m.chain_list_mut().rec_mut(1000) {
                r.set_c_free(1);
            }
        }
    }

    // Blocks with a header and a list.
    if let Ok(eb) = ExtentBlock::new(data) {
        sink_err(o, eb.validate(blkno, &p));
        drain(o, eb.h_list().recs());
        for i in [0usize, 1, 1000, usize::MAX] {
            sink(
                o,
                eb.h_list().rec(i).map(|r| (r.clusters(0), r.clusters(1))),
            );
        }
    }
    if let Ok(el) = ExtentList::new(data) {
        sink_err(o, el.validate(blkno, usize::MAX));
        drain(o, el.recs());
    }
    if let Ok(gd) = GroupDesc::new(data) {
        sink_err(o, gd.validate(blkno, &p));
        sink(
            o,
            (
                gd.is_discontig(),
                gd.count_free_bits(),
                gd.bg_bitmap().len(),
            ),
        );
        drain(o, gd.bg_list().recs());
        if let Ok(parent) = Dinode::new(data) {
            sink_err(
                o,
                gd.validate_parent(blkno, &parent, &p, data.len() % 2 == 0, data.len() % 3 == 0),
            );
        }
        let mut copy = data.to_vec();
        if let Ok(mut m) = GroupDesc::new(&mut copy[..]) {
            m.bg_bitmap_mut().fill(0xff);
            sink(o, m.by_ref().count_free_bits());
        }
    }
    if let Ok(cl) = ChainList::new(data) {
        drain(o, cl.recs());
    }
    if let Ok(dr) = DxRoot::new(data) {
        sink_err(o, dr.validate(blkno, &p));
        drain(o, dr.dr_list().recs());
        drain(o, dr.dr_entries().entries());
    }
    if let Ok(dl) = DxLeaf::new(data) {
        sink_err(o, dl.validate(blkno, &p));
        drain(o, dl.dl_list().entries());
    }
    if let Ok(rb) = RefcountBlock::new(data) {
        sink_err(o, rb.validate(blkno, &p));
        drain(o, rb.rf_records().recs());
        drain(o, rb.rf_list().recs());
    }

    // Xattrs.
    if let Ok(xb) = XattrBlock::new(data) {
        sink_err(o, xb.validate(blkno, &p));
        drain(o, xb.xb_root().xt_list().recs());
        let xh = xb.xb_header();
        for e in xh.entries().take(1 << 12) {
            sink(
                o,
                (
                    xh.name(&e),
                    xh.local_value(&e),
                    xh.value_root(&e).map(|r| r.xr_list().recs().count()),
                ),
            );
        }
    }
    sink_err(o, xattr::validate_xattr_region(data, blkno));
    sink_err(o, xattr::validate_xattr_bucket(data, p.block_size, blkno));
    if let Ok(xh) = XattrHeader::new(data) {
        for e in xh.entries().take(1 << 12) {
            sink(
                o,
                (
                    e.is_local(),
                    e.name_index(),
                    e.value_offset(),
                    xh.name(&e),
                    xh.local_value(&e),
                ),
            );
            sink(o, xh.value_root(&e).map(|r| r.xr_list().recs().count()));
        }
    }

    // Directories.
    for region in [data, dir::dir_block_region(data, true)] {
        for e in dir::dir_entries(region, blkno).take(1 << 16) {
            match e {
                Ok((off, e)) => sink(o, (off, e.inode(), e.name(), e.needed_len(), e.is_live())),
                Err(e) => {
                    let _ = write!(o, "{e}");
                }
            }
        }
        sink_err(o, dir::validate_dir_region(region, blkno));
    }
    if let Ok(t) = dir::dir_trailer(data) {
        sink_err(o, t.validate(blkno, blkno));
    }
    if let Ok(mut e) = DirEntry::new(data.to_vec()) {
        e.set_name(data);
        sink(o, e.name().len());
    }
    let mut copy = data.to_vec();
    let rec_len = data.first().map(|&b| u16::from(b) * 4).unwrap_or(0);
    sink_err(
        o,
        dir::write_dir_entry(&mut copy, 1, rec_len, data.get(..20).unwrap_or(data), 1)
            .map(|e| e.into_inner().len()),
    );

    // Slot maps, heartbeat, quota, journal.
    if let Ok(sm) = SlotMap::new(data) {
        sink_err(o, sm.validate(blkno, p.max_slots));
        sink(o, (sm.node(0), sm.node(254), sm.raw(usize::MAX)));
    }
    if let Ok(sm) = ExtendedSlotMap::new(data) {
        sink_err(o, sm.validate(blkno, p.max_slots));
        sink(o, (sm.node(0), sm.node(511), sm.slot(usize::MAX).is_some()));
    }
    if let Ok(hb) = HeartbeatBlock::new(data) {
        sink_err(o, hb.validate(&crc, blkno, data.len() as u8));
    }
    if let Ok(q) = QuotaHeader::new(data) {
        sink_err(o, q.validate(blkno, QuotaType::User, false));
        sink_err(o, q.validate(blkno, QuotaType::Group, true));
        sink(o, q.kind());
    }
    let info = data.get(quota::INFO_OFFSET..).unwrap_or(&[]);
    if let Ok(i) = GlobalDqInfo::new(info) {
        sink_err(o, i.validate(blkno));
    }
    if let Ok(i) = LocalDqInfo::new(info) {
        sink_err(o, i.validate(blkno, p.block_size));
    }
    if let Ok(c) = LocalChunk::new(data) {
        sink_err(o, c.validate(blkno, p.block_size));
        sink(o, c.dqc_bitmap(p.block_size).len());
    }
    if let Ok(h) = QtDataHeader::new(data) {
        sink_err(o, h.validate(blkno, p.block_size));
        for i in [0usize, 1, 40, usize::MAX] {
            sink(o, h.entry(i, p.block_size).map(|e| e.dqb_id()));
        }
    }
    sink_err(o, quota::quota_trailer(data).map(|t| t.dq_check()));
    if let Ok(j) = Jbd2Superblock::new(data) {
        sink_err(
            o,
            j.validate(blkno, p.block_size, u64::from(p.fs_generation)),
        );
        sink(
            o,
            (j.s_users().len(), j.unknown_incompat(), j.needs_recovery()),
        );
    }

    // metaecc over the input at a few check offsets.
    for off in [0usize, 8, 0x80, data.len().saturating_sub(8), data.len()] {
        sink_err(o, blockcheck::compute_block_check(&crc, data, off));
        sink_err(o, blockcheck::verify_block_check(&crc, data, off));
        let mut copy = data.to_vec();
        sink_err(o, blockcheck::validate_block_check(&crc, &mut copy, off));
    }
    let fix = data
        .iter()
        .fold(0u32, |a, &b| a.rotate_left(5) ^ u32::from(b));
    let mut copy = data.to_vec();
    sink(o, blockcheck::hamming_fix_block(&mut copy, fix));
    sink(o, blockcheck::hamming_encode(fix, data, u64::from(fix)));

    // Names.
    let text = String::from_utf8_lossy(data);
    sink(o, Features::from_name(&text));
    sink(o, Features::parse_list(&text).map_err(|e| e.to_string()));
    sink(o, FeatureLevel::from_name(&text));
    let _ = write!(
        o,
        "{} {} {} {}",
        p.features, p.features.compat, p.features.incompat, p.features.ro_compat
    );
    sink(o, SystemFile::parse(data));
    sink(
        o,
        superblock::backup_super_blknos(p.block_size, u64::from(fix) << 20).count(),
    );
    out
}
