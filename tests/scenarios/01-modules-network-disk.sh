#!/bin/sh
# harness: --nodes 3
# Issue 2, scenario 1: three nodes boot, load all our modules, reach each other over the
# private network, see the shared disk, and unload the modules cleanly.
set -eu
. /usr/share/ocfs/lib.sh

# The guest carries our stack only: the kernel's C ocfs2 modules are left out.
[ ! -e "/lib/modules/$(uname -r)/kernel/fs/ocfs2" ] || fail "the C ocfs2 modules are in an ocfs-stack guest"

# Loading the filesystem pulls in the whole stack through module dependencies and aliases.
modprobe fs-ocfs2
for m in ocfs ocfs_dlm ocfs_o2net ocfs_o2hb; do
    grep -q "^$m " /proc/modules || fail "module $m is not loaded"
done
dmesg | grep -q "ocfs_o2hb: cluster layout registered" || fail "ocfs_o2hb did not log its load"
dmesg | grep -q "ocfs: filesystem type ocfs2 registered" || fail "ocfs did not log its load"
grep -qw ocfs2 /proc/filesystems || fail "ocfs2 is not in /proc/filesystems"
[ -d /sys/kernel/config/cluster ] || fail "no configfs cluster subsystem"

# The configfs cluster layout: one cluster directory, with o2nm's attributes and default groups.
c=/sys/kernel/config/cluster/demo
mkdir "$c"
[ -d "$c/node" ] && [ -d "$c/heartbeat" ] || fail "cluster directory lacks node/ and heartbeat/"
[ "$(cat "$c/idle_timeout_ms")" = 30000 ] || fail "idle_timeout_ms default"
[ "$(cat "$c/fence_method")" = reset ] || fail "fence_method default"
echo 1000 > "$c/keepalive_delay_ms"
echo 5000 > "$c/idle_timeout_ms"
[ "$(cat "$c/idle_timeout_ms")" = 5000 ] || fail "idle_timeout_ms did not change"
if echo 500 > "$c/idle_timeout_ms" 2>/dev/null; then fail "idle timeout below keepalive accepted"; fi
if echo bogus > "$c/fence_method" 2>/dev/null; then fail "bogus fence method accepted"; fi
echo panic > "$c/fence_method"
[ "$(cat "$c/fence_method")" = panic ] || fail "fence_method did not change"
if mkdir /sys/kernel/config/cluster/second 2>/dev/null; then fail "a second cluster was accepted"; fi
dmesg | grep -q "already belongs to a cluster" || fail "no log line for the refused second cluster"
rmdir "$c"

# Mounting a blank disk refuses, naming the device and the reason.
mkdir -p /mnt/ocfs
# (-i: straight to mount(2); mount.ocfs2 would refuse the blank disk before the kernel sees it.)
if mount -i -t ocfs2 "$DISK" /mnt/ocfs 2>/dev/null; then fail "mount unexpectedly succeeded"; fi
dmesg | grep -q "ocfs: $(basename "$DISK"): not an OCFS2 volume" || fail "no log line for the refused mount"

# The private network: every node reaches every other by name.
i=0
while [ "$i" -lt "$NODES" ]; do
    ping -c 1 -W 5 "node$i" >/dev/null || fail "cannot reach node$i"
    i=$((i + 1))
done
barrier network-checked

# The shared disk: node 0 writes a signature, every node reads it.
[ -b "$DISK" ] || fail "no shared disk"
if [ "$NODE" = 0 ]; then
    echo "ocfs-shared-disk-signature" | dd of="$DISK" bs=512 count=1 conv=sync oflag=direct 2>/dev/null
fi
barrier disk-written
dd if="$DISK" bs=512 count=1 iflag=direct 2>/dev/null | grep -q ocfs-shared-disk-signature || fail "signature not seen"

# Unload cleanly, top down.
rmmod ocfs ocfs_dlm ocfs_o2net ocfs_o2hb || fail "rmmod"
for m in ocfs ocfs_dlm ocfs_o2net ocfs_o2hb; do
    if grep -q "^$m " /proc/modules; then fail "module $m is still loaded"; fi
done
dmesg | grep -q "ocfs_o2hb: unloaded" || fail "ocfs_o2hb did not log its unload"

# ocfs2-tools load the stack by the C modules' names; the dependencies are declared in modinfo.
# jbd2: the journal (replay at mount, transactions with the write path).
[ "$(modinfo -F depends ocfs)" = "jbd2,ocfs_dlm,ocfs_o2hb" ] || fail "ocfs depends: $(modinfo -F depends ocfs)"
modinfo -F alias ocfs_o2hb | grep -qx ocfs2_nodemanager || fail "ocfs_o2hb lacks the ocfs2_nodemanager alias"
modprobe ocfs2_nodemanager && grep -q "^ocfs_o2hb " /proc/modules || fail "modprobe ocfs2_nodemanager"
modprobe ocfs2_dlmfs && grep -q "^ocfs_dlm " /proc/modules || fail "modprobe ocfs2_dlmfs"
rmmod ocfs_dlm ocfs_o2net ocfs_o2hb || fail "rmmod after alias loads"
say "modules, network and disk all good"
