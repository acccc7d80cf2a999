// SPDX-License-Identifier: GPL-2.0
//! Feature names, parsing, display and the mkfs.ocfs2 levels.

use ocfs_format::features::*;
use proptest::prelude::*;

#[test]
fn names_are_the_tools_names() {
    let names: Vec<&str> = FEATURE_NAMES.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "heartbeat-device",
            "aborted-resize",
            "local",
            "sparse",
            "extended-slotmap",
            "aborted-tunefs",
            "userspace-stack",
            "backup-super",
            "unwritten",
            "inline-data",
            "strict-journal-super",
            "metaecc",
            "xattr",
            "indexed-dirs",
            "usrquota",
            "grpquota",
            "refcount",
            "discontig-bg",
            "clusterinfo",
            "append-dio",
        ]
    );
    // Each name is one bit, and every known bit has exactly one name.
    let mut all = Features::EMPTY;
    for (n, f) in FEATURE_NAMES {
        assert_eq!(
            f.compat.0.count_ones() + f.incompat.0.count_ones() + f.ro_compat.0.count_ones(),
            1,
            "{n}"
        );
        assert!(!all.intersects(*f), "{n}");
        all = all.union(*f);
        assert_eq!(Features::from_name(n), Some(*f));
        assert_eq!(f.name(), Some(*n));
    }
    assert_eq!(all, Features::ALL_KNOWN);
    assert_eq!(Features::from_name("nosuch"), None);
}

#[test]
fn display_matches_debugfs() {
    // Lines printed by debugfs.ocfs2 1.8.7 for mkfs --fs-feature-level=max-features.
    let f = FeatureLevel::MaxFeatures.features();
    assert_eq!(f.compat.to_string(), "backup-super strict-journal-super");
    assert_eq!(f.incompat.0, 48976);
    assert_eq!(
        f.incompat.to_string(),
        "sparse extended-slotmap inline-data metaecc xattr indexed-dirs refcount discontig-bg append-dio"
    );
    assert_eq!(f.ro_compat.to_string(), "unwritten usrquota grpquota");
    assert_eq!(FeatureLevel::Default.features().incompat.0, 46928);
    assert_eq!(FeatureLevel::MaxCompat.features().incompat.to_string(), "");
    // -M local, and a userspace stack without clusterinfo.
    let local = IncompatFeatures(48472);
    assert_eq!(local.to_string(), "local sparse extended-slotmap inline-data metaecc indexed-dirs refcount discontig-bg append-dio");
    assert_eq!(IncompatFeatures(47056).to_string(), "sparse extended-slotmap userspace-stack inline-data xattr indexed-dirs refcount discontig-bg append-dio");
    assert_eq!(IncompatFeatures(0x2).to_string(), "heartbeat-device");
    assert_eq!(
        IncompatFeatures(0x10_0000 | 0x10).to_string(),
        "sparse unknown"
    );
    assert_eq!(CompatFeatures(0x8).to_string(), "unknown");
    assert_eq!(f.to_string(), "sparse extended-slotmap backup-super unwritten inline-data strict-journal-super metaecc xattr indexed-dirs usrquota grpquota refcount discontig-bg append-dio");
}

#[test]
fn levels_and_support() {
    for l in FeatureLevel::ALL {
        assert_eq!(FeatureLevel::from_name(l.name()), Some(l));
        assert!(
            l.features().unsupported_by_kernel().is_empty(),
            "{}",
            l.name()
        );
    }
    let hb = Features::from_name("heartbeat-device").unwrap();
    assert_eq!(hb.unsupported_by_kernel(), hb);
    assert!(
        Features::from_name("aborted-tunefs")
            .unwrap()
            .unsupported_by_kernel()
            != Features::EMPTY
    );
}

#[test]
fn parse_lists() {
    let (set, clear) = Features::parse_list("sparse, nometaecc,usrquota,,").unwrap();
    assert_eq!(
        set,
        Features::from_name("sparse")
            .unwrap()
            .union(Features::from_name("usrquota").unwrap())
    );
    assert_eq!(clear, Features::from_name("metaecc").unwrap());
    assert_eq!(
        Features::parse_list("sparse,bogus").unwrap_err(),
        UnknownFeature("bogus")
    );
    assert_eq!(
        Features::parse_list("nobogus").unwrap_err().to_string(),
        "unknown ocfs2 feature \"nobogus\""
    );
}

proptest! {
    /// Display lists exactly the set bits' names, in tools order.
    #[test]
    fn display_round_trip(c in any::<u32>(), i in any::<u32>(), r in any::<u32>()) {
        let f = Features::from_bits(c, i, r);
        let text = f.to_string();
        let mut back = Features::EMPTY;
        for w in text.split(' ').filter(|w| !w.is_empty() && *w != "unknown") {
            back = back.union(Features::from_name(w).unwrap());
        }
        prop_assert_eq!(back, f.union(Features::EMPTY).difference(f.difference(Features::ALL_KNOWN)));
        prop_assert_eq!(text.ends_with("unknown"), !f.difference(Features::ALL_KNOWN).is_empty());
    }
}
