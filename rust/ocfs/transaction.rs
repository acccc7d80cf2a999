// SPDX-License-Identifier: GPL-2.0

//! The one place every metadata change goes through: a [`Transaction`] is a JBD2 handle on
//! the mount's journal, and each block it changes is taken into it, changed, and dirtied
//! here, so that a crash at any point leaves either all of a change or none of it.
//!
//! On volumes with "metaecc", each block is taken with a trigger that computes its block
//! check on the frozen copy JBD2 commits (`ocfs2_journal_access_*` of the C ocfs2): the
//! check on disk always matches the bytes next to it, however the buffer changes after.
//!
//! The cluster mount will take the inode's cluster lock here too.

use crate::format::blockcheck::store_block_check;
use crate::format::dinode::Dinode;
use crate::format::dir::dir_block_check_offset;
use crate::format::dx::{DxLeaf, DxRoot};
use crate::format::extent::ExtentBlock;
use crate::format::group::GroupDesc;
use crate::format::xattr::XattrBlock;
use crate::jbd2::{Access, Frozen, Handle, Journal, Trigger};
use crate::meta::KernelCrc;
use crate::vfs::BufferHead;
use kernel::prelude::*;

/// What a metadata block holds, which says where its block check lives.
#[allow(dead_code)] // every kind the write path changes; allocation and namespace come next
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Inode,
    ExtentBlock,
    Group,
    /// A directory block with a trailer.
    DirBlock,
    DxRoot,
    DxLeaf,
    XattrBlock,
    /// A block without a block check (directory blocks without trailers, slot map,
    /// allocation bitmaps of the local alloc, data of system files).
    Plain,
}

/// Computes the block check at a fixed offset on the frozen copy.
struct CheckAt<const OFFSET: usize>;

impl<const OFFSET: usize> Frozen for CheckAt<OFFSET> {
    fn frozen(block: &mut [u8]) {
        // A block too small for its check cannot have been taken with this trigger; leave it.
        let _ = store_block_check(&KernelCrc, block, OFFSET);
    }
}

/// Computes the block check in the trailer of a directory block.
struct DirCheck;

impl Frozen for DirCheck {
    fn frozen(block: &mut [u8]) {
        let _ = store_block_check(&KernelCrc, block, dir_block_check_offset(block.len()));
    }
}

static INODE: Trigger = Trigger::new::<CheckAt<{ Dinode::<()>::CHECK_OFFSET }>>();
static EXTENT_BLOCK: Trigger = Trigger::new::<CheckAt<{ ExtentBlock::<()>::CHECK_OFFSET }>>();
static GROUP: Trigger = Trigger::new::<CheckAt<{ GroupDesc::<()>::CHECK_OFFSET }>>();
static DIR_BLOCK: Trigger = Trigger::new::<DirCheck>();
static DX_ROOT: Trigger = Trigger::new::<CheckAt<{ DxRoot::<()>::CHECK_OFFSET }>>();
static DX_LEAF: Trigger = Trigger::new::<CheckAt<{ DxLeaf::<()>::CHECK_OFFSET }>>();
static XATTR_BLOCK: Trigger = Trigger::new::<CheckAt<{ XattrBlock::<()>::CHECK_OFFSET }>>();

impl Kind {
    fn trigger(self) -> Option<&'static Trigger> {
        match self {
            Kind::Inode => Some(&INODE),
            Kind::ExtentBlock => Some(&EXTENT_BLOCK),
            Kind::Group => Some(&GROUP),
            Kind::DirBlock => Some(&DIR_BLOCK),
            Kind::DxRoot => Some(&DX_ROOT),
            Kind::DxLeaf => Some(&DX_LEAF),
            Kind::XattrBlock => Some(&XATTR_BLOCK),
            Kind::Plain => None,
        }
    }
}

/// One atomic metadata change; it joins JBD2's running transaction and is closed on drop.
pub struct Transaction<'j> {
    handle: Handle<'j>,
    meta_ecc: bool,
}

impl<'j> Transaction<'j> {
    /// Open a change that dirties at most `blocks` metadata blocks.
    pub fn start(journal: &'j Journal, meta_ecc: bool, blocks: u32) -> Result<Self> {
        Ok(Self { handle: journal.start(blocks)?, meta_ecc })
    }

    fn take(&self, bh: &BufferHead, kind: Kind, access: Access) -> Result {
        let trigger = if self.meta_ecc { kind.trigger() } else { None };
        self.handle.get_access(bh, access, trigger)
    }

    /// Change block `bh`, holding `kind`, with `change`. `change` must not fail halfway:
    /// check what it needs before calling this.
    pub fn change<R>(&self, bh: &BufferHead, kind: Kind, change: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        self.take(bh, kind, Access::Write)?;
        let result = bh.modify(change);
        self.handle.dirty(bh)?;
        Ok(result)
    }

    /// Fill block `bh`, holding `kind`, just allocated (its old contents do not matter;
    /// `bh` from [`crate::vfs::NewSuperBlock::new_block`]).
    pub fn create<R>(&self, bh: &BufferHead, kind: Kind, fill: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        self.take(bh, kind, Access::Create)?;
        let result = bh.modify(fill);
        self.handle.dirty(bh)?;
        Ok(result)
    }

    /// Have the data of `inode` in `len` bytes from `start` written before this transaction
    /// commits (ordered data: the clusters it maps never show old contents after a crash).
    pub fn order_data(&self, inode: &crate::vfs::INode<crate::Ocfs2>, start: u64, len: u64) -> Result {
        self.handle.order_data(inode, start, len)
    }

    /// Change an allocation group (`bh`), keeping the last committed copy of its bitmap
    /// so that bits freed here cannot be allocated before this transaction commits.
    pub fn change_group<R>(&self, bh: &BufferHead, change: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        self.take(bh, Kind::Group, Access::Undo)?;
        let result = bh.modify(change);
        self.handle.dirty(bh)?;
        Ok(result)
    }

    /// Whether bit `nr` of group `bh`'s bitmap was freed by a transaction that has not
    /// committed yet (so it is not free on disk, and must not be allocated).
    pub fn freed_uncommitted(&self, bh: &BufferHead, nr: u32) -> bool {
        self.handle.committed_bit(bh, GroupDesc::<()>::BITMAP_OFFSET, nr)
    }

    /// Keep bit `nr` of group `bh` unallocatable until this transaction commits.
    pub fn hold_freed_bit(&self, bh: &BufferHead, nr: u32) {
        self.handle.set_committed_bit(bh, GroupDesc::<()>::BITMAP_OFFSET, nr)
    }
}

/// The block check of `kind` computed now, for blocks written outside the journal.
pub fn store_check(block: &mut [u8], kind: Kind) {
    let offset = match kind {
        Kind::Inode => Dinode::<()>::CHECK_OFFSET,
        Kind::ExtentBlock => ExtentBlock::<()>::CHECK_OFFSET,
        Kind::Group => GroupDesc::<()>::CHECK_OFFSET,
        Kind::DirBlock => dir_block_check_offset(block.len()),
        Kind::DxRoot => DxRoot::<()>::CHECK_OFFSET,
        Kind::DxLeaf => DxLeaf::<()>::CHECK_OFFSET,
        Kind::XattrBlock => XattrBlock::<()>::CHECK_OFFSET,
        Kind::Plain => return,
    };
    let _ = store_block_check(&KernelCrc, block, offset);
}
