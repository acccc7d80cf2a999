// SPDX-License-Identifier: GPL-2.0
//! The one error type of the crate.
//!
//! A [`FormatError`] says which block, which structure, which field and
//! what was wrong with it, so that a kernel log line or an fsck message can
//! be made from it without the caller re-deriving anything.

use core::fmt;

/// The on-disk structure an error is about (named after the C structure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Structure {
    /// `ocfs2_super_block` (and its dinode).
    SuperBlock,
    /// `ocfs2_dinode`.
    Dinode,
    /// `ocfs2_block_check` (metaecc).
    BlockCheck,
    /// `ocfs2_extent_list`.
    ExtentList,
    /// `ocfs2_extent_rec`.
    ExtentRec,
    /// `ocfs2_extent_block`.
    ExtentBlock,
    /// `ocfs2_chain_list`.
    ChainList,
    /// `ocfs2_chain_rec`.
    ChainRec,
    /// `ocfs2_group_desc`.
    GroupDesc,
    /// `ocfs2_local_alloc`.
    LocalAlloc,
    /// `ocfs2_truncate_log`.
    TruncateLog,
    /// `ocfs2_truncate_rec`.
    TruncateRec,
    /// `ocfs2_inline_data`.
    InlineData,
    /// A fast symlink target stored in the inode.
    FastSymlink,
    /// `ocfs2_dir_entry`.
    DirEntry,
    /// `ocfs2_dir_block_trailer`.
    DirTrailer,
    /// `ocfs2_dx_root_block`.
    DxRoot,
    /// `ocfs2_dx_leaf`.
    DxLeaf,
    /// `ocfs2_dx_entry_list`.
    DxEntryList,
    /// `ocfs2_dx_entry`.
    DxEntry,
    /// `ocfs2_xattr_header`.
    XattrHeader,
    /// `ocfs2_xattr_entry`.
    XattrEntry,
    /// `ocfs2_xattr_block`.
    XattrBlock,
    /// `ocfs2_xattr_value_root`.
    XattrValueRoot,
    /// `ocfs2_xattr_tree_root`.
    XattrTreeRoot,
    /// `ocfs2_refcount_block`.
    RefcountBlock,
    /// `ocfs2_refcount_list`.
    RefcountList,
    /// `ocfs2_refcount_rec`.
    RefcountRec,
    /// `ocfs2_slot_map` (old layout).
    SlotMap,
    /// `ocfs2_slot_map_extended`.
    ExtendedSlotMap,
    /// `ocfs2_extended_slot`.
    ExtendedSlot,
    /// `o2hb_disk_heartbeat_block`.
    Heartbeat,
    /// `ocfs2_disk_dqheader`.
    QuotaHeader,
    /// `ocfs2_global_disk_dqinfo`.
    GlobalQuotaInfo,
    /// `ocfs2_global_disk_dqblk`.
    GlobalQuotaBlock,
    /// `qt_disk_dqdbheader`.
    QuotaDataHeader,
    /// `ocfs2_local_disk_dqinfo`.
    LocalQuotaInfo,
    /// `ocfs2_local_disk_chunk`.
    LocalQuotaChunk,
    /// `ocfs2_local_disk_dqblk`.
    LocalQuotaBlock,
    /// `ocfs2_disk_dqtrailer`.
    QuotaTrailer,
    /// `journal_header_t`.
    Jbd2Header,
    /// `journal_superblock_t`.
    Jbd2Superblock,
    /// Feature flags of a superblock.
    Features,
}

