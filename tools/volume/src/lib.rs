//! ocfs-volume: an existing OCFS2 volume (image or block device), opened and read through
//! the views of `ocfs-format`, every block checked as the kernel checks it (metaecc first,
//! then the structure's validator).
//!
//! [`Volume::open`] validates the superblock and gives [`FsParams`]; from there: inodes by
//! block number, extent trees of any depth, directories and paths (`//name` for system
//! files, as debugfs.ocfs2 reads them), chain allocators, the slot map and the heartbeat area.

mod chain;
mod crc;
mod device;
mod dir;
mod error;
mod extent;
mod heartbeat;
mod mounted;
mod slots;
mod volume;

pub use chain::{Chain, Group};
pub use crc::{crc32_le, LinuxCrc};
pub use device::Device;
pub use dir::{DirBlock, Entry};
pub use error::{Error, Result};
pub use extent::{Extent, ExtentTree, MAX_TREE_DEPTH};
pub use heartbeat::{Beat, HeartbeatArea, LIVENESS_WAIT};
pub use mounted::mount_point;
pub use ocfs_format::superblock::FsParams;
pub use volume::{Inode, Volume};
