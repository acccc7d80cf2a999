//! mkfs.ocfs: make an OCFS2 volume that ocfs2-tools and the kernel's C ocfs2 accept, laid out
//! block for block as mkfs.ocfs2 1.8.7 lays it out (Documentation/mkfs-layout.md).

mod bitmap;
mod device;
mod dirs;
mod geometry;
mod layout;
mod options;
mod probe;

use clap::Parser;
use device::Device;
use geometry::Geometry;
use options::{Cli, Settings};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mkfs.ocfs: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    let writable = !cli.dry_run;
    let dev = Device::open(&cli.device, writable).map_err(|e| format!("{}: {e}", cli.device.display()))?;
    let settings = cli.settings(dev.size, dev.sector_size)?;
    let geometry = geometry::compute(&settings.request).map_err(|e| e.0)?;
    if !settings.quiet {
        print_state(&settings, &geometry);
    }
    if settings.dry_run {
        println!("Dry run");
        return Ok(());
    }
    check_target(&dev, &settings)?;
    if settings.discard {
        discard(&dev, geometry.bytes(), settings.quiet);
    }

    let say = |line: &str| {
        if !settings.quiet {
            println!("{line}");
        }
    };
    let mut builder = layout::Builder::new(&settings, &geometry)?;
    builder.phase_a()?;
    say("Creating bitmaps: done");
    say("Initializing superblock: done");
    say("Writing system files: done");
    say("Writing superblock: done");
    let mut progress = |line: &str| say(line);
    builder.phase_b(&mut progress)?;
    builder.write(&dev)?;
    say("mkfs.ocfs successful\n");
    Ok(())
}

/// Refuse, writing nothing, to destroy what is there unless `-F`: another filesystem, an
/// OCFS2 volume, and above all one that nodes are heartbeating on.
fn check_target(dev: &Device, settings: &Settings) -> Result<(), String> {
    let path = dev.path.display();
    if let Ok(volume) = ocfs_volume::Volume::open(&dev.path, false) {
        let live = volume.live_nodes(ocfs_volume::LIVENESS_WAIT).unwrap_or_else(|e| {
            eprintln!("mkfs.ocfs: WARNING: cannot watch the heartbeat area of {path}: {e}");
            Vec::new()
        });
        if !live.is_empty() {
            let nodes: Vec<String> = live.iter().map(|beat| beat.slot.to_string()).collect();
            let what = format!("{path} is in use: node(s) {} are heartbeating on it", nodes.join(", "));
            if !settings.force {
                return Err(format!("{what}; will not format it (unmount it everywhere, or -F to force)"));
            }
            eprintln!("mkfs.ocfs: WARNING: {what}; formatting anyway (-F)");
        }
        if !settings.force {
            let label = String::from_utf8_lossy(volume.superblock().super_block().label()).into_owned();
            return Err(format!("{path} holds an OCFS2 volume (label \"{label}\"); use -F to overwrite it"));
        }
        if !settings.quiet {
            println!("Overwriting existing ocfs2 partition.");
        }
    } else if let Some(kind) = probe::other_filesystem(dev) {
        if !settings.force {
            return Err(format!("{path} holds a {kind} filesystem; use -F to overwrite it"));
        }
    }
    Ok(())
}

/// `discard_device_blocks()`: the whole volume, before anything is written.  Storage that
/// cannot discard is no reason to stop: mkfs.ocfs2 says why (unless it is simply not
/// supported, or `-q`) and formats anyway.
fn discard(dev: &Device, bytes: u64, quiet: bool) {
    if let Err(e) = dev.discard(0, bytes) {
        if !quiet && e.raw_os_error() != Some(libc::EOPNOTSUPP) {
            eprintln!("mkfs.ocfs: Discard device blocks: {e}");
        }
    }
}

/// The summary mkfs.ocfs2 prints before formatting (`print_state`).
fn print_state(s: &Settings, g: &Geometry) {
    if let Some(t) = &s.fs_type_name {
        println!("Filesystem Type of {t}");
    }
    println!("Label: {}", String::from_utf8_lossy(&s.label));
    let features: Vec<&str> = s.features_requested.names().collect();
    println!("Features: {}", features.join(" "));
    println!("Block size: {} ({} bits)", g.block_size, g.block_bits);
    println!("Cluster size: {} ({} bits)", g.cluster_size, g.cluster_bits);
    println!("Volume size: {} ({} clusters) ({} blocks)", g.bytes(), g.clusters, g.blocks);
    println!(
        "Cluster groups: {} (tail covers {} clusters, rest cover {} clusters)",
        g.groups, g.tail_clusters, g.cpg
    );
    let summary = layout::summary(g);
    println!(
        "Extent allocator size: {} ({} groups)",
        u64::from(g.extent_alloc_clusters) << g.cluster_bits,
        summary.extent_alloc_groups
    );
    if s.heartbeat_device {
        println!("Heartbeat device");
    } else {
        println!("Journal size: {}", g.journal_bytes);
    }
    println!("Node slots: {}", g.slots);
}
