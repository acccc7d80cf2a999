// SPDX-License-Identifier: GPL-2.0

//! The cluster layout in configfs, with OCFS2's o2nm ABI:
//!
//! ```text
//! /sys/kernel/config/cluster/            the subsystem
//!     <name>/                            mkdir: the one cluster of this node
//!         idle_timeout_ms keepalive_delay_ms reconnect_delay_ms fence_method
//!         node/                          the node set (nodes: the cluster stack stage)
//!         heartbeat/                     the heartbeat set (regions: the heartbeat stage)
//! ```

use crate::errno;
use crate::configfs::{self, AttributeOps, GroupBox, GroupData, MakeGroup, PageWriter};
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use kernel::{c_str, prelude::*, str::CStr};

/// Longest cluster or node name, as OCFS2 (`O2NM_MAX_NAME_LEN`, the UTS name length).
const MAX_NAME_LEN: usize = 64;

/// o2net defaults, as OCFS2 ships them.
const IDLE_TIMEOUT_MS_DEFAULT: u32 = 30000;
const KEEPALIVE_DELAY_MS_DEFAULT: u32 = 2000;
const RECONNECT_DELAY_MS_DEFAULT: u32 = 2000;

/// What a node does when it must fence itself.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FenceMethod {
    Reset = 0,
    Panic = 1,
}

impl FenceMethod {
    const ALL: [FenceMethod; 2] = [FenceMethod::Reset, FenceMethod::Panic];

    fn name(self) -> &'static str {
        match self {
            FenceMethod::Reset => "reset",
            FenceMethod::Panic => "panic",
        }
    }
}

/// `/sys/kernel/config/cluster`: holds at most one cluster, as OCFS2 does.
pub struct ClusterRoot {
    /// Whether the cluster directory exists. Set by `mkdir`, cleared by `rmdir`.
    has_cluster: AtomicBool,
}

/// `/sys/kernel/config/cluster/<name>`.
pub struct Cluster {
    /// `idle_timeout_ms` (high half) and `keepalive_delay_ms` (low half), in one word so that
    /// the rule "keepalive delay < idle timeout" holds under concurrent writes.
    net_timeouts: AtomicU64,
    reconnect_delay_ms: AtomicU32,
    fence_method: AtomicU8,
}

/// `.../<name>/node`.
pub struct NodeSet;

/// `.../<name>/heartbeat`.
pub struct HeartbeatSet;

configfs_item_type!(CLUSTER_ROOT_TYPE: subsystem ClusterRoot, []);
configfs_item_type!(
    CLUSTER_TYPE: leaf Cluster,
    [IDLE_TIMEOUT_MS, KEEPALIVE_DELAY_MS, RECONNECT_DELAY_MS, FENCE_METHOD]
);
configfs_item_type!(NODE_SET_TYPE: leaf NodeSet, []);
configfs_item_type!(HEARTBEAT_SET_TYPE: leaf HeartbeatSet, []);

configfs_attribute!(IDLE_TIMEOUT_MS: Cluster, IdleTimeout, "idle_timeout_ms");
configfs_attribute!(KEEPALIVE_DELAY_MS: Cluster, KeepaliveDelay, "keepalive_delay_ms");
configfs_attribute!(RECONNECT_DELAY_MS: Cluster, ReconnectDelay, "reconnect_delay_ms");
configfs_attribute!(FENCE_METHOD: Cluster, Fence, "fence_method");

/// Register `/sys/kernel/config/cluster`.
pub fn register() -> Result<configfs::Registration<ClusterRoot>> {
    configfs::Registration::register(
        c_str!("cluster"),
        ClusterRoot {
            has_cluster: AtomicBool::new(false),
        },
    )
}

impl GroupData for ClusterRoot {
    fn item_type() -> &'static configfs::ItemType {
        &CLUSTER_ROOT_TYPE
    }
}

impl MakeGroup for ClusterRoot {
    type Child = Cluster;

    fn make_group(&self, name: &CStr) -> Result<GroupBox<Cluster>> {
        if name.len() > MAX_NAME_LEN {
            pr_err!("cluster name {} is longer than {} bytes\n", name, MAX_NAME_LEN);
            return Err(errno::code(crate::bindings::ENAMETOOLONG));
        }
        if self
            .has_cluster
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            pr_err!("cannot create cluster {}: this node already belongs to a cluster\n", name);
            return Err(ENOSPC);
        }
        let cluster = Cluster::new_group(name);
        if cluster.is_err() {
            self.has_cluster.store(false, Ordering::Release);
        }
        cluster
    }

    fn drop_group(&self, _cluster: &Cluster) {
        self.has_cluster.store(false, Ordering::Release);
    }
}

impl Cluster {
    fn new_group(name: &CStr) -> Result<GroupBox<Cluster>> {
        let mut cluster = GroupBox::new(
            name,
            Cluster {
                net_timeouts: AtomicU64::new(pack(IDLE_TIMEOUT_MS_DEFAULT, KEEPALIVE_DELAY_MS_DEFAULT)),
                reconnect_delay_ms: AtomicU32::new(RECONNECT_DELAY_MS_DEFAULT),
                fence_method: AtomicU8::new(FenceMethod::Reset as u8),
            },
        )?;
        cluster.add_default_group(GroupBox::new(c_str!("node"), NodeSet)?);
        cluster.add_default_group(GroupBox::new(c_str!("heartbeat"), HeartbeatSet)?);
        Ok(cluster)
    }