impl Structure {
    /// The C name of the structure.
    pub const fn c_name(self) -> &'static str {
        match self {
            Structure::SuperBlock => "ocfs2_super_block",
            Structure::Dinode => "ocfs2_dinode",
            Structure::BlockCheck => "ocfs2_block_check",
            Structure::ExtentList => "ocfs2_extent_list",
            Structure::ExtentRec => "ocfs2_extent_rec",
            Structure::ExtentBlock => "ocfs2_extent_block",
            Structure::ChainList => "ocfs2_chain_list",
            Structure::ChainRec => "ocfs2_chain_rec",
            Structure::GroupDesc => "ocfs2_group_desc",
            Structure::LocalAlloc => "ocfs2_local_alloc",
            Structure::TruncateLog => "ocfs2_truncate_log",
            Structure::TruncateRec => "ocfs2_truncate_rec",
            Structure::InlineData => "ocfs2_inline_data",
            Structure::FastSymlink => "fast symlink",
            Structure::DirEntry => "ocfs2_dir_entry",
            Structure::DirTrailer => "ocfs2_dir_block_trailer",
            Structure::DxRoot => "ocfs2_dx_root_block",
            Structure::DxLeaf => "ocfs2_dx_leaf",
            Structure::DxEntryList => "ocfs2_dx_entry_list",
            Structure::DxEntry => "ocfs2_dx_entry",
            Structure::XattrHeader => "ocfs2_xattr_header",
            Structure::XattrEntry => "ocfs2_xattr_entry",
            Structure::XattrBlock => "ocfs2_xattr_block",
            Structure::XattrValueRoot => "ocfs2_xattr_value_root",
            Structure::XattrTreeRoot => "ocfs2_xattr_tree_root",
            Structure::RefcountBlock => "ocfs2_refcount_block",
            Structure::RefcountList => "ocfs2_refcount_list",
            Structure::RefcountRec => "ocfs2_refcount_rec",
            Structure::SlotMap => "ocfs2_slot_map",
            Structure::ExtendedSlotMap => "ocfs2_slot_map_extended",
            Structure::ExtendedSlot => "ocfs2_extended_slot",
            Structure::Heartbeat => "o2hb_disk_heartbeat_block",
            Structure::QuotaHeader => "ocfs2_disk_dqheader",
            Structure::GlobalQuotaInfo => "ocfs2_global_disk_dqinfo",
            Structure::GlobalQuotaBlock => "ocfs2_global_disk_dqblk",
            Structure::QuotaDataHeader => "qt_disk_dqdbheader",
            Structure::LocalQuotaInfo => "ocfs2_local_disk_dqinfo",
            Structure::LocalQuotaChunk => "ocfs2_local_disk_chunk",
            Structure::LocalQuotaBlock => "ocfs2_local_disk_dqblk",
            Structure::QuotaTrailer => "ocfs2_disk_dqtrailer",
            Structure::Jbd2Header => "journal_header_t",
            Structure::Jbd2Superblock => "journal_superblock_t",
            Structure::Features => "feature flags",
        }
    }
}

impl fmt::Display for Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.c_name())
    }
}

/// What is wrong with the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The buffer is shorter than the structure.
    TooShort {
        /// Bytes needed.
        need: u64,
        /// Bytes available.
        have: u64,
    },
    /// The signature/magic string is wrong.
    BadSignature {
        /// The signature that should be there.
        expected: &'static [u8],
        /// The first bytes found.
        found: [u8; 8],
    },
    /// The field must equal a value (a self-reference, a generation, a
    /// fixed count, a magic number).
    Mismatch {
        /// The required value.
        expected: u64,
        /// The value on disk.
        found: u64,
    },
    /// The field exceeds its limit.
    TooLarge {
        /// The largest allowed value.
        max: u64,
        /// The value on disk.
        found: u64,
    },
    /// The field is below its minimum.
    TooSmall {
        /// The smallest allowed value.
        min: u64,
        /// The value on disk.
        found: u64,
    },
    /// The field must be a multiple of `align`.
    Misaligned {
        /// Required alignment.
        align: u64,
        /// The value on disk.
        found: u64,
    },
    /// A required flag bit is clear.
    FlagMissing {
        /// The bit(s) that must be set.
        flag: u64,
        /// The flags on disk.
        found: u64,
    },
    /// A value that is not allowed for this field (e.g. an unknown file
    /// type, a field that must be zero, a flag combination).
    Invalid {
        /// The value on disk.
        found: u64,
    },
    /// The crc32 of a metaecc-protected block does not match and the
    /// hamming code could not repair it.
    Checksum {
        /// The crc stored in the block.
        stored: u32,
        /// The crc computed over the block.
        computed: u32,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::TooShort { need, have } => {
                write!(f, "buffer too short: need {} bytes, have {}", need, have)
            }
            Problem::BadSignature { expected, found } => {
                f.write_str("bad signature: expected \"")?;
                write_escaped(f, expected)?;
                f.write_str("\", found \"")?;
                write_escaped(f, &found)?;
                f.write_str("\"")
            }
            Problem::Mismatch { expected, found } => {
                write!(f, "expected {}, found {}", expected, found)
            }
            Problem::TooLarge { max, found } => write!(f, "{} exceeds the maximum {}", found, max),
            Problem::TooSmall { min, found } => write!(f, "{} is below the minimum {}", found, min),
            Problem::Misaligned { align, found } => {
                write!(f, "{} is not a multiple of {}", found, align)
            }
            Problem::FlagMissing { flag, found } => {
                write!(f, "flag {:#x} not set in {:#x}", flag, found)
            }
            Problem::Invalid { found } => write!(f, "invalid value {} ({:#x})", found, found),
            Problem::Checksum { stored, computed } => write!(
                f,
                "metaecc crc32 mismatch: stored {:#010x}, computed {:#010x}, not repairable",
                stored, computed
            ),
        }
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for &b in bytes {
        if b == 0 {
            break;
        }
        if b.is_ascii_graphic() || b == b' ' {
            write!(f, "{}", b as char)?;
        } else {
            write!(f, "\\x{:02x}", b)?;
        }
    }
    Ok(())
}

