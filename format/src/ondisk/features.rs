// SPDX-License-Identifier: GPL-2.0
//! Superblock feature flags, their ocfs2-tools names, the kernel's
//! "supported" masks and the feature levels of `mkfs.ocfs2`.
//!
//! Names and print order are those of ocfs2-tools 1.8.7
//! (`libocfs2/feature_string.c`, checked against `debugfs.ocfs2 -R stats`
//! on images made by `mkfs.ocfs2` 1.8.7): `debugfs.ocfs2` prints each of
//! the three words as its number followed by the names of its bits in the
//! order of [`FEATURE_NAMES`], then `unknown` if bits are left.

use core::fmt;

macro_rules! flag_word {
    ($(#[$m:meta])* $name:ident, $field:ident { $( $(#[$fm:meta])* $flag:ident = $bit:expr; )* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            $( $(#[$fm])* pub const $flag: $name = $name($bit); )*
            /// No bits.
            pub const EMPTY: $name = $name(0);
            /// Every bit this crate has a name for.
            pub const ALL_KNOWN: $name = $name(0 $(| $bit)*);

            /// The raw bits.
            pub const fn bits(self) -> u32 { self.0 }
            /// Whether every bit of `other` is set.
            pub const fn contains(self, other: $name) -> bool { self.0 & other.0 == other.0 }
            /// Whether any bit of `other` is set.
            pub const fn intersects(self, other: $name) -> bool { self.0 & other.0 != 0 }
            /// Whether no bit is set.
            pub const fn is_empty(self) -> bool { self.0 == 0 }
            /// Union.
            pub const fn union(self, other: $name) -> $name { $name(self.0 | other.0) }
            /// Bits of `self` not in `other`.
            pub const fn difference(self, other: $name) -> $name { $name(self.0 & !other.0) }
            /// Bits this crate has no name for.
            pub const fn unknown(self) -> $name { $name(self.0 & !Self::ALL_KNOWN.0) }
            /// Sets the bits of `other`.
            pub fn insert(&mut self, other: $name) { self.0 |= other.0 }
            /// Clears the bits of `other`.
            pub fn remove(&mut self, other: $name) { self.0 &= !other.0 }
            /// The ocfs2-tools names of the set bits, in tools print order.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                FEATURE_NAMES
                    .iter()
                    .filter(move |(_, f)| f.$field.0 != 0 && self.0 & f.$field.0 != 0)
                    .map(|(n, _)| *n)
            }
        }

        impl core::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, o: $name) -> $name { $name(self.0 | o.0) }
        }
        impl core::ops::BitAnd for $name {
            type Output = $name;
            fn bitand(self, o: $name) -> $name { $name(self.0 & o.0) }
        }
        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, o: $name) { self.0 |= o.0 }
        }

        /// Names separated by spaces, `unknown` last if unnamed bits are
        /// set; empty for no bits (as `debugfs.ocfs2` prints them).
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut first = true;
                for n in self.names() {
                    if !first { f.write_str(" ")?; }
                    f.write_str(n)?;
                    first = false;
                }
                if !self.unknown().is_empty() {
                    if !first { f.write_str(" ")?; }
                    f.write_str("unknown")?;
                }
                Ok(())
            }
        }
    };
}

flag_word! {
    /// `s_feature_compat`: an old driver may mount read-write.
    CompatFeatures, compat {
        /// `OCFS2_FEATURE_COMPAT_BACKUP_SB`, "backup-super": backup
        /// superblocks at 1G, 4G, 16G, 64G, 256G and 1T.
        BACKUP_SB = 0x0001;
        /// `OCFS2_FEATURE_COMPAT_JBD2_SB`, "strict-journal-super": the
        /// journal superblock's feature bits are honoured.
        JBD2_SB = 0x0002;
    }
}

