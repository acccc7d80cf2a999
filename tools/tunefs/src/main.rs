//! tunefs.ocfs: change the parameters of an OCFS2 volume as tunefs.ocfs2 1.8.7 changes them:
//! the label (-L), the UUID (-U), feature toggles (--fs-features: those of the superblock
//! alone and some that rewrite data, see `features` and `convert`), queries (-Q), and the
//! operations that allocate: the number of node slots (-N), the journal size (-J size=),
//! growing the volume (-S).
//!
//! Every change is refused while the volume is in use (a node heartbeating on it, a dirty
//! journal, a local mount) or marked by an interrupted operation; superblock changes are
//! written to the primary superblock and every backup, with metaecc kept valid.  The
//! allocating operations go through ocfs-volume's write side, in libocfs2's order, with
//! tunefs.ocfs2's in-progress markers (Documentation/tunefs.md).

mod convert;
mod features;
mod guard;
mod inprog;
mod journal;
mod query;
mod quota;
mod resize;
mod slotmap;
mod slots;
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
    #[arg(short = 'Q', long = "query", value_name = "FORMAT", conflicts_with_all = ["label", "uuid", "features", "backup_super"])]
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
    /// Change the number of node slots.
    #[arg(short = 'N', long = "node-slots", value_name = "N")]
    node_slots: Option<String>,
    /// Journal options: size=SIZE resizes every journal (K/M/G/T/P suffixes).
    #[arg(short = 'J', long = "journal-options", value_name = "OPTIONS")]
    journal: Option<String>,
    /// Grow the volume to the device's size, or to the size given after the device
    /// (in blocks, or in the unit attached: -Sbytes, -Sblocks, -Sclusters).
    #[arg(short = 'S', long = "volume-size", value_name = "UNIT", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    grow: Option<String>,
    /// Add backup superblocks: the same as --fs-features=backup-super.
    #[arg(long = "backup-super")]
    backup_super: bool,
    /// The device or image.
    device: PathBuf,
    /// The new size for -S.
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

/// tunefs.ocfs2 takes `-U<uuid>` and `-S<unit>` (getopt's optional arguments); clap needs
/// `-U=<uuid>`.
fn attach_uuid(args: impl Iterator<Item = String>) -> impl Iterator<Item = String> {
    args.map(|a| {
        for flag in ["-U", "-S"] {
            if let Some(rest) = a.strip_prefix(flag) {
                if !rest.is_empty() && !rest.starts_with('=') {
                    return format!("{flag}={rest}");
                }
            }
        }
        a
    })
}

