//! The volume geometry mkfs.ocfs2 derives from the device size and the options: block and
//! cluster size, cluster groups, slots, journal and extent allocator sizes
//! (`fill_defaults` in mkfs.ocfs2; Documentation/mkfs-layout.md, section 4).

use std::fmt;

/// What the user chose with `-T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FsType {
    #[default]
    Default,
    Mail,
    Datafiles,
    Vmstore,
}

/// A geometry request that cannot be met, with mkfs.ocfs2's wording.
#[derive(Debug, PartialEq, Eq)]
pub struct GeometryError(pub String);

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, GeometryError> {
    Err(GeometryError(message.into()))
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
/// `OCFS2_MIN_JOURNAL_SIZE`.
pub const MIN_JOURNAL_SIZE: u64 = 4 * MIB;

/// What the user asked for; `None` means "the default for this volume".
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Device or image size in bytes.
    pub device_bytes: u64,
    /// Logical sector size of the device (0 for a regular file).
    pub sector_size: u32,
    /// The optional `blocks-count` argument.
    pub blocks_count: Option<u64>,
    pub block_size: Option<u32>,
    pub cluster_size: Option<u32>,
    pub slots: Option<u16>,
    pub journal_bytes: Option<u64>,
    pub fs_type: FsType,
    pub local: bool,
    /// `-H`: a heartbeat device (no slots, no journals, a volume just big enough).
    pub heartbeat_device: bool,
}

/// The geometry of the volume to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub block_size: u32,
    pub block_bits: u32,
    pub cluster_size: u32,
    pub cluster_bits: u32,
    /// Whole clusters in the volume; the tail beyond the last one is unused.
    pub clusters: u32,
    /// `clusters` in blocks.
    pub blocks: u64,
    /// Clusters per full cluster group (`8 * (bs - 64)`, or fewer on a tiny volume).
    pub cpg: u32,
    /// Number of cluster groups, and the clusters of the last one.
    pub groups: u32,
    pub tail_clusters: u32,
    pub slots: u16,
    pub journal_bytes: u64,
    /// Clusters each slot's extent allocator starts with (a multiple of the suballocator cpg).
    pub extent_alloc_clusters: u32,
}

impl Geometry {
    /// Blocks per cluster.
    pub fn bpc(&self) -> u32 {
        self.cluster_size / self.block_size
    }

    /// The volume size actually used, in bytes.
    pub fn bytes(&self) -> u64 {
        u64::from(self.clusters) << self.cluster_bits
    }

    /// Clusters per group of the inode and extent suballocators.
    pub fn suballoc_cpg(&self) -> u32 {
        suballoc_cpg(self.block_size, self.cluster_bits)
    }
}

/// `ocfs2_clusters_per_group`: suballocator groups are 4 MiB at 2K and 4K blocks, 2 MiB at 1K
/// and 1 MiB at 512 bytes (at least one cluster, since clusters are at most 1 MiB).
pub fn suballoc_cpg(block_size: u32, cluster_bits: u32) -> u32 {
    let megabytes: u32 = match block_size {
        4096 | 2048 => 4,
        1024 => 2,
        _ => 1,
    };
    ((megabytes << 20) >> cluster_bits).max(1)
}

/// Bits in a full group descriptor bitmap (`ocfs2_group_bitmap_size * 8`): `8 * (bs - 64)`.
pub fn group_bitmap_bits(block_size: u32) -> u32 {
    8 * (block_size - 64)
}

fn log2(v: u32) -> u32 {
    31 - v.leading_zeros()
}

/// Round down to a power of two within `[min, max]`; `None` outside it.
fn valid_power_of_two(v: u32, min: u32, max: u32) -> Option<u32> {
    (min..=max).contains(&v).then(|| 1u32 << log2(v))
}

