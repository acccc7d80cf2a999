#!/bin/sh
# harness: --nodes 1 --stack both --attach source-tree.tar --disk-size 1G --memory 1024 --timeout 1500
# Issue 4's round trip, ours writing: a kernel source subtree (4,411 entries: files, 330
# directories up to 825 names, symlinks, hard links) is unpacked by GNU tar into our
# read-write mount and compared with the original (diff -r, and every entry's stat); after
# unmount fsck.ocfs2 -fn is clean; our remount reads it identically; the kernel's C ocfs2
# mounts it and reads identical bytes and the same stat. On volumes made by mkfs.ocfs2 and
# ours with default features: inline data, indexed directories (whose indexes grow past
# their roots into leaf blocks here).
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs /tmp/src
dev=$(basename "$DISK")

unpack() { tar -xpf "$ATTACH" -C "$1" --numeric-owner --warning=no-timestamp || fail "unpack the source tree into $1"; }
# What tar restores of every entry (not the change time, which a copy cannot keep, nor a
# directory's size, which is the filesystem's): name (and symlink target), mode, owner,
# size, modification time to the nanosecond, links.
listing() {
    (cd "$1" && { find . ! -type d -exec stat -c '%N|%f|%u|%g|%s|%y|%h' {} +
                  find . -type d -exec stat -c '%N|%f|%u|%g|-|%y|%h' {} +; } | sort)
}
compare() { # dir what
    diff -r --no-dereference /tmp/src "$1/tree" > /tmp/diff.log 2>&1 ||
        { head -n 20 /tmp/diff.log; fail "$2: the tree differs from the original"; }
    listing "$1/tree" > /tmp/listing
    diff /tmp/want /tmp/listing > /tmp/diff.log || { head -n 20 /tmp/diff.log; fail "$2: stat of the tree differs"; }
}

unpack /tmp/src
listing /tmp/src > /tmp/want
for mkfs in "mkfs.ocfs2 -x" "mkfs.ocfs"; do
    # shellcheck disable=SC2086 # words
    $mkfs -q -F -M local -N 2 -J size=32M -b 4K "$DISK" >/dev/null || fail "$mkfs"
    use_stack ours
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our read-write mount"; }
    mkdir /mnt/ocfs/tree
    start=$(date +%s)
    unpack /mnt/ocfs/tree
    say "[$mkfs] tar unpacked the tree through ours in $(( $(date +%s) - start )) s"
    compare /mnt/ocfs "ours, just written"
    umount /mnt/ocfs
    if dmesg | grep "ocfs: $dev: .*\(not supported\|corrupt\|error\)"; then fail "$mkfs: ours logged errors while unpacking"; fi
    fsck_volume "$DISK"

    mount -t ocfs2 -o ro "$DISK" /mnt/ocfs
    compare /mnt/ocfs "ours, remounted"
    umount /mnt/ocfs

    use_stack c
    mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "the C ocfs2 cannot mount the tree ours wrote"; }
    compare /mnt/ocfs "the C ocfs2"
    umount /mnt/ocfs
    fsck_volume "$DISK"
    say "[$mkfs] the source tree written by ours: identical through ours and the C ocfs2, fsck clean"
done
