//! `--fs-features`: the toggles tunefs.ocfs2 1.8.7 does by rewriting the superblock alone,
//! done here the same way, and those that change data first ([`Conversion`], run by
//! `convert`); every other toggle is refused, naming what it would need.
//!
//! The list is parsed as `ocfs2_parse_feature()` does: names of its `--fs-features` table,
//! `no` to clear; enabling "unwritten" also asks for "sparse", clearing "sparse" also clears
//! "unwritten"; asking to set and clear the same feature is an error.

use crate::convert::Conversion;
use ocfs_format::features::{Features, IncompatFeatures};
use ocfs_format::superblock::{
    SuperBlock, CLASSIC_CLUSTER_STACK, CLUSTER_O2CB_GLOBAL_HEARTBEAT, MIN_XATTR_INLINE_SIZE,
};

/// The features tunefs.ocfs2 can toggle (`ocfs2_supported_features[]` of 1.8.7).
const TOGGLEABLE: &[&str] = &[
    "local",
    "sparse",
    "backup-super",
    "unwritten",
    "extended-slotmap",
    "inline-data",
    "metaecc",
    "xattr",
    "indexed-dirs",
    "usrquota",
    "grpquota",
    "refcount",
    "discontig-bg",
    "clusterinfo",
    "append-dio",
];

/// Why each toggle that rewrites more than the superblock is not done (yet).
fn unsupported_reason(name: &str, enable: bool) -> &'static str {
    match (name, enable) {
        ("local", false) => "the running cluster stack's description",
        ("clusterinfo", true) => "the running cluster stack's description",
        _ => "more than a superblock change",
    }
}

/// The superblock after the toggles.
#[derive(Debug)]
pub struct Plan {
    pub features: Features,
    pub uuid_hash: u32,
    pub xattr_inline_size: u16,
    pub dx_seed: [u32; 3],
    /// What must be rewritten before the superblock, in order.
    pub conversions: Vec<Conversion>,
}

/// Parses `list` as tunefs.ocfs2 does: (features to set, features to clear).
fn parse(list: &str) -> Result<(Features, Features), String> {
    let mut set = Features::EMPTY;
    let mut clear = Features::EMPTY;
    for token in list.split(',').filter(|t| !t.is_empty()) {
        let (name, enable) = match token.strip_prefix("no") {
            Some(name) => (name, false),
            None => (token, true),
        };
        let feature = TOGGLEABLE
            .contains(&name)
            .then(|| Features::from_name(name))
            .flatten()
            .ok_or_else(|| {
                format!("Unsupported feature(s) found while parsing feature options \"{list}\"")
            })?;
        if enable {
            set = set.union(feature);
        } else {
            clear = clear.union(feature);
        }
    }
    let (sparse, unwritten) = (named("sparse"), named("unwritten"));
    if set.intersects(unwritten) {
        set = set.union(sparse);
    }
    if clear.intersects(sparse) {
        clear = clear.union(unwritten);
    }
    if set.intersects(clear) {
        return Err(format!(
            "Conflicting features specified while parsing feature options \"{list}\""
        ));
    }
    Ok((set, clear))
}

fn named(name: &str) -> Features {
    Features::from_name(name).unwrap_or(Features::EMPTY)
}

/// The superblock fields after toggling `list` on the volume whose superblock is `sb`.
pub fn plan(list: &str, sb: &SuperBlock<&[u8]>) -> Result<Plan, String> {
    let (set, clear) = parse(list)?;
    let current = sb.features();
    let mut plan = Plan {
        features: current,
        uuid_hash: sb.s_uuid_hash(),
        xattr_inline_size: sb.s_xattr_inline_size(),
        dx_seed: sb.s_dx_seed(),
        conversions: Vec::new(),
    };
    let has = |f: &str| current.intersects(named(f));
    // Only real changes count: enabling what is on, or clearing what is off, does nothing.
    let enable: Vec<&str> = TOGGLEABLE
        .iter()
        .copied()
        .filter(|f| set.intersects(named(f)) && !has(f))
        .collect();
    let disable: Vec<&str> = TOGGLEABLE
        .iter()
        .copied()
        .filter(|f| clear.intersects(named(f)) && has(f))
        .collect();
    for name in &disable {
        disable_one(name, sb, &mut plan)?;
    }
    for name in &enable {
        enable_one(name, sb, &mut plan)?;
    }
    Ok(plan)
}