/// Check `-b` as mkfs.ocfs2 does (512..4096, rounded down to a power of two).
pub fn check_block_size(v: u64) -> Result<u32, GeometryError> {
    u32::try_from(v)
        .ok()
        .and_then(|v| valid_power_of_two(v, 512, 4096))
        .ok_or_else(|| GeometryError("Specify a blocksize between 512 and 4096 in powers of 2".into()))
}

/// Check `-C` as mkfs.ocfs2 does (4K..1M, rounded down to a power of two).
pub fn check_cluster_size(v: u64) -> Result<u32, GeometryError> {
    u32::try_from(v)
        .ok()
        .and_then(|v| valid_power_of_two(v, 4096, 1 << 20))
        .ok_or_else(|| GeometryError("Specify a clustersize between 4096 and 1048576 in powers of 2".into()))
}

/// Derive the geometry, with mkfs.ocfs2's defaults and refusals.
pub fn compute(req: &Request) -> Result<Geometry, GeometryError> {
    let sector = req.sector_size.max(512);
    // A heartbeat device uses the sector size for its blocks unless told otherwise.
    let first_bs = req.block_size.unwrap_or(if req.heartbeat_device { sector } else { 4096 });
    if first_bs < sector {
        return err(format!(
            "the block device has a hardware sector size ({sector}) that is larger than the selected block size ({first_bs})"
        ));
    }
    let device_blocks = req.device_bytes / u64::from(first_bs);
    let blocks_first = match req.blocks_count {
        Some(n) if n > device_blocks => {
            return err(format!(
                "{n} blocks were specified and this is greater than the {device_blocks} blocks that make up the device."
            ))
        }
        Some(n) => n,
        None => device_blocks,
    };

    // The block size: from the size at 4 KiB blocks (or -b), as mkfs.ocfs2 picks it.
    let block_size = match req.block_size {
        Some(bs) => bs,
        None if req.heartbeat_device => first_bs,
        None => default_block_size(blocks_first * u64::from(first_bs)),
    };
    // mkfs.ocfs2 re-reads the size in the chosen block size; a blocks-count argument is
    // reused as is, now counting blocks of the chosen size (its quirk, kept).
    let mut blocks = match req.blocks_count {
        Some(n) => n,
        None => req.device_bytes / u64::from(block_size),
    };
    if req.heartbeat_device {
        // Superblock, system files and a heartbeat area of 256 blocks, rounded to a MiB.
        let needed = ((4 + 255 + 10) * u64::from(block_size)).div_ceil(MIB) * MIB;
        if blocks * u64::from(block_size) > needed {
            eprintln!("Warning: Volume larger than required for a heartbeat device");
            blocks = needed / u64::from(block_size);
        }
    }
    let bytes = blocks * u64::from(block_size);
    let block_bits = log2(block_size);

    let cluster_size = match req.cluster_size {
        Some(cs) => cs,
        None => default_cluster_size(bytes, req.fs_type)?,
    };
    let cluster_bits = log2(cluster_size);
    let clusters64 = bytes >> cluster_bits;
    let clusters = u32::try_from(clusters64).map_err(|_| {
        GeometryError(format!("Too many clusters ({clusters64}) for the cluster size {cluster_size}"))
    })?;
    if clusters == 0 {
        return err("Volume size too small for the selected cluster size");
    }
    let blocks = (u64::from(clusters) << cluster_bits) >> block_bits;

    let max_bits = group_bitmap_bits(block_size);
    let cpg = max_bits.min(clusters);
    let groups = clusters.div_ceil(cpg);
    let tail_clusters = match clusters % cpg {
        0 => cpg,
        t => t,
    };

    let slots = match req.slots {
        _ if req.heartbeat_device => 0,
        Some(n) => n,
        None if req.local => 1,
        None => default_slots(bytes),
    };

    let mut geometry = Geometry {
        block_size,
        block_bits,
        cluster_size,
        cluster_bits,
        clusters,
        blocks,
        cpg,
        groups,
        tail_clusters,
        slots,
        journal_bytes: 0,
        extent_alloc_clusters: 0,
    };
    if !req.heartbeat_device {
        geometry.journal_bytes = journal_size(&geometry, req.journal_bytes, req.fs_type)?;
        geometry.extent_alloc_clusters = extent_alloc_size(&geometry, req.fs_type);
    }
    Ok(geometry)
}

