// SPDX-License-Identifier: GPL-2.0
//! Indexed directories ("indexed-dirs"): the dx root block
//! (`ocfs2_dx_root_block`), dx leaf blocks (`ocfs2_dx_leaf`) and their
//! entry lists (`ocfs2_dx_entry_list` of `ocfs2_dx_entry`).
//!
//! A dx root either holds the entries itself (`DX_FLAG_INLINE`) or an
//! extent list of clusters of dx leaves.  Entries map a name hash to the
//! unindexed directory block holding the name.

use super::blockcheck::BlockCheck;
use super::error::{Ctx, FormatError, Problem, Structure};
use super::extent::{extent_recs_in, ExtentList};
use super::raw::{tail, tail_mut};
use super::records::{rec_bytes, rec_bytes_mut, room, Records};
use super::superblock::FsParams;

/// `OCFS2_DX_ROOT_SIGNATURE`.
pub const DX_ROOT_SIGNATURE: &[u8] = b"DXDIR01";
/// `OCFS2_DX_LEAF_SIGNATURE`.
pub const DX_LEAF_SIGNATURE: &[u8] = b"DXLEAF1";
/// `OCFS2_DX_FLAG_INLINE`: the root holds the entries.
pub const DX_FLAG_INLINE: u8 = 0x01;
/// `OCFS2_DX_ENTRIES_MAX`.
pub const DX_ENTRIES_MAX: u32 = 0xffff_ffff;

view! {
    /// `struct ocfs2_dx_entry`.
    DxEntry, DxEntry, 0x10
}

fields! { DxEntry: Le {
    /// Major hash: picks the leaf cluster.
    dx_major_hash, set_dx_major_hash: u32 = 0x00;
    /// Minor hash: picks the leaf block inside the cluster.
    dx_minor_hash, set_dx_minor_hash: u32 = 0x04;
    /// Directory block holding the entry.
    dx_dirent_blk, set_dx_dirent_blk: u64 = 0x08;
}}

view! {
    /// `struct ocfs2_dx_entry_list` (header; entries follow).
    DxEntryList, DxEntryList, 0x08
}

fields! { DxEntryList: Le {
    /// Reserved.
    de_reserved, set_de_reserved: u32 = 0x00;
    /// Entry slots.
    de_count, set_de_count: u16 = 0x04;
    /// Entries in use.
    de_num_used, set_de_num_used: u16 = 0x06;
}}

impl<B: AsRef<[u8]>> DxEntryList<B> {
    /// Entry slots that fit in the buffer.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), Self::SIZE, DxEntry::<()>::SIZE)
    }

    /// Entry `i`, if it fits.
    pub fn entry(&self, i: usize) -> Option<DxEntry<&[u8]>> {
        rec_bytes(self.buf.as_ref(), Self::SIZE, DxEntry::<()>::SIZE, i).map(DxEntry::wrap)
    }

    /// The used entries.
    pub fn entries(&self) -> Records<'_, DxEntry<&[u8]>> {
        let used = self.de_num_used().min(self.de_count());
        Records::new(
            self.buf.as_ref(),
            Self::SIZE,
            DxEntry::<()>::SIZE,
            used.into(),
            DxEntry::wrap,
        )
    }

    /// `de_count` must be `expected` (the exact capacity) and
    /// `de_num_used <= de_count`.
    pub fn validate(&self, blkno: u64, expected: usize) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::DxEntryList);
        ctx.eq(
            "de_count",
            expected.min(self.room()) as u64,
            self.de_count().into(),
        )?;
        ctx.le(
            "de_num_used",
            self.de_count().into(),
            self.de_num_used().into(),
        )
    }
}

