//! "extended-slotmap" on and off (`feature_extended_slotmap.c`): the slot map is rewritten,
//! empty, in the other layout (8 bytes a slot extended, 2 old-style), then the superblock
//! says which.  The slot map only holds who is mounted, and the volume is unused, so it is
//! empty either way; a run stopped between the two writes leaves an empty map the kernel
//! rewrites at mount.

use crate::slotmap;
use ocfs_format::superblock::MAX_SLOTS;
use ocfs_volume::{Volume, Writer};

/// The old layout numbers slots in a byte: at most `OCFS2_MAX_SLOTS` (tunefs.ocfs2 does not
/// check, and would leave slots the old map cannot describe).
pub fn check(vol: &Volume, extended: bool) -> Result<(), String> {
    let slots = vol.params().max_slots;
    if !extended && slots > MAX_SLOTS {
        return Err(format!(
            "disabling \"extended-slotmap\": the volume has {slots} node slots and the old slot map holds at most {MAX_SLOTS}; reduce them first (-N)"
        ));
    }
    Ok(())
}

pub fn rewrite(vol: &Volume, extended: bool) -> Result<(), String> {
    let mut w = Writer::new(vol);
    slotmap::format_layout(&mut w, vol.params().max_slots, extended)
}