/// A structure read from disk is malformed.
///
/// `block` is the block the structure was read from (None when the caller
/// did not say, e.g. from a view constructor); `index` locates the element
/// of an array the problem is in (record number, or byte offset for
/// directory entries and xattr names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// Block number the structure was read from, if known.
    pub block: Option<u64>,
    /// The structure.
    pub structure: Structure,
    /// The C field name ("" for the structure as a whole).
    pub field: &'static str,
    /// Index of the array element or byte offset, when relevant.
    pub index: Option<u64>,
    /// What is wrong.
    pub problem: Problem,
}

impl FormatError {
    /// An error without block or index.
    pub const fn new(structure: Structure, field: &'static str, problem: Problem) -> Self {
        FormatError {
            block: None,
            structure,
            field,
            index: None,
            problem,
        }
    }

    /// Sets the block number.
    pub const fn at_block(mut self, block: u64) -> Self {
        self.block = Some(block);
        self
    }

    /// Sets the element index / byte offset.
    pub const fn at_index(mut self, index: u64) -> Self {
        self.index = Some(index);
        self
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.structure)?;
        if let Some(b) = self.block {
            write!(f, " at block {}", b)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        if let Some(i) = self.index {
            write!(f, "[{}]", i)?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Shorthand used by the validators: `check(cond, || error)`.
pub(super) struct Ctx {
    pub block: u64,
    pub structure: Structure,
}

impl Ctx {
    pub(super) const fn new(block: u64, structure: Structure) -> Self {
        Ctx { block, structure }
    }

    pub(super) const fn err(&self, field: &'static str, problem: Problem) -> FormatError {
        FormatError {
            block: Some(self.block),
            structure: self.structure,
            field,
            index: None,
            problem,
        }
    }

    /// `found` must equal `expected`.
    pub(super) fn eq(
        &self,
        field: &'static str,
        expected: u64,
        found: u64,
    ) -> Result<(), FormatError> {
        if expected == found {
            Ok(())
        } else {
            Err(self.err(field, Problem::Mismatch { expected, found }))
        }
    }

    /// `found` must be at most `max`.
    pub(super) fn le(&self, field: &'static str, max: u64, found: u64) -> Result<(), FormatError> {
        if found <= max {
            Ok(())
        } else {
            Err(self.err(field, Problem::TooLarge { max, found }))
        }
    }

    /// `found` must be at least `min`.
    pub(super) fn ge(&self, field: &'static str, min: u64, found: u64) -> Result<(), FormatError> {
        if found >= min {
            Ok(())
        } else {
            Err(self.err(field, Problem::TooSmall { min, found }))
        }
    }

    /// The 8-byte signature field must start with `expected`.
    pub(super) fn sig(
        &self,
        field: &'static str,
        expected: &'static [u8],
        found: [u8; 8],
    ) -> Result<(), FormatError> {
        if super::raw::signature_is(&found, expected) {
            Ok(())
        } else {
            Err(self.err(field, Problem::BadSignature { expected, found }))
        }
    }

    /// The buffer must be exactly one block of `block_size` bytes.
    pub(super) fn block_len(&self, block_size: u32, have: usize) -> Result<(), FormatError> {
        if have as u64 == block_size as u64 {
            Ok(())
        } else if (have as u64) < block_size as u64 {
            Err(self.err(
                "",
                Problem::TooShort {
                    need: block_size as u64,
                    have: have as u64,
                },
            ))
        } else {
            Err(self.err(
                "",
                Problem::Mismatch {
                    expected: block_size as u64,
                    found: have as u64,
                },
            ))
        }
    }
}
