//! The slot map: which node holds which slot.

use crate::error::{Error, Result};
use crate::volume::Volume;
use ocfs_format::features::IncompatFeatures;
use ocfs_format::slot_map::{slot_map_bytes, ExtendedSlotMap, SlotMap};
use ocfs_format::system::SystemFile;

impl Volume {
    /// The node holding each of the `s_max_slots` slots (None: empty), read from the
    /// `slot_map` system file in the layout the volume's features say.
    pub fn slot_map(&self) -> Result<Vec<Option<u32>>> {
        let blkno = self.system_file(SystemFile::SlotMap, 0)?;
        let inode = self.read_inode(blkno)?;
        let data = self.read_file(&inode)?;
        let slots = self.params().max_slots;
        let need = slot_map_bytes(slots, self.extended_slot_map());
        if data.len() < need {
            return Err(Error::Invalid(format!(
                "slot_map (inode {blkno}) holds {} bytes; {slots} slots need {need}",
                data.len()
            )));
        }
        let slots = usize::from(slots);
        if self.extended_slot_map() {
            let map = ExtendedSlotMap::new(data.as_slice())
                .map_err(|e| Error::Format(e.at_block(blkno)))?;
            Ok((0..slots).map(|i| map.node(i)).collect())
        } else {
            let map =
                SlotMap::new(data.as_slice()).map_err(|e| Error::Format(e.at_block(blkno)))?;
            Ok((0..slots).map(|i| map.node(i).map(u32::from)).collect())
        }
    }

    /// Whether the slot map uses `ocfs2_extended_slot` ("extended-slotmap").
    pub fn extended_slot_map(&self) -> bool {
        self.params()
            .features
            .incompat
            .contains(IncompatFeatures::EXTENDED_SLOT_MAP)
    }
}
