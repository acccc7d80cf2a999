// SPDX-License-Identifier: GPL-2.0
//! The system files in the system directory (`ocfs2_system_inodes[]`):
//! their names, inode flags and modes.  Global files have one copy; the
//! others one per slot, named `name:NNNN` (slot in 4 decimal digits).

use super::dinode::{
    mode, BITMAP_FL, CHAIN_FL, DEALLOC_FL, HEARTBEAT_FL, JOURNAL_FL, LOCAL_ALLOC_FL, QUOTA_FL,
};

/// A system file type, in the kernel's enum order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SystemFile {
    /// "bad_blocks" (userspace only).
    BadBlock = 0,
    /// "global_inode_alloc" (userspace only).
    GlobalInodeAlloc,
    /// "slot_map".
    SlotMap,
    /// "heartbeat".
    Heartbeat,
    /// "global_bitmap".
    GlobalBitmap,
    /// "aquota.user".
    UserQuota,
    /// "aquota.group".
    GroupQuota,
    /// "orphan_dir:NNNN".
    OrphanDir,
    /// "extent_alloc:NNNN".
    ExtentAlloc,
    /// "inode_alloc:NNNN".
    InodeAlloc,
    /// "journal:NNNN".
    Journal,
    /// "local_alloc:NNNN".
    LocalAlloc,
    /// "truncate_log:NNNN".
    TruncateLog,
    /// "aquota.user:NNNN".
    LocalUserQuota,
    /// "aquota.group:NNNN".
    LocalGroupQuota,
}

impl SystemFile {
    /// All types, in enum order (`NUM_SYSTEM_INODES` of them).
    pub const ALL: [SystemFile; 15] = [
        SystemFile::BadBlock,
        SystemFile::GlobalInodeAlloc,
        SystemFile::SlotMap,
        SystemFile::Heartbeat,
        SystemFile::GlobalBitmap,
        SystemFile::UserQuota,
        SystemFile::GroupQuota,
        SystemFile::OrphanDir,
        SystemFile::ExtentAlloc,
        SystemFile::InodeAlloc,
        SystemFile::Journal,
        SystemFile::LocalAlloc,
        SystemFile::TruncateLog,
        SystemFile::LocalUserQuota,
        SystemFile::LocalGroupQuota,
    ];

    /// The name without the slot suffix.
    pub const fn base_name(self) -> &'static str {
        match self {
            SystemFile::BadBlock => "bad_blocks",
            SystemFile::GlobalInodeAlloc => "global_inode_alloc",
            SystemFile::SlotMap => "slot_map",
            SystemFile::Heartbeat => "heartbeat",
            SystemFile::GlobalBitmap => "global_bitmap",
            SystemFile::UserQuota => "aquota.user",
            SystemFile::GroupQuota => "aquota.group",
            SystemFile::OrphanDir => "orphan_dir",
            SystemFile::ExtentAlloc => "extent_alloc",
            SystemFile::InodeAlloc => "inode_alloc",
            SystemFile::Journal => "journal",
            SystemFile::LocalAlloc => "local_alloc",
            SystemFile::TruncateLog => "truncate_log",
            SystemFile::LocalUserQuota => "aquota.user",
            SystemFile::LocalGroupQuota => "aquota.group",
        }
    }

    /// `ocfs2_system_inode_is_global()`.
    pub const fn is_global(self) -> bool {
        (self as u8) <= SystemFile::GroupQuota as u8
    }

    /// The `i_flags` bits (besides VALID and SYSTEM) the inode has on disk.
    /// Note: the kernel's own table lists 0 for "global_bitmap", but
    /// mkfs.ocfs2 writes `BITMAP_FL | CHAIN_FL` (it is a chain allocator),
    /// and that is what this returns.
    pub const fn inode_flags(self) -> u32 {
        match self {
            SystemFile::GlobalInodeAlloc
            | SystemFile::GlobalBitmap
            | SystemFile::ExtentAlloc
            | SystemFile::InodeAlloc => BITMAP_FL | CHAIN_FL,
            SystemFile::Heartbeat => HEARTBEAT_FL,
            SystemFile::UserQuota
            | SystemFile::GroupQuota
            | SystemFile::LocalUserQuota
            | SystemFile::LocalGroupQuota => QUOTA_FL,
            SystemFile::Journal => JOURNAL_FL,
            SystemFile::LocalAlloc => BITMAP_FL | LOCAL_ALLOC_FL,
            SystemFile::TruncateLog => DEALLOC_FL,
            _ => 0,
        }
    }

    /// The inode mode.
    pub const fn mode(self) -> u16 {
        match self {
            SystemFile::OrphanDir => mode::DIR | 0o755,
            _ => mode::REG | 0o644,
        }
    }

    /// Writes the directory entry name for `slot` (ignored for global
    /// files) into `buf`; returns the name's bytes.
    pub fn name(self, slot: u16, buf: &mut [u8; 32]) -> &[u8] {
        let base = self.base_name().as_bytes();
        let mut n = 0;
        for (d, s) in buf.iter_mut().zip(base.iter()) {
            *d = *s;
            n += 1;
        }
        if !self.is_global() {
            let digits = [
                b':',
                b'0' + (slot / 1000 % 10) as u8,
                b'0' + (slot / 100 % 10) as u8,
                b'0' + (slot / 10 % 10) as u8,
                b'0' + (slot % 10) as u8,
            ];
            for d in digits {
                if let Some(b) = buf.get_mut(n) {
                    *b = d;
                    n += 1;
                }
            }
        }
        buf.get(..n).unwrap_or(&[])
    }

    /// Parses a system directory entry name: the type and, for per-slot
    /// files, the slot.
    pub fn parse(name: &[u8]) -> Option<(SystemFile, Option<u16>)> {
        let (base, slot) = match name.iter().position(|&c| c == b':') {
            Some(colon) => {
                let digits = name.get(colon + 1..)?;
                if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let v = digits
                    .iter()
                    .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
                (name.get(..colon)?, Some(v))
            }
            None => (name, None),
        };
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.base_name().as_bytes() == base && f.is_global() == slot.is_none())
            .map(|f| (f, slot))
    }
}
