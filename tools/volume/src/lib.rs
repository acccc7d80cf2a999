//! ocfs-volume: an existing OCFS2 volume (image or block device), opened and read through
//! the views of `ocfs-format`, every block checked as the kernel checks it (metaecc first,
//! then the structure's validator).
//!
//! [`Volume::open`] validates the superblock and gives [`FsParams`]; from there: inodes by
//! block number, extent trees of any depth, directories and paths (`//name` for system
//! files, as debugfs.ocfs2 reads them), chain allocators, the slot map and the heartbeat area.
//!
//! The write side, for tools that change a volume the way libocfs2 does: checked block
//! writes (`write`), every inode of the allocators (`inodes`), chain allocators loaded for
//! allocation (`chain_alloc`), the [`Writer`] context with the global bitmap's range
//! allocation (`writer`), suballocator groups and bits (`suballoc`), new and freed inodes
//! and extent blocks (`inode_write`), file growth with extent insertion (`extent_write`), extents inserted
//! anywhere (`extent_insert`),
//! truncation (`truncate`), directory links and growth (`dir_write`), inline directory
//! indexes (`dx_write`) and inline data moved out to extents (`inline_data`).

mod chain;
mod chain_alloc;
mod crc;
mod device;
mod dir;
mod dir_write;
mod dx_write;
mod error;
mod extent;
mod extent_insert;
mod extent_write;
mod heartbeat;
mod inline_data;
mod inode_write;
mod inodes;
mod mounted;
mod slots;
mod suballoc;
mod truncate;
mod volume;
mod write;
mod writer;

pub use chain::{Chain, Group};
pub use chain_alloc::{ChainAllocator, Region};
pub use crc::{crc32_le, LinuxCrc};
pub use device::Device;
pub use dir::{DirBlock, Entry};
pub use error::{Error, Result};
pub use extent::{Extent, ExtentTree, MAX_TREE_DEPTH};
pub use heartbeat::{Beat, HeartbeatArea, LIVENESS_WAIT};
pub use mounted::mount_point;
pub use ocfs_format::superblock::FsParams;
pub use suballoc::{clusters_per_group, SubBlock};
pub use volume::{Inode, Volume};
pub use writer::Writer;
