//! "metaecc" on (`feature_metaecc.c`): directories without trailers get them, then every
//! metadata block gets its check (crc32c and hamming code), then the superblock carries
//! the bit.  The blocks, as tunefs.ocfs2 gathers them from every valid inode: the inode;
//! for a chain allocator, its group descriptors; for other files, their extent blocks; for
//! a block directory, its extent blocks and every directory block.  Inline files and
//! directories, fast symlinks, the superblock, local alloc and truncate log inodes have no
//! other metadata.
//!
//! Where this differs from tunefs.ocfs2 1.8.7:
//! - directory index roots and dx leaves get their check too: tunefs.ocfs2 leaves them
//!   unchecked, and fsck.ocfs2 then fails ("Bad CRC32", `DX_TREE_CORRUPT`) and the kernel
//!   refuses to read them;
//! - extended attribute blocks and refcount trees have checks tunefs.ocfs2 does not
//!   compute either; instead of leaving them wrong, this tool refuses, naming the inode;
//! - a trailer is installed only where the last 64 bytes of a directory block hold no live
//!   entry (the entry before them is shortened, `tunefs_install_dir_trailer()` without its
//!   expansion); a block whose live entries reach into them would need entries moved to
//!   new directory blocks, which this tool does not do: it refuses, naming the directory
//!   and block, before any write;
//! - directory blocks are those below `i_size` (blocks past it, in the last cluster, are
//!   not directory blocks yet and tunefs.ocfs2 fails on them).
//!
//! No in-progress marker is needed (tunefs.ocfs2 sets `TUNEFS_INPROG_DIR_TRAILER` while it
//! moves entries, which this tool never does): without the bit, a trailer reads as an
//! unused entry and every check is ignored, so every intermediate state is a valid volume.

use ocfs_format::blockcheck::store_block_check;
use ocfs_format::dinode::{
    mode, Dinode, CHAIN_FL, DEALLOC_FL, HAS_REFCOUNT_FL, INDEXED_DIR_FL, INLINE_DATA_FL,
    LOCAL_ALLOC_FL, SUPER_BLOCK_FL,
};
use ocfs_format::dir::{
    dir_block_check_offset, dir_rec_len, dir_trailer_mut, dir_trailer_offset, DIR_MIN_REC_LEN,
};
use ocfs_format::dx::{DxLeaf, DxRoot};
use ocfs_format::extent::ExtentBlock;
use ocfs_format::group::GroupDesc;
use ocfs_volume::{Error, Inode, LinuxCrc, Volume};
use std::collections::BTreeMap;

/// What a block is: where its check lives, and for a directory block that gets a trailer,
/// its directory and the offset of the entry stretched up to the trailer.
#[derive(Clone, Copy, Debug)]
enum Block {
    Checked(usize),
    Trailer { dir: u64, last: usize },
}

/// Every metadata block to rewrite, by block number (written in that order).
pub struct Plan(BTreeMap<u64, Block>);

fn invalid(msg: String) -> Error {
    Error::Invalid(format!("enabling \"metaecc\": {msg}"))
}

/// One directory block without a trailer: the offset of the last entry to keep, or why a
/// trailer cannot be installed (`walk_dirblock()`).
pub(super) fn trailer_room(block: &[u8], blkno: u64, dir: u64) -> Result<usize, Error> {
    let bs = block.len();
    let toff = dir_trailer_offset(bs);
    let (mut offset, mut prev, mut last) = (0usize, None, None);
    while offset < bs {
        let field = |at: usize, len: usize| block.get(offset + at..offset + at + len);
        let (inode, rec_len, name_len) = match (field(0, 8), field(8, 2), field(10, 1)) {
            (Some(i), Some(r), Some(n)) => (
                u64::from_le_bytes(i.try_into().unwrap_or([0; 8])),
                usize::from(u16::from_le_bytes(r.try_into().unwrap_or([0; 2]))),
                usize::from(n[0]),
            ),
            _ => {
                return Err(invalid(format!(
                    "directory {dir}: block {blkno} is corrupt"
                )))
            }
        };
        if offset + rec_len > bs || rec_len < 8 || rec_len % 4 != 0 || name_len + 8 > rec_len {
            return Err(invalid(format!(
                "directory {dir}: block {blkno} has a corrupt entry at offset {offset}"
            )));
        }
        let real = if inode != 0 {
            dir_rec_len(name_len)
        } else {
            DIR_MIN_REC_LEN
        };
        if offset + real > toff {
            if last.is_none() {
                last = prev;
            }
            if inode != 0 {
                return Err(invalid(format!(
                    "directory {dir}: block {blkno} has a live entry at offset {offset} where \
                     its trailer goes; moving entries to new directory blocks is not supported"
                )));
            }
        }
        prev = Some(offset);
        offset += rec_len;
    }
    last.or(prev)
        .ok_or_else(|| invalid(format!("directory {dir}: block {blkno} is empty")))
}

