//! ocfs-inspect: print any structure of an OCFS2 volume by block number or by path, as
//! `debugfs.ocfs2 -R stat` does, and check every reachable metadata block.  Read-only.

mod check;
mod show_block;
mod show_inode;
mod show_misc;
mod show_super;
mod target;
mod text;

use clap::{Parser, Subcommand};
use ocfs_volume::Volume;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ocfs-inspect",
    version,
    about = "Print the structures of an OCFS2 volume (read-only)"
)]
struct Cli {
    /// The device or image.
    device: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The superblock, with feature names and backup locations.
    Super,
    /// An inode: PATH (/a/b, //system_file) or #BLKNO (or <BLKNO>).
    Stat { inode: String },
    /// The entries of a directory: inode, type, name.
    Ls { dir: String },
    /// Any block, identified by its signature and decoded (hex dump if unknown).
    Block { blkno: u64 },
    /// The chains and groups of a chain allocator (e.g. //global_bitmap).
    Groups { allocator: String },
    /// The slot map.
    Slots,
    /// Which nodes are heartbeating (watches the area for 2.5 s).
    Heartbeat,
    /// Validate every reachable metadata block; exit 1 at the first error.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("ocfs-inspect: cannot write the output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            eprintln!("ocfs-inspect: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<String, String> {
    let vol = Volume::open(&cli.device, false).map_err(|e| e.to_string())?;
    let inode = |spec: &str| {
        target::inode_blkno(&vol, spec)
            .and_then(|b| vol.read_inode(b))
            .map_err(|e| e.to_string())
    };
    let text = match &cli.command {
        Command::Super => show_super::show(&vol),
        Command::Stat { inode: spec } => {
            show_inode::show(&vol, &inode(spec)?).map_err(|e| e.to_string())?
        }
        Command::Ls { dir } => show_misc::ls(&vol, &inode(dir)?).map_err(|e| e.to_string())?,
        Command::Block { blkno } => show_block::show(&vol, *blkno).map_err(|e| e.to_string())?,
        Command::Groups { allocator } => {
            show_misc::groups(&vol, &inode(allocator)?).map_err(|e| e.to_string())?
        }
        Command::Slots => show_misc::slots(&vol).map_err(|e| e.to_string())?,
        Command::Heartbeat => show_misc::heartbeat(&vol).map_err(|e| e.to_string())?,
        Command::Check => {
            let tally = check::check(&vol).map_err(|e| format!("check failed: {e}"))?;
            format!(
                "{}: clean ({} checked)\n",
                cli.device.display(),
                tally.summary()
            )
        }
    };
    Ok(text)
}
