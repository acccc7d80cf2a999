#!/bin/sh
# harness: --nodes 1 --disk-size 1G
# Issue 4: mounting with our filesystem finds and checks the superblock, and refuses what it
# cannot mount (and bad mount options) with one log line naming the device or option and the
# reason; corrupt superblocks never hurt the kernel. Local volumes mount read-only, and
# read-write unless they keep quotas (scenario 11 tests read-write mounts).
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

# Valid local volumes: read-only mounts, with the options in effect in /proc/mounts; bad
# options are refused by name; read-write is refused where quotas would need accounting.
mounts_ro() { # expected log text, extra mount options
    dmesg -c >/dev/null
    mount -i -t ocfs2 -o "ro${2:+,$2}" "$DISK" /mnt/ocfs || { dmesg | tail -5; fail "ro mount: $1"; }
    dmesg | grep -q "ocfs: $dev: $1" || { dmesg | tail -5; fail "no log line '$1'"; }
    [ -d /mnt/ocfs/lost+found ] || fail "no lost+found in the mounted volume"
}
option_refused() { # option, expected log text
    dmesg -c >/dev/null
    if mount -i -t ocfs2 -o "ro,$1" "$DISK" /mnt/ocfs 2>/dev/null; then fail "mount -o $1 succeeded"; fi
    dmesg | grep -q "ocfs: $2" || { dmesg | tail -5; fail "no log line '$2' for -o $1"; }
}
mkfs.ocfs -q -F -M local --fs-features=usrquota "$DISK"
refused "the volume keeps quotas (usrquota/grpquota), which this build does not account yet"
mkfs.ocfs -q -F -M local "$DISK"
mounts_ro "mounted read-only (4096-byte blocks, 4096-byte clusters" "commit=7,errors=panic,data=writeback"
grep -q " /mnt/ocfs ocfs2 ro,.*data=writeback,errors=panic,atime_quantum=60,commit=7," /proc/mounts ||
    { grep ocfs2 /proc/mounts; fail "/proc/mounts does not show the options in effect"; }
# A remount changes what it names and keeps the rest; what cannot change is refused by name.
mount -o remount,ro,commit=9 /mnt/ocfs || { dmesg | tail -5; fail "remount with commit=9"; }
grep -q " /mnt/ocfs ocfs2 ro,.*data=writeback,errors=panic,atime_quantum=60,commit=9," /proc/mounts ||
    { grep ocfs2 /proc/mounts; fail "the remount did not change commit= alone"; }
dmesg -c >/dev/null
if mount -o remount,ro,data=ordered /mnt/ocfs 2>/dev/null; then fail "a remount changed the data mode"; fi
dmesg | grep -q "ocfs: $dev: cannot change the data mode (data=ordered|writeback) on remount" ||
    { dmesg | tail -5; fail "no log line for the refused remount"; }
grep -q " /mnt/ocfs ocfs2 ro,.*data=writeback,.*commit=9," /proc/mounts || fail "the failed remount changed the mount"
umount /mnt/ocfs
option_refused "bogus_option" "unknown mount option 'bogus_option'"
option_refused "data=journal" "bad value 'journal' for mount option 'data'"
option_refused "commit=soon" "bad value 'soon' for mount option 'commit'"
option_refused "commit" "mount option 'commit' needs a value"

mkfs.ocfs -q -F -M local -b 512 -C 8K "$DISK"
mounts_ro "mounted read-only (512-byte blocks, 8192-byte clusters"
umount /mnt/ocfs

# i_blkno of the superblock (block 2 at 4 KiB, offset 0x50) says 7.
mkfs.ocfs -q -F -M local "$DISK"
poke $((2 * 4096 + 0x50)) '\007'
refused "invalid superblock: .*i_blkno"

# An incompat feature bit nobody knows (s_feature_incompat at 0xc0 + 0x20, byte 3).
mkfs.ocfs -q -F -M local "$DISK"
poke $((2 * 4096 + 0xe3)) '\100'
refused "unknown features"

# metaecc: one flipped byte in a field nothing else checks (the root inode's i_atime) fails
# the block check, every time: a block that failed is read from the disk again, not trusted
# from the cache.
mkfs.ocfs -q -F -M local --fs-features=metaecc "$DISK"
root=$(debugfs.ocfs2 -R stats "$DISK" 2>/dev/null | sed -n 's/.*Root Blknum: \([0-9]*\).*/\1/p')
[ -n "$root" ] || fail "no root block number from debugfs.ocfs2"
poke $((root * 4096 + 0x30)) '\377'
for attempt in 1 2; do
    dmesg -c >/dev/null
    if mount -i -t ocfs2 -o ro "$DISK" /mnt/ocfs 2>/dev/null; then fail "a root inode with a bad check mounted"; fi
    dmesg | grep -q "ocfs: $dev: corrupt metadata: .*block $root.*" ||
        { dmesg | tail -5; fail "attempt $attempt: no corrupt-metadata line for block $root"; }
done

# Random damage to the superblock, many times, mounted read-write: a refusal naming the
# device, or (damage to a field nothing depends on, like the label) a mount that works and
# unmounts; never a kernel oops (the harness fails the run on any oops or BUG).
mkfs.ocfs -q -F -M local "$DISK"
dd if="$DISK" of=/tmp/head bs=16K count=1 2>/dev/null
i=0
while [ "$i" -lt 60 ]; do
    dd if=/tmp/head of="$DISK" bs=16K count=1 conv=notrunc 2>/dev/null
    dd if=/dev/urandom of=/tmp/noise bs=64 count=1 2>/dev/null
    off=$(( 8192 + (i * 37) % 448 ))  # inside the superblock fields
    dd if=/tmp/noise of="$DISK" bs=1 seek="$off" conv=notrunc 2>/dev/null
    dmesg -c >/dev/null
    if mount -i -t ocfs2 "$DISK" /mnt/ocfs 2>/dev/null; then
        ls /mnt/ocfs >/dev/null 2>&1 || true
        umount /mnt/ocfs || fail "cannot unmount a damaged volume that mounted"
        mounted=$((${mounted:-0} + 1))
    else
        dmesg | grep -q "ocfs: $dev: " || { dmesg | tail -5; fail "a refusal without a log line naming $dev"; }
    fi
    i=$((i + 1))
done
say "superblock damage: ${mounted:-0} of 60 mounted (harmless fields), the rest refused with a reason"
rmmod ocfs ocfs_dlm ocfs_o2net ocfs_o2hb
say "every refusal named its reason; no oops"