fn default_block_size(bytes: u64) -> u32 {
    if bytes <= 3 * MIB {
        return 512;
    }
    let (mut bs, mut shift) = (4096u32, 30u32);
    while bs > 1024 {
        if bytes >= 1u64 << shift {
            break;
        }
        bs >>= 1;
        shift -= 1;
    }
    bs
}

fn default_cluster_size(bytes: u64, fs_type: FsType) -> Result<u32, GeometryError> {
    match fs_type {
        FsType::Default | FsType::Mail => {
            let mut bits = 12;
            while bits < 20 && (bytes >> bits) > u64::from(u32::MAX - 1) {
                bits += 1;
            }
            Ok(1 << bits)
        }
        FsType::Datafiles | FsType::Vmstore => {
            let gigs = bytes / GIB;
            Ok(match gigs {
                0..=1 => return err("Selected file system type requires a device of at least 2 gigabytes"),
                2..=63 => 128 << 10,
                64..=95 => 256 << 10,
                96..=127 => 512 << 10,
                _ => 1 << 20,
            })
        }
    }
}

fn default_slots(bytes: u64) -> u16 {
    match bytes >> 30 {
        0..=1 => 2,
        2..=9 => 4,
        10..=1023 => 8,
        _ => 16,
    }
}

/// `figure_journal_size`, in bytes.
fn journal_size(g: &Geometry, requested: Option<u64>, fs_type: FsType) -> Result<u64, GeometryError> {
    if g.blocks < 2048 {
        return err("Filesystem too small for a journal");
    }
    let cs = u64::from(g.cluster_size);
    let min = (cs << 3) + cs;
    let slots = u64::from(g.slots);
    if let Some(size) = requested {
        let journal_blocks = size >> g.block_bits;
        if journal_blocks * slots + 1024 > g.blocks {
            return err("Journal size too big for filesystem.");
        }
        let size = size.div_ceil(cs) * cs;
        if size < min {
            return err("Journal size too small for filesystem.");
        }
        return Ok(size);
    }
    let blocks = g.blocks;
    let journal_blocks: u64 = match fs_type {
        FsType::Default => {
            if blocks < 32768 {
                MIN_JOURNAL_SIZE >> g.block_bits
            } else if blocks < 262144 {
                4096
            } else {
                (blocks / 160).clamp(16384, 65536)
            }
        }
        FsType::Datafiles => 8192,
        FsType::Mail => match blocks {
            0..=262143 => 16384,
            262144..=524287 => 32768,
            _ => 65536,
        },
        FsType::Vmstore => match blocks {
            0..=262143 => 8192,
            262144..=524287 => 16384,
            _ => 32768,
        },
    };
    let size = (journal_blocks << g.block_bits).div_ceil(cs) * cs;
    if size >= min {
        return Ok(size);
    }
    if (min >> g.block_bits) * slots + 1024 > g.blocks {
        return err("Volume size too small for required configuration.\nIncrease volume size or reduce cluster size");
    }
    Ok(min)
}

