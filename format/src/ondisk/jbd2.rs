// SPDX-License-Identifier: GPL-2.0
//! The JBD2 journal superblock (`journal_superblock_t`), block 0 of each
//! `journal:NNNN` system file.  **Big-endian**, unlike all of OCFS2.

use super::error::{Ctx, FormatError, Problem, Structure};
use super::raw::window;

/// `JBD2_MAGIC_NUMBER`.
pub const JBD2_MAGIC_NUMBER: u32 = 0xc03b_3998;
/// `JBD2_DESCRIPTOR_BLOCK`.
pub const JBD2_DESCRIPTOR_BLOCK: u32 = 1;
/// `JBD2_COMMIT_BLOCK`.
pub const JBD2_COMMIT_BLOCK: u32 = 2;
/// `JBD2_SUPERBLOCK_V1`.
pub const JBD2_SUPERBLOCK_V1: u32 = 3;
/// `JBD2_SUPERBLOCK_V2`.
pub const JBD2_SUPERBLOCK_V2: u32 = 4;
/// `JBD2_REVOKE_BLOCK`.
pub const JBD2_REVOKE_BLOCK: u32 = 5;
/// `JBD2_FEATURE_COMPAT_CHECKSUM`.
pub const JBD2_FEATURE_COMPAT_CHECKSUM: u32 = 0x1;
/// `JBD2_FEATURE_INCOMPAT_REVOKE`.
pub const JBD2_FEATURE_INCOMPAT_REVOKE: u32 = 0x1;
/// `JBD2_FEATURE_INCOMPAT_64BIT`.
pub const JBD2_FEATURE_INCOMPAT_64BIT: u32 = 0x2;
/// `JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT`.
pub const JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT: u32 = 0x4;
/// `JBD2_FEATURE_INCOMPAT_CSUM_V2`.
pub const JBD2_FEATURE_INCOMPAT_CSUM_V2: u32 = 0x8;
/// `JBD2_FEATURE_INCOMPAT_CSUM_V3`.
pub const JBD2_FEATURE_INCOMPAT_CSUM_V3: u32 = 0x10;
/// `JBD2_FEATURE_INCOMPAT_FAST_COMMIT`.
pub const JBD2_FEATURE_INCOMPAT_FAST_COMMIT: u32 = 0x20;
/// `JBD2_KNOWN_COMPAT_FEATURES`.
pub const JBD2_KNOWN_COMPAT_FEATURES: u32 = JBD2_FEATURE_COMPAT_CHECKSUM;
/// `JBD2_KNOWN_ROCOMPAT_FEATURES`.
pub const JBD2_KNOWN_ROCOMPAT_FEATURES: u32 = 0;
/// `JBD2_KNOWN_INCOMPAT_FEATURES`.
pub const JBD2_KNOWN_INCOMPAT_FEATURES: u32 = 0x3f;
/// `JBD2_MIN_JOURNAL_BLOCKS`.
pub const JBD2_MIN_JOURNAL_BLOCKS: u32 = 1024;
/// Users `s_users` can list (16-byte uuids in 768 bytes).
pub const JBD2_MAX_USERS: u32 = 48;

view! {
    /// `journal_header_t`: start of every journal metadata block.
    JournalHeader, Jbd2Header, 0x0c
}

fields! { JournalHeader: Be {
    /// `JBD2_MAGIC_NUMBER`.
    h_magic, set_h_magic: u32 = 0x00;
    /// `JBD2_*_BLOCK` / `JBD2_SUPERBLOCK_V*`.
    h_blocktype, set_h_blocktype: u32 = 0x04;
    /// Transaction id.
    h_sequence, set_h_sequence: u32 = 0x08;
}}

view! {
    /// `journal_superblock_t`.  `SIZE` stops before `s_users` (offset
    /// 0x100): with 512-byte blocks only the first block is read, and the
    /// user list is optional.
    Jbd2Superblock, Jbd2Superblock, 0x100
}

impl<B> Jbd2Superblock<B> {
    /// Offset of `s_users`.
    pub const USERS_OFFSET: usize = 0x100;
    /// `sizeof(journal_superblock_t)`.
    pub const FULL_SIZE: usize = 0x400;
}

