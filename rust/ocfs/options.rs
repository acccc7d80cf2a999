// SPDX-License-Identifier: GPL-2.0

//! Mount options: the ones the C ocfs2 takes (so fstab lines and mount.ocfs2 work
//! unchanged), each refused by name when it is unknown or its value is bad, and shown in
//! `/proc/mounts` in the C ocfs2's order and spelling.

use core::fmt::Write;
use kernel::prelude::*;
use kernel::str::CStr;

/// `OCFS2_DEFAULT_ATIME_QUANTUM`, seconds.
const DEFAULT_ATIME_QUANTUM: u32 = 60;
/// `OCFS2_DEFAULT_RESV_LEVEL` and the largest level.
const DEFAULT_RESV_LEVEL: u32 = 2;
const MAX_RESV_LEVEL: u32 = 8;

/// Which heartbeat `mount.ocfs2` says the volume uses (`none` for local volumes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heartbeat {
    None,
    Local,
    Global,
}

/// What happens when the filesystem finds an error (`errors=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    RemountRo,
    Panic,
    Continue,
}

/// The mount options of one mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub heartbeat: Heartbeat,
    pub intr: bool,
    pub data_writeback: bool,
    pub barrier: bool,
    pub errors: OnError,
    pub preferred_slot: Option<u16>,
    pub atime_quantum: u32,
    /// Seconds between journal commits; 0 is the default (5 s).
    pub commit: u32,
    pub localalloc_mb: Option<u32>,
    pub localflocks: bool,
    pub cluster_stack: Option<[u8; 4]>,
    pub usrquota: bool,
    pub grpquota: bool,
    pub coherency_buffered: bool,
    pub user_xattr: bool,
    pub inode64: bool,
    /// POSIX ACLs; `None` until the mount decides: on when the volume has "xattr", as
    /// the C ocfs2 does.
    pub acl: Option<bool>,
    pub resv_level: u32,
    pub dir_resv_level: Option<u32>,
    pub journal_async_commit: bool,
}

impl Options {
    /// Whether POSIX ACLs are on (after the mount decided the default).
    pub fn acl_on(&self) -> bool {
        self.acl == Some(true)
    }

    /// The options with the volume's defaults filled in: ACLs on with "xattr".
    pub fn resolved(&self, xattr: bool) -> Self {
        let mut options = *self;
        options.acl.get_or_insert(xattr);
        options
    }

    /// What of these options `mount -o remount` cannot change to `new`, if anything: what
    /// `ocfs2_remount` refuses (heartbeat, data mode, turning on inode64), and what is set
    /// up only at mount (cluster stack, quotas).
    pub fn remount_refusal(&self, new: &Self) -> Option<&'static str> {
        if new.heartbeat != self.heartbeat {
            Some("the heartbeat mode")
        } else if new.data_writeback != self.data_writeback {
            Some("the data mode (data=ordered|writeback)")
        } else if new.inode64 && !self.inode64 {
            Some("inode64 (it is turned on at mount only)")
        } else if new.cluster_stack != self.cluster_stack {
            Some("the cluster stack")
        } else if (new.usrquota, new.grpquota) != (self.usrquota, self.grpquota) {
            Some("the quota options")
        } else {
            None
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            heartbeat: Heartbeat::None,
            intr: false,
            data_writeback: false,
            barrier: false,
            errors: OnError::RemountRo,
            preferred_slot: None,
            atime_quantum: DEFAULT_ATIME_QUANTUM,
            commit: 0,
            localalloc_mb: None,
            localflocks: false,
            cluster_stack: None,
            usrquota: false,
            grpquota: false,
            coherency_buffered: false,
            user_xattr: true,
            inode64: false,
            acl: None,
            resv_level: DEFAULT_RESV_LEVEL,
            dir_resv_level: None,
            journal_async_commit: false,
        }
    }
}

fn bad_value(key: &str, value: &[u8]) -> Error {
    pr_err!("bad value '{}' for mount option '{}'\n", kernel::str::BStr::from_bytes(value), key);
    EINVAL
}

fn number(key: &str, value: &[u8], max: u32) -> Result<u32> {
    core::str::from_utf8(value)
        .ok()
        .and_then(|text| text.parse::<u32>().ok())
        .filter(|&n| n <= max)
        .ok_or_else(|| bad_value(key, value))
}