    fn timeouts(&self) -> (u32, u32) {
        unpack(self.net_timeouts.load(Ordering::Acquire))
    }

    /// Change the o2net timeouts if `update` accepts the current `(idle, keepalive)` pair.
    fn update_timeouts(&self, update: impl Fn(u32, u32) -> Result<(u32, u32)>) -> Result {
        let mut current = self.net_timeouts.load(Ordering::Acquire);
        loop {
            let (idle, keepalive) = unpack(current);
            let (idle, keepalive) = update(idle, keepalive)?;
            match self.net_timeouts.compare_exchange(
                current,
                pack(idle, keepalive),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => current = now,
            }
        }
    }

    fn fence_method(&self) -> FenceMethod {
        match self.fence_method.load(Ordering::Relaxed) {
            1 => FenceMethod::Panic,
            _ => FenceMethod::Reset,
        }
    }
}

impl GroupData for Cluster {
    fn item_type() -> &'static configfs::ItemType {
        &CLUSTER_TYPE
    }
}

impl GroupData for NodeSet {
    fn item_type() -> &'static configfs::ItemType {
        &NODE_SET_TYPE
    }
}

impl GroupData for HeartbeatSet {
    fn item_type() -> &'static configfs::ItemType {
        &HEARTBEAT_SET_TYPE
    }
}

fn pack(idle: u32, keepalive: u32) -> u64 {
    (u64::from(idle) << 32) | u64::from(keepalive)
}

fn unpack(both: u64) -> (u32, u32) {
    ((both >> 32) as u32, both as u32)
}

/// A cluster timing value as o2nm accepts it: a positive number below `u32::MAX`.
fn parse_timing(attr: &str, input: &[u8]) -> Result<u32> {
    let value = configfs::parse_u64(input).inspect_err(|_| {
        pr_err!("{}: not a number\n", attr);
    })?;
    if value == 0 {
        pr_err!("{}: must be greater than 0\n", attr);
        return Err(EINVAL);
    }
    u32::try_from(value).ok().filter(|v| *v != u32::MAX).ok_or_else(|| {
        pr_err!("{}: {} is out of range\n", attr, value);
        ERANGE
    })
}

struct IdleTimeout;
impl AttributeOps<Cluster> for IdleTimeout {
    fn show(cluster: &Cluster, out: &mut PageWriter<'_>) -> Result {
        writeln!(out, "{}", cluster.timeouts().0).map_err(|_| EINVAL)
    }

    fn store(cluster: &Cluster, input: &[u8]) -> Result {
        let idle = parse_timing("idle_timeout_ms", input)?;
        cluster.update_timeouts(|_, keepalive| {
            if idle <= keepalive {
                pr_err!("idle_timeout_ms {} must be larger than keepalive_delay_ms {}\n", idle, keepalive);
                return Err(EINVAL);
            }
            Ok((idle, keepalive))
        })
    }
}

struct KeepaliveDelay;
impl AttributeOps<Cluster> for KeepaliveDelay {
    fn show(cluster: &Cluster, out: &mut PageWriter<'_>) -> Result {
        writeln!(out, "{}", cluster.timeouts().1).map_err(|_| EINVAL)
    }

    fn store(cluster: &Cluster, input: &[u8]) -> Result {
        let keepalive = parse_timing("keepalive_delay_ms", input)?;
        cluster.update_timeouts(|idle, _| {
            if keepalive >= idle {
                pr_err!("keepalive_delay_ms {} must be smaller than idle_timeout_ms {}\n", keepalive, idle);
                return Err(EINVAL);
            }
            Ok((idle, keepalive))
        })
    }
}

struct ReconnectDelay;
impl AttributeOps<Cluster> for ReconnectDelay {
    fn show(cluster: &Cluster, out: &mut PageWriter<'_>) -> Result {
        writeln!(out, "{}", cluster.reconnect_delay_ms.load(Ordering::Relaxed)).map_err(|_| EINVAL)
    }

    fn store(cluster: &Cluster, input: &[u8]) -> Result {
        let delay = parse_timing("reconnect_delay_ms", input)?;
        cluster.reconnect_delay_ms.store(delay, Ordering::Relaxed);
        Ok(())
    }
}

struct Fence;
impl AttributeOps<Cluster> for Fence {
    fn show(cluster: &Cluster, out: &mut PageWriter<'_>) -> Result {
        writeln!(out, "{}", cluster.fence_method().name()).map_err(|_| EINVAL)
    }

    fn store(cluster: &Cluster, input: &[u8]) -> Result {
        let text = core::str::from_utf8(input).map_err(|_| EINVAL)?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        let Some(method) = FenceMethod::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(text)) else {
            pr_err!("fence_method: unknown method (use reset or panic)\n");
            return Err(EINVAL);
        };
        if cluster.fence_method() != method {
            pr_info!("changing fence method to {}\n", method.name());
            cluster.fence_method.store(method as u8, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// The number of the local node; none is configured until nodes can be made.
#[no_mangle]
pub extern "C" fn o2nm_this_node() -> u8 {
    crate::bindings::O2NM_INVALID_NODE_NUM as u8
}