fn run(cli: &Cli) -> Result<(), String> {
    refuse_unsupported(cli)?;
    if cli.node_slots.is_some() || cli.journal.is_some() || cli.grow.is_some() {
        return run_allocating(cli);
    }
    if let Some(format) = &cli.query {
        let vol = Volume::open(&cli.device, false).map_err(|e| e.to_string())?;
        let text = query::expand(format, &vol.superblock())?;
        let mut out = std::io::stdout().lock();
        return out
            .write_all(&text)
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write the answer: {e}"));
    }
    if cli.label.is_none() && cli.uuid.is_none() && feature_list(cli).is_none() {
        return Err("nothing to do: give -L, -U, --fs-features or -Q".into());
    }
    let mut vol = Volume::open(&cli.device, true).map_err(|e| e.to_string())?;
    guard::check_writable(&vol)?;
    let old = vol.superblock_inode().bytes().to_vec();
    let mut new = old.clone();
    let conversions = apply(cli, &mut new)?;
    if !conversions.is_empty() {
        // They may allocate (a larger slot map): tunefs_open()'s allocation checks.
        guard::check_global_bitmap(&vol)?;
        convert::run(&mut vol, &conversions)?;
    }
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

/// Options that need work this tool does not do yet, and combinations it does not run.
fn refuse_unsupported(cli: &Cli) -> Result<(), String> {
    if cli.blocks.is_some() && cli.grow.is_none() {
        return Err("a size argument is only valid with -S".into());
    }
    let allocating = [
        cli.node_slots.is_some(),
        cli.journal.is_some(),
        cli.grow.is_some(),
    ];
    let superblock_only = cli.label.is_some() || cli.uuid.is_some() || feature_list(cli).is_some();
    let count = allocating.iter().filter(|a| **a).count();
    if count > 1 || (count == 1 && (superblock_only || cli.query.is_some())) {
        return Err(
            "-N, -J and -S each run on their own: give one of them, without -L, -U, --fs-features or -Q"
                .into(),
        );
    }
    Ok(())
}

/// -N, -J and -S: `tunefs_open()` with TUNEFS_FLAG_ALLOCATION (the volume unused, journals
/// clean, the global bitmap consistent), then the operation.
fn run_allocating(cli: &Cli) -> Result<(), String> {
    // Parse before touching the volume, as tunefs.ocfs2 parses its options first.
    let slots = match &cli.node_slots {
        Some(text) => Some(parse_slots(text)?),
        None => None,
    };
    let journal_size = match &cli.journal {
        Some(options) => Some(parse_journal_options(options)?),
        None => None,
    };
    let resize = match &cli.grow {
        Some(unit) => {
            let unit = (!unit.is_empty()).then_some(unit.as_str());
            Some(resize::parse(unit, cli.blocks.as_deref())?)
        }
        None => None,
    };
    let mut vol = Volume::open(&cli.device, true).map_err(|e| e.to_string())?;
    guard::check_writable(&vol)?;
    let survey = journal::survey(&vol)?;
    guard::check_global_bitmap(&vol)?;
    if let Some(slots) = slots {
        return slots::set_slot_count(&mut vol, slots, &survey, cli.verbose).map_err(|e| {
            format!(
                "{e} - unable to update the number of slots on device \"{}\"",
                cli.device.display()
            )
        });
    }
    if let Some(bytes) = journal_size {
        let bs = u64::from(vol.block_size());
        let cluster = u64::from(vol.params().cluster_size);
        let mut clusters = (bytes.div_ceil(bs) * bs).div_ceil(cluster) as u32;
        if clusters == 0 {
            clusters = survey.max_clusters;
        }
        let slots = vol.params().max_slots;
        if (u64::from(clusters) << vol.params().cluster_size.trailing_zeros())
            >= ocfs_format::superblock::MIN_JOURNAL_SIZE
        {
            journal::check_room(&vol, slots, clusters, 0).map_err(|e| {
                format!(
                    "{e} - unable to resize the journals on device \"{}\"",
                    cli.device.display()
                )
            })?;
        }
        let mut w = ocfs_volume::Writer::new(&vol);
        return journal::set_size(&mut w, slots, clusters, &survey).map_err(|e| {
            format!(
                "{e} - unable to resize the journals on device \"{}\"",
                cli.device.display()
            )
        });
    }
    if let Some(request) = resize {
        return resize::grow(&mut vol, request, &survey, cli.verbose);
    }
    Ok(())
}

/// `set_slot_count_parse_option()`.
fn parse_slots(text: &str) -> Result<u16, String> {
    let n: i64 = text
        .parse()
        .map_err(|_| format!("Invalid number: \"{text}\""))?;
    if n < 1 {
        return Err("At least one slot required".into());
    }
    u16::try_from(n).map_err(|_| format!("Number of slots is out of range: {text}"))
}

/// `handle_journal_arg()`: a comma list of which only `size=SIZE` exists.
fn parse_journal_options(options: &str) -> Result<u64, String> {
    let mut size = None;
    for token in options.split(',').filter(|t| !t.is_empty()) {
        let (name, value) = match token.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (token, None),
        };
        if name != "size" {
            return Err(format!(
                "Unknown journal option: \"{name}\"\nValid journal options are:\n\tsize=<journal-size>"
            ));
        }
        let value = value.ok_or("No size specified")?;
        size = Some(
            journal::parse_size(value)
                .ok_or_else(|| format!("- journal size is invalid: {value}"))?,
        );
    }
    size.ok_or_else(|| "Valid journal options are:\n\tsize=<journal-size>".to_string())
}

/// The toggles asked for: --fs-features, and "backup-super" for --backup-super.
fn feature_list(cli: &Cli) -> Option<String> {
    match (&cli.features, cli.backup_super) {
        (Some(list), true) => Some(format!("{list},backup-super")),
        (Some(list), false) => Some(list.clone()),
        (None, true) => Some("backup-super".into()),
        (None, false) => None,
    }
}

/// The new superblock block: `block` with the label, UUID and features asked for.  Returns
/// what the feature toggles must rewrite before it is written.
fn apply(cli: &Cli, block: &mut [u8]) -> Result<Vec<convert::Conversion>, String> {
    let mut inode = Dinode::new(block).map_err(|e| e.to_string())?;
    let mut conversions = Vec::new();
    if let Some(list) = feature_list(cli) {
        let plan = features::plan(&list, &inode.by_ref().super_block())?;
        let mut sb = inode.super_block_mut();
        sb.set_features(plan.features);
        sb.set_s_uuid_hash(plan.uuid_hash);
        sb.set_s_xattr_inline_size(plan.xattr_inline_size);
        let [seed0, seed1, seed2] = plan.dx_seed;
        sb.set_s_dx_seed0(seed0);
        sb.set_s_dx_seed1(seed1);
        sb.set_s_dx_seed2(seed2);
        conversions = plan.conversions;
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
    Ok(conversions)
}
