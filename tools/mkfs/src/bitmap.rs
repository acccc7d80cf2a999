//! The global cluster bitmap while mkfs builds a volume, with the two allocation policies
//! mkfs.ocfs2 uses: its own in phase A and libocfs2's in phase B
//! (Documentation/mkfs-layout.md, sections 5 and 6.3). They decide every block number, so
//! they are reproduced exactly.

/// One cluster group: a descriptor block followed by the clusters its bitmap covers.
#[derive(Clone, Debug)]
pub struct Group {
    /// First cluster the group covers; its descriptor lives in this cluster (group 0 aside).
    pub first_cluster: u32,
    /// Bits (clusters) in the group.
    pub bits: u32,
    /// Chain of the global bitmap the group hangs on.
    pub chain: u16,
    /// LSB-first, as on disk.
    pub bitmap: Vec<u8>,
    pub free: u32,
}

impl Group {
    fn new(first_cluster: u32, bits: u32, chain: u16) -> Self {
        Self {
            first_cluster,
            bits,
            chain,
            bitmap: vec![0; (bits as usize).div_ceil(8)],
            free: bits,
        }
    }

    pub fn is_set(&self, bit: u32) -> bool {
        self.bitmap[(bit / 8) as usize] & (1 << (bit % 8)) != 0
    }

    fn set(&mut self, bit: u32) {
        if !self.is_set(bit) {
            self.bitmap[(bit / 8) as usize] |= 1 << (bit % 8);
            self.free -= 1;
        }
    }

    fn set_range(&mut self, start: u32, len: u32) {
        for bit in start..start + len {
            self.set(bit);
        }
    }

    /// The first clear bit at or after `from`.
    fn next_clear(&self, from: u32) -> Option<u32> {
        (from..self.bits).find(|&b| !self.is_set(b))
    }

    /// The first set bit at or after `from`, or the end of the group.
    fn next_set_or_end(&self, from: u32) -> u32 {
        (from..self.bits).find(|&b| self.is_set(b)).unwrap_or(self.bits)
    }

    pub fn used(&self) -> u32 {
        self.bits - self.free
    }
}

/// The global bitmap: `groups[i]` covers clusters `[i*cpg, i*cpg + bits)`.
#[derive(Clone, Debug)]
pub struct ClusterBitmap {
    pub groups: Vec<Group>,
    /// Chains of the global bitmap inode (`cl_count`).
    pub chains: u16,
}

/// A run of clusters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent {
    pub cluster: u32,
    pub len: u32,
}

impl ClusterBitmap {
    /// `clusters` split into groups of `cpg`, hung on `chains` chains round robin; every group's
    /// first bit (its descriptor) is in use, and in group 0 also the clusters before it
    /// (`reserved` bits: blocks 0-2 and the descriptor).
    pub fn new(clusters: u32, cpg: u32, chains: u16, reserved: u32) -> Self {
        let count = clusters.div_ceil(cpg);
        let groups = (0..count)
            .map(|i| {
                let first = i * cpg;
                let bits = cpg.min(clusters - first);
                let mut group = Group::new(first, bits, (i % u32::from(chains)) as u16);
                group.set_range(0, if i == 0 { reserved.min(bits) } else { 1 });
                group
            })
            .collect();
        Self { groups, chains }
    }

    pub fn total_used(&self) -> u64 {
        self.groups.iter().map(|g| u64::from(g.used())).sum()
    }

    /// Mark `[cluster, cluster+len)` used; false if any of it already was.
    pub fn claim(&mut self, cluster: u32, len: u32) -> bool {
        let Some(group) = self.group_of_mut(cluster) else { return false };
        let start = cluster - group.first_cluster;
        if start + len > group.bits || (start..start + len).any(|b| group.is_set(b)) {
            return false;
        }
        group.set_range(start, len);
        true
    }

    fn group_of_mut(&mut self, cluster: u32) -> Option<&mut Group> {
        self.groups
            .iter_mut()
            .find(|g| (g.first_cluster..g.first_cluster + g.bits).contains(&cluster))
    }

