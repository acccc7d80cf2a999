//! The command line, with mkfs.ocfs2's options, letters and wording.

use crate::geometry::{self, FsType};
use clap::Parser;
use ocfs_format::{FeatureLevel, Features};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "mkfs.ocfs", version, about = "Make an OCFS2 volume (options as mkfs.ocfs2)")]
pub struct Cli {
    /// Block size: 512, 1K, 2K or 4K (default: by volume size)
    #[arg(short = 'b', long = "block-size", value_parser = parse_size)]
    pub block_size: Option<u64>,
    /// Cluster size: 4K to 1M, a power of two (default: by volume size and type)
    #[arg(short = 'C', long = "cluster-size", value_parser = parse_size)]
    pub cluster_size: Option<u64>,
    /// Volume label (up to 63 characters)
    #[arg(short = 'L', long = "label")]
    pub label: Option<String>,
    /// Node slots: how many nodes may mount at once (default: by volume size)
    #[arg(short = 'N', long = "node-slots", value_parser = parse_number)]
    pub slots: Option<u64>,
    /// Journal options: size=<size>, [no]block32, [no]block64
    #[arg(short = 'J', long = "journal-options")]
    pub journal: Option<String>,
    /// Mount type: cluster or local
    #[arg(short = 'M', long = "mount")]
    pub mount: Option<String>,
    /// Volume type: mail, datafiles or vmstore
    #[arg(short = 'T')]
    pub fs_type: Option<String>,
    /// Volume UUID (32 hex digits, dashes allowed)
    #[arg(short = 'U')]
    pub uuid: Option<String>,
    /// Overwrite an existing filesystem or a volume with a live heartbeat
    #[arg(short = 'F', long = "force")]
    pub force: bool,
    /// Compute and print the layout; write nothing
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    /// Quiet
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Verbose (accepted, as by mkfs.ocfs2)
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// No confirmation prompt (mkfs.ocfs never prompts; accepted for scripts)
    #[arg(short = 'x', hide = true)]
    pub no_prompt: bool,
    /// Features to set or clear (noFEATURE), comma separated
    #[arg(long = "fs-features")]
    pub fs_features: Option<String>,
    /// default, max-compat or max-features
    #[arg(long = "fs-feature-level")]
    pub fs_feature_level: Option<String>,
    /// Cluster stack recorded on disk (o2cb, pcmk, cman)
    #[arg(long = "cluster-stack")]
    pub cluster_stack: Option<String>,
    /// Cluster name recorded on disk
    #[arg(long = "cluster-name")]
    pub cluster_name: Option<String>,
    /// o2cb global heartbeat mode
    #[arg(long = "global-heartbeat")]
    pub global_heartbeat: bool,
    /// Do not write backup superblocks
    #[arg(long = "no-backup-super")]
    pub no_backup_super: bool,
    /// Discard the volume's blocks before formatting (the default)
    #[arg(long = "discard", overrides_with = "nodiscard")]
    pub discard: bool,
    /// Do not discard the volume's blocks before formatting
    #[arg(long = "nodiscard", overrides_with = "discard")]
    pub nodiscard: bool,
    /// Make a heartbeat device for o2cb global heartbeat: no slots, no journals, no files
    #[arg(short = 'H', long = "heartbeat-device")]
    pub heartbeat_device: bool,
    /// Device or image file
    pub device: PathBuf,
    /// Size of the volume in blocks (default: the whole device)
    #[arg(value_parser = parse_number)]
    pub blocks_count: Option<u64>,
}

/// Everything the format needs from the command line, checked.
#[derive(Clone, Debug)]
pub struct Settings {
    pub request: geometry::Request,
    pub label: Vec<u8>,
    pub uuid: Option<[u8; 16]>,
    pub features: Features,
    /// The features as the user merged them, before stack and mount adjustments: what
    /// mkfs.ocfs2 prints on its `Features:` line.
    pub features_requested: Features,
    pub cluster: Option<ClusterInfo>,
    pub block64: bool,
    pub force: bool,
    pub dry_run: bool,
    /// Discard the volume's blocks before writing it (`--discard`, the default).
    pub discard: bool,
    pub quiet: bool,
    pub fs_type_name: Option<String>,
    /// `-H`: only what o2cb's global heartbeat needs.
    pub heartbeat_device: bool,
}

/// The cluster stack recorded in the superblock (`s_cluster_info`).
#[derive(Clone, Debug)]
pub struct ClusterInfo {
    pub stack: String,
    pub name: String,
    pub global_heartbeat: bool,
}

