//! tunefs.ocfs: change the parameters of an OCFS2 volume that live in its superblock alone,
//! as tunefs.ocfs2 1.8.7 changes them: the label (-L), the UUID (-U), the feature toggles
//! that need no data conversion (--fs-features), and queries (-Q).
//!
//! Every change is refused while the volume is in use (a node heartbeating on it, a dirty
//! journal, a local mount), then written to the primary superblock and every backup, with
//! metaecc kept valid.  Options that need allocation (-N, -J, -S, ...) are refused.

mod features;
mod guard;
mod query;
mod uuid;
mod write;

use clap::Parser;
use ocfs_format::dinode::Dinode;
use ocfs_volume::Volume;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "tunefs.ocfs",
    version,
    about = "Change the superblock parameters of an OCFS2 volume"
)]
struct Cli {
    /// Print superblock fields through a query format (%B %T %N %R %Y %P %V %U %M %H %O).
    #[arg(short = 'Q', long = "query", value_name = "FORMAT", conflicts_with_all = ["label", "uuid", "features"])]
    query: Option<String>,
    /// Set the volume label (at most 64 bytes are kept).
    #[arg(short = 'L', long = "label")]
    label: Option<String>,
    /// Reset the UUID: to a random one, or to UUID (32 hex digits or dashed), or
    /// `random`, or `time` (version 1).  The value must be attached: -U<uuid>, --uuid-reset=<uuid>.
    #[arg(short = 'U', long = "uuid-reset", value_name = "UUID", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    uuid: Option<String>,
    /// Toggle features: a comma-separated list, `no` before a name to clear it.
    #[arg(long = "fs-features", value_name = "LIST")]
    features: Option<String>,
    /// Print what is written.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Accepted for tunefs.ocfs2 compatibility: this tool asks no questions.
    #[arg(short = 'y', long = "yes")]
    yes: bool,
    /// Change the number of node slots (not supported yet).
    #[arg(short = 'N', long = "node-slots", value_name = "N")]
    node_slots: Option<String>,
    /// Change the journals (not supported yet).
    #[arg(short = 'J', long = "journal-options", value_name = "OPTIONS")]
    journal: Option<String>,
    /// Grow the volume (not supported yet).
    #[arg(short = 'S', long = "volume-size")]
    grow: bool,
    /// Add backup superblocks (not supported yet).
    #[arg(long = "backup-super")]
    backup_super: bool,
    /// The device or image.
    device: PathBuf,
    /// The new size in blocks for -S.
    blocks: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(attach_uuid(std::env::args()));
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tunefs.ocfs: {message}");
            ExitCode::FAILURE
        }
    }
}

/// tunefs.ocfs2 takes `-U<uuid>` (getopt's optional argument); clap needs `-U=<uuid>`.
fn attach_uuid(args: impl Iterator<Item = String>) -> impl Iterator<Item = String> {
    args.map(|a| match a.strip_prefix("-U") {
        Some(rest) if !rest.is_empty() && !rest.starts_with('=') => format!("-U={rest}"),
        _ => a,
    })
}

fn run(cli: &Cli) -> Result<(), String> {
    refuse_unsupported(cli)?;
    if let Some(format) = &cli.query {
        let vol = Volume::open(&cli.device, false).map_err(|e| e.to_string())?;
        let text = query::expand(format, &vol.superblock())?;
        let mut out = std::io::stdout().lock();
        return out
            .write_all(&text)
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write the answer: {e}"));
    }
    if cli.label.is_none() && cli.uuid.is_none() && cli.features.is_none() {
        return Err("nothing to do: give -L, -U, --fs-features or -Q".into());
    }
    let vol = Volume::open(&cli.device, true).map_err(|e| e.to_string())?;
    guard::check_writable(&vol)?;
    let old = vol.superblock_inode().bytes().to_vec();
    let mut new = old.clone();
    apply(cli, &mut new)?;
    if new == old {
        if cli.verbose {
            println!("{}: nothing to change", cli.device.display());
        }
        return Ok(());
    }
    let written = write::write_superblocks(&vol, &new)?;
    if cli.verbose {
        let list: Vec<String> = written.iter().map(u64::to_string).collect();
        println!("Wrote the superblock to block(s) {}", list.join(", "));
    }
    Ok(())
}

/// Options that need allocation or other work this tool does not do yet.
fn refuse_unsupported(cli: &Cli) -> Result<(), String> {
    let refused = [
        (
            cli.node_slots.is_some(),
            "-N (node slots): it allocates or frees journals and per-slot system files",
        ),
        (
            cli.journal.is_some(),
            "-J (journal options): it reallocates the journals",
        ),
        (
            cli.grow,
            "-S (volume size): it adds cluster groups to the global bitmap",
        ),
        (
            cli.backup_super,
            "--backup-super: it allocates the backup superblock clusters",
        ),
    ];
    if let Some((_, what)) = refused.iter().find(|(asked, _)| *asked) {
        return Err(format!("{what}; not supported yet"));
    }
    if cli.blocks.is_some() {
        return Err("a size argument is only valid with -S".into());
    }
    Ok(())
}

/// The new superblock block: `block` with the label, UUID and features asked for.
fn apply(cli: &Cli, block: &mut [u8]) -> Result<(), String> {
    let mut inode = Dinode::new(block).map_err(|e| e.to_string())?;
    if let Some(list) = &cli.features {
        let plan = features::plan(list, &inode.by_ref().super_block())?;
        let mut sb = inode.super_block_mut();
        sb.set_features(plan.features);
        sb.set_s_uuid_hash(plan.uuid_hash);
        sb.set_s_xattr_inline_size(plan.xattr_inline_size);
    }
    let mut sb = inode.super_block_mut();
    if let Some(label) = &cli.label {
        // strncpy() into the 64-byte field: longer labels are cut, shorter ones NUL-padded.
        sb.set_label(label.as_bytes());
    }
    if let Some(arg) = &cli.uuid {
        // s_uuid_hash stays: it seeds the hashes of existing xattr and indexed-dir entries,
        // and tunefs.ocfs2 leaves it too.
        sb.set_s_uuid(uuid::new_uuid(arg)?);
    }
    Ok(())
}
