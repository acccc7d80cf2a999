//! `super`: the superblock, its features by name, and where its backups are.

use crate::text::{printable, say};
use ocfs_format::dinode::Dinode;
use ocfs_format::features::{
    tunefs_flags, CompatFeatures, Features, IncompatFeatures, RoCompatFeatures,
};
use ocfs_format::superblock::backup_super_blknos;
use ocfs_volume::Volume;

pub fn show(vol: &Volume) -> String {
    let mut out = String::new();
    describe(&mut out, &vol.superblock(), 2);
    let bs = vol.block_size();
    let backups: Vec<String> = backup_super_blknos(bs, vol.fs_blocks() * u64::from(bs))
        .map(|b| b.to_string())
        .collect();
    say!(
        out,
        "Backup superblock locations: {}",
        if backups.is_empty() {
            "none inside the volume".into()
        } else {
            backups.join(" ")
        }
    );
    out
}

/// Prints the superblock inode read from `blkno` (the primary or a backup).
pub fn describe(out: &mut String, d: &Dinode<&[u8]>, blkno: u64) {
    let sb = d.super_block();
    let word = |f: Features| f.to_string();
    say!(out, "Superblock at block {blkno} (i_blkno {})", d.i_blkno());
    say!(
        out,
        "Revision: {}.{}",
        sb.s_major_rev_level(),
        sb.s_minor_rev_level()
    );
    say!(
        out,
        "Mount count: {}   Max mount count: {}",
        sb.s_mnt_count(),
        sb.s_max_mnt_count()
    );
    say!(out, "State: {}   Errors: {}", sb.s_state(), sb.s_errors());
    say!(
        out,
        "Check interval: {}   Last check: {}",
        sb.s_checkinterval(),
        sb.s_lastcheck()
    );
    say!(out, "Creator OS: {}", sb.s_creator_os());
    let compat = Features {
        compat: CompatFeatures(sb.s_feature_compat()),
        ..Features::EMPTY
    };
    let incompat = Features {
        incompat: IncompatFeatures(sb.s_feature_incompat()),
        ..Features::EMPTY
    };
    let ro_compat = Features {
        ro_compat: RoCompatFeatures(sb.s_feature_ro_compat()),
        ..Features::EMPTY
    };
    say!(
        out,
        "Feature compat: {} {}",
        sb.s_feature_compat(),
        word(compat)
    );
    say!(
        out,
        "Feature incompat: {} {}",
        sb.s_feature_incompat(),
        word(incompat)
    );
    let tunefs = crate::text::flag_names(sb.s_tunefs_flag(), tunefs_flags::NAMES);
    say!(out, "Tunefs incomplete: {} {tunefs}", sb.s_tunefs_flag());
    say!(
        out,
        "Feature ro_compat: {} {}",
        sb.s_feature_ro_compat(),
        word(ro_compat)
    );
    say!(
        out,
        "Root dir: {}   System dir: {}",
        sb.s_root_blkno(),
        sb.s_system_dir_blkno()
    );
    say!(out, "First cluster group: {}", sb.s_first_cluster_group());
    say!(
        out,
        "Block size: {} ({} bits)",
        sb.block_size().unwrap_or(0),
        sb.s_blocksize_bits()
    );
    say!(
        out,
        "Cluster size: {} ({} bits)",
        sb.cluster_size().unwrap_or(0),
        sb.s_clustersize_bits()
    );
    say!(out, "Clusters: {}", d.i_clusters());
    say!(out, "Max node slots: {}", sb.s_max_slots());
    say!(out, "Xattr inline size: {}", sb.s_xattr_inline_size());
    say!(out, "Label: {}", printable(sb.label()));
    let uuid: String = sb.s_uuid().iter().map(|b| format!("{b:02X}")).collect();
    say!(out, "UUID: {uuid}");
    say!(
        out,
        "UUID hash: {} ({:#x})",
        sb.s_uuid_hash(),
        sb.s_uuid_hash()
    );
    let seeds = sb.s_dx_seed();
    say!(
        out,
        "DX seeds: {} {} {} ({:#010x} {:#010x} {:#010x})",
        seeds[0],
        seeds[1],
        seeds[2],
        seeds[0],
        seeds[1],
        seeds[2]
    );
    let clusterinfo = incompat
        .incompat
        .intersects(IncompatFeatures::CLUSTERINFO.union(IncompatFeatures::USERSPACE_STACK));
    if clusterinfo {
        say!(out, "Cluster stack: {}", printable(sb.cluster_stack()));
        say!(out, "Cluster name: {}", printable(sb.cluster_name()));
        say!(
            out,
            "Cluster flags: {:#x}{}",
            sb.ci_stackflags(),
            if sb.ci_stackflags() & 1 != 0 {
                " global-heartbeat"
            } else {
                ""
            }
        );
    } else {
        say!(out, "Cluster stack: classic o2cb");
    }
    say!(
        out,
        "FS generation: {} ({:#x})",
        d.i_fs_generation(),
        d.i_fs_generation()
    );
    let check = d.i_check();
    say!(out, "CRC32: {:08x}   ECC: {:04x}", check.crc32e, check.ecc);
}
