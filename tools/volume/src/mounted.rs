//! Whether this machine has the volume mounted: a local-mount volume has no heartbeat, so the
//! mount table is the only place that says so.  An image file counts as mounted when a loop
//! device backed by it is.

use crate::device::{split_dev, Device};
use std::path::Path;

/// The mount point of the device (or of a loop device over the image), if mounted here.
pub fn mount_point(dev: &Device) -> Option<String> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let wanted: Vec<(u64, u64)> = if dev.is_block_device() {
        vec![split_dev(dev.rdev())]
    } else {
        loop_devices_over(dev.path())
    };
    mountinfo.lines().find_map(|line| {
        // "36 35 98:0 /mnt1 /mnt/parent ...": field 3 is major:minor, field 5 the mount point.
        let mut fields = line.split(' ');
        let numbers = fields.nth(2)?;
        let (major, minor) = numbers.split_once(':')?;
        let id = (major.parse().ok()?, minor.parse().ok()?);
        let point = fields.nth(1)?;
        wanted.contains(&id).then(|| point.to_string())
    })
}

/// (major, minor) of every loop device whose backing file is `image`.
fn loop_devices_over(image: &Path) -> Vec<(u64, u64)> {
    let Ok(image) = image.canonicalize() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/sys/block") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let dir = entry.path();
            let backing = std::fs::read_to_string(dir.join("loop/backing_file")).ok()?;
            (Path::new(backing.trim()) == image).then_some(())?;
            let numbers = std::fs::read_to_string(dir.join("dev")).ok()?;
            let (major, minor) = numbers.trim().split_once(':')?;
            Some((major.parse().ok()?, minor.parse().ok()?))
        })
        .collect()
}
