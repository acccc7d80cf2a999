//! The target: a block device or an image file, written with positioned I/O.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// An open target device or image.
pub struct Device {
    pub path: PathBuf,
    file: File,
    /// Size in bytes.
    pub size: u64,
    /// Logical sector size; 0 for an image file.
    pub sector_size: u32,
    pub is_block_device: bool,
}

impl Device {
    /// Open `path` for writing (`writable`) or for a look only.
    pub fn open(path: &Path, writable: bool) -> io::Result<Self> {
        let mut file = OpenOptions::new().read(true).write(writable).open(path)?;
        let meta = file.metadata()?;
        let is_block_device = meta.file_type().is_block_device();
        // Seeking to the end gives the size of block devices and files alike.
        let size = file.seek(SeekFrom::End(0))?;
        let sector_size = if is_block_device { logical_sector_size(meta.rdev()) } else { 0 };
        Ok(Self { path: path.to_path_buf(), file, size, sector_size, is_block_device })
    }

    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    pub fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    /// Make `[offset, offset+len)` read as zeros: a hole punched in an image file, the
    /// device's zero-out in a block device, written zeros where neither works.
    pub fn zero(&self, offset: u64, len: u64) -> io::Result<()> {
        if len == 0 || self.zero_fast(offset, len).is_ok() {
            return Ok(());
        }
        const CHUNK: u64 = 1 << 20;
        let zeros = vec![0u8; CHUNK.min(len) as usize];
        let mut done = 0;
        while done < len {
            let n = CHUNK.min(len - done);
            self.write_at(offset + done, &zeros[..n as usize])?;
            done += n;
        }
        Ok(())
    }

    fn zero_fast(&self, offset: u64, len: u64) -> io::Result<()> {
        if !self.is_block_device {
            return self.punch_hole(offset, len);
        }
        let fd = self.file.as_raw_fd();
        /// `BLKZEROOUT`: `_IO(0x12, 127)`.
        const BLKZEROOUT: libc::c_ulong = 0x127f;
        let range: [u64; 2] = [offset, len];
        // SAFETY: BLKZEROOUT reads a `u64[2]` (start, length) from the pointer, which
        // points to `range`, alive for the call.
        let ret = unsafe { libc::ioctl(fd, BLKZEROOUT, range.as_ptr()) };
        if ret == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    /// Tell the storage that `[offset, offset+len)` holds nothing worth keeping, as
    /// mkfs.ocfs2 does before formatting: `BLKDISCARD` on a block device, in steps so that
    /// a slow device is not held in one ioctl for minutes; a hole punched in an image file
    /// (mkfs.ocfs2's ioctl fails there and it carries on).  The caller must not rely on
    /// discarded blocks reading as zeros: devices may return anything.
    pub fn discard(&self, offset: u64, len: u64) -> io::Result<()> {
        /// mkfs.ocfs2's `DISCARD_STEP_MB`.
        const STEP: u64 = 2048 << 20;
        if !self.is_block_device {
            return self.punch_hole(offset, len);
        }
        /// `BLKDISCARD`: `_IO(0x12, 119)`.
        const BLKDISCARD: libc::c_ulong = 0x1277;
        let fd = self.file.as_raw_fd();
        let mut done = 0;
        while done < len {
            let range: [u64; 2] = [offset + done, STEP.min(len - done)];
            // SAFETY: BLKDISCARD reads a `u64[2]` (start, length) from the pointer, which
            // points to `range`, alive for the call.
            if unsafe { libc::ioctl(fd, BLKDISCARD, range.as_ptr()) } != 0 {
                return Err(io::Error::last_os_error());
            }
            done += range[1];
        }
        Ok(())
    }

    fn punch_hole(&self, offset: u64, len: u64) -> io::Result<()> {
        let (off, n) = (
            i64::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?,
            i64::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?,
        );
        let fd = self.file.as_raw_fd();
        // SAFETY: plain syscall on our open file descriptor, no pointers involved.
        let ret = unsafe { libc::fallocate(fd, libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE, off, n) };
        if ret == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// The logical block size of the block device `rdev`, from sysfs (512 if unknown).
fn logical_sector_size(rdev: u64) -> u32 {
    let (major, minor) = (libc_major(rdev), libc_minor(rdev));
    let path = format!("/sys/dev/block/{major}:{minor}/queue/logical_block_size");
    let direct = std::fs::read_to_string(&path);
    // Partitions have no queue/ of their own: ask the parent disk.
    let text = direct.or_else(|_| {
        std::fs::read_to_string(format!("/sys/dev/block/{major}:{minor}/../queue/logical_block_size"))
    });
    text.ok().and_then(|t| t.trim().parse().ok()).unwrap_or(512)
}

/// glibc's `gnu_dev_major`.
fn libc_major(dev: u64) -> u64 {
    ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)
}

/// glibc's `gnu_dev_minor`.
fn libc_minor(dev: u64) -> u64 {
    (dev & 0xff) | ((dev >> 12) & !0xff)
}
