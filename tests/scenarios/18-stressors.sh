#!/bin/sh
# harness: --nodes 1 --stack ocfs --disk-size 1G --timeout 1500
# Issue 4, standard stressors on our read-write mount: stress-ng's filesystem stressors, each
# for a few seconds with --verify (directories, renames, hard and symbolic links, device
# nodes, permissions and owners, times, locks, dentries, extended attributes,
# sync_file_range...), then fio writing and verifying with crc32c (buffered and O_DIRECT).
# Every stressor must end cleanly; fsck.ocfs2 -fn is clean after them; nothing is left in
# the orphan directory; the kernel logs no refusal, no corruption and no oops (the harness
# fails the run on an oops).
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs
dev=$(basename "$DISK")

STRESSORS="access chdir chmod chown copy-file dentry dir dirdeep dirmany dup fallocate fcntl
filename flock fpunch fsize fstat getdent hdd io iomix link locka lockf lockofd mknod mmap open
rename symlink sync-file touch utime xattr"

mkfs.ocfs2 -q -F -x -M local -N 2 -J size=32M "$DISK" >/dev/null
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our read-write mount"; }
mkdir /mnt/ocfs/stress
dmesg -c >/dev/null
failed=
for s in $STRESSORS; do
    # Sizes bounded so that no stressor fills the volume for the next one.
    if ! stress-ng --"$s" 1 --timeout 4 --temp-path /mnt/ocfs/stress --verify --fallocate-bytes 128M \
        --hdd-bytes 64M --iomix-bytes 64M --mmap-bytes 32M > "/tmp/$s.log" 2>&1 ||
        grep -q "fail:" "/tmp/$s.log"; then
        cat "/tmp/$s.log"
        failed="$failed $s"
    fi
done
[ -z "$failed" ] || fail "stress-ng stressors failed:$failed"
say "stress-ng: $(echo $STRESSORS | wc -w) filesystem stressors passed with --verify"

# fio: write, then read back and verify every block's crc32c.
for job in "--rw=write --bs=64k" "--rw=write --bs=4k --direct=1" "--rw=readwrite --bs=16k --rwmixread=30" \
    "--rw=randwrite --bs=4k --fallocate=none" "--rw=randwrite --bs=8k --fallocate=native" \
    "--rw=randwrite --bs=4k --direct=1 --fallocate=keep" "--rw=randwrite --bs=4k --ioengine=mmap"; do
    # shellcheck disable=SC2086 # words
    fio --name=verify --directory=/mnt/ocfs --size=24M --ioengine=psync --verify=crc32c \
        --do_verify=1 --verify_fatal=1 $job > /tmp/fio.log 2>&1 ||
        { cat /tmp/fio.log; fail "fio $job"; }
    grep -q "err= 0" /tmp/fio.log || { cat /tmp/fio.log; fail "fio $job reported an error"; }
    rm -f /mnt/ocfs/verify.*
done
say "fio: sequential, random (into holes, preallocated and mapped), O_DIRECT and mixed jobs verified"

umount /mnt/ocfs
# fallocate modes beyond preallocation and punching (collapse, insert, zero range) are
# refused as the C ocfs2 refuses them.
if dmesg | grep "ocfs: $dev: .*\(not supported\|corrupt\|could not\|error\)" | grep -v "fallocate with this mode"; then
    fail "ours logged refusals or errors under the stressors"
fi
fsck_volume "$DISK"
if debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK" 2>/dev/null | grep -q " [0-9a-f]\{16\}$"; then
    fail "orphans left after the stressors"
fi
say "stressors on ours: all passed, fsck clean, no orphans left"
