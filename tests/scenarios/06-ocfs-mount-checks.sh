#!/bin/sh
# harness: --nodes 1 --disk-size 1G
# Issue 4 (first step): mounting with our filesystem finds and checks the superblock, and
# refuses what it cannot mount with one log line naming the device and the reason; corrupt
# superblocks never hurt the kernel.
set -eu
. /usr/share/ocfs/lib.sh
[ "$STACK" = ocfs ] || fail "this scenario checks our filesystem's messages (--stack ocfs)"
modprobe ocfs2
mkdir -p /mnt/ocfs
dev=$(basename "$DISK")

# Mount straight through mount(2) (-i: no mount.ocfs2 helper) and expect a refusal whose
# log line contains $1.
refused() {
    dmesg -c >/dev/null
    if mount -i -t ocfs2 "$DISK" /mnt/ocfs 2>/dev/null; then fail "mount succeeded; expected: $1"; fi
    dmesg | grep -q "ocfs: $dev: $1" || { dmesg | tail -5; fail "no log line '$1'"; }
}
# Write bytes (printf escapes) at a byte offset of the disk.
poke() { printf "$2" | dd of="$DISK" bs=1 seek="$1" conv=notrunc 2>/dev/null; }

refused "not an OCFS2 volume"

mkfs.ocfs -q -F "$DISK"
refused "a clustered volume"

mkfs.ocfs -q -F -M local "$DISK"
refused "a valid local OCFS2 volume (4096-byte blocks, 4096-byte clusters"

mkfs.ocfs -q -F -M local -b 512 -C 8K "$DISK"
refused "a valid local OCFS2 volume (512-byte blocks, 8192-byte clusters"

# i_blkno of the superblock (block 2 at 4 KiB, offset 0x50) says 7.
mkfs.ocfs -q -F -M local "$DISK"
poke $((2 * 4096 + 0x50)) '\007'
refused "invalid superblock: .*i_blkno"

# An incompat feature bit nobody knows (s_feature_incompat at 0xc0 + 0x20, byte 3).
mkfs.ocfs -q -F -M local "$DISK"
poke $((2 * 4096 + 0xe3)) '\100'
refused "unknown features"

# Random damage to the superblock, many times: refusals only, never a kernel oops
# (the harness fails the run on any oops or BUG on the console).
mkfs.ocfs -q -F -M local "$DISK"
dd if="$DISK" of=/tmp/head bs=16K count=1 2>/dev/null
i=0
while [ "$i" -lt 60 ]; do
    dd if=/tmp/head of="$DISK" bs=16K count=1 conv=notrunc 2>/dev/null
    dd if=/dev/urandom of=/tmp/noise bs=64 count=1 2>/dev/null
    off=$(( 8192 + (i * 37) % 448 ))  # inside the superblock fields
    dd if=/tmp/noise of="$DISK" bs=1 seek="$off" conv=notrunc 2>/dev/null
    if mount -i -t ocfs2 "$DISK" /mnt/ocfs 2>/dev/null; then fail "a damaged volume mounted"; fi
    i=$((i + 1))
done
rmmod ocfs ocfs_dlm ocfs_o2net ocfs_o2hb
say "every refusal named its reason; no oops"
