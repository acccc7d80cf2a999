//! The superblock as an operation goes: editing block 2, the in-progress markers
//! tunefs.ocfs2 sets for the duration of an operation that cannot be made atomic
//! (`tunefs_set_in_progress`, `tunefs_clear_in_progress`), and the test-only crash points.
//!
//! Markers, as libocfs2ne.c sets them: a volume resize sets the incompat bit
//! `RESIZE_INPROG` ("aborted-resize"); every other operation sets `TUNEFS_INPROG`
//! ("aborted-tunefs") plus its bit in `s_tunefs_flag` (slot removal: `REMOVE_SLOT`).  Either
//! one makes the kernel refuse to mount, tunefs.ocfs2 (and this tool) refuse to run, and
//! `fsck.ocfs2` force a full check.  Only block 2 carries them.

use crate::write;
use ocfs_format::dinode::Dinode;
use ocfs_format::features::{tunefs_flags, IncompatFeatures};
use ocfs_format::superblock::SuperBlock;
use ocfs_volume::Volume;

/// The environment variable naming a crash point (tests only): when an operation reaches
/// the point of that name, the tool syncs and exits at once with status 99, as if the
/// machine had stopped there.
pub const CRASH_ENV: &str = "TUNEFS_OCFS_TEST_CRASH";

/// Exit status of a simulated crash.
pub const CRASH_STATUS: i32 = 99;

/// Stops here if the test asked for a crash at `point`.
pub fn crash_point(vol: &Volume, point: &str) {
    if std::env::var(CRASH_ENV).is_ok_and(|p| p == point) {
        let _ = vol.sync();
        eprintln!("tunefs.ocfs: stopping at test crash point \"{point}\"");
        std::process::exit(CRASH_STATUS);
    }
}

/// Which operation is in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InProgress {
    /// `-S`: `RESIZE_INPROG`.
    Resize,
    /// `-N` to fewer slots: `TUNEFS_INPROG` + `REMOVE_SLOT`.
    RemoveSlot,
}

/// Applies `edit` to the superblock and writes block 2 alone (`ocfs2_write_primary_super`);
/// the handle then works from the new block.
pub fn edit_primary(
    vol: &mut Volume,
    edit: impl FnOnce(&mut Dinode<&mut [u8]>),
) -> Result<(), String> {
    let mut block = vol.superblock_inode().bytes().to_vec();
    {
        let mut d = Dinode::new(block.as_mut_slice()).map_err(|e| e.to_string())?;
        edit(&mut d);
    }
    write::write_primary(vol, &block)?;
    vol.adopt_superblock(block).map_err(|e| e.to_string())
}

fn edit_flags(sb: &mut SuperBlock<&mut [u8]>, flag: InProgress, on: bool) {
    let mut incompat = IncompatFeatures(sb.s_feature_incompat());
    match flag {
        InProgress::Resize => {
            if on {
                incompat.insert(IncompatFeatures::RESIZE_INPROG);
            } else {
                incompat.remove(IncompatFeatures::RESIZE_INPROG);
            }
        }
        InProgress::RemoveSlot => {
            let bit = tunefs_flags::REMOVE_SLOT;
            let flags = if on {
                sb.s_tunefs_flag() | bit
            } else {
                sb.s_tunefs_flag() & !bit
            };
            sb.set_s_tunefs_flag(flags);
            if on {
                incompat.insert(IncompatFeatures::TUNEFS_INPROG);
            } else if flags == 0 {
                incompat.remove(IncompatFeatures::TUNEFS_INPROG);
            }
        }
    }
    sb.set_s_feature_incompat(incompat.bits());
}

/// `tunefs_set_in_progress()`: the marker on, block 2 written.
pub fn set(vol: &mut Volume, flag: InProgress) -> Result<(), String> {
    edit_primary(vol, |d| edit_flags(&mut d.super_block_mut(), flag, true))
}

/// `tunefs_clear_in_progress()`: the marker off, block 2 written.
pub fn clear(vol: &mut Volume, flag: InProgress) -> Result<(), String> {
    edit_primary(vol, |d| edit_flags(&mut d.super_block_mut(), flag, false))
}

/// `ocfs2_write_super()`: block 2 and every backup, from the handle's superblock.
pub fn write_all(vol: &Volume) -> Result<(), String> {
    let block = vol.superblock_inode().bytes().to_vec();
    write::write_superblocks(vol, &block).map(|_| ())
}
