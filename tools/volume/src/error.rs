//! The one error type of the crate: every refusal names its cause (the block, the structure,
//! the field, the path) so that a tool can print it as it is.

use ocfs_format::FormatError;
use std::fmt;
use std::io;

/// Why a volume could not be read or written.
#[derive(Debug)]
pub enum Error {
    /// An I/O call failed; `what` says what was being done.
    Io { what: String, source: io::Error },
    /// A structure read from disk is malformed (or fails its metaecc check).
    Format(FormatError),
    /// The device holds no OCFS2 superblock at block 2 for any block size.
    NotOcfs2 { device: String, detail: String },
    /// A path component does not exist.
    NotFound { path: String },
    /// A path component that must be a directory is not one.
    NotADirectory { path: String, blkno: u64 },
    /// Anything else that is wrong with what is on disk or with a request.
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Format(e) => write!(f, "{e}"),
            Error::NotOcfs2 { device, detail } => {
                write!(f, "{device} holds no OCFS2 volume ({detail})")
            }
            Error::NotFound { path } => write!(f, "{path}: no such file or directory"),
            Error::NotADirectory { path, blkno } => {
                write!(f, "{path}: inode {blkno} is not a directory")
            }
            Error::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Format(e)
    }
}
