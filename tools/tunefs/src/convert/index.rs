//! "indexed-dirs" on (`feature_indexed_dirs.c`, `enable_indexed_dirs()`): the superblock
//! gets `s_uuid_hash` (when "xattr" has not set it) and a random `s_dx_seed`, then every
//! directory in blocks, system directories included, in `tunefs_foreach_inode()` order,
//! gets a trailer in each block that lacks one (`tunefs_install_dir_trailer()`: the entry
//! before the last 64 bytes is stretched up to them) and an index
//! (`ocfs2_dx_dir_build()`, ocfs-volume's `dx_build`: a root from the extent allocator of
//! the directory's slot with
//! every live entry, the trailers' free-space list).  Inline directories stay as they are
//! (libocfs2 indexes them when they grow).
//!
//! Refused before any write, naming the directory: a directory already carrying an index
//! (tunefs.ocfs2 truncates and rebuilds it); a block whose live entries reach into its last
//! 64 bytes (tunefs.ocfs2 moves them to new blocks); more live entries than an index root
//! holds (`(block size - 200) / 16`: tunefs.ocfs2 then builds dx leaf clusters, which this
//! tool does not); too few free clusters for the roots.
//!
//! The superblock carries the new feature last, where tunefs.ocfs2 writes it first: until
//! then the trailers read as unused entries and the indexes are ignored, so a run stopped
//! half-way leaves a volume without the feature and roots allocated to nothing, which
//! fsck.ocfs2 frees.  `TUNEFS_OCFS_TEST_DX_SEED=a,b,c` fixes the seed, for tests comparing
//! with tunefs.ocfs2.

use super::metaecc::trailer_room;
use ocfs_format::dinode::{INDEXED_DIR_FL, INLINE_DATA_FL};
use ocfs_format::dir::{dir_entries, dir_trailer, dir_trailer_mut, dir_trailer_offset};
use ocfs_format::dinode::Dinode;
use ocfs_format::dx::dx_entries_per_root;
use ocfs_format::features::IncompatFeatures;
use ocfs_volume::{Error, Volume, Writer};

/// The test-only seed override.
pub const SEED_ENV: &str = "TUNEFS_OCFS_TEST_DX_SEED";

/// One directory: its blocks that need a trailer, with the offset of the entry stretched
/// up to it.
#[derive(Debug)]
pub struct Dir {
    blkno: u64,
    trailers: Vec<(u64, usize)>,
}

/// `s_dx_seed` for a new index: the test override, else random bytes from the kernel.
pub fn new_seed() -> Result<[u32; 3], String> {
    if let Some(value) = std::env::var_os(SEED_ENV) {
        let text = value.to_string_lossy().into_owned();
        let parts: Vec<u32> = text
            .split(',')
            .map(|p| {
                let p = p.trim();
                match p.strip_prefix("0x") {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => p.parse(),
                }
            })
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{SEED_ENV}: {e}"))?;
        return match parts.as_slice() {
            [a, b, c] => Ok([*a, *b, *c]),
            _ => Err(format!("{SEED_ENV}: three numbers, comma-separated")),
        };
    }
    let mut bytes = [0u8; 12];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for the directory hash seed: {e}"))?;
    let word = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Ok([word(0), word(4), word(8)])
}

pub fn find(vol: &Volume) -> Result<Vec<Dir>, String> {
    let bs = vol.block_size() as usize;
    let toff = dir_trailer_offset(bs);
    let mut dirs = Vec::new();
    vol.for_each_inode(|inode| {
        let d = inode.dinode();
        if !d.is_dir() || d.i_dyn_features() & INLINE_DATA_FL != 0 {
            return Ok(());
        }
        let dir = inode.blkno;
        if d.i_dyn_features() & INDEXED_DIR_FL != 0 {
            return Err(Error::Invalid(format!(
                "directory {dir} already has an index, which tunefs.ocfs2 would rebuild; this tool does not"
            )));
        }
        let mut trailers = Vec::new();
        let mut live = 0usize;
        for (blkno, block) in vol.dir_blocks_raw(&inode)? {
            let has = dir_trailer(&block).is_ok_and(|t| t.validate(blkno, dir).is_ok());
            let region = if has {
                &block[..toff]
            } else {
                trailers.push((blkno, trailer_room(&block, blkno, dir)?));
                &block[..]
            };
            for entry in dir_entries(region, blkno) {
                let (_, e) = entry.map_err(Error::Format)?;
                if e.inode() != 0 {
                    live += 1;
                }
            }
        }
        let room = dx_entries_per_root(bs);
        if live > room {
            return Err(Error::Invalid(format!(
                "directory {dir} has {live} entries, more than an index root holds ({room}); \
                 tunefs.ocfs2 would build dx leaf clusters, which this tool does not"
            )));
        }
        dirs.push(Dir { blkno: dir, trailers });
        Ok(())
    })
    .map_err(|e| format!("enabling \"indexed-dirs\": {e}"))?;
    let blknos: Vec<u64> = dirs.iter().map(|d| d.blkno).collect();
    let clusters = super::deinline::dx_root_clusters(vol, &blknos)?;
    let free = crate::journal::free_clusters(vol)?;
    if free < clusters {
        return Err(format!(
            "enabling \"indexed-dirs\": the index roots need {clusters} clusters, {free} free"
        ));
    }
    Ok(dirs)
}

/// Trailers, then an index, for every directory `find` chose; `seed` and `uuid_hash` are
/// the superblock's to be.
pub fn build(vol: &mut Volume, dirs: &[Dir], seed: [u32; 3], uuid_hash: u32) -> Result<(), String> {
    // The names are hashed with the new seed: this handle works from a superblock that
    // has it (block 2 is written last, by the caller).
    let mut block = vol.superblock_inode().bytes().to_vec();
    {
        let mut d = Dinode::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        let mut sb = d.super_block_mut();
        let mut features = sb.by_ref().features();
        features.incompat = features.incompat.union(IncompatFeatures::INDEXED_DIRS);
        sb.set_features(features);
        sb.set_s_uuid_hash(uuid_hash);
        sb.set_s_dx_seed0(seed[0]);
        sb.set_s_dx_seed1(seed[1]);
        sb.set_s_dx_seed2(seed[2]);
    }
    vol.adopt_superblock(block).map_err(|e| e.to_string())?;
    let vol: &Volume = vol;
    let bs = vol.block_size() as usize;
    let toff = dir_trailer_offset(bs);
    let mut w = Writer::new(vol);
    for dir in dirs {
        let inode = vol.read_inode(dir.blkno).map_err(|e| e.to_string())?;
        for &(blkno, last) in &dir.trailers {
            let mut data = vol.read_block(blkno).map_err(|e| e.to_string())?;
            let rec_len = toff
                .checked_sub(last)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| format!("directory {}: block {blkno}: bad entry offset", dir.blkno))?;
            data.get_mut(last + 8..last + 10)
                .ok_or_else(|| format!("directory {}: block {blkno}: bad entry offset", dir.blkno))?
                .copy_from_slice(&rec_len.to_le_bytes());
            data[toff..].fill(0);
            dir_trailer_mut(&mut data)
                .map_err(|e| e.at_block(blkno).to_string())?
                .init(blkno, dir.blkno, 0);
            vol.write_dir_block(&inode, blkno, &mut data)
                .map_err(|e| e.to_string())?;
        }
        w.dx_build(dir.blkno)
            .map_err(|e| format!("while indexing directory {}: {e}", dir.blkno))?;
    }
    Ok(())
}