impl<B: AsMut<[u8]>> DxEntryList<B> {
    /// Writable entry `i`, if it fits.
    pub fn entry_mut(&mut self, i: usize) -> Option<DxEntry<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), Self::SIZE, DxEntry::<()>::SIZE, i).map(DxEntry::wrap)
    }

    /// `ocfs2_dx_entry_list_insert()`: appends an entry (lists are not
    /// sorted). False, changing nothing, when the list is full.
    pub fn push(&mut self, major: u32, minor: u32, dirent_blk: u64) -> bool {
        let used = DxEntryList::wrap(&*self.buf.as_mut()).de_num_used();
        let count = DxEntryList::wrap(&*self.buf.as_mut()).de_count();
        if used >= count {
            return false;
        }
        let Some(mut entry) = self.entry_mut(used.into()) else { return false };
        entry.set_dx_major_hash(major);
        entry.set_dx_minor_hash(minor);
        entry.set_dx_dirent_blk(dirent_blk);
        self.set_de_num_used(used + 1);
        true
    }

    /// `ocfs2_dx_list_remove_entry()`: removes entry `index`, moving the
    /// later ones down and zeroing the freed slot.
    pub fn remove(&mut self, index: usize) {
        let used = usize::from(DxEntryList::wrap(&*self.buf.as_mut()).de_num_used());
        if index >= used {
            return;
        }
        let size = DxEntry::<()>::SIZE;
        let start = Self::SIZE + index * size;
        let end = Self::SIZE + used * size;
        let buf = self.buf.as_mut();
        if end <= buf.len() {
            buf.copy_within(start + size..end, start);
            buf[end - size..end].fill(0);
        }
        self.set_de_num_used((used - 1) as u16);
    }
}

/// One index entry, out of its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Picks the leaf cluster.
    pub major: u32,
    /// Picks the leaf block in the cluster.
    pub minor: u32,
    /// The directory block holding the name.
    pub dirent_blk: u64,
}

impl Entry {
    fn of(entry: &DxEntry<&[u8]>) -> Self {
        Entry {
            major: entry.dx_major_hash(),
            minor: entry.dx_minor_hash(),
            dirent_blk: entry.dx_dirent_blk(),
        }
    }
}

impl<B: AsRef<[u8]>> DxEntryList<B> {
    /// The used entries, as values.
    pub fn values(&self) -> impl Iterator<Item = Entry> + '_ {
        self.entries().map(|e| Entry::of(&e))
    }

    /// Whether every used slot is taken.
    pub fn is_full(&self) -> bool {
        self.de_num_used() >= self.de_count()
    }
}

impl<B: AsMut<[u8]>> DxEntryList<B> {
    /// Sorts the used entries by (major, minor) hash (`dx_leaf_sort_cmp`).
    pub fn sort_by_hash(&mut self) {
        let used = usize::from(DxEntryList::wrap(&*self.buf.as_mut()).de_num_used());
        let size = DxEntry::<()>::SIZE;
        let start = Self::SIZE;
        let Some(bytes) = self.buf.as_mut().get_mut(start..start + used * size) else {
            return;
        };
        let (records, _) = bytes.as_chunks_mut::<16>();
        let key = |r: &[u8; 16]| {
            let e = DxEntry::wrap(&r[..]);
            (e.dx_major_hash(), e.dx_minor_hash())
        };
        // An insertion sort: a leaf holds at most a few hundred entries, and core's sorts
        // carry panic paths (on inconsistent orderings) the kernel build refuses.
        for i in 1..records.len() {
            let mut j = i;
            while j > 0 {
                match (records.get(j - 1), records.get(j)) {
                    (Some(a), Some(b)) if key(a) > key(b) => records.swap(j - 1, j),
                    _ => break,
                }
                j -= 1;
            }
        }
    }

    /// Keeps the used entries for which `keep` holds, in their order, and
    /// zeroes the slots freed.
    pub fn retain(&mut self, keep: impl Fn(&Entry) -> bool) {
        let used = usize::from(DxEntryList::wrap(&*self.buf.as_mut()).de_num_used());
        let size = DxEntry::<()>::SIZE;
        let mut kept = 0;
        for index in 0..used {
            let Some(bytes) = rec_bytes(self.buf.as_mut(), Self::SIZE, size, index) else { break };
            if !keep(&Entry::of(&DxEntry::wrap(bytes))) {
                continue;
            }
            let (from, to) = (Self::SIZE + index * size, Self::SIZE + kept * size);
            self.buf.as_mut().copy_within(from..from + size, to);
            kept += 1;
        }
        let buf = self.buf.as_mut();
        if let Some(freed) = buf.get_mut(Self::SIZE + kept * size..Self::SIZE + used * size) {
            freed.fill(0);
        }
        self.set_de_num_used(kept as u16);
    }
}