/// Gathers every block, checking everything refused for; writes nothing.
pub fn find(vol: &Volume) -> Result<Plan, String> {
    let bs = vol.block_size() as usize;
    let bpc = vol.blocks_per_cluster();
    let mut blocks = BTreeMap::new();
    let add_tree = |blocks: &mut BTreeMap<u64, Block>, tree_blocks: &[(u64, u16)]| {
        for &(b, _) in tree_blocks {
            blocks.insert(b, Block::Checked(ExtentBlock::<()>::CHECK_OFFSET));
        }
    };
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        let blkno = inode.blkno;
        blocks.insert(blkno, Block::Checked(Dinode::<()>::CHECK_OFFSET));
        let (flags, dyn_features) = (d.i_flags(), d.i_dyn_features());
        if d.i_xattr_loc() != 0 {
            return Err(invalid(format!(
                "inode {blkno} has an extended attribute block, whose check this tool does not compute"
            )));
        }
        if dyn_features & HAS_REFCOUNT_FL != 0 {
            return Err(invalid(format!(
                "inode {blkno} has a refcount tree, whose check this tool does not compute"
            )));
        }
        if flags & CHAIN_FL != 0 {
            for chain in vol.chains(&inode)? {
                for group in chain.groups {
                    blocks.insert(group.blkno, Block::Checked(GroupDesc::<()>::CHECK_OFFSET));
                }
            }
            return Ok(());
        }
        let fmt = d.i_mode() & mode::FMT;
        if flags & (SUPER_BLOCK_FL | LOCAL_ALLOC_FL | DEALLOC_FL) != 0
            || (fmt == mode::LNK && d.i_clusters() == 0)
            || dyn_features & INLINE_DATA_FL != 0
        {
            return Ok(());
        }
        let tree = vol.file_extents(&inode)?;
        add_tree(&mut blocks, &tree.blocks);
        if fmt != mode::DIR {
            return Ok(());
        }
        let has_trailer = vol.dir_has_trailer(&inode);
        for (b, block) in vol.dir_blocks_raw(&inode)? {
            let kind = if has_trailer {
                Block::Checked(dir_block_check_offset(bs))
            } else {
                Block::Trailer {
                    dir: blkno,
                    last: trailer_room(&block, b, blkno)?,
                }
            };
            blocks.insert(b, kind);
        }
        if dyn_features & INDEXED_DIR_FL != 0 {
            index_blocks(vol, &inode, bpc, &mut blocks)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(Plan(blocks))
}

/// The dx root of an indexed directory, its extent blocks and dx leaves.
fn index_blocks(
    vol: &Volume,
    dir: &Inode,
    bpc: u64,
    blocks: &mut BTreeMap<u64, Block>,
) -> Result<(), Error> {
    let root = dir.dinode().i_dx_root();
    let block = vol.read_block(root)?;
    let dx = DxRoot::new(block.as_slice()).map_err(|e| Error::Format(e.at_block(root)))?;
    dx.validate(root, vol.params())
        .map_err(|e| Error::Format(e.at_block(root)))?;
    blocks.insert(root, Block::Checked(DxRoot::<()>::CHECK_OFFSET));
    if dx.is_inline() {
        return Ok(());
    }
    let tree = vol.extent_tree(dx.dr_list(), root)?;
    for &(b, _) in &tree.blocks {
        blocks.insert(b, Block::Checked(ExtentBlock::<()>::CHECK_OFFSET));
    }
    for e in &tree.extents {
        for b in e.blkno..e.blkno + u64::from(e.clusters) * bpc {
            blocks.insert(b, Block::Checked(DxLeaf::<()>::CHECK_OFFSET));
        }
    }
    Ok(())
}

/// Installs the trailers and stores every check, in block order.
pub fn write(vol: &Volume, plan: &Plan) -> Result<(), String> {
    let bs = vol.block_size() as usize;
    for (&blkno, &kind) in &plan.0 {
        let mut block = vol.read_block(blkno).map_err(|e| e.to_string())?;
        let check_off = match kind {
            Block::Checked(off) => off,
            Block::Trailer { dir, last } => {
                let toff = dir_trailer_offset(bs);
                let rec_len = u16::try_from(toff - last).map_err(|e| e.to_string())?;
                block
                    .get_mut(last + 8..last + 10)
                    .ok_or_else(|| format!("directory {dir}: block {blkno}: bad entry offset"))?
                    .copy_from_slice(&rec_len.to_le_bytes());
                block[toff..].fill(0);
                dir_trailer_mut(&mut block)
                    .map_err(|e| e.at_block(blkno).to_string())?
                    .init(blkno, dir, 0);
                dir_block_check_offset(bs)
            }
        };
        store_block_check(&LinuxCrc, &mut block, check_off)
            .map_err(|e| e.at_block(blkno).to_string())?;
        vol.write_block(blkno, &block).map_err(|e| e.to_string())?;
    }
    Ok(())
}
