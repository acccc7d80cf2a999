// SPDX-License-Identifier: GPL-2.0

//! Extended attributes, read side: the table inline in the inode, the table of an external
//! xattr block, or the buckets of an indexed one, with values stored next to their names or
//! in clusters of their own (`ocfs2_xattr_ibody_get`, `ocfs2_xattr_block_get`). A lookup in
//! an index reads only the run of buckets whose record holds the name's hash, where the
//! write side puts it (`ocfs2_xattr_index_block_find`); listing reads them all.

use crate::errno;
use crate::extent_map;
use crate::format::dinode::{Dinode, HAS_XATTR_FL};
use crate::format::features::IncompatFeatures;
use crate::format::xattr::{
    validate_xattr_bucket, XattrBlock, XattrEntry, XattrHeader, XattrValueRoot, XATTR_BUCKET_SIZE,
    XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_INDEX_POSIX_ACL_DEFAULT, XATTR_INDEX_SECURITY, XATTR_INDEX_TRUSTED,
    XATTR_INDEX_USER,
};
use crate::meta;
use crate::format::xattr_edit;
use crate::vfs::{cond_resched, BufferHead, INode, NewSuperBlock, XattrList, XattrNamespace, XattrSetFlags};
use crate::{xattr_bucket, xattr_write, Ocfs2};
use crate::volume::Volume;
use core::ops::ControlFlow;
use kernel::prelude::*;

/// The on-disk name index of a namespace.
fn index_of(namespace: XattrNamespace) -> u8 {
    match namespace {
        XattrNamespace::User => XATTR_INDEX_USER,
        XattrNamespace::Trusted => XATTR_INDEX_TRUSTED,
        XattrNamespace::Security => XATTR_INDEX_SECURITY,
        XattrNamespace::PosixAclAccess => XATTR_INDEX_POSIX_ACL_ACCESS,
        XattrNamespace::PosixAclDefault => XATTR_INDEX_POSIX_ACL_DEFAULT,
    }
}

fn namespace_of(index: u8) -> Option<XattrNamespace> {
    match index {
        XATTR_INDEX_USER => Some(XattrNamespace::User),
        XATTR_INDEX_TRUSTED => Some(XattrNamespace::Trusted),
        XATTR_INDEX_SECURITY => Some(XattrNamespace::Security),
        XATTR_INDEX_POSIX_ACL_ACCESS => Some(XattrNamespace::PosixAclAccess),
        XATTR_INDEX_POSIX_ACL_DEFAULT => Some(XattrNamespace::PosixAclDefault),
        _ => None,
    }
}

