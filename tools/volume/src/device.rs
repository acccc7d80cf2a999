//! The medium: a block device or an image file, read and written with positioned I/O.
//!
//! Reads go past the page cache (O_DIRECT) when the medium allows it, because a shared disk
//! is written by other nodes and this node's cache may be stale; filesystems that refuse
//! O_DIRECT (tmpfs) are read through the cache instead.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// O_DIRECT buffers and offsets are aligned to this (the largest logical sector size).
const DIRECT_ALIGN: usize = 4096;

/// An open device or image.
pub struct Device {
    path: PathBuf,
    file: File,
    /// A second descriptor opened O_DIRECT, if the medium supports it.
    direct: Option<File>,
    size: u64,
    is_block_device: bool,
    rdev: u64,
    writable: bool,
}

impl Device {
    /// Opens `path` read-only, or read-write when `writable`.
    pub fn open(path: &Path, writable: bool) -> io::Result<Self> {
        let mut file = OpenOptions::new().read(true).write(writable).open(path)?;
        let meta = file.metadata()?;
        let is_block_device = meta.file_type().is_block_device();
        if !is_block_device && !meta.file_type().is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "neither a block device nor a regular file",
            ));
        }
        // Seeking to the end gives the size of block devices and files alike.
        let size = file.seek(SeekFrom::End(0))?;
        let direct = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
            .ok();
        let mut dev = Self {
            path: path.to_path_buf(),
            file,
            direct,
            size,
            is_block_device,
            rdev: meta.rdev(),
            writable,
        };
        // Some filesystems accept O_DIRECT at open but refuse the reads: probe once.
        if dev.direct.is_some() && size >= DIRECT_ALIGN as u64 {
            let mut probe = vec![0u8; 512];
            if dev.read_direct(0, &mut probe).is_err() {
                dev.direct = None;
            }
        }
        Ok(dev)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn is_block_device(&self) -> bool {
        self.is_block_device
    }

    /// The logical sector size: the kernel's for a block device, 512 for an image file (as
    /// ocfs2-tools assume when BLKSSZGET fails).
    pub fn sector_size(&self) -> u32 {
        if !self.is_block_device {
            return 512;
        }
        let (major, minor) = split_dev(self.rdev);
        let read = |p: String| {
            std::fs::read_to_string(p)
                .ok()
                .and_then(|t| t.trim().parse().ok())
        };
        // Partitions have no queue/ of their own: ask the parent disk.
        read(format!(
            "/sys/dev/block/{major}:{minor}/queue/logical_block_size"
        ))
        .or_else(|| {
            read(format!(
                "/sys/dev/block/{major}:{minor}/../queue/logical_block_size"
            ))
        })
        .unwrap_or(512)
    }

    /// `st_rdev` of a block device (0 for a file).
    pub fn rdev(&self) -> u64 {
        self.rdev
    }

    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Fills `buf` from `offset`, past the page cache when possible.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.size) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "read of {} bytes at {offset} is past the end ({} bytes)",
                    buf.len(),
                    self.size
                ),
            ));
        }
        if self.direct.is_some() {
            return self.read_direct(offset, buf);
        }
        self.file.read_exact_at(buf, offset)
    }

    /// An O_DIRECT read of the aligned span around `[offset, offset + buf.len())`.
    fn read_direct(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let Some(direct) = &self.direct else {
            return self.file.read_exact_at(buf, offset);
        };
        let align = DIRECT_ALIGN as u64;
        let start = offset / align * align;
        let skew = (offset - start) as usize;
        let span = (skew + buf.len()).div_ceil(DIRECT_ALIGN) * DIRECT_ALIGN;
        // The span may run past the end of a file whose size is not a multiple of 4096.
        let readable = (self.size - start).min(span as u64) as usize;
        let mut raw = vec![0u8; span + DIRECT_ALIGN];
        let lead = raw.as_ptr().align_offset(DIRECT_ALIGN);
        let Some(aligned) = raw.get_mut(lead..lead + span) else {
            return Err(io::Error::other("cannot align an O_DIRECT buffer"));
        };
        let mut done = 0;
        while done < readable {
            let n = direct.read_at(&mut aligned[done..span], start + done as u64)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        if done < skew + buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "short O_DIRECT read",
            ));
        }
        buf.copy_from_slice(&aligned[skew..skew + buf.len()]);
        Ok(())
    }

    /// Writes `buf` at `offset` (through the page cache; [`Device::sync`] makes it durable).
    pub fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        if !self.writable {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "opened read-only",
            ));
        }
        self.file.write_all_at(buf, offset)
    }

    /// Flushes written data to the medium.
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// glibc's `major()` and `minor()` of a device number.
pub(crate) fn split_dev(dev: u64) -> (u64, u64) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major, minor)
}
