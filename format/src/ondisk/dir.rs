// SPDX-License-Identifier: GPL-2.0
//! Directory entries (`ocfs2_dir_entry`) and the directory block trailer
//! (`ocfs2_dir_block_trailer`).
//!
//! Entries are variable length and chained by `rec_len`; they live in
//! directory blocks or, for inline directories, in the inode's id2.  With
//! "metaecc" or "indexed-dirs" (`ocfs2_supports_dir_trailer`) every
//! non-inline directory block ends in a 64-byte trailer that looks like an
//! unused entry of `rec_len` 64 and carries the block's metaecc.

use super::blockcheck::BlockCheck;
use super::dinode::mode;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::raw::{fill, signature, window};

/// `OCFS2_DIR_TRAILER_SIGNATURE`.
pub const DIR_TRAILER_SIGNATURE: &[u8] = b"DIRTRL1";
/// `OCFS2_MAX_FILENAME_LEN`.
pub const MAX_FILENAME_LEN: usize = 255;
/// `OCFS2_DIR_PAD`: entries are aligned to 4 bytes.
pub const DIR_PAD: usize = 4;
/// `OCFS2_DIR_MEMBER_LEN`: bytes before the name.
pub const DIR_MEMBER_LEN: usize = 12;
/// `OCFS2_DIR_MIN_REC_LEN`: `dir_rec_len(1)`.
pub const DIR_MIN_REC_LEN: usize = dir_rec_len(1);

/// `OCFS2_FT_UNKNOWN`.
pub const FT_UNKNOWN: u8 = 0;
/// `OCFS2_FT_REG_FILE`.
pub const FT_REG_FILE: u8 = 1;
/// `OCFS2_FT_DIR`.
pub const FT_DIR: u8 = 2;
/// `OCFS2_FT_CHRDEV`.
pub const FT_CHRDEV: u8 = 3;
/// `OCFS2_FT_BLKDEV`.
pub const FT_BLKDEV: u8 = 4;
/// `OCFS2_FT_FIFO`.
pub const FT_FIFO: u8 = 5;
/// `OCFS2_FT_SOCK`.
pub const FT_SOCK: u8 = 6;
/// `OCFS2_FT_SYMLINK`.
pub const FT_SYMLINK: u8 = 7;
/// `OCFS2_FT_MAX`.
pub const FT_MAX: u8 = 8;

/// `OCFS2_DIR_REC_LEN(name_len)`: bytes an entry with this name needs.
pub const fn dir_rec_len(name_len: usize) -> usize {
    name_len.saturating_add(DIR_MEMBER_LEN + DIR_PAD - 1) & !(DIR_PAD - 1)
}

/// `fs_umode_to_ftype()`: the entry file type for an inode mode.
pub const fn file_type_of_mode(m: u16) -> u8 {
    match m & mode::FMT {
        mode::REG => FT_REG_FILE,
        mode::DIR => FT_DIR,
        mode::CHR => FT_CHRDEV,
        mode::BLK => FT_BLKDEV,
        mode::FIFO => FT_FIFO,
        mode::SOCK => FT_SOCK,
        mode::LNK => FT_SYMLINK,
        _ => FT_UNKNOWN,
    }
}

view! {
    /// `struct ocfs2_dir_entry` (packed).  `SIZE` is the fixed part before
    /// the name (`OCFS2_DIR_MEMBER_LEN`); the entry really spans `rec_len`
    /// bytes.
    DirEntry, DirEntry, DIR_MEMBER_LEN
}

fields! { DirEntry: Le {
    /// Inode block number; 0 marks an unused entry.
    inode, set_inode: u64 = 0x00;
    /// Bytes to the next entry.
    rec_len, set_rec_len: u16 = 0x08;
    /// Bytes of name.
    name_len, set_name_len: u8 = 0x0a;
    /// `FT_*`.
    file_type, set_file_type: u8 = 0x0b;
}}

impl<B: AsRef<[u8]>> DirEntry<B> {
    /// The name (`name_len` bytes, clipped to the buffer).
    pub fn name(&self) -> &[u8] {
        window(self.buf.as_ref(), DIR_MEMBER_LEN, self.name_len().into())
    }

    /// Whether the entry names an inode.
    pub fn is_live(&self) -> bool {
        self.inode() != 0
    }

    /// Bytes this entry really needs (`dir_rec_len(name_len)`).
    pub fn needed_len(&self) -> usize {
        dir_rec_len(self.name_len().into())
    }
}

impl<B: AsMut<[u8]>> DirEntry<B> {
    /// Sets name and `name_len` (truncated to 255 bytes and to the buffer).
    pub fn set_name(&mut self, name: &[u8]) {
        let buf = self.buf.as_mut();
        let room = buf
            .len()
            .saturating_sub(DIR_MEMBER_LEN)
            .min(MAX_FILENAME_LEN);
        let n = name.len().min(room);
        if let (Some(dst), Some(src)) = (
            buf.get_mut(DIR_MEMBER_LEN..DIR_MEMBER_LEN + n),
            name.get(..n),
        ) {
            dst.copy_from_slice(src);
        }
        self.set_name_len(n as u8);
    }
}