/// Sizes as mkfs.ocfs2 reads them: a number with an optional b/k/m/g suffix (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 10),
        Some((i, 'm' | 'M')) => (&text[..i], 20),
        Some((i, 'g' | 'G')) => (&text[..i], 30),
        Some((i, 'b' | 'B')) => (&text[..i], 0),
        _ => (text, 0),
    };
    parse_number(digits)?
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{text} is too large"))
}

/// A number as `strtoull(base 0)` reads it: decimal, 0x hex or 0 octal.
pub fn parse_number(text: &str) -> Result<u64, String> {
    let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        u64::from_str_radix(&text[1..], 8)
    } else {
        text.parse()
    };
    parsed.map_err(|_| format!("invalid number {text:?}"))
}

fn parse_uuid(text: &str) -> Result<[u8; 16], String> {
    let hex: String = if text.len() == 36 { text.replace('-', "") } else { text.to_string() };
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("Invalid UUID specified".into());
    }
    let mut uuid = [0u8; 16];
    for (i, byte) in uuid.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| "Invalid UUID specified")?;
    }
    Ok(uuid)
}

/// `-J size=...,block64`: the journal size in bytes (if given) and whether block64 is on.
fn parse_journal(text: &str) -> Result<(Option<u64>, bool), String> {
    let mut size = None;
    let mut block64 = false;
    for token in text.split(',').filter(|t| !t.is_empty()) {
        match token {
            "block64" => block64 = true,
            "noblock64" | "block32" => block64 = false,
            "noblock32" => block64 = true,
            _ => match token.strip_prefix("size=").map(parse_size) {
                Some(Ok(bytes)) if bytes >= geometry::MIN_JOURNAL_SIZE => size = Some(bytes),
                Some(Ok(_)) => {
                    return Err(format!(
                        "Invalid journal size: {}\nSize must be greater than {} bytes",
                        &token[5..],
                        geometry::MIN_JOURNAL_SIZE
                    ))
                }
                _ => {
                    return Err("Bad journal options specified. Valid journal options are:\n\tsize=<journal size>\n\t[no]block32\n\t[no]block64".into())
                }
            },
        }
    }
    Ok((size, block64))
}

/// The feature set: the level's, then `--fs-features` (dependencies followed both ways).
fn merge_features(level: Option<&str>, list: Option<&str>) -> Result<Features, String> {
    let base = match level {
        None => FeatureLevel::Default.features(),
        Some(name) => FeatureLevel::from_name(name)
            .ok_or("Unsupported feature(s) found when parsing fs-feature-level string")?
            .features(),
    };
    let Some(list) = list else { return Ok(base) };
    let (mut set, mut clear) =
        Features::parse_list(list).map_err(|_| "Unsupported feature(s) found when parsing fs-features string".to_string())?;
    let sparse = Features::from_name("sparse").ok_or("feature table lacks sparse")?;
    let unwritten = Features::from_name("unwritten").ok_or("feature table lacks unwritten")?;
    // unwritten extents need sparse allocation: setting one sets the other, clearing sparse
    // clears unwritten.
    if set.contains(unwritten) {
        set = set.union(sparse);
    }
    if clear.contains(sparse) {
        clear = clear.union(unwritten);
    }
    if set.intersects(clear) {
        return Err("Conflicting features specified when parsing fs-features string".into());
    }
    Ok(base.union(set).difference(clear))
}