    /// mkfs.ocfs2's own allocator (`alloc_from_bitmap`): the first group, walking chain by
    /// chain, with `len` free bits, and there the first run of `len` clear bits. It does not
    /// look further if that group's free bits are fragmented.
    pub fn alloc_phase_a(&mut self, len: u32) -> Option<Extent> {
        let chains = u32::from(self.chains);
        let order = (0..chains).flat_map(|chain| {
            (chain..self.groups.len() as u32).step_by(chains as usize)
        });
        let index = order.clone().find(|&i| self.groups[i as usize].free >= len)? as usize;
        let group = &mut self.groups[index];
        let mut start = 0;
        while let Some(clear) = group.next_clear(start) {
            let end = group.next_set_or_end(clear);
            if end - clear >= len {
                group.set_range(clear, len);
                return Some(Extent { cluster: group.first_cluster + clear, len });
            }
            start = end;
        }
        None
    }

    /// libocfs2's range allocator (`alloc_range_func`): groups in cluster order; in the first
    /// group with at least `min` free bits, the first run of `len` clear bits, else the
    /// longest run there if it holds at least `min`.
    pub fn alloc_range(&mut self, min: u32, len: u32) -> Option<Extent> {
        for group in self.groups.iter_mut() {
            if group.free < min {
                continue;
            }
            let mut best: Option<(u32, u32)> = None;
            let mut start = 0;
            while start + min <= group.bits {
                let Some(clear) = group.next_clear(start) else { break };
                let end = group.next_set_or_end(clear);
                if end - clear >= len {
                    group.set_range(clear, len);
                    return Some(Extent { cluster: group.first_cluster + clear, len });
                }
                if best.is_none_or(|(s, e)| end - clear > e - s) {
                    best = Some((clear, end));
                }
                start = end + 1;
            }
            if let Some((s, e)) = best.filter(|(s, e)| e - s >= min) {
                group.set_range(s, e - s);
                return Some(Extent { cluster: group.first_cluster + s, len: e - s });
            }
        }
        None
    }

    /// Allocate `clusters` as libocfs2 grows a file: pieces of at least one cluster, each the
    /// range allocator's answer for what is still missing.
    pub fn alloc_file(&mut self, clusters: u32) -> Option<Vec<Extent>> {
        let mut pieces: Vec<Extent> = Vec::new();
        let mut left = clusters;
        while left > 0 {
            let piece = self.alloc_range(1, left)?;
            left -= piece.len;
            match pieces.last_mut() {
                Some(last) if last.cluster + last.len == piece.cluster => last.len += piece.len,
                _ => pieces.push(piece),
            }
        }
        Some(pieces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_reservations() {
        // 1 GiB at 4K/4K: 9 groups of 32256, tail 4096; gd0 + blocks 0-2 reserved.
        let map = ClusterBitmap::new(262144, 32256, 243, 4);
        assert_eq!(map.groups.len(), 9);
        assert_eq!(map.groups[8].bits, 4096);
        assert_eq!(map.groups[0].free, 32256 - 4);
        assert_eq!(map.groups[1].free, 32256 - 1);
        assert_eq!(map.groups[1].chain, 1);
    }

    #[test]
    fn phase_a_is_consecutive_after_gd0() {
        let mut map = ClusterBitmap::new(262144, 32256, 243, 4);
        assert_eq!(map.alloc_phase_a(269), Some(Extent { cluster: 4, len: 269 }));
        assert_eq!(map.alloc_phase_a(256), Some(Extent { cluster: 273, len: 256 }));
    }

    #[test]
    fn file_growth_spans_a_descriptor() {
        // journal:0001 of the 1 GiB layout: 15343 clusters up to gd1, the rest after it.
        let mut map = ClusterBitmap::new(262144, 32256, 243, 4);
        map.claim(4, 269 + 256);
        let j0 = map.alloc_file(16384).unwrap();
        assert_eq!(j0, vec![Extent { cluster: 529, len: 16384 }]);
        let j1 = map.alloc_file(16384).unwrap();
        assert_eq!(j1, vec![Extent { cluster: 16913, len: 15343 }, Extent { cluster: 32257, len: 1041 }]);
    }

    #[test]
    fn longest_run_in_first_usable_group() {
        let mut map = ClusterBitmap::new(100, 100, 1, 1);
        map.claim(10, 1); // runs: 1..10 (9), 11..100 (89)
        assert_eq!(map.alloc_range(1, 95), Some(Extent { cluster: 11, len: 89 }));
        assert_eq!(map.alloc_range(1, 20), Some(Extent { cluster: 1, len: 9 }));
    }
}