fields! { Jbd2Superblock: Be {
    /// `s_header.h_magic`.
    h_magic, set_h_magic: u32 = 0x00;
    /// `s_header.h_blocktype`: `JBD2_SUPERBLOCK_V1` or `_V2`.
    h_blocktype, set_h_blocktype: u32 = 0x04;
    /// `s_header.h_sequence`.
    h_sequence, set_h_sequence: u32 = 0x08;
    /// Journal block size.
    s_blocksize, set_s_blocksize: u32 = 0x0c;
    /// Blocks in the journal.
    s_maxlen, set_s_maxlen: u32 = 0x10;
    /// First log block.
    s_first, set_s_first: u32 = 0x14;
    /// First commit id expected.
    s_sequence, set_s_sequence: u32 = 0x18;
    /// Block of the log start; 0 when the journal is clean.
    s_start, set_s_start: u32 = 0x1c;
    /// Error set by abort.
    s_errno, set_s_errno: u32 = 0x20;
    /// Compatible features (V2).
    s_feature_compat, set_s_feature_compat: u32 = 0x24;
    /// Incompatible features (V2).
    s_feature_incompat, set_s_feature_incompat: u32 = 0x28;
    /// Read-only compatible features (V2).
    s_feature_ro_compat, set_s_feature_ro_compat: u32 = 0x2c;
    /// Journal uuid.
    s_uuid, set_s_uuid: [u8; 16] = 0x30;
    /// Filesystems sharing the log.
    s_nr_users, set_s_nr_users: u32 = 0x40;
    /// Block of a dynamic superblock copy.
    s_dynsuper, set_s_dynsuper: u32 = 0x44;
    /// Journal blocks per transaction limit.
    s_max_transaction, set_s_max_transaction: u32 = 0x48;
    /// Data blocks per transaction limit.
    s_max_trans_data, set_s_max_trans_data: u32 = 0x4c;
    /// Checksum type.
    s_checksum_type, set_s_checksum_type: u8 = 0x50;
    /// Fast commit blocks.
    s_num_fc_blks, set_s_num_fc_blks: u32 = 0x54;
    /// Head of the log (clean journals).
    s_head, set_s_head: u32 = 0x58;
    /// crc32c of the superblock (CSUM_V2/V3).
    s_checksum, set_s_checksum: u32 = 0xfc;
}}

impl<B: AsRef<[u8]>> Jbd2Superblock<B> {
    /// `s_users`, as much of it as the buffer holds.
    pub fn s_users(&self) -> &[u8] {
        window(
            self.buf.as_ref(),
            Self::USERS_OFFSET,
            Self::FULL_SIZE - Self::USERS_OFFSET,
        )
    }

    /// Whether jbd2 will run its recovery scan (`s_start != 0`).  Note that
    /// mkfs.ocfs2 leaves `s_start == 1` in a fresh journal; OCFS2 decides
    /// about recovery from the inode's `JOURNAL_DIRTY_FL` instead.
    pub fn needs_recovery(&self) -> bool {
        self.s_start() != 0
    }

    /// Incompatible features JBD2 does not know.
    pub fn unknown_incompat(&self) -> u32 {
        if self.h_blocktype() == JBD2_SUPERBLOCK_V2 {
            self.s_feature_incompat() & !JBD2_KNOWN_INCOMPAT_FEATURES
        } else {
            0
        }
    }

    /// `journal_get_superblock()` / `load_superblock()` checks: magic,
    /// V1/V2, block size equals the volume's, `s_maxlen` within the
    /// journal file (`journal_blocks` = its `i_size / block size`), `s_first`
    /// and `s_start` inside the log, `s_nr_users` at most 48 (V2).
    pub fn validate(
        &self,
        blkno: u64,
        block_size: u32,
        journal_blocks: u64,
    ) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::Jbd2Superblock);
        ctx.eq("h_magic", JBD2_MAGIC_NUMBER.into(), self.h_magic().into())?;
        let t = self.h_blocktype();
        if t != JBD2_SUPERBLOCK_V1 && t != JBD2_SUPERBLOCK_V2 {
            return Err(ctx.err("h_blocktype", Problem::Invalid { found: t.into() }));
        }
        ctx.eq("s_blocksize", block_size.into(), self.s_blocksize().into())?;
        let maxlen = u64::from(self.s_maxlen());
        ctx.le("s_maxlen", journal_blocks, maxlen)?;
        let first = u64::from(self.s_first());
        if first == 0 {
            return Err(ctx.err("s_first", Problem::Invalid { found: 0 }));
        }
        ctx.le("s_first", maxlen.saturating_sub(1), first)?;
        ctx.le("s_start", maxlen.saturating_sub(1), self.s_start().into())?;
        if t == JBD2_SUPERBLOCK_V2 {
            ctx.le(
                "s_nr_users",
                JBD2_MAX_USERS.into(),
                self.s_nr_users().into(),
            )?;
        }
        Ok(())
    }
}
