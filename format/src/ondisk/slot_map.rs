// SPDX-License-Identifier: GPL-2.0
//! The content of the `slot_map` system file: which node holds which
//! slot.  The old layout (`ocfs2_slot_map`) is one block of `__le16` node
//! numbers with 0xFFFF for an empty slot; "extended-slotmap"
//! (`ocfs2_slot_map_extended`) uses 8-byte `ocfs2_extended_slot`s with a
//! separate valid byte and a 32-bit node number, spread over as many
//! blocks as `s_max_slots` needs.

use super::error::{Ctx, FormatError, Structure};
use super::raw::Le;
use super::records::{rec_bytes, rec_bytes_mut, room};
use super::superblock::{INVALID_SLOT, MAX_SLOTS};

view! {
    /// `struct ocfs2_slot_map`: the old layout, over the first block of
    /// the file.
    SlotMap, SlotMap, 0
}

impl<B> SlotMap<B> {
    /// `FIELDS` for the layout check: the array start.
    pub const FIELDS: &'static [super::raw::FieldDesc] = &[super::raw::FieldDesc {
        name: "sm_slots",
        offset: 0,
        size: 2,
    }];
}

impl<B: AsRef<[u8]>> SlotMap<B> {
    /// Raw `sm_slots[i]`, if it fits.
    pub fn raw(&self, i: usize) -> Option<u16> {
        rec_bytes(self.buf.as_ref(), 0, 2, i).map(|b| u16::read_at(b, 0))
    }

    /// The node holding slot `i`; None if empty or out of range.
    pub fn node(&self, i: usize) -> Option<u16> {
        self.raw(i).filter(|&n| n != INVALID_SLOT)
    }

    /// Slots that fit in the buffer.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), 0, 2)
    }

    /// `max_slots` slots must fit (and at most `OCFS2_MAX_SLOTS`).
    pub fn validate(&self, blkno: u64, max_slots: u16) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::SlotMap);
        ctx.le("s_max_slots", MAX_SLOTS.into(), max_slots.into())?;
        ctx.le("s_max_slots", self.room() as u64, max_slots.into())
    }
}

impl<B: AsMut<[u8]>> SlotMap<B> {
    /// Sets slot `i` to `node` (None: empty).  False if out of range.
    pub fn set_node(&mut self, i: usize, node: Option<u16>) -> bool {
        match rec_bytes_mut(self.buf.as_mut(), 0, 2, i) {
            Some(b) => {
                node.unwrap_or(INVALID_SLOT).write_at(b, 0);
                true
            }
            None => false,
        }
    }
}

view! {
    /// `struct ocfs2_extended_slot`.
    ExtendedSlot, ExtendedSlot, 0x08
}

fields! { ExtendedSlot: Le {
    /// Non-zero when the slot is taken.
    es_valid, set_es_valid: u8 = 0x00;
    /// Reserved.
    es_reserved1, set_es_reserved1: [u8; 3] = 0x01;
    /// Node number.
    es_node_num, set_es_node_num: u32 = 0x04;
}}

view! {
    /// `struct ocfs2_slot_map_extended`, over one block of the file (or a
    /// buffer holding several, concatenated).
    ExtendedSlotMap, ExtendedSlotMap, 0
}

/// Extended slots per block.
pub const fn extended_slots_per_block(block_size: usize) -> usize {
    block_size / ExtendedSlot::<()>::SIZE
}

/// Bytes of the slot map file for `max_slots` (its `i_size` should be
/// at least this).
pub const fn slot_map_bytes(max_slots: u16, extended: bool) -> usize {
    max_slots as usize
        * if extended {
            ExtendedSlot::<()>::SIZE
        } else {
            2
        }
}

/// (block of the file, slot index inside that block) of extended slot
/// `slot`, as `ocfs2_update_disk_slot_extended()` computes it.
pub const fn extended_slot_location(slot: usize, block_size: usize) -> Option<(usize, usize)> {
    let per = extended_slots_per_block(block_size);
    match (slot.checked_div(per), slot.checked_rem(per)) {
        (Some(b), Some(i)) => Some((b, i)),
        _ => None,
    }
}

impl<B: AsRef<[u8]>> ExtendedSlotMap<B> {
    /// Slot `i` of this buffer, if it fits.
    pub fn slot(&self, i: usize) -> Option<ExtendedSlot<&[u8]>> {
        rec_bytes(self.buf.as_ref(), 0, ExtendedSlot::<()>::SIZE, i).map(ExtendedSlot::wrap)
    }

    /// The node holding slot `i`; None if empty or out of range.
    pub fn node(&self, i: usize) -> Option<u32> {
        self.slot(i)
            .filter(|s| s.es_valid() != 0)
            .map(|s| s.es_node_num())
    }

    /// Slots that fit in the buffer.
    pub fn room(&self) -> usize {
        room(self.buf.as_ref().len(), 0, ExtendedSlot::<()>::SIZE)
    }

    /// `slots` slots must fit in this buffer.
    pub fn validate(&self, blkno: u64, slots: u16) -> Result<(), FormatError> {
        let ctx = Ctx::new(blkno, Structure::ExtendedSlotMap);
        ctx.le("s_max_slots", MAX_SLOTS.into(), slots.into())?;
        ctx.le("s_max_slots", self.room() as u64, slots.into())
    }
}

impl<B: AsMut<[u8]>> ExtendedSlotMap<B> {
    /// Writable slot `i`, if it fits.
    pub fn slot_mut(&mut self, i: usize) -> Option<ExtendedSlot<&mut [u8]>> {
        rec_bytes_mut(self.buf.as_mut(), 0, ExtendedSlot::<()>::SIZE, i).map(ExtendedSlot::wrap)
    }
}
