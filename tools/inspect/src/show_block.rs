//! `block N`: a block identified by its signature and decoded, with its metaecc and
//! validator verdicts; a block without a signature is hex-dumped.

use crate::text::{flag_names, hexdump, printable, say};
use ocfs_format::dinode::Dinode;
use ocfs_format::dir::{dir_block_check_offset, dir_block_region, dir_entries, dir_trailer};
use ocfs_format::dx::{DxEntryList, DxLeaf, DxRoot};
use ocfs_format::extent::{ExtentBlock, ExtentList, EXTENT_FLAG_NAMES};
use ocfs_format::group::GroupDesc;
use ocfs_format::jbd2::{JournalHeader, JBD2_MAGIC_NUMBER};
use ocfs_format::refcount::{RefcountBlock, REFCOUNT_FLAG_NAMES};
use ocfs_format::xattr::{XattrBlock, XattrHeader};
use ocfs_format::FormatError;
use ocfs_volume::{Result, Volume};

/// What a block's signature says it is, and where its metaecc check sits.
enum Kind {
    Superblock,
    Inode,
    ExtentBlock,
    GroupDesc,
    DxRoot,
    DxLeaf,
    XattrBlock,
    RefcountBlock,
    DirBlock,
    Journal,
    Unknown,
}

fn identify(block: &[u8]) -> (Kind, Option<usize>) {
    let sig = |s: &[u8]| block.starts_with(s);
    if sig(b"OCFSV2") {
        (Kind::Superblock, Some(Dinode::<()>::CHECK_OFFSET))
    } else if sig(b"INODE01") {
        (Kind::Inode, Some(Dinode::<()>::CHECK_OFFSET))
    } else if sig(b"EXBLK01") {
        (Kind::ExtentBlock, Some(ExtentBlock::<()>::CHECK_OFFSET))
    } else if sig(b"GROUP01") {
        (Kind::GroupDesc, Some(GroupDesc::<()>::CHECK_OFFSET))
    } else if sig(b"DXDIR01") {
        (Kind::DxRoot, Some(DxRoot::<()>::CHECK_OFFSET))
    } else if sig(b"DXLEAF1") {
        (Kind::DxLeaf, Some(DxLeaf::<()>::CHECK_OFFSET))
    } else if sig(b"XATTR01") {
        (Kind::XattrBlock, Some(XattrBlock::<()>::CHECK_OFFSET))
    } else if sig(b"REFCNT1") {
        (Kind::RefcountBlock, Some(RefcountBlock::<()>::CHECK_OFFSET))
    } else if dir_trailer(block).is_ok_and(|t| t.db_signature().starts_with(b"DIRTRL1")) {
        (Kind::DirBlock, Some(dir_block_check_offset(block.len())))
    } else if block.get(..4) == Some(&JBD2_MAGIC_NUMBER.to_be_bytes()[..]) {
        (Kind::Journal, None)
    } else {
        (Kind::Unknown, None)
    }
}