flag_word! {
    /// `s_feature_incompat`: a driver that lacks any of these must not mount.
    IncompatFeatures, incompat {
        /// "heartbeat-device": heartbeat-only device; never mountable.
        HEARTBEAT_DEV = 0x0002;
        /// "aborted-resize": tunefs resize in progress.
        RESIZE_INPROG = 0x0004;
        /// "local": non-clustered (local mount) volume.
        LOCAL_MOUNT = 0x0008;
        /// "sparse": sparse allocation in b-trees.
        SPARSE_ALLOC = 0x0010;
        /// "aborted-tunefs": a tunefs operation was interrupted
        /// (`s_tunefs_flag` says which).
        TUNEFS_INPROG = 0x0020;
        /// "inline-data": data packed into the inode block.
        INLINE_DATA = 0x0040;
        /// "userspace-stack": `s_cluster_info` names a userspace stack.
        USERSPACE_STACK = 0x0080;
        /// "extended-slotmap": the slot map uses `ocfs2_extended_slot`.
        EXTENDED_SLOT_MAP = 0x0100;
        /// "xattr": extended attributes.
        XATTR = 0x0200;
        /// "indexed-dirs": directory indexes (dx trees).
        INDEXED_DIRS = 0x0400;
        /// "metaecc": metadata checksums and single-bit ecc.
        META_ECC = 0x0800;
        /// "refcount": refcount trees (reflinks).
        REFCOUNT_TREE = 0x1000;
        /// "discontig-bg": discontiguous block groups.
        DISCONTIG_BG = 0x2000;
        /// "clusterinfo": `s_cluster_info` with stack flags valid for
        /// every stack (makes "userspace-stack" superfluous).
        CLUSTERINFO = 0x4000;
        /// "append-dio": append direct I/O.
        APPEND_DIO = 0x8000;
    }
}

flag_word! {
    /// `s_feature_ro_compat`: an old driver may mount read-only.
    RoCompatFeatures, ro_compat {
        /// "unwritten": unwritten extents.
        UNWRITTEN = 0x0001;
        /// "usrquota": user quota.
        USRQUOTA = 0x0002;
        /// "grpquota": group quota.
        GRPQUOTA = 0x0004;
    }
}

/// The three feature words of a superblock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features {
    /// `s_feature_compat`.
    pub compat: CompatFeatures,
    /// `s_feature_incompat`.
    pub incompat: IncompatFeatures,
    /// `s_feature_ro_compat`.
    pub ro_compat: RoCompatFeatures,
}

const fn c(bits: u32) -> Features {
    Features {
        compat: CompatFeatures(bits),
        incompat: IncompatFeatures(0),
        ro_compat: RoCompatFeatures(0),
    }
}
const fn i(bits: u32) -> Features {
    Features {
        compat: CompatFeatures(0),
        incompat: IncompatFeatures(bits),
        ro_compat: RoCompatFeatures(0),
    }
}
const fn r(bits: u32) -> Features {
    Features {
        compat: CompatFeatures(0),
        incompat: IncompatFeatures(0),
        ro_compat: RoCompatFeatures(bits),
    }
}

/// Every feature name ocfs2-tools 1.8.7 prints, in its print order
/// (`ocfs2_feature_names[]`).
pub const FEATURE_NAMES: &[(&str, Features)] = &[
    ("heartbeat-device", i(IncompatFeatures::HEARTBEAT_DEV.0)),
    ("aborted-resize", i(IncompatFeatures::RESIZE_INPROG.0)),
    ("local", i(IncompatFeatures::LOCAL_MOUNT.0)),
    ("sparse", i(IncompatFeatures::SPARSE_ALLOC.0)),
    ("extended-slotmap", i(IncompatFeatures::EXTENDED_SLOT_MAP.0)),
    ("aborted-tunefs", i(IncompatFeatures::TUNEFS_INPROG.0)),
    ("userspace-stack", i(IncompatFeatures::USERSPACE_STACK.0)),
    ("backup-super", c(CompatFeatures::BACKUP_SB.0)),
    ("unwritten", r(RoCompatFeatures::UNWRITTEN.0)),
    ("inline-data", i(IncompatFeatures::INLINE_DATA.0)),
    ("strict-journal-super", c(CompatFeatures::JBD2_SB.0)),
    ("metaecc", i(IncompatFeatures::META_ECC.0)),
    ("xattr", i(IncompatFeatures::XATTR.0)),
    ("indexed-dirs", i(IncompatFeatures::INDEXED_DIRS.0)),
    ("usrquota", r(RoCompatFeatures::USRQUOTA.0)),
    ("grpquota", r(RoCompatFeatures::GRPQUOTA.0)),
    ("refcount", i(IncompatFeatures::REFCOUNT_TREE.0)),
    ("discontig-bg", i(IncompatFeatures::DISCONTIG_BG.0)),
    ("clusterinfo", i(IncompatFeatures::CLUSTERINFO.0)),
    ("append-dio", i(IncompatFeatures::APPEND_DIO.0)),
];

/// A feature name that ocfs2-tools does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownFeature<'a>(pub &'a str);

impl fmt::Display for UnknownFeature<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown ocfs2 feature \"{}\"", self.0)
    }
}

/// The feature levels of `mkfs.ocfs2 --fs-feature-level=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeatureLevel {
    /// "default".
    Default,
    /// "max-compat".
    MaxCompat,
    /// "max-features".
    MaxFeatures,
}

