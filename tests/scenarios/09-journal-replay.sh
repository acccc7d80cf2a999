#!/bin/sh
# harness: --nodes 1 --stack both --disk-size 512M
# Issue 4, crash safety (read side): the C ocfs2 writes and fsyncs files on a local volume
# and the node crashes with the journal dirty; in the next boot our read-only mount replays
# the journal through JBD2 and every fsynced file is intact. The journal stays flagged dirty
# (the allocator recovery that follows replay needs a read-write mount), so the C ocfs2's
# next mount finishes recovery, finds the same files, and fsck.ocfs2 -fn is clean after.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs

# Deterministic contents (lib.sh's content), so the second boot can check them without the
# first boot's /tmp.

if [ "$BOOT" = 1 ]; then
    use_stack c
    mkfs.ocfs2 -q -F -M local -N 1 -J size=16M "$DISK" >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs
    mkdir -p /mnt/ocfs/dir/sub
    content early 5000 > /mnt/ocfs/early
    sync
    # Metadata of these lives only in the journal when the node dies: the commit that
    # fsync forces, then no checkpoint.
    i=0
    while [ "$i" -lt 40 ]; do
        content "f$i" $((i * 50 + 1)) > "/mnt/ocfs/dir/sub/f$i"
        i=$((i + 1))
    done
    content late 20000 > /mnt/ocfs/late
    ln -s late /mnt/ocfs/late-link
    sync -f /mnt/ocfs/late
    fsync_all() { for f in /mnt/ocfs/late /mnt/ocfs/dir/sub/*; do dd if="$f" of=/dev/null 2>/dev/null; done; }
    fsync_all
    sync /mnt/ocfs/late /mnt/ocfs/dir/sub/* /mnt/ocfs/dir/sub /mnt/ocfs/dir /mnt/ocfs
    say "files written and fsynced; crashing with the journal dirty"
    fault crash 0
    sleep 600
    fail "still running after fault crash"
fi

# Second boot: the journal is dirty (the C ocfs2 marks it so while mounted).
# ... and holds committed transactions, so the replay below has work to do.
debugfs.ocfs2 -R "logdump 0" "$DISK" > /tmp/logdump 2>&1 || true
commits=$(grep -c "Commit Block" /tmp/logdump || true)
[ "$commits" -gt 0 ] || { head -20 /tmp/logdump; fail "the crashed journal holds no commits: nothing to replay"; }
say "the crashed journal holds $commits commit blocks"
use_stack ours
dmesg -c >/dev/null
mount -t ocfs2 -o ro "$DISK" /mnt/ocfs || { dmesg | tail; fail "our mount of the crashed volume"; }
dmesg | grep -q "ocfs: $(basename "$DISK"): the journal of slot 0 was replayed" ||
    { dmesg | tail; fail "no journal replay logged"; }
content early 5000 | cmp - /mnt/ocfs/early || fail "early differs"
content late 20000 | cmp - /mnt/ocfs/late || fail "late differs after replay"
# The same bytes with O_DIRECT, straight from the blocks the extent map names.
dd if=/mnt/ocfs/late iflag=direct bs=64K 2>/dev/null | cmp - /mnt/ocfs/late || fail "O_DIRECT read of late differs"
dd if=/mnt/ocfs/dir/sub/f0 iflag=direct bs=4K 2>/dev/null | cmp - /mnt/ocfs/dir/sub/f0 || fail "O_DIRECT read of an inline file differs"
[ "$(readlink /mnt/ocfs/late-link)" = late ] || fail "late-link"
i=0
while [ "$i" -lt 40 ]; do
    content "f$i" $((i * 50 + 1)) | cmp - "/mnt/ocfs/dir/sub/f$i" || fail "dir/sub/f$i differs after replay"
    i=$((i + 1))
done
umount /mnt/ocfs
# A second read-only mount replays nothing new (JBD2 marked the journal empty) and reads
# the same files.
mount -t ocfs2 -o ro "$DISK" /mnt/ocfs || fail "second read-only mount"
content late 20000 | cmp - /mnt/ocfs/late || fail "late differs on the second mount"
umount /mnt/ocfs

# The C ocfs2 finishes recovery (local alloc, truncate log, orphans) and sees the same files.
use_stack c
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "the C ocfs2 cannot mount after our replay"; }
content late 20000 | cmp - /mnt/ocfs/late || fail "late differs through the C ocfs2"
content f39 1951 | cmp - /mnt/ocfs/dir/sub/f39 || fail "dir/sub/f39 differs through the C ocfs2"
umount /mnt/ocfs
fsck_clean "$DISK"
say "journal replayed by ocfs; fsynced files intact; the C ocfs2 finished recovery; fsck clean"
