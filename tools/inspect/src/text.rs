//! Shared pieces of the printed output: the line macro and the names of flags and types.

use ocfs_format::dinode::{self, mode};
use ocfs_format::dir;

/// Appends one formatted line to a `String`.
macro_rules! say {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}
pub(crate) use say;

/// Names of the set bits of `flags` from `table`, then `unknown(0x..)` for the rest.
pub fn flag_names<T>(flags: T, table: &[(&str, T)]) -> String
where
    T: Copy + Into<u64>,
{
    let flags: u64 = flags.into();
    let mut words: Vec<String> = table
        .iter()
        .filter(|(_, b)| flags & (*b).into() != 0)
        .map(|(n, _)| n.to_string())
        .collect();
    let known = table.iter().fold(0u64, |acc, (_, b)| acc | (*b).into());
    if flags & !known != 0 {
        words.push(format!("unknown({:#x})", flags & !known));
    }
    words.join(" ")
}

/// `i_flags` names as debugfs.ocfs2 prints them.
pub const INODE_FLAGS: &[(&str, u32)] = &[
    ("Valid", dinode::VALID_FL),
    ("Unused2", dinode::UNUSED2_FL),
    ("Orphan", dinode::ORPHANED_FL),
    ("Unused3", dinode::UNUSED3_FL),
    ("System", dinode::SYSTEM_FL),
    ("Superblock", dinode::SUPER_BLOCK_FL),
    ("Localalloc", dinode::LOCAL_ALLOC_FL),
    ("Allocbitmap", dinode::BITMAP_FL),
    ("Journal", dinode::JOURNAL_FL),
    ("Heartbeat", dinode::HEARTBEAT_FL),
    ("Chain", dinode::CHAIN_FL),
    ("Dealloc", dinode::DEALLOC_FL),
    ("Quota", dinode::QUOTA_FL),
    ("DioOrphan", dinode::DIO_ORPHANED_FL),
];

/// `i_dyn_features` names.
pub const DYN_FEATURES: &[(&str, u16)] = &[
    ("InlineData", dinode::INLINE_DATA_FL),
    ("HasXattr", dinode::HAS_XATTR_FL),
    ("InlineXattr", dinode::INLINE_XATTR_FL),
    ("IndexedDir", dinode::INDEXED_DIR_FL),
    ("Refcounted", dinode::HAS_REFCOUNT_FL),
];

/// The file type of an inode mode.
pub fn mode_type(m: u16) -> &'static str {
    match m & mode::FMT {
        mode::REG => "Regular",
        mode::DIR => "Directory",
        mode::LNK => "Symlink",
        mode::CHR => "Char device",
        mode::BLK => "Block device",
        mode::FIFO => "FIFO",
        mode::SOCK => "Socket",
        _ => "Unknown",
    }
}

/// The file type of a directory entry.
pub fn entry_type(ft: u8) -> &'static str {
    match ft {
        dir::FT_REG_FILE => "file",
        dir::FT_DIR => "dir",
        dir::FT_CHRDEV => "chr",
        dir::FT_BLKDEV => "blk",
        dir::FT_FIFO => "fifo",
        dir::FT_SOCK => "sock",
        dir::FT_SYMLINK => "link",
        _ => "unknown",
    }
}

/// Bytes as text, non-printable bytes escaped.
pub fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect()
}

/// A hex dump, 16 bytes a line with their offset; runs of identical lines become `*`.
pub fn hexdump(out: &mut String, bytes: &[u8]) {
    let mut previous: Option<&[u8]> = None;
    let mut starred = false;
    for (i, line) in bytes.chunks(16).enumerate() {
        if previous == Some(line) {
            if !starred {
                say!(out, "*");
                starred = true;
            }
            continue;
        }
        starred = false;
        previous = Some(line);
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = line
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        say!(out, "{:08x}  {:<47}  |{}|", i * 16, hex.join(" "), ascii);
    }
    say!(out, "{:08x}", bytes.len());
}
