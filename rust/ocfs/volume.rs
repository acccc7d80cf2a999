// SPDX-License-Identifier: GPL-2.0

//! The mounted volume: what ocfs keeps per mount, and how a mount reads it in.

use crate::dir;
use crate::format::dinode::{Dinode, JOURNAL_DIRTY_FL};
use crate::format::superblock::{FsParams, SUPER_BLOCK_BLKNO};
use crate::format::system::SystemFile;
use crate::format::dinode::BITMAP_FL;
use crate::format::dx_hash::dx_seed;
use crate::format::features::RoCompatFeatures;
use crate::rw::Writable;
use crate::vfs::{NewSuperBlock, SetOnce, StatFs};
use crate::options::Options;
use crate::{errno, meta, mount};
use crate::{bindings as c, crc32};
use core::sync::atomic::AtomicBool;
use kernel::prelude::*;
use kernel::{new_spinlock, sync::SpinLock};

/// Longest name in a directory.
const MAX_NAME_LEN: u32 = 255;

/// The state of one mount (the superblock's private data).
///
/// Read at mount and never changed (no locking), but for `rw`, set once when a read-write
/// mount has its journal and slot; `options`, which a remount changes under their lock;
/// and `errored`.
pub struct Volume {
    pub params: FsParams,
    /// `log2` of the block and cluster sizes.
    pub block_bits: u32,
    pub cluster_bits: u32,
    /// Blocks in the volume; no metadata lies at or past it.
    pub blocks: u64,
    pub root_blkno: u64,
    pub system_dir_blkno: u64,
    /// The global cluster bitmap inode (what `statfs` reports).
    pub global_bitmap_blkno: u64,
    /// Slot 0's journal, and whether it was left dirty (a crash) and needs replaying.
    pub journal_blkno: u64,
    pub journal_dirty: bool,
    /// Slot 0's other system files, and the slot map.
    pub local_alloc_blkno: u64,
    pub truncate_log_blkno: u64,
    pub orphan_dir_blkno: u64,
    pub slot_map_blkno: u64,
    /// Inode allocators: slot 0's, and the global one mkfs made the first inodes from.
    pub inode_alloc_blkno: u64,
    pub global_inode_alloc_blkno: u64,
    /// Slot 0's extent block suballocator.
    pub extent_alloc_blkno: u64,
    /// The global bitmap's first group (the one at cluster 0 is not at block 0).
    pub first_cluster_group: u64,
    /// The volume UUID, and the seed of the directory index's name hash.
    pub uuid: [u8; 16],
    pub dx_seed: [u32; 4],
    /// The seed of the xattr name hash (`s_uuid_hash`), and the size of the inline xattr
    /// area new ones get (`s_xattr_inline_size`; 0: none).
    pub uuid_hash: u32,
    pub xattr_inline_size: u16,
    /// The mount options in effect: set at mount, changed by `mount -o remount` (which the
    /// VFS serialises), read through [`Self::options`] by anything that acts on one.
    options: Pin<KBox<SpinLock<Options>>>,
    /// Corrupt metadata was found since the mount ([`crate::errors`]): a read-only remount
    /// stays read-only.
    pub errored: AtomicBool,
    /// What a read-write mount holds: its journal.
    pub rw: SetOnce<Writable>,
}

impl Volume {
    /// Blocks in a cluster.
    pub fn blocks_per_cluster(&self) -> usize {
        1 << (self.cluster_bits - self.block_bits)
    }