/// `figure_extent_alloc_size`: clusters each slot's extent allocator starts with.
fn extent_alloc_size(g: &Geometry, fs_type: FsType) -> u32 {
    let cpg = g.suballoc_cpg();
    let unit = u64::from(cpg) * u64::from(g.cluster_size) * u64::from(g.slots);
    let bytes = g.bytes() as f64;
    let target = match fs_type {
        FsType::Datafiles | FsType::Vmstore => 0.3,
        _ => 0.1,
    };
    if unit == 0 || bytes == 0.0 {
        return 0;
    }
    let mut total = unit;
    let mut n: u32 = 1;
    let mut pct;
    loop {
        pct = total as f64 * 100.0 / bytes;
        if pct >= target {
            break;
        }
        total += unit;
        n += 1;
    }
    if pct > 5.0 {
        n -= 1;
    }
    cpg * n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(bytes: u64) -> Geometry {
        compute(&Request { device_bytes: bytes, ..Default::default() }).unwrap()
    }

    #[test]
    fn one_gib_defaults() {
        let g = geometry(GIB);
        assert_eq!((g.block_size, g.cluster_size, g.slots), (4096, 4096, 2));
        assert_eq!((g.clusters, g.groups, g.cpg, g.tail_clusters), (262144, 9, 32256, 4096));
        assert_eq!(g.journal_bytes, 64 * MIB);
        assert_eq!(g.extent_alloc_clusters / g.suballoc_cpg(), 1);
    }

    #[test]
    fn journal_sizes_as_measured() {
        let cases = [(64 * MIB, 4 * MIB), (256 * MIB, 16 * MIB), (512 * MIB, 32 * MIB), (20 * GIB, 128 * MIB), (200 * GIB, 256 * MIB), (2048 * GIB, 256 * MIB)];
        for (size, journal) in cases {
            assert_eq!(geometry(size).journal_bytes, journal, "volume of {size} bytes");
        }
    }

    #[test]
    fn block_sizes_as_measured() {
        assert_eq!(geometry(64 * MIB).block_size, 1024);
        assert_eq!(geometry(512 * MIB).block_size, 2048);
        assert_eq!(geometry(GIB).block_size, 4096);
        assert_eq!(geometry(2 * MIB).block_size, 512);
    }

    #[test]
    fn extent_groups_as_measured() {
        let groups = |size| {
            let g = geometry(size);
            g.extent_alloc_clusters / g.suballoc_cpg()
        };
        assert_eq!(groups(64 * MIB), 0);
        assert_eq!(groups(100 * MIB), 1);
        assert_eq!(groups(64 * GIB), 3);
        assert_eq!(groups(200 * GIB), 7);
        assert_eq!(groups(1024 * GIB), 17);
        assert_eq!(groups(2048 * GIB), 33);
        let g = compute(&Request { device_bytes: GIB, slots: Some(32), ..Default::default() }).unwrap();
        assert_eq!(g.extent_alloc_clusters, 0);
    }

    #[test]
    fn typed_volumes() {
        let typed = |t| compute(&Request { device_bytes: 4 * GIB, fs_type: t, ..Default::default() }).unwrap();
        assert_eq!(typed(FsType::Mail).journal_bytes, 256 * MIB);
        assert_eq!(typed(FsType::Vmstore).journal_bytes, 128 * MIB);
        assert_eq!(typed(FsType::Datafiles).journal_bytes, 32 * MIB);
        assert_eq!(typed(FsType::Datafiles).cluster_size, 128 << 10);
        assert!(compute(&Request { device_bytes: GIB, fs_type: FsType::Vmstore, ..Default::default() }).is_err());
    }

    #[test]
    fn big_cluster_minimum_journal() {
        let g = compute(&Request { device_bytes: GIB, block_size: Some(512), cluster_size: Some(1 << 20), ..Default::default() }).unwrap();
        assert_eq!(g.journal_bytes, 9 * MIB);
    }

    #[test]
    fn blocks_count_quirk() {
        let g = compute(&Request { device_bytes: GIB, blocks_count: Some(100000), ..Default::default() }).unwrap();
        assert_eq!((g.block_size, g.blocks), (1024, 100000));
    }

    #[test]
    fn option_checks() {
        assert_eq!(check_block_size(3000), Ok(2048));
        assert!(check_block_size(256).is_err());
        assert_eq!(check_cluster_size(65536), Ok(65536));
        assert!(check_cluster_size(2048).is_err());
    }
}
