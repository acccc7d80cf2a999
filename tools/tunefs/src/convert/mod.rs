//! The `--fs-features` toggles that change more than the superblock: what each rewrites
//! before the superblock carries the new feature bits, in tunefs.ocfs2 1.8.7's order
//! (`tunefs.ocfs2/feature_*.c`).  Each runs after the volume was found unused, and each
//! checks everything it refuses for before its first write.

mod backup_super;
mod deinline;
mod desparse;
mod discontig;
mod index;
mod metaecc;
mod quota;
mod refcount;
mod slotmap_layout;
mod unindex;
mod unwritten;
mod xattr;

use ocfs_volume::Volume;

/// One data change a feature toggle needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// "extended-slotmap" on (true) or off: the slot map rewritten in that layout.
    SlotMapLayout { extended: bool },
    /// "discontig-bg" off: no discontiguous group may exist; suballocator groups get the
    /// bitmap size of volumes without the feature.
    ContiguousGroups,
    /// "xattr" off: only when no inode carries extended attributes.
    NoXattrs,
    /// "indexed-dirs" off: every directory index freed.
    Unindex,
    /// "unwritten" off: unwritten extents below i_size zeroed and marked written.
    MarkWritten,
    /// "metaecc" on: directory trailers installed, every metadata block's check stored.
    MetaEcc,
    /// "usrquota" (0) / "grpquota" (1) on: quota files created, usage computed.
    QuotaOn(usize),
    /// "nousrquota" (0) / "nogrpquota" (1): quota files removed.
    QuotaOff(usize),
    /// "backup-super" on (true): the backup superblock clusters allocated and written;
    /// off: freed.
    BackupSuper(bool),
    /// "refcount" off: only when no inode has a refcount tree.
    NoRefcount,
    /// "inline-data" off: every inline file and directory moved out to a cluster.
    Deinline,
    /// "sparse" off: holes below i_size filled, allocation past it cut.
    Desparse,
    /// "sparse" on: allocation past i_size cut.
    SparseOn,
    /// "indexed-dirs" on: trailers and an index for every directory in blocks, hashed with
    /// this seed and `s_uuid_hash`.
    Index { seed: [u32; 3], uuid_hash: u32 },
}

/// A fresh `s_dx_seed` (or the test override).
pub fn new_dx_seed() -> Result<[u32; 3], String> {
    index::new_seed()
}

/// Checks every conversion's preconditions, then runs them in order.
pub fn run(vol: &mut Volume, conversions: &[Conversion]) -> Result<(), String> {
    let mut groups = Vec::new();
    let mut indexed = Vec::new();
    let mut unwritten = Vec::new();
    let mut ecc = None;
    let mut backups = Vec::new();
    let mut deinline = None;
    let mut desparse = Vec::new();
    let mut truncated = Vec::new();
    let mut to_index = Vec::new();
    let quotas: Vec<usize> = conversions
        .iter()
        .filter_map(|c| match c {
            Conversion::QuotaOn(kind) => Some(*kind),
            _ => None,
        })
        .collect();
    if !quotas.is_empty() {
        quota::check_on(vol, &quotas)?;
    }
    if conversions.contains(&Conversion::Deinline) && conversions.contains(&Conversion::Unindex) {
        return Err(
            "disabling \"inline-data\" indexes the directories it moves out: disable \"indexed-dirs\" in a separate run"
                .into(),
        );
    }
    for conversion in conversions {
        match conversion {
            Conversion::SlotMapLayout { extended } => slotmap_layout::check(vol, *extended)?,
            Conversion::ContiguousGroups => groups = discontig::groups_to_resize(vol)?,
            Conversion::NoXattrs => xattr::check_none(vol)?,
            Conversion::Unindex => indexed = unindex::find(vol)?,
            Conversion::MarkWritten => unwritten = unwritten::find(vol)?,
            Conversion::MetaEcc => {
                if conversions.len() > 1 {
                    return Err(
                        "enabling \"metaecc\" rewrites every metadata block: toggle it alone"
                            .into(),
                    );
                }
                ecc = Some(metaecc::find(vol)?);
            }
            Conversion::BackupSuper(true) => backups = backup_super::check_on(vol)?,
            Conversion::BackupSuper(false) => backups = backup_super::check_off(vol)?,
            Conversion::NoRefcount => refcount::check_none(vol)?,
            Conversion::Deinline => deinline = Some(deinline::find(vol)?),
            Conversion::Desparse => desparse = desparse::find(vol)?,
            Conversion::SparseOn => truncated = desparse::find_all(vol)?,
            Conversion::Index { .. } => {
                if conversions.len() > 1 {
                    return Err("enabling \"indexed-dirs\" rewrites every directory: toggle it alone".into());
                }
                to_index = index::find(vol)?;
            }
            Conversion::QuotaOn(_) | Conversion::QuotaOff(_) => {}
        }
    }
    // Unwritten extents are marked written before holes are filled: the records that
    // marking rewrites are found before any tree changes shape.
    let mut order: Vec<&Conversion> = conversions.iter().collect();
    order.sort_by_key(|c| matches!(c, Conversion::Desparse));
    for conversion in order {
        match conversion {
            Conversion::SlotMapLayout { extended } => slotmap_layout::rewrite(vol, *extended)?,
            Conversion::ContiguousGroups => discontig::resize_groups(vol, &groups)?,
            Conversion::NoXattrs => {}
            Conversion::Unindex => unindex::remove(vol, &indexed)?,
            Conversion::MarkWritten => unwritten::convert(vol, &unwritten)?,
            Conversion::MetaEcc => {
                if let Some(plan) = &ecc {
                    metaecc::write(vol, plan)?;
                }
            }
            Conversion::QuotaOn(kind) => quota::enable(vol, *kind)?,
            Conversion::QuotaOff(kind) => quota::disable(vol, *kind)?,
            Conversion::BackupSuper(true) => backup_super::enable(vol, &backups)?,
            Conversion::BackupSuper(false) => backup_super::disable(vol, &backups)?,
            Conversion::NoRefcount => {}
            Conversion::Deinline => {
                if let Some(plan) = &deinline {
                    deinline::convert(vol, plan)?;
                }
            }
            Conversion::Desparse => desparse::convert(vol, &desparse)?,
            Conversion::SparseOn => desparse::truncate_all(vol, &truncated)?,
            Conversion::Index { seed, uuid_hash } => {
                index::build(vol, &to_index, *seed, *uuid_hash)?
            }
        }
    }
    Ok(())
}
