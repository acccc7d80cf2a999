// SPDX-License-Identifier: GPL-2.0
//! Leaf edits against a model: any sequence of inserts, flag changes and removals leaves the
//! records sorted, disjoint and merged where they continue each other, mapping each logical
//! cluster exactly where the model (cluster -> (block, flags)) says.

use std::collections::BTreeMap;

use ocfs_format::extent_edit::{check_sorted, insert, remove, set_flags, EditError, Rec};
use proptest::prelude::*;

const BPC: u64 = 8;
const ROOM: usize = 64;

#[derive(Clone, Debug)]
enum Op {
    Insert { cpos: u32, clusters: u32, blkno: u64, flags: u8 },
    Written { cpos: u32, len: u32 },
    Remove { start: u32, end: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..200, 1u32..6, 0u64..40, 0u8..2).prop_map(|(cpos, clusters, b, flags)| Op::Insert {
            cpos,
            clusters,
            // Blocks from a small range, so neighbours are sometimes contiguous on disk.
            blkno: 1000 + b * BPC,
            flags,
        }),
        (0u32..200, 1u32..4).prop_map(|(cpos, len)| Op::Written { cpos, len }),
        (0u32..200, 0u32..30).prop_map(|(start, len)| Op::Remove { start, end: start + len }),
    ]
}

fn model_of(recs: &[Rec]) -> BTreeMap<u32, (u64, u8)> {
    let mut model = BTreeMap::new();
    for r in recs {
        for i in 0..r.clusters {
            model.insert(r.cpos + i, (r.blkno + u64::from(i) * BPC, r.flags));
        }
    }
    model
}

proptest! {
    #[test]
    fn edits_match_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let mut recs = [Rec::default(); ROOM];
        let mut used = 0;
        let mut model: BTreeMap<u32, (u64, u8)> = BTreeMap::new();
        for op in ops {
            if used + 2 > ROOM {
                break;
            }
            match op {
                Op::Insert { cpos, clusters, blkno, flags } => {
                    let new = Rec { cpos, clusters, blkno, flags };
                    let taken = (cpos..cpos + clusters).any(|c| model.contains_key(&c));
                    match insert(&mut recs, used, new, BPC) {
                        Ok(n) => {
                            prop_assert!(!taken);
                            used = n;
                            for i in 0..clusters {
                                model.insert(cpos + i, (blkno + u64::from(i) * BPC, flags));
                            }
                        }
                        Err(e) => prop_assert!(taken && e == EditError::Overlap),
                    }
                }
                Op::Written { cpos, len } => {
                    match set_flags(&mut recs, used, cpos, len, 0, 1, BPC) {
                        Ok(n) => {
                            used = n;
                            for c in cpos..cpos + len {
                                let entry = model.get_mut(&c);
                                prop_assert!(entry.is_some());
                                if let Some(e) = entry { e.1 &= !1; }
                            }
                        }
                        Err(e) => prop_assert_eq!(e, EditError::NotMapped),
                    }
                }
                Op::Remove { start, end } => {
                    let mut freed = Vec::new();
                    used = remove(&mut recs, used, start, end, BPC, &mut |r| freed.push(r)).unwrap();
                    let gone: Vec<_> = model.range(start..end).map(|(&c, &v)| (c, v)).collect();
                    let freed_model = model_of(&freed);
                    prop_assert_eq!(freed_model.len(), gone.len());
                    for (c, v) in gone {
                        prop_assert_eq!(freed_model.get(&c), Some(&v));
                        model.remove(&c);
                    }
                }
            }
            let live = &recs[..used];
            prop_assert!(check_sorted(live).is_ok());
            prop_assert_eq!(&model_of(live), &model);
        }
    }
}