fn refuse(name: &str, enable: bool) -> String {
    let verb = if enable { "enabling" } else { "disabling" };
    format!(
        "{verb} \"{name}\" is not supported yet: it needs {}",
        unsupported_reason(name, enable)
    )
}

fn enable_one(name: &str, sb: &SuperBlock<&[u8]>, plan: &mut Plan) -> Result<(), String> {
    let f = named(name);
    match name {
        "inline-data" | "append-dio" | "discontig-bg" | "refcount" => {
            plan.features = plan.features.union(f)
        }
        "extended-slotmap" => {
            plan.features = plan.features.union(f);
            plan.conversions
                .push(Conversion::SlotMapLayout { extended: true });
        }
        "metaecc" => {
            plan.features = plan.features.union(f);
            plan.conversions.push(Conversion::MetaEcc);
        }
        "usrquota" | "grpquota" => {
            plan.features = plan.features.union(f);
            plan.conversions
                .push(Conversion::QuotaOn(usize::from(name == "grpquota")));
        }
        "backup-super" => {
            plan.features = plan.features.union(f);
            plan.conversions.push(Conversion::BackupSuper(true));
        }
        "sparse" => {
            plan.features = plan.features.union(f);
            plan.conversions.push(Conversion::SparseOn);
        }
        "indexed-dirs" => {
            // s_uuid_hash is xattr's too: set only when xattr has not.
            if !plan.features.intersects(named("xattr")) {
                plan.uuid_hash = xattr_uuid_hash(&sb.s_uuid());
            }
            plan.dx_seed = crate::convert::new_dx_seed()?;
            plan.features = plan.features.union(f);
            plan.conversions.push(Conversion::Index {
                seed: plan.dx_seed,
                uuid_hash: plan.uuid_hash,
            });
        }
        "unwritten" => {
            if !plan.features.intersects(named("sparse")) {
                return Err(refuse("sparse", true));
            }
            plan.features = plan.features.union(f);
        }
        "xattr" => {
            // s_uuid_hash also seeds the name hashes of indexed directories: with
            // "indexed-dirs" on, it is in use and must stay (tunefs.ocfs2 recomputes it,
            // which is the same value unless the UUID was reset since).
            if !(plan.features.intersects(named("indexed-dirs")) && plan.uuid_hash != 0) {
                plan.uuid_hash = xattr_uuid_hash(&sb.s_uuid());
            }
            plan.xattr_inline_size = MIN_XATTR_INLINE_SIZE;
            plan.features = plan.features.union(f);
        }
        "local" => {
            plan.features = plan.features.union(f);
            plan.features.incompat = plan
                .features
                .incompat
                .difference(IncompatFeatures::USERSPACE_STACK);
        }
        _ => return Err(refuse(name, true)),
    }
    Ok(())
}