impl FeatureLevel {
    /// All levels.
    pub const ALL: [FeatureLevel; 3] = [
        FeatureLevel::Default,
        FeatureLevel::MaxCompat,
        FeatureLevel::MaxFeatures,
    ];

    /// The name `--fs-feature-level=` takes.
    pub const fn name(self) -> &'static str {
        match self {
            FeatureLevel::Default => "default",
            FeatureLevel::MaxCompat => "max-compat",
            FeatureLevel::MaxFeatures => "max-features",
        }
    }

    /// Parses a level name.
    pub fn from_name(name: &str) -> Option<FeatureLevel> {
        Self::ALL.iter().copied().find(|l| l.name() == name)
    }

    /// What `mkfs.ocfs2` 1.8.7 writes for this level on a plain
    /// (`-T` default, o2cb, cluster) volume, as measured with
    /// `mkfs.ocfs2 -q -F --fs-feature-level=LEVEL` on a 256M image file
    /// and `debugfs.ocfs2 -R stats`:
    ///
    /// * `default`: compat 0x3 "backup-super strict-journal-super";
    ///   incompat 0xb750 "sparse extended-slotmap inline-data xattr
    ///   indexed-dirs refcount discontig-bg append-dio"; ro_compat 0x1
    ///   "unwritten".
    /// * `max-compat`: compat 0x3 "backup-super strict-journal-super";
    ///   incompat 0; ro_compat 0.
    /// * `max-features`: compat 0x3; incompat 0xbf50 (default plus
    ///   "metaecc"); ro_compat 0x7 "unwritten usrquota grpquota".
    ///
    /// Other facts measured the same way: `-M local` adds "local";
    /// `--cluster-stack=pcmk --cluster-name=X` adds "clusterinfo" (or
    /// "userspace-stack" with `--fs-features=noclusterinfo`);
    /// `--global-heartbeat` adds "clusterinfo" with stack flag 0x1; `-H`
    /// (heartbeat device) writes compat 0x2 and incompat 0x2 only;
    /// `--no-backup-super` clears "backup-super", while a volume below 1G
    /// keeps it although no backup fits; `-T mail` gives the default set
    /// (`-T datafiles`/`vmstore` refuse volumes under 2G).
    pub const fn features(self) -> Features {
        let compat = CompatFeatures(CompatFeatures::BACKUP_SB.0 | CompatFeatures::JBD2_SB.0);
        let default_incompat = IncompatFeatures::SPARSE_ALLOC.0
            | IncompatFeatures::EXTENDED_SLOT_MAP.0
            | IncompatFeatures::INLINE_DATA.0
            | IncompatFeatures::XATTR.0
            | IncompatFeatures::INDEXED_DIRS.0
            | IncompatFeatures::REFCOUNT_TREE.0
            | IncompatFeatures::DISCONTIG_BG.0
            | IncompatFeatures::APPEND_DIO.0;
        match self {
            FeatureLevel::Default => Features {
                compat,
                incompat: IncompatFeatures(default_incompat),
                ro_compat: RoCompatFeatures::UNWRITTEN,
            },
            FeatureLevel::MaxCompat => Features {
                compat,
                incompat: IncompatFeatures(0),
                ro_compat: RoCompatFeatures(0),
            },
            FeatureLevel::MaxFeatures => Features {
                compat,
                incompat: IncompatFeatures(default_incompat | IncompatFeatures::META_ECC.0),
                ro_compat: RoCompatFeatures(
                    RoCompatFeatures::UNWRITTEN.0
                        | RoCompatFeatures::USRQUOTA.0
                        | RoCompatFeatures::GRPQUOTA.0,
                ),
            },
        }
    }
}

impl Features {
    /// No features.
    pub const EMPTY: Features = c(0);

    /// `OCFS2_FEATURE_*_SUPP` of the Linux 6.12 driver: what it mounts.
    /// Note that "heartbeat-device", "aborted-resize" and "aborted-tunefs"
    /// are deliberately not in it.
    pub const KERNEL_SUPPORTED: Features = Features {
        compat: CompatFeatures(CompatFeatures::BACKUP_SB.0 | CompatFeatures::JBD2_SB.0),
        incompat: IncompatFeatures(
            IncompatFeatures::LOCAL_MOUNT.0
                | IncompatFeatures::SPARSE_ALLOC.0
                | IncompatFeatures::INLINE_DATA.0
                | IncompatFeatures::EXTENDED_SLOT_MAP.0
                | IncompatFeatures::USERSPACE_STACK.0
                | IncompatFeatures::XATTR.0
                | IncompatFeatures::META_ECC.0
                | IncompatFeatures::INDEXED_DIRS.0
                | IncompatFeatures::REFCOUNT_TREE.0
                | IncompatFeatures::DISCONTIG_BG.0
                | IncompatFeatures::CLUSTERINFO.0
                | IncompatFeatures::APPEND_DIO.0,
        ),
        ro_compat: RoCompatFeatures(
            RoCompatFeatures::UNWRITTEN.0
                | RoCompatFeatures::USRQUOTA.0
                | RoCompatFeatures::GRPQUOTA.0,
        ),
    };