/// Iterator over the entries of a directory region (a block without its
/// trailer, or inline data up to `i_size`), applying the checks of
/// `ocfs2_check_dir_entry()` to each.  Yields `(offset, entry)`; unused
/// entries (`inode == 0`) are included.  After an error it stops.
#[derive(Clone, Debug)]
pub struct DirEntries<'a> {
    region: &'a [u8],
    off: usize,
    block: u64,
    failed: bool,
}

/// The entries of `region`, read from block `blkno` (for error reports).
pub fn dir_entries(region: &[u8], blkno: u64) -> DirEntries<'_> {
    DirEntries {
        region,
        off: 0,
        block: blkno,
        failed: false,
    }
}

/// The entry region of a directory block: all of it, or all but the
/// trailer when the volume uses trailers (`ocfs2_supports_dir_trailer`).
pub fn dir_block_region(block: &[u8], has_trailer: bool) -> &[u8] {
    if has_trailer {
        window(block, 0, block.len().saturating_sub(DirTrailer::<()>::SIZE))
    } else {
        block
    }
}

/// [`dir_block_region`], writable.
pub fn dir_block_region_mut(block: &mut [u8], has_trailer: bool) -> &mut [u8] {
    let len = if has_trailer { block.len().saturating_sub(DirTrailer::<()>::SIZE) } else { block.len() };
    super::raw::window_mut(block, 0, len)
}

/// `ocfs2_check_dir_entry()` for the entry at `off` of a region of
/// `size` bytes whose header reads `rec_len` / `name_len`.
fn check_entry(
    ctx: &Ctx,
    off: usize,
    size: usize,
    rec_len: usize,
    name_len: usize,
) -> Result<(), FormatError> {
    let at = |e: FormatError| e.at_index(off as u64);
    if rec_len < DIR_MIN_REC_LEN {
        return Err(at(ctx.err(
            "rec_len",
            Problem::TooSmall {
                min: DIR_MIN_REC_LEN as u64,
                found: rec_len as u64,
            },
        )));
    }
    if rec_len % DIR_PAD != 0 {
        return Err(at(ctx.err(
            "rec_len",
            Problem::Misaligned {
                align: DIR_PAD as u64,
                found: rec_len as u64,
            },
        )));
    }
    if rec_len < dir_rec_len(name_len) {
        return Err(at(ctx.err(
            "rec_len",
            Problem::TooSmall {
                min: dir_rec_len(name_len) as u64,
                found: rec_len as u64,
            },
        )));
    }
    let next = off + rec_len;
    if next > size {
        return Err(at(ctx.err(
            "rec_len",
            Problem::TooLarge {
                max: (size - off) as u64,
                found: rec_len as u64,
            },
        )));
    }
    if next > size.saturating_sub(DIR_MIN_REC_LEN) && next != size {
        // Would leave a gap too small for any entry.
        return Err(at(ctx.err(
            "rec_len",
            Problem::Invalid {
                found: rec_len as u64,
            },
        )));
    }
    Ok(())
}

impl<'a> Iterator for DirEntries<'a> {
    type Item = Result<(usize, DirEntry<&'a [u8]>), FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.off >= self.region.len() {
            return None;
        }
        let ctx = Ctx::new(self.block, Structure::DirEntry);
        let off = self.off;
        let size = self.region.len();
        let rest = window(self.region, off, usize::MAX);
        let head = match DirEntry::new(rest) {
            Ok(h) => h,
            Err(_) => {
                self.failed = true;
                return Some(Err(ctx
                    .err(
                        "",
                        Problem::TooShort {
                            need: DIR_MEMBER_LEN as u64,
                            have: rest.len() as u64,
                        },
                    )
                    .at_index(off as u64)));
            }
        };
        let rec_len = usize::from(head.rec_len());
        if let Err(e) = check_entry(&ctx, off, size, rec_len, head.name_len().into()) {
            self.failed = true;
            return Some(Err(e));
        }
        self.off = off + rec_len;
        Some(Ok((off, DirEntry::wrap(window(self.region, off, rec_len)))))
    }
}

/// Validates every entry of a region (see [`DirEntries`]).
pub fn validate_dir_region(region: &[u8], blkno: u64) -> Result<(), FormatError> {
    for e in dir_entries(region, blkno) {
        e?;
    }
    Ok(())
}

view! {
    /// `struct ocfs2_dir_block_trailer`: the last 64 bytes of a directory
    /// block on volumes with trailers.
    DirTrailer, DirTrailer, 0x40
}

impl<B> DirTrailer<B> {
    /// Offset of `db_check` inside the trailer.
    pub const CHECK_OFFSET: usize = 0x38;
}