impl Cli {
    /// Check the options and turn them into settings, with mkfs.ocfs2's messages.
    pub fn settings(&self, device_bytes: u64, sector_size: u32) -> Result<Settings, String> {
        let block_size = self.block_size.map(geometry::check_block_size).transpose().map_err(|e| e.0)?;
        let cluster_size = self.cluster_size.map(geometry::check_cluster_size).transpose().map_err(|e| e.0)?;
        let label = self.label.clone().unwrap_or_default().into_bytes();
        if label.len() >= 64 {
            return Err("Volume label too long: must be less than 64 characters".into());
        }
        let slots = match self.slots {
            Some(0) => return Err("Initial node slots must be at least 1".into()),
            Some(n) if n > 255 => return Err("Initial node slots must be no more than 255".into()),
            Some(n) => Some(n as u16),
            None => None,
        };
        let mut features = merge_features(self.fs_feature_level.as_deref(), self.fs_features.as_deref())?;
        let features_requested = features;

        let local_feature = Features::from_name("local").ok_or("feature table lacks local")?;
        let local = match self.mount.as_deref().map(str::to_ascii_lowercase) {
            None => features.contains(local_feature),
            Some(m) if !m.is_empty() && "local".starts_with(&m) => true,
            Some(m) if !m.is_empty() && "cluster".starts_with(&m) => false,
            Some(m) => return Err(format!("Invalid mount type {m}")),
        };
        features = if local { features.union(local_feature) } else { features.difference(local_feature) };
        let backup = Features::from_name("backup-super").ok_or("feature table lacks backup-super")?;
        if self.no_backup_super {
            features = features.difference(backup);
        }
        let (fs_type, fs_type_name) = match self.fs_type.as_deref() {
            None => (FsType::Default, None),
            Some("mail") => (FsType::Mail, Some("mail")),
            Some("datafiles") => (FsType::Datafiles, Some("datafiles")),
            Some("vmstore") => (FsType::Vmstore, Some("vmstore")),
            Some(_) => return Err("Bad fs type option specified.".into()),
        };
        let (journal_bytes, block64) = match &self.journal {
            Some(text) => parse_journal(text)?,
            None => (None, false),
        };
        let uuid = self.uuid.as_deref().map(parse_uuid).transpose()?;
        let cluster = self.cluster_info(local)?;
        if cluster.is_some() {
            let extended = Features::from_name("extended-slotmap").ok_or("feature table lacks extended-slotmap")?;
            features = features.union(extended);
            let stack_feature = if cluster.as_ref().is_some_and(|c| c.stack == "o2cb") { "clusterinfo" } else { "userspace-stack" };
            features = features.union(Features::from_name(stack_feature).ok_or("feature table lacks a stack feature")?);
        }
        if self.heartbeat_device {
            // A heartbeat device carries no filesystem: just these two flags.
            let only = |name: &str| Features::from_name(name).ok_or(format!("feature table lacks {name}"));
            features = only("heartbeat-device")?.union(only("strict-journal-super")?);
        }
        Ok(Settings {
            request: geometry::Request {
                device_bytes,
                sector_size,
                blocks_count: self.blocks_count,
                block_size,
                cluster_size,
                slots,
                journal_bytes,
                fs_type,
                local,
                heartbeat_device: self.heartbeat_device,
            },
            label,
            uuid,
            features,
            features_requested,
            cluster,
            block64,
            force: self.force,
            dry_run: self.dry_run,
            discard: !self.nodiscard,
            quiet: self.quiet,
            fs_type_name: fs_type_name.map(str::to_string),
            heartbeat_device: self.heartbeat_device,
        })
    }

    fn cluster_info(&self, local: bool) -> Result<Option<ClusterInfo>, String> {
        let invalid = |why: &str| Err(format!("Cluster stack is invalid ; {why}"));
        match (&self.cluster_stack, &self.cluster_name) {
            (None, None) if self.global_heartbeat => invalid("missing cluster stack"),
            (None, None) => Ok(None),
            _ if local => invalid("local mount is incompatible with the specified cluster attribute"),
            (Some(_), None) => invalid("missing cluster name"),
            (None, Some(_)) => invalid("missing cluster stack"),
            (Some(stack), Some(name)) => {
                if !matches!(stack.as_str(), "o2cb" | "pcmk" | "cman") {
                    return invalid(&format!("unknown cluster stack '{stack}'"));
                }
                if self.global_heartbeat && stack != "o2cb" {
                    return invalid("global heartbeat mode is only applicable to the o2cb cluster stack");
                }
                if name.is_empty() || name.len() > 16 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                    return invalid(&format!("invalid cluster name '{name}'"));
                }
                Ok(Some(ClusterInfo { stack: stack.clone(), name: name.clone(), global_heartbeat: self.global_heartbeat }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_numbers() {
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_number("010"), Ok(8));
        assert_eq!(parse_number("0x10"), Ok(16));
        assert!(parse_size("4Q").is_err());
    }

    #[test]
    fn uuids() {
        let u = parse_uuid("0123456789abcdef0123456789ABCDEF").unwrap();
        assert_eq!(u[0], 0x01);
        assert_eq!(parse_uuid("01234567-89ab-cdef-0123-456789abcdef").unwrap(), u);
        assert!(parse_uuid("0123").is_err());
    }

    #[test]
    fn journal_options() {
        assert_eq!(parse_journal("size=64M"), Ok((Some(64 << 20), false)));
        assert_eq!(parse_journal("size=8M,block64"), Ok((Some(8 << 20), true)));
        assert!(parse_journal("size=1M").unwrap_err().starts_with("Invalid journal size"));
        assert!(parse_journal("bogus").unwrap_err().starts_with("Bad journal options"));
    }

    #[test]
    fn feature_merging() {
        let default = FeatureLevel::Default.features();
        assert_eq!(merge_features(None, None).unwrap(), default);
        let f = merge_features(None, Some("nosparse")).unwrap();
        assert!(!f.contains(Features::from_name("unwritten").unwrap()));
        assert!(merge_features(None, Some("sparse,nosparse")).is_err());
        assert!(merge_features(None, Some("bogus")).is_err());
        assert!(merge_features(Some("max-nothing"), None).is_err());
    }
}