    /// Every bit that has a name.
    pub const ALL_KNOWN: Features = Features {
        compat: CompatFeatures::ALL_KNOWN,
        incompat: IncompatFeatures::ALL_KNOWN,
        ro_compat: RoCompatFeatures::ALL_KNOWN,
    };

    /// Builds from the three raw words.
    pub const fn from_bits(compat: u32, incompat: u32, ro_compat: u32) -> Features {
        Features {
            compat: CompatFeatures(compat),
            incompat: IncompatFeatures(incompat),
            ro_compat: RoCompatFeatures(ro_compat),
        }
    }

    /// The feature called `name` (one bit), as ocfs2-tools spells it.
    pub fn from_name(name: &str) -> Option<Features> {
        FEATURE_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    /// The name of a single-bit feature set.
    pub fn name(self) -> Option<&'static str> {
        FEATURE_NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Features) -> bool {
        self.compat.contains(other.compat)
            && self.incompat.contains(other.incompat)
            && self.ro_compat.contains(other.ro_compat)
    }

    /// Whether any bit of `other` is set.
    pub const fn intersects(self, other: Features) -> bool {
        self.compat.intersects(other.compat)
            || self.incompat.intersects(other.incompat)
            || self.ro_compat.intersects(other.ro_compat)
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.compat.is_empty() && self.incompat.is_empty() && self.ro_compat.is_empty()
    }

    /// Union.
    pub const fn union(self, o: Features) -> Features {
        Features {
            compat: self.compat.union(o.compat),
            incompat: self.incompat.union(o.incompat),
            ro_compat: self.ro_compat.union(o.ro_compat),
        }
    }

    /// Bits of `self` not in `o`.
    pub const fn difference(self, o: Features) -> Features {
        Features {
            compat: self.compat.difference(o.compat),
            incompat: self.incompat.difference(o.incompat),
            ro_compat: self.ro_compat.difference(o.ro_compat),
        }
    }

    /// Bits the Linux driver would refuse: incompat bits make the volume
    /// unmountable, ro_compat bits make it read-only.
    pub const fn unsupported_by_kernel(self) -> Features {
        self.difference(Self::KERNEL_SUPPORTED)
    }

    /// Parses an `--fs-features=` list such as `"sparse,nometaecc"` into
    /// (bits to set, bits to clear).  Dependencies between features are not
    /// resolved here.
    pub fn parse_list(list: &str) -> Result<(Features, Features), UnknownFeature<'_>> {
        let mut set = Features::EMPTY;
        let mut clear = Features::EMPTY;
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(f) = Features::from_name(item) {
                set = set.union(f);
            } else if let Some(f) = item.strip_prefix("no").and_then(Features::from_name) {
                clear = clear.union(f);
            } else {
                return Err(UnknownFeature(item));
            }
        }
        Ok((set, clear))
    }

    /// All names of the set bits, in tools print order across the three
    /// words.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        FEATURE_NAMES
            .iter()
            .filter(move |(_, f)| self.intersects(*f))
            .map(|(n, _)| *n)
    }
}

/// All names in tools order, space-separated, `unknown` last if needed.
impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for n in self.names() {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(n)?;
            first = false;
        }
        if !self.difference(Self::ALL_KNOWN).is_empty() {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str("unknown")?;
        }
        Ok(())
    }
}

/// `s_tunefs_flag` bits (what an aborted tunefs was doing) with their
/// ocfs2-tools names.
pub mod tunefs_flags {
    /// "remove-slot": `OCFS2_TUNEFS_INPROG_REMOVE_SLOT`.
    pub const REMOVE_SLOT: u16 = 0x0001;
    /// "dir-trailer": `OCFS2_TUNEFS_INPROG_DIR_TRAILER` (ocfs2-tools only).
    pub const DIR_TRAILER: u16 = 0x0002;
    /// Names in print order.
    pub const NAMES: &[(&str, u16)] = &[("remove-slot", REMOVE_SLOT), ("dir-trailer", DIR_TRAILER)];
}
