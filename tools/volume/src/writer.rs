//! The write side's context: a volume opened read-write plus the global bitmap, loaded once
//! and written back after every allocation, as libocfs2 keeps `fs_cluster_alloc`.
//!
//! Every operation writes what it changed before it returns, in the order libocfs2 writes
//! it, so an interrupted run leaves what an interrupted tunefs.ocfs2 would leave.

use crate::chain_alloc::ChainAllocator;
use crate::error::{Error, Result};
use crate::volume::Volume;
use ocfs_format::system::SystemFile;

/// Allocation and metadata updates on one volume.
pub struct Writer<'v> {
    vol: &'v Volume,
    now: u64,
    bitmap: Option<ChainAllocator>,
}

impl<'v> Writer<'v> {
    pub fn new(vol: &'v Volume) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            vol,
            now,
            bitmap: None,
        }
    }

    pub fn volume(&self) -> &'v Volume {
        self.vol
    }

    /// `time(NULL)` as the operation stamps it in inodes.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The global bitmap, loaded on first use.
    pub fn bitmap(&mut self) -> Result<&mut ChainAllocator> {
        if self.bitmap.is_none() {
            let blkno = self.vol.system_file(SystemFile::GlobalBitmap, 0)?;
            self.bitmap = Some(ChainAllocator::load(self.vol, blkno)?);
        }
        self.bitmap
            .as_mut()
            .ok_or_else(|| Error::Invalid("the global bitmap is not loaded".into()))
    }

    /// Forgets the loaded global bitmap (after it was changed behind this writer's back).
    pub fn forget_bitmap(&mut self) {
        self.bitmap = None;
    }

    /// Clusters to blocks.
    pub fn cluster_blkno(&self, cluster: u64) -> u64 {
        cluster * self.vol.blocks_per_cluster()
    }

    /// `ocfs2_new_clusters(min, len)`: a run from the range allocator, written at once.
    /// Returns (first block, clusters).
    pub fn new_clusters(&mut self, min: u32, len: u32) -> Result<(u64, u32)> {
        let vol = self.vol;
        let bitmap = self.bitmap()?;
        let (first, n) = bitmap
            .alloc_range(u64::from(min), u64::from(len))?
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "Unable to find available bit: no run of {min} free clusters in the global bitmap"
                ))
            })?;
        bitmap.write(vol)?;
        Ok((self.cluster_blkno(first), n as u32))
    }

    /// `ocfs2_free_clusters()`: clears `len` clusters from block `blkno`, written at once.
    pub fn free_clusters(&mut self, blkno: u64, len: u32) -> Result<()> {
        let vol = self.vol;
        let first = blkno / vol.blocks_per_cluster();
        let bitmap = self.bitmap()?;
        for cluster in first..first + u64::from(len) {
            if !bitmap.change_bit(cluster, false)? {
                return Err(Error::Invalid(format!(
                    "freeing cluster {cluster}, which is not in use"
                )));
            }
        }
        bitmap.write(vol)
    }
}