impl Options {
    /// Take one option (`FileSystem::parse_option`).
    pub fn parse(&mut self, key: &CStr, value: Option<&CStr>) -> Result {
        let Ok(key) = key.to_str() else {
            pr_err!("unknown mount option '{}'\n", kernel::str::BStr::from_bytes(key.as_bytes()));
            return Err(EINVAL);
        };
        match (key, value.map(CStr::as_bytes)) {
            ("heartbeat", Some(b"none")) => self.heartbeat = Heartbeat::None,
            ("heartbeat", Some(b"local")) => self.heartbeat = Heartbeat::Local,
            ("heartbeat", Some(b"global")) => self.heartbeat = Heartbeat::Global,
            ("intr", None) => self.intr = true,
            ("nointr", None) => self.intr = false,
            ("data", Some(b"ordered")) => self.data_writeback = false,
            ("data", Some(b"writeback")) => self.data_writeback = true,
            ("barrier", Some(v)) => self.barrier = number(key, v, u32::MAX)? != 0,
            ("errors", Some(b"remount-ro")) => self.errors = OnError::RemountRo,
            ("errors", Some(b"panic")) => self.errors = OnError::Panic,
            ("errors", Some(b"continue")) => self.errors = OnError::Continue,
            ("preferred_slot", Some(v)) => self.preferred_slot = Some(number(key, v, 254)? as u16),
            ("atime_quantum", Some(v)) => self.atime_quantum = number(key, v, u32::MAX)?,
            ("commit", Some(v)) => self.commit = number(key, v, u32::MAX / 1000)?,
            ("localalloc", Some(v)) => self.localalloc_mb = Some(number(key, v, i32::MAX as u32)?),
            ("localflocks", None) => self.localflocks = true,
            ("cluster_stack", Some(v)) => {
                let stack: [u8; 4] = v.try_into().map_err(|_| bad_value(key, v))?;
                self.cluster_stack = Some(stack);
            }
            ("usrquota", None) => self.usrquota = true,
            ("grpquota", None) => self.grpquota = true,
            ("coherency", Some(b"full")) => self.coherency_buffered = false,
            ("coherency", Some(b"buffered")) => self.coherency_buffered = true,
            ("user_xattr", None) => self.user_xattr = true,
            ("nouser_xattr", None) => self.user_xattr = false,
            ("inode64", None) => self.inode64 = true,
            ("acl", None) => self.acl = Some(true),
            ("noacl", None) => self.acl = Some(false),
            ("resv_level", Some(v)) => self.resv_level = number(key, v, MAX_RESV_LEVEL)?,
            ("dir_resv_level", Some(v)) => self.dir_resv_level = Some(number(key, v, MAX_RESV_LEVEL)?),
            ("journal_async_commit", None) => self.journal_async_commit = true,
            (_, Some(v)) if is_known(key) => return Err(bad_value(key, v)),
            (_, None) if is_known(key) => {
                pr_err!("mount option '{}' needs a value\n", key);
                return Err(EINVAL);
            }
            _ => {
                pr_err!("unknown mount option '{}'\n", key);
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    /// The options in effect, as the C ocfs2 prints them (`ocfs2_show_options`).
    pub fn show(&self, out: &mut impl Write) -> core::fmt::Result {
        match self.heartbeat {
            Heartbeat::None => out.write_str(",heartbeat=none")?,
            Heartbeat::Local => out.write_str(",_netdev,heartbeat=local")?,
            Heartbeat::Global => out.write_str(",_netdev,heartbeat=global")?,
        }
        if !self.intr {
            out.write_str(",nointr")?;
        }
        out.write_str(if self.data_writeback { ",data=writeback" } else { ",data=ordered" })?;
        if self.barrier {
            out.write_str(",barrier=1")?;
        }
        out.write_str(match self.errors {
            OnError::Panic => ",errors=panic",
            OnError::Continue => ",errors=continue",
            OnError::RemountRo => ",errors=remount-ro",
        })?;
        if let Some(slot) = self.preferred_slot {
            write!(out, ",preferred_slot={}", slot)?;
        }
        write!(out, ",atime_quantum={}", self.atime_quantum)?;
        if self.commit != 0 {
            write!(out, ",commit={}", self.commit)?;
        }
        if let Some(mb) = self.localalloc_mb {
            write!(out, ",localalloc={}", mb)?;
        }
        if self.localflocks {
            out.write_str(",localflocks")?;
        }
        if let Some(stack) = self.cluster_stack {
            if let Ok(stack) = core::str::from_utf8(&stack) {
                write!(out, ",cluster_stack={}", stack)?;
            }
        }
        if self.usrquota {
            out.write_str(",usrquota")?;
        }
        if self.grpquota {
            out.write_str(",grpquota")?;
        }
        out.write_str(if self.coherency_buffered { ",coherency=buffered" } else { ",coherency=full" })?;
        out.write_str(if self.user_xattr { ",user_xattr" } else { ",nouser_xattr" })?;
        if self.inode64 {
            out.write_str(",inode64")?;
        }
        out.write_str(if self.acl_on() { ",acl" } else { ",noacl" })?;
        if self.resv_level != DEFAULT_RESV_LEVEL {
            write!(out, ",resv_level={}", self.resv_level)?;
        }
        if let Some(level) = self.dir_resv_level.filter(|&l| l != self.resv_level) {
            write!(out, ",dir_resv_level={}", level)?;
        }
        if self.journal_async_commit {
            out.write_str(",journal_async_commit")?;
        }
        Ok(())
    }
}

/// Whether `key` names an option (with a value or without), to tell "bad value" from
/// "unknown option".
fn is_known(key: &str) -> bool {
    matches!(
        key,
        "heartbeat" | "intr" | "nointr" | "data" | "barrier" | "errors" | "preferred_slot"
            | "atime_quantum" | "commit" | "localalloc" | "localflocks" | "cluster_stack"
            | "usrquota" | "grpquota" | "coherency" | "user_xattr" | "nouser_xattr" | "inode64"
            | "acl" | "noacl" | "resv_level" | "dir_resv_level" | "journal_async_commit"
    )
}