fn disable_one(name: &str, sb: &SuperBlock<&[u8]>, plan: &mut Plan) -> Result<(), String> {
    let f = named(name);
    match name {
        // tunefs.ocfs2 clears the bit alone: the checks already written stay, unread.
        "append-dio" | "metaecc" => plan.features = plan.features.difference(f),
        "unwritten" => {
            plan.features = plan.features.difference(f);
            plan.conversions.push(Conversion::MarkWritten);
        }
        "extended-slotmap" => {
            plan.features = plan.features.difference(f);
            plan.conversions
                .push(Conversion::SlotMapLayout { extended: false });
        }
        "discontig-bg" => {
            plan.features = plan.features.difference(f);
            plan.conversions.push(Conversion::ContiguousGroups);
        }
        "usrquota" | "grpquota" => {
            plan.features = plan.features.difference(f);
            plan.conversions
                .push(Conversion::QuotaOff(usize::from(name == "grpquota")));
        }
        "backup-super" => {
            plan.features = plan.features.difference(f);
            plan.conversions.push(Conversion::BackupSuper(false));
        }
        "refcount" => {
            plan.features = plan.features.difference(f);
            plan.conversions.push(Conversion::NoRefcount);
        }
        "inline-data" => {
            plan.features = plan.features.difference(f);
            plan.conversions.push(Conversion::Deinline);
        }
        "sparse" => {
            plan.features = plan.features.difference(f);
            plan.conversions.push(Conversion::Desparse);
        }
        "indexed-dirs" => {
            plan.features = plan.features.difference(f);
            // s_uuid_hash stays while xattr hashes names with it.
            if !plan.features.intersects(named("xattr")) {
                plan.uuid_hash = 0;
            }
            plan.dx_seed = [0; 3];
            plan.conversions.push(Conversion::Unindex);
        }
        "xattr" => {
            plan.features = plan.features.difference(f);
            // tunefs.ocfs2 zeroes s_uuid_hash even when indexed directories hash with it
            // (the kernel's osb_dx_seed[3]), which would orphan their index entries.
            if !plan.features.intersects(named("indexed-dirs")) {
                plan.uuid_hash = 0;
            }
            plan.xattr_inline_size = 0;
            plan.conversions.push(Conversion::NoXattrs);
        }
        "clusterinfo" => {
            let o2cb = sb.cluster_stack() == CLASSIC_CLUSTER_STACK;
            if o2cb && sb.ci_stackflags() & CLUSTER_O2CB_GLOBAL_HEARTBEAT != 0 {
                return Err("disabling \"clusterinfo\" would drop the volume's o2cb global heartbeat setting \
                            (tunefs.ocfs2 drops it silently); refusing"
                    .into());
            }
            plan.features = plan.features.difference(f);
            // Without clusterinfo, a userspace stack is recorded by "userspace-stack".
            if !o2cb {
                plan.features.incompat = plan
                    .features
                    .incompat
                    .union(IncompatFeatures::USERSPACE_STACK);
            }
        }
        _ => return Err(refuse(name, false)),
    }
    Ok(())
}

/// `ocfs2_xattr_uuid_hash()`.
pub fn xattr_uuid_hash(uuid: &[u8; 16]) -> u32 {
    uuid.iter()
        .fold(0u32, |h, &b| (h << 5) ^ (h >> 27) ^ u32::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_with_dependencies() {
        let (set, clear) = parse("unwritten,noappend-dio").expect("valid");
        assert_eq!(set, named("unwritten").union(named("sparse")));
        assert_eq!(clear, named("append-dio"));
        let (_, clear) = parse("nosparse").expect("valid");
        assert_eq!(clear, named("sparse").union(named("unwritten")));
    }

    #[test]
    fn bad_lists_are_refused_as_tunefs_words_it() {
        assert!(parse("strict-journal-super")
            .unwrap_err()
            .starts_with("Unsupported feature(s)"));
        assert!(parse("bogus")
            .unwrap_err()
            .starts_with("Unsupported feature(s)"));
        assert!(parse("sparse,nosparse")
            .unwrap_err()
            .starts_with("Conflicting features"));
        assert!(parse("unwritten,nosparse")
            .unwrap_err()
            .starts_with("Conflicting features"));
    }

    #[test]
    fn uuid_hash_is_libocfs2s() {
        // mkfs.ocfs2 1.8.7 wrote hash 0xc1019e99 for UUID 834ACE81DE7641A797DDFF1AEB2757E3.
        let uuid = [
            0x83, 0x4A, 0xCE, 0x81, 0xDE, 0x76, 0x41, 0xA7, 0x97, 0xDD, 0xFF, 0x1A, 0xEB, 0x27,
            0x57, 0xE3,
        ];
        assert_eq!(xattr_uuid_hash(&uuid), 0xc101_9e99);
    }
}