fields! { DirTrailer: Le {
    /// Always 0 (an unused entry's inode).
    db_compat_inode, set_db_compat_inode: u64 = 0x00;
    /// 64, so entry walkers step over the trailer.
    db_compat_rec_len, set_db_compat_rec_len: u16 = 0x08;
    /// Always 0.
    db_compat_name_len, set_db_compat_name_len: u8 = 0x0a;
    /// Reserved.
    db_reserved0, set_db_reserved0: u8 = 0x0b;
    /// Reserved.
    db_reserved1, set_db_reserved1: u16 = 0x0c;
    /// Largest free hole in the block (indexed dirs).
    db_free_rec_len, set_db_free_rec_len: u16 = 0x0e;
    /// "DIRTRL1\0".
    db_signature, set_db_signature: [u8; 8] = 0x10;
    /// Reserved.
    db_reserved2, set_db_reserved2: u64 = 0x18;
    /// Next block on the free list (indexed dirs).
    db_free_next, set_db_free_next: u64 = 0x20;
    /// This block's own number.
    db_blkno, set_db_blkno: u64 = 0x28;
    /// The directory inode owning the block.
    db_parent_dinode, set_db_parent_dinode: u64 = 0x30;
    /// metaecc of the whole directory block.
    db_check, set_db_check: BlockCheck = Self::CHECK_OFFSET;
}}

/// `ocfs2_dir_trailer_blk_off()`: where the trailer starts.
pub const fn dir_trailer_offset(block_size: usize) -> usize {
    block_size.saturating_sub(DirTrailer::<()>::SIZE)
}

/// Offset of the metaecc check of a directory block (inside its trailer).
pub const fn dir_block_check_offset(block_size: usize) -> usize {
    dir_trailer_offset(block_size).saturating_add(DirTrailer::<()>::CHECK_OFFSET)
}

/// The trailer of a directory block.
pub fn dir_trailer(block: &[u8]) -> Result<DirTrailer<&[u8]>, FormatError> {
    DirTrailer::new(window(
        block,
        dir_trailer_offset(block.len()),
        DirTrailer::<()>::SIZE,
    ))
}

/// The trailer of a directory block, writable.
pub fn dir_trailer_mut(block: &mut [u8]) -> Result<DirTrailer<&mut [u8]>, FormatError> {
    let off = dir_trailer_offset(block.len());
    DirTrailer::new(super::raw::window_mut(block, off, DirTrailer::<()>::SIZE))
}

impl<B: AsRef<[u8]>> DirTrailer<B> {
    /// `ocfs2_check_dir_trailer()`: signature, `db_blkno == blkno`,
    /// `db_parent_dinode == dir_blkno`.
    pub fn validate(&self, blkno: u64, dir_blkno: u64) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::DirTrailer);
        ctx.sig("db_signature", DIR_TRAILER_SIGNATURE, self.db_signature())?;
        ctx.eq("db_blkno", blkno, self.db_blkno())?;
        ctx.eq("db_parent_dinode", dir_blkno, self.db_parent_dinode())
    }
}

impl<B: AsMut<[u8]>> DirTrailer<B> {
    /// `ocfs2_init_dir_trailer()`.
    pub fn init(&mut self, blkno: u64, dir_blkno: u64, free_rec_len: u16) {
        self.set_db_signature(signature(DIR_TRAILER_SIGNATURE));
        self.set_db_compat_rec_len(DirTrailer::<()>::SIZE as u16);
        self.set_db_parent_dinode(dir_blkno);
        self.set_db_blkno(blkno);
        self.set_db_free_rec_len(free_rec_len);
    }
}

/// Writes an entry at the start of `buf` (which must hold `rec_len`
/// bytes): inode, rec_len, name, file type.  Returns the entry's view.
pub fn write_dir_entry<'a>(
    buf: &'a mut [u8],
    inode: u64,
    rec_len: u16,
    name: &[u8],
    file_type: u8,
) -> Result<DirEntry<&'a mut [u8]>, FormatError> {
    let need = dir_rec_len(name.len().min(MAX_FILENAME_LEN));
    if usize::from(rec_len) < need || buf.len() < usize::from(rec_len) {
        return Err(FormatError::new(
            Structure::DirEntry,
            "rec_len",
            Problem::TooShort {
                need: need.max(rec_len.into()) as u64,
                have: buf.len().min(rec_len.into()) as u64,
            },
        ));
    }
    let mut e = DirEntry::wrap(super::raw::window_mut(buf, 0, rec_len.into()));
    fill(
        super::raw::window_mut(e.as_bytes_mut(), DIR_MEMBER_LEN, need - DIR_MEMBER_LEN),
        &[],
    );
    e.set_inode(inode);
    e.set_rec_len(rec_len);
    e.set_name(name);
    e.set_file_type(file_type);
    Ok(e)
}