view! {
    /// `struct ocfs2_dx_root_block`.
    DxRoot, DxRoot, 0xd0
}

impl<B> DxRoot<B> {
    /// Offset of `dr_check`.
    pub const CHECK_OFFSET: usize = 0x08;
    /// Offset of the `dr_list` / `dr_entries` union.
    pub const UNION_OFFSET: usize = 0xc0;
}

fields! { DxRoot: Le {
    /// "DXDIR01\0".
    dr_signature, set_dr_signature: [u8; 8] = 0x00;
    /// metaecc.
    dr_check, set_dr_check: BlockCheck = Self::CHECK_OFFSET;
    /// Suballocator slot.
    dr_suballoc_slot, set_dr_suballoc_slot: u16 = 0x10;
    /// Suballocator bit.
    dr_suballoc_bit, set_dr_suballoc_bit: u16 = 0x12;
    /// Must equal the fs generation.
    dr_fs_generation, set_dr_fs_generation: u32 = 0x14;
    /// This block's own number.
    dr_blkno, set_dr_blkno: u64 = 0x18;
    /// Last extent block of the index tree.
    dr_last_eb_blk, set_dr_last_eb_blk: u64 = 0x20;
    /// Clusters allocated to the index.
    dr_clusters, set_dr_clusters: u32 = 0x28;
    /// `DX_FLAG_*`.
    dr_flags, set_dr_flags: u8 = 0x2c;
    /// Reserved.
    dr_reserved0, set_dr_reserved0: u8 = 0x2d;
    /// Reserved.
    dr_reserved1, set_dr_reserved1: u16 = 0x2e;
    /// The directory inode.
    dr_dir_blkno, set_dr_dir_blkno: u64 = 0x30;
    /// Names in the directory.
    dr_num_entries, set_dr_num_entries: u32 = 0x38;
    /// Reserved.
    dr_reserved2, set_dr_reserved2: u32 = 0x3c;
    /// Head of the free directory block list.
    dr_free_blk, set_dr_free_blk: u64 = 0x40;
    /// Suballocator group (discontiguous groups only).
    dr_suballoc_loc, set_dr_suballoc_loc: u64 = 0x48;
}}

/// `ocfs2_extent_recs_per_dx_root()`.
pub const fn extent_recs_per_dx_root(block_size: usize) -> usize {
    extent_recs_in(block_size.saturating_sub(DxRoot::<()>::UNION_OFFSET))
}

/// `ocfs2_dx_entries_per_root()`.
pub const fn dx_entries_per_root(block_size: usize) -> usize {
    block_size.saturating_sub(DxRoot::<()>::UNION_OFFSET + DxEntryList::<()>::SIZE)
        / DxEntry::<()>::SIZE
}

/// `ocfs2_dx_entries_per_leaf()`.
pub const fn dx_entries_per_leaf(block_size: usize) -> usize {
    block_size.saturating_sub(DxLeaf::<()>::LIST_OFFSET + DxEntryList::<()>::SIZE)
        / DxEntry::<()>::SIZE
}

impl<B: AsRef<[u8]>> DxRoot<B> {
    /// Whether the entries are in the root (`DX_FLAG_INLINE`).
    pub fn is_inline(&self) -> bool {
        self.dr_flags() & DX_FLAG_INLINE != 0
    }

    /// The union as an extent list (non-inline roots).
    pub fn dr_list(&self) -> ExtentList<&[u8]> {
        ExtentList::wrap(tail(self.buf.as_ref(), Self::UNION_OFFSET))
    }