    /// Read the volume on `sb`'s device for a mount, refusing what this build cannot mount.
    pub fn mount(sb: &NewSuperBlock, options: &Options) -> Result<Self> {
        let params = mount::probe(sb)?;
        mount::check_supported(sb, &params)?;
        if !sb.read_only() {
            refuse_read_write(sb, &params)?;
        }
        // As the C ocfs2: ACLs are extended attributes, on by default with them.
        let xattr = params.features.incompat.contains(crate::format::features::IncompatFeatures::XATTR);
        if options.acl_on() && !xattr {
            pr_err!("{}: ACL support requested but the volume has no xattr feature\n", sb.id());
            return Err(EINVAL);
        }
        let options = &options.resolved(xattr);
        sb.set_posix_acl(options.acl_on());
        let bh = sb.read_block(SUPER_BLOCK_BLKNO)?;
        meta::verify_check(sb, &params, bh.data(), SUPER_BLOCK_BLKNO, Dinode::<()>::CHECK_OFFSET)?;
        let dinode = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        let block_bits = params.block_size_bits();
        let cluster_bits = params.cluster_size_bits();
        let blocks = u64::from(dinode.i_clusters()) << (cluster_bits - block_bits);
        let super_block = dinode.super_block();
        let mut vol = Self {
            params,
            block_bits,
            cluster_bits,
            blocks,
            root_blkno: super_block.s_root_blkno(),
            system_dir_blkno: super_block.s_system_dir_blkno(),
            global_bitmap_blkno: 0,
            journal_blkno: 0,
            journal_dirty: false,
            local_alloc_blkno: 0,
            truncate_log_blkno: 0,
            orphan_dir_blkno: 0,
            slot_map_blkno: 0,
            inode_alloc_blkno: 0,
            global_inode_alloc_blkno: 0,
            extent_alloc_blkno: 0,
            first_cluster_group: super_block.s_first_cluster_group(),
            uuid: super_block.s_uuid(),
            dx_seed: dx_seed(super_block.s_dx_seed(), super_block.s_uuid_hash()),
            uuid_hash: super_block.s_uuid_hash(),
            xattr_inline_size: super_block.s_xattr_inline_size(),
            options: KBox::pin_init(new_spinlock!(*options), GFP_KERNEL)?,
            errored: AtomicBool::new(false),
            rw: SetOnce::new(),
        };
        drop(bh);
        vol.global_bitmap_blkno = vol.system_file(sb, SystemFile::GlobalBitmap, None)?;
        vol.journal_blkno = vol.system_file(sb, SystemFile::Journal, Some(0))?;
        vol.journal_dirty = vol.journal_is_dirty(sb)?;
        vol.local_alloc_blkno = vol.system_file(sb, SystemFile::LocalAlloc, Some(0))?;
        vol.truncate_log_blkno = vol.system_file(sb, SystemFile::TruncateLog, Some(0))?;
        vol.orphan_dir_blkno = vol.system_file(sb, SystemFile::OrphanDir, Some(0))?;
        vol.slot_map_blkno = vol.system_file(sb, SystemFile::SlotMap, None)?;
        vol.inode_alloc_blkno = vol.system_file(sb, SystemFile::InodeAlloc, Some(0))?;
        vol.global_inode_alloc_blkno = vol.system_file(sb, SystemFile::GlobalInodeAlloc, None)?;
        vol.extent_alloc_blkno = vol.system_file(sb, SystemFile::ExtentAlloc, Some(0))?;
        sb.set_uuid(&vol.uuid);
        Ok(vol)
    }

    /// The read-write state, or `EROFS` on a read-only mount (or one remounted read-only, or
    /// whose journal stopped after an error).
    pub fn writable(&self) -> Result<&Writable> {
        self.rw.get().filter(|w| !w.parked() && !w.journal.aborted()).ok_or(EROFS)
    }

    /// The journal of a read-write mount stopped after an error (`errors=`, or JBD2 after
    /// an I/O error): nothing changed since its last commit can reach the disk.
    pub fn journal_stopped(&self) -> bool {
        self.rw.get().is_some_and(|w| !w.parked() && w.journal.aborted())
    }

    /// The mount options in effect now.
    pub fn options(&self) -> Options {
        *self.options.lock()
    }