/// Visit the xattr tables of inode `ino` (inline, then the block's) until `visit` breaks;
/// of an index, only the buckets that may hold a name of hash `hash` when given.
fn for_each_table(
    sb: &NewSuperBlock,
    vol: &Volume,
    ino: u64,
    hash: Option<u32>,
    mut visit: impl FnMut(&XattrHeader<&[u8]>, u64) -> Result<ControlFlow<()>>,
) -> Result {
    let di_bh = meta::read_dinode(sb, &vol.params, vol.blocks, ino)?;
    let dinode = Dinode::new(di_bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if let Some(table) = dinode.inline_xattr() {
        if let ControlFlow::Break(()) = visit(&table, ino)? {
            return Ok(());
        }
    }
    if dinode.i_dyn_features() & HAS_XATTR_FL == 0 || dinode.i_xattr_loc() == 0 {
        return Ok(());
    }
    let blkno = dinode.i_xattr_loc();
    let bh = read_block(sb, vol, blkno)?;
    let block = XattrBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    if block.is_indexed() {
        return for_each_bucket(sb, vol, &block, blkno, hash, &mut visit);
    }
    visit(&block.xb_header(), blkno).map(|_| ())
}

/// Visit the tables of the buckets of an indexed xattr block (`ocfs2_iterate_xattr_index_block`),
/// every run's or (`hash` given) the run whose record holds it: the tree maps name-hash
/// ranges to runs of 4 KiB buckets; the first bucket of a run says how many buckets it holds.
fn for_each_bucket(
    sb: &NewSuperBlock,
    vol: &Volume,
    block: &XattrBlock<&[u8]>,
    blkno: u64,
    hash: Option<u32>,
    visit: &mut impl FnMut(&XattrHeader<&[u8]>, u64) -> Result<ControlFlow<()>>,
) -> Result {
    let block_size = vol.params.block_size as usize;
    let mut bucket = KVec::from_elem(0u8, XATTR_BUCKET_SIZE.max(block_size), GFP_KERNEL)?;
    let root = block.xb_root();
    let Some(hash) = hash else {
        let _ = extent_map::for_each_leaf_record(sb, vol, &root.xt_list(), blkno, &mut |_cpos, clusters, start| {
            for_each_bucket_of_run(sb, vol, start, clusters, &mut bucket, visit)
        })?;
        return Ok(());
    };
    // The last record of the hash's leaf that starts at or before it (the first record
    // starts at 0).
    let run = extent_map::with_leaf(sb, vol, root.xt_list(), blkno, hash, |leaf| {
        let mut found = None;
        for rec in leaf.recs() {
            if found.is_some() && rec.e_cpos() > hash {
                break;
            }
            found = Some((u32::from(rec.e_leaf_clusters()), rec.e_blkno()));
        }
        found
    })?;
    if let Some((clusters, start)) = run.flatten() {
        let _ = for_each_bucket_of_run(sb, vol, start, clusters, &mut bucket, visit)?;
    }
    Ok(())
}

/// Visit the tables of the run of buckets at `start` (`clusters` long), reading each
/// into `bucket`.
fn for_each_bucket_of_run(
    sb: &NewSuperBlock,
    vol: &Volume,
    start: u64,
    clusters: u32,
    bucket: &mut [u8],
    visit: &mut impl FnMut(&XattrHeader<&[u8]>, u64) -> Result<ControlFlow<()>>,
) -> Result<ControlFlow<()>> {
    let blocks_per_bucket = xattr_bucket::blocks_per_bucket(vol);
    let mut count = None;
    let mut index = 0u64;
    while index < count.unwrap_or(1) {
        cond_resched();
        let first = start.saturating_add(index.saturating_mul(blocks_per_bucket));
        read_bucket(sb, vol, first, blocks_per_bucket, bucket)?;
        let table = XattrHeader::new(&bucket[..]).map_err(|e| meta::corrupt(sb, &e))?;
        if count.is_none() {
            count = Some(xattr_bucket::run_length(sb, vol, first, clusters, table.xh_num_buckets())?);
        }
        if let ControlFlow::Break(()) = visit(&table, first)? {
            return Ok(ControlFlow::Break(()));
        }
        index += 1;
    }
    Ok(ControlFlow::Continue(()))
}

/// Read the bucket whose first block is `first` into `bucket` and check it.
fn read_bucket(sb: &NewSuperBlock, vol: &Volume, first: u64, blocks: u64, bucket: &mut [u8]) -> Result {
    let block_size = vol.params.block_size as usize;
    for (i, chunk) in bucket.chunks_mut(block_size).take(blocks as usize).enumerate() {
        let bh = meta::read(sb, vol.blocks, first.saturating_add(i as u64), "xattr bucket")?;
        chunk.copy_from_slice(bh.data().get(..chunk.len()).ok_or(EIO)?);
    }
    let len = (blocks as usize).saturating_mul(block_size).min(bucket.len());
    let bucket = bucket.get(..len).ok_or(EIO)?;
    meta::verify_check(sb, &vol.params, bucket, first, XattrHeader::<()>::CHECK_OFFSET)?;
    validate_xattr_bucket(bucket, vol.params.block_size, first).map_err(|e| meta::corrupt(sb, &e))
}

pub fn read_block(sb: &NewSuperBlock, vol: &Volume, blkno: u64) -> Result<BufferHead> {
    let bh = meta::read_checked(sb, &vol.params, vol.blocks, blkno, "xattr block", |_| XattrBlock::<()>::CHECK_OFFSET)?;
    let block = XattrBlock::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
    block.validate(blkno, &vol.params).map_err(|e| meta::corrupt(sb, &e))?;
    Ok(bh)
}

/// Volumes without the xattr feature have no attributes to offer (`ocfs2_supports_xattr`).
fn check_supported(vol: &Volume) -> Result {
    if vol.params.features.incompat.contains(IncompatFeatures::XATTR) {
        Ok(())
    } else {
        Err(errno::code(crate::bindings::EOPNOTSUPP))
    }
}

/// `listxattr`: the names of the namespaces served, `user.` only with `user_xattr`.
pub fn list(sb: &NewSuperBlock, vol: &Volume, ino: u64, out: &mut XattrList<'_>) -> Result {
    check_supported(vol)?;
    let options = vol.options();
    for_each_table(sb, vol, ino, None, |table, blkno| {
        for entry in table.entries() {
            let Some(namespace) = namespace_of(entry.name_index()) else { continue };
            let acl = matches!(namespace, XattrNamespace::PosixAclAccess | XattrNamespace::PosixAclDefault);
            if (namespace == XattrNamespace::User && !options.user_xattr) || (acl && !options.acl_on()) || !namespace.listable() {
                continue;
            }
            out.push(namespace, entry_name(sb, table, &entry, blkno)?)?;
        }
        Ok(ControlFlow::Continue(()))
    })
}

/// `getxattr`: copy the value into `buf` (or measure it) and return its size.
pub fn get(
    sb: &NewSuperBlock,
    vol: &Volume,
    ino: u64,
    namespace: XattrNamespace,
    name: &[u8],
    buf: Option<&mut [u8]>,
) -> Result<usize> {
    check_supported(vol)?;
    if namespace == XattrNamespace::User && !vol.options().user_xattr {
        return Err(errno::code(crate::bindings::EOPNOTSUPP));
    }
    get_index(sb, vol, ino, index_of(namespace), name, buf)
}

/// The value of attribute `index`/`name` (any index: ACLs too) into `buf`, or its size.
pub fn get_index(sb: &NewSuperBlock, vol: &Volume, ino: u64, index: u8, name: &[u8], mut buf: Option<&mut [u8]>) -> Result<usize> {
    check_supported(vol)?;
    let mut found = None;
    let hash = xattr_edit::name_hash(vol.uuid_hash, name);
    for_each_table(sb, vol, ino, Some(hash), |table, blkno| {
        for entry in table.entries() {
            if entry.name_index() != index || entry_name(sb, table, &entry, blkno)? != name {
                continue;
            }
            found = Some(copy_value(sb, vol, table, &entry, blkno, buf.as_deref_mut())?);
            return Ok(ControlFlow::Break(()));
        }
        Ok(ControlFlow::Continue(()))
    })?;
    found.ok_or(errno::code(crate::bindings::ENODATA))
}

/// `setxattr`/`removexattr` (`value` `None`) of a `user.`, `trusted.` or `security.`
/// attribute.
pub fn set(inode: &INode<Ocfs2>, namespace: XattrNamespace, name: &[u8], value: Option<&[u8]>, flags: XattrSetFlags) -> Result {
    let vol = inode.super_block().data();
    check_supported(vol)?;
    if namespace == XattrNamespace::User && !vol.options().user_xattr {
        return Err(errno::code(crate::bindings::EOPNOTSUPP));
    }
    if name.is_empty() {
        return Err(EINVAL);
    }
    if name.len() > xattr_edit::XATTR_NAME_MAX {
        return Err(ERANGE);
    }
    xattr_write::set(inode, xattr_write::Change { index: index_of(namespace), name, value, flags })
}

fn entry_name<'a>(sb: &NewSuperBlock, table: &'a XattrHeader<&'a [u8]>, entry: &XattrEntry<&[u8]>, blkno: u64) -> Result<&'a [u8]> {
    table.name(entry).ok_or_else(|| {
        pr_err!("{}: corrupt metadata: an xattr name in block {} lies outside its table\n", sb.id(), blkno);
        errno::euclean()
    })
}

/// Copy the value of `entry` (or only measure it, without `buf`).
fn copy_value(
    sb: &NewSuperBlock,
    vol: &Volume,
    table: &XattrHeader<&[u8]>,
    entry: &XattrEntry<&[u8]>,
    blkno: u64,
    buf: Option<&mut [u8]>,
) -> Result<usize> {
    let size = usize::try_from(entry.xe_value_size()).map_err(|_| errno::euclean())?;
    let Some(buf) = buf else { return Ok(size) };
    let out = buf.get_mut(..size).ok_or(ERANGE)?;
    if entry.is_local() {
        let value = table.local_value(entry).ok_or_else(|| {
            pr_err!("{}: corrupt metadata: an xattr value in block {} lies outside its table\n", sb.id(), blkno);
            errno::euclean()
        })?;
        out.copy_from_slice(value);
        return Ok(size);
    }
    let root = table.value_root(entry).ok_or_else(|| {
        pr_err!("{}: corrupt metadata: an xattr value root in block {} lies outside its table\n", sb.id(), blkno);
        errno::euclean()
    })?;
    read_value_tree(sb, vol, &root, blkno, out)?;
    Ok(size)
}

/// Read a value kept in clusters of its own, block by block through its extent tree.
fn read_value_tree(sb: &NewSuperBlock, vol: &Volume, root: &XattrValueRoot<&[u8]>, owner: u64, out: &mut [u8]) -> Result {
    let block_size = vol.params.block_size as usize;
    let per_cluster_bits = vol.cluster_bits - vol.block_bits;
    for (index, chunk) in out.chunks_mut(block_size).enumerate() {
        cond_resched();
        let block = index as u64;
        let cpos = u32::try_from(block >> per_cluster_bits).map_err(|_| errno::euclean())?;
        let extent = extent_map::with_leaf(sb, vol, root.xr_list(), owner, cpos, |leaf| {
            leaf.recs().find_map(|rec| {
                let start = rec.e_cpos();
                let len = u32::from(rec.e_leaf_clusters());
                (start <= cpos && u64::from(cpos) < u64::from(start) + u64::from(len))
                    .then(|| rec.e_blkno().saturating_add((block - (u64::from(start) << per_cluster_bits)) as u64))
            })
        })?;
        let Some(blkno) = extent.flatten() else {
            pr_err!("{}: corrupt metadata: an xattr value of block {} has a hole\n", sb.id(), owner);
            return Err(errno::euclean());
        };
        let bh = meta::read(sb, vol.blocks, blkno, "xattr value")?;
        let data = bh.data().get(..chunk.len()).ok_or(EIO)?;
        chunk.copy_from_slice(data);
    }
    Ok(())
}