    /// The union as an entry list (inline roots).
    pub fn dr_entries(&self) -> DxEntryList<&[u8]> {
        DxEntryList::wrap(tail(self.buf.as_ref(), Self::UNION_OFFSET))
    }

    /// `ocfs2_validate_dx_root()` plus the self-references: signature,
    /// `dr_blkno`, fs generation, and the list of the right kind with its
    /// exact capacity.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::DxRoot);
        let bs = params.block_size as usize;
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig("dr_signature", DX_ROOT_SIGNATURE, self.dr_signature())?;
        ctx.eq("dr_blkno", blkno, self.dr_blkno())?;
        ctx.eq(
            "dr_fs_generation",
            params.fs_generation.into(),
            self.dr_fs_generation().into(),
        )?;
        if self.is_inline() {
            self.dr_entries().validate(blkno, dx_entries_per_root(bs))
        } else {
            let list = self.dr_list();
            let expected = extent_recs_per_dx_root(bs) as u64;
            if u64::from(list.l_count()) != expected {
                return Err(Ctx::new(blkno, Structure::ExtentList).err(
                    "l_count",
                    Problem::Mismatch {
                        expected,
                        found: list.l_count().into(),
                    },
                ));
            }
            list.validate(blkno, extent_recs_per_dx_root(bs))
        }
    }
}

impl<B: AsMut<[u8]>> DxRoot<B> {
    /// Writable extent list.
    pub fn dr_list_mut(&mut self) -> ExtentList<&mut [u8]> {
        ExtentList::wrap(tail_mut(self.buf.as_mut(), Self::UNION_OFFSET))
    }

    /// Writable entry list.
    pub fn dr_entries_mut(&mut self) -> DxEntryList<&mut [u8]> {
        DxEntryList::wrap(tail_mut(self.buf.as_mut(), Self::UNION_OFFSET))
    }
}

view! {
    /// `struct ocfs2_dx_leaf`.
    DxLeaf, DxLeaf, 0x30
}

impl<B> DxLeaf<B> {
    /// Offset of `dl_check`.
    pub const CHECK_OFFSET: usize = 0x08;
    /// Offset of `dl_list`.
    pub const LIST_OFFSET: usize = 0x28;
}

fields! { DxLeaf: Le {
    /// "DXLEAF1\0".
    dl_signature, set_dl_signature: [u8; 8] = 0x00;
    /// metaecc.
    dl_check, set_dl_check: BlockCheck = Self::CHECK_OFFSET;
    /// This block's own number.
    dl_blkno, set_dl_blkno: u64 = 0x10;
    /// Must equal the fs generation.
    dl_fs_generation, set_dl_fs_generation: u32 = 0x18;
    /// Reserved.
    dl_reserved0, set_dl_reserved0: u32 = 0x1c;
    /// Reserved.
    dl_reserved1, set_dl_reserved1: u64 = 0x20;
}}

impl<B: AsRef<[u8]>> DxLeaf<B> {
    /// The entry list.
    pub fn dl_list(&self) -> DxEntryList<&[u8]> {
        DxEntryList::wrap(tail(self.buf.as_ref(), Self::LIST_OFFSET))
    }

    /// `ocfs2_validate_dx_leaf()` plus the self-references.
    pub fn validate(&self, blkno: u64, params: &FsParams) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::DxLeaf);
        ctx.block_len(params.block_size, self.buf.as_ref().len())?;
        ctx.sig("dl_signature", DX_LEAF_SIGNATURE, self.dl_signature())?;
        ctx.eq("dl_blkno", blkno, self.dl_blkno())?;
        ctx.eq(
            "dl_fs_generation",
            params.fs_generation.into(),
            self.dl_fs_generation().into(),
        )?;
        self.dl_list()
            .validate(blkno, dx_entries_per_leaf(params.block_size as usize))
    }
}

impl<B: AsMut<[u8]>> DxLeaf<B> {
    /// Writable entry list.
    pub fn dl_list_mut(&mut self) -> DxEntryList<&mut [u8]> {
        DxEntryList::wrap(tail_mut(self.buf.as_mut(), Self::LIST_OFFSET))
    }
}
