#!/bin/sh
# harness: --nodes 5 --disks 2 --disk-size 256M --memory 512 --timeout 300
# Harness self-test: five nodes on two shared disks; everyone reaches everyone by name, sees
# what node 0 wrote on both disks, and has the workload tools at hand.
set -eu
. /usr/share/ocfs/lib.sh
[ "$NODES" = 5 ] || fail "NODES is $NODES"
i=0
while [ "$i" -lt "$NODES" ]; do
    ping -c 1 -W 5 "node$i" >/dev/null || fail "cannot reach node$i"
    i=$((i + 1))
done
[ -b "$DISK" ] && [ -b "${DISK1:-}" ] || fail "shared disks missing: DISK=$DISK DISK1=${DISK1:-}"
if [ "$NODE" = 0 ]; then
    echo "disk0 from node0" | dd of="$DISK" bs=512 count=1 conv=sync oflag=direct 2>/dev/null
    echo "disk1 from node0" | dd of="$DISK1" bs=512 count=1 conv=sync oflag=direct 2>/dev/null
fi
barrier written
dd if="$DISK" bs=512 count=1 iflag=direct 2>/dev/null | grep -q "disk0 from node0" || fail "disk 0 not shared"
dd if="$DISK1" bs=512 count=1 iflag=direct 2>/dev/null | grep -q "disk1 from node0" || fail "disk 1 not shared"
fio --version >/dev/null || fail "no fio"
stress-ng --version >/dev/null || fail "no stress-ng"
command -v ping_pong >/dev/null || fail "no ping_pong"
for tool in mkfs.ocfs2 fsck.ocfs2 debugfs.ocfs2 tunefs.ocfs2 mount.ocfs2 o2cb mkfs.ocfs tunefs.ocfs ocfs-inspect; do
    command -v "$tool" >/dev/null || fail "no $tool"
done
say "five nodes, two disks, tools present"