    /// The options `mount -o remount` asks for (those it does not name keep their values),
    /// or why they cannot replace the ones in effect.
    pub fn remount_options(&self, sb: &NewSuperBlock, options: &Options) -> Result<Options> {
        let xattr = self.params.features.incompat.contains(crate::format::features::IncompatFeatures::XATTR);
        if options.acl_on() && !xattr {
            pr_err!("{}: ACL support requested but the volume has no xattr feature\n", sb.id());
            return Err(EINVAL);
        }
        let new = options.resolved(xattr);
        if let Some(what) = self.options().remount_refusal(&new) {
            pr_err!("{}: cannot change {} on remount\n", sb.id(), what);
            return Err(EINVAL);
        }
        Ok(new)
    }

    /// Put `options` in effect (after a remount succeeded, as `ocfs2_remount`).
    pub fn set_options(&self, sb: &NewSuperBlock, options: Options) {
        *self.options.lock() = options;
        sb.set_posix_acl(options.acl_on());
        if let Some(writable) = self.rw.get() {
            writable.set_journal_params(&options);
        }
    }

    /// The block number of a system file (slot 0 for per-slot files of a local volume).
    fn system_file(&self, sb: &NewSuperBlock, file: SystemFile, slot: Option<u16>) -> Result<u64> {
        let mut buf = [0u8; 32];
        let name = file.name(slot.unwrap_or(0), &mut buf);
        dir::find(sb, self, self.system_dir_blkno, name)?.ok_or_else(|| {
            pr_err!(
                "{}: corrupt metadata: no system file {} in the system directory\n",
                sb.id(),
                kernel::str::BStr::from_bytes(name)
            );
            errno::euclean()
        })
    }

    /// Whether slot 0's journal holds transactions a crash left behind.
    fn journal_is_dirty(&self, sb: &NewSuperBlock) -> Result<bool> {
        let bh = meta::read_dinode(sb, &self.params, self.blocks, self.journal_blkno)?;
        let journal = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        Ok(journal.ij_flags() & JOURNAL_DIRTY_FL != 0)
    }

    /// `statfs`, as the C ocfs2 reports it: in blocks, from the global bitmap.
    pub fn statfs(&self, sb: &NewSuperBlock) -> Result<StatFs> {
        let bh = meta::read_dinode(sb, &self.params, self.blocks, self.global_bitmap_blkno)?;
        let bitmap = Dinode::new(bh.data()).map_err(|e| meta::corrupt(sb, &e))?;
        if bitmap.i_flags() & BITMAP_FL == 0 {
            pr_err!("{}: corrupt metadata: the global bitmap {} is not a bitmap\n", sb.id(), self.global_bitmap_blkno);
            return Err(errno::euclean());
        }
        let total = u64::from(bitmap.i_total());
        let free = total.saturating_sub(u64::from(bitmap.i_used()));
        let per_cluster = 1u64 << (self.cluster_bits - self.block_bits);
        Ok(StatFs {
            block_size: u64::from(self.params.block_size),
            blocks: total * per_cluster,
            free: free * per_cluster,
            available: free * per_cluster,
            files: total,
            files_free: free,
            fsid: self.fsid(),
            name_len: MAX_NAME_LEN,
        })
    }

    /// The C ocfs2's fsid: crc32 of each half of the UUID printed in upper-case hex.
    fn fsid(&self) -> [u32; 2] {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut text = [0u8; 32];
        for (i, byte) in self.uuid.iter().enumerate() {
            text[2 * i] = HEX[usize::from(byte >> 4)];
            text[2 * i + 1] = HEX[usize::from(byte & 0xf)];
        }
        [crc32::crc32_le(0, &text[..16]), crc32::crc32_le(0, &text[16..])]
    }
}

/// Refuse a read-write mount of what the write path does not keep consistent yet.
fn refuse_read_write(sb: &NewSuperBlock, params: &FsParams) -> Result {
    let quotas = RoCompatFeatures::USRQUOTA.union(RoCompatFeatures::GRPQUOTA);
    if params.features.ro_compat.intersects(quotas) {
        pr_err!(
            "{}: the volume keeps quotas (usrquota/grpquota), which this build does not account \
             yet; mount with -o ro\n",
            sb.id()
        );
        return Err(errno::code(c::EOPNOTSUPP));
    }
    Ok(())
}