pub fn show(vol: &Volume, blkno: u64) -> Result<String> {
    let mut block = vol.read_block(blkno)?;
    let mut out = String::new();
    let (kind, check) = identify(&block);
    if let Some(off) = check {
        if vol.params().meta_ecc() {
            match vol.check_ecc(&mut block, off, blkno) {
                Ok(verdict) => say!(out, "metaecc: {verdict:?}"),
                Err(e) => say!(out, "metaecc: {e}"),
            }
        }
    }
    let p = vol.params();
    let verdict = |r: std::result::Result<(), FormatError>| match r {
        Ok(()) => "valid".to_string(),
        Err(e) => format!("INVALID: {e}"),
    };
    match kind {
        Kind::Superblock => {
            let d = Dinode::new(block.as_slice())?;
            say!(
                out,
                "Superblock: {}",
                verdict(d.validate_superblock(blkno).map(|_| ()))
            );
            crate::show_super::describe(&mut out, &d, blkno);
        }
        Kind::Inode => {
            let inode = ocfs_volume::Inode::from_block(blkno, block.clone())?;
            say!(out, "Inode: {}", verdict(inode.dinode().validate(blkno, p)));
            match crate::show_inode::show(vol, &inode) {
                Ok(text) => out.push_str(&text),
                Err(e) => say!(out, "(cannot follow its contents: {e})"),
            }
        }
        Kind::ExtentBlock => {
            let eb = ExtentBlock::new(block.as_slice())?;
            say!(out, "Extent block: {}", verdict(eb.validate(blkno, p)));
            say!(
                out,
                "Blknum: {}   Next leaf: {}",
                eb.h_blkno(),
                eb.h_next_leaf_blk()
            );
            say!(
                out,
                "Suballoc slot: {}   Suballoc bit: {}   Generation: {:#x}",
                eb.h_suballoc_slot(),
                eb.h_suballoc_bit(),
                eb.h_fs_generation()
            );
            extent_list(&mut out, eb.h_list());
        }
        Kind::GroupDesc => {
            let gd = GroupDesc::new(block.as_slice())?;
            say!(out, "Group descriptor: {}", verdict(gd.validate(blkno, p)));
            say!(
                out,
                "Blknum: {}   Chain: {}   Parent inode: {}",
                gd.bg_blkno(),
                gd.bg_chain(),
                gd.bg_parent_dinode()
            );
            say!(
                out,
                "Bits: {}   Free: {} (bitmap counts {})   Bitmap bytes: {}",
                gd.bg_bits(),
                gd.bg_free_bits_count(),
                gd.count_free_bits(),
                gd.bg_size()
            );
            say!(
                out,
                "Next group: {}   Generation: {:#x}",
                gd.bg_next_group(),
                gd.bg_generation()
            );
            if gd.is_discontig() {
                say!(out, "Discontiguous extents:");
                extent_list(&mut out, gd.bg_list());
            }
        }
        Kind::DxRoot => {
            let dr = DxRoot::new(block.as_slice())?;
            say!(out, "Dx root: {}", verdict(dr.validate(blkno, p)));
            say!(
                out,
                "Directory: {}   Entries: {}   Clusters: {}   Free block list: {}",
                dr.dr_dir_blkno(),
                dr.dr_num_entries(),
                dr.dr_clusters(),
                dr.dr_free_blk()
            );
            if dr.is_inline() {
                dx_entries(&mut out, dr.dr_entries());
            } else {
                extent_list(&mut out, dr.dr_list());
            }
        }
        Kind::DxLeaf => {
            let dl = DxLeaf::new(block.as_slice())?;
            say!(out, "Dx leaf: {}", verdict(dl.validate(blkno, p)));
            dx_entries(&mut out, dl.dl_list());
        }
        Kind::XattrBlock => {
            let xb = XattrBlock::new(block.as_slice())?;
            say!(out, "Xattr block: {}", verdict(xb.validate(blkno, p)));
            if xb.is_indexed() {
                say!(
                    out,
                    "Indexed: {} clusters of buckets",
                    xb.xb_root().xt_clusters()
                );
                extent_list(&mut out, xb.xb_root().xt_list());
            } else {
                xattr_entries(&mut out, xb.xb_header());
            }
        }
        Kind::RefcountBlock => {
            let rb = RefcountBlock::new(block.as_slice())?;
            say!(out, "Refcount block: {}", verdict(rb.validate(blkno, p)));
            say!(
                out,
                "Parent: {}   Count: {}   Flags: {}   Generation: {}",
                rb.rf_parent(),
                rb.rf_count(),
                flag_names(rb.rf_flags(), REFCOUNT_FLAG_NAMES),
                rb.rf_generation()
            );
            if rb.is_tree() {
                extent_list(&mut out, rb.rf_list());
            } else {
                let rl = rb.rf_records();
                say!(out, "Records: {} of {}", rl.rl_used(), rl.rl_count());
                for (i, r) in rl.recs().enumerate() {
                    say!(
                        out,
                        "  {i}: cpos {} clusters {} refcount {}",
                        r.r_cpos(),
                        r.r_clusters(),
                        r.r_refcount()
                    );
                }
            }
        }
        Kind::DirBlock => {
            let trailer = dir_trailer(&block)?;
            say!(
                out,
                "Directory block: trailer {}",
                verdict(trailer.validate(blkno, trailer.db_parent_dinode()))
            );
            say!(
                out,
                "Parent inode: {}   Largest free hole: {}   Next free block: {}",
                trailer.db_parent_dinode(),
                trailer.db_free_rec_len(),
                trailer.db_free_next()
            );
            dir_block_entries(&mut out, dir_block_region(&block, true), blkno);
        }
        Kind::Journal => {
            let h = JournalHeader::new(block.as_slice())?;
            say!(
                out,
                "JBD2 block: type {}   sequence {}",
                h.h_blocktype(),
                h.h_sequence()
            );
            hexdump(&mut out, &block);
        }
        Kind::Unknown => {
            say!(out, "No OCFS2 signature: raw contents");
            hexdump(&mut out, &block);
        }
    }
    Ok(out)
}

fn extent_list(out: &mut String, list: ExtentList<&[u8]>) {
    say!(
        out,
        "Tree depth: {}   Count: {}   Next free rec: {}",
        list.l_tree_depth(),
        list.l_count(),
        list.l_next_free_rec()
    );
    let depth = list.l_tree_depth();
    for (i, r) in list.recs().enumerate() {
        say!(
            out,
            "  {i}: cpos {} clusters {} block {} {}",
            r.e_cpos(),
            r.clusters(depth),
            r.e_blkno(),
            flag_names(r.e_flags(), EXTENT_FLAG_NAMES)
        );
    }
}

fn dx_entries(out: &mut String, list: DxEntryList<&[u8]>) {
    say!(
        out,
        "Dx entries: {} of {}",
        list.de_num_used(),
        list.de_count()
    );
    for (i, e) in list.entries().enumerate() {
        say!(
            out,
            "  {i}: major {:#010x} minor {:#010x} block {}",
            e.dx_major_hash(),
            e.dx_minor_hash(),
            e.dx_dirent_blk()
        );
    }
}

fn xattr_entries(out: &mut String, xh: XattrHeader<&[u8]>) {
    say!(out, "Xattr entries: {}", xh.xh_count());
    for (i, e) in xh.entries().enumerate() {
        let name = xh
            .name(&e)
            .map(printable)
            .unwrap_or_else(|| "(outside the block)".into());
        let place = if e.is_local() { "local" } else { "tree" };
        say!(
            out,
            "  {i}: index {} name {name} value {} bytes ({place})",
            e.name_index(),
            e.xe_value_size()
        );
    }
}

fn dir_block_entries(out: &mut String, region: &[u8], blkno: u64) {
    for item in dir_entries(region, blkno) {
        match item {
            Ok((off, e)) if e.is_live() => {
                say!(
                    out,
                    "  @{off:<5} {:<12} {:<7} {}",
                    e.inode(),
                    crate::text::entry_type(e.file_type()),
                    printable(e.name())
                )
            }
            Ok((off, e)) => say!(out, "  @{off:<5} (unused, rec_len {})", e.rec_len()),
            Err(e) => {
                say!(out, "  INVALID: {e}");
                break;
            }
        }
    }
}
