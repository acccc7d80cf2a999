#!/bin/sh
# harness: --nodes 2 --stack c --disk-size 2G
# Issue 3: the kernel's C ocfs2 mounts volumes made by our mkfs.ocfs, local and clustered.
# A tree written through the C ocfs2 reads back identically on the other node and through
# debugfs.ocfs2 rdump, and fsck.ocfs2 -fn stays clean.
set -eu
. /usr/share/ocfs/lib.sh
[ "$STACK" = c ] || fail "this scenario mounts with the kernel's C ocfs2 (--stack c)"

make_test_tree /tmp/src
mkdir -p /mnt/ocfs

check_dump() { # label
    rm -rf /tmp/dump && mkdir /tmp/dump
    debugfs.ocfs2 -R "rdump /tree /tmp/dump" "$DISK" >/dev/null 2>&1 || fail "$1: debugfs rdump"
    diff -r /tmp/src /tmp/dump/tree >/dev/null || fail "$1: the tree read through debugfs.ocfs2 differs"
}

# --- local volumes across geometries and feature sets, one node -------------------------
if [ "$NODE" = 0 ]; then
    modprobe ocfs2
    for options in "" "-b 512 -C 4K" "-b 1K -C 64K" "-b 2K -C 1M" "--fs-feature-level=max-compat" \
        "--fs-feature-level=max-features" "--fs-features=noinline-data" "--fs-features=noinline-data,metaecc" \
        "-N 8 -J size=16M"; do
        # shellcheck disable=SC2086 # options are words
        mkfs.ocfs -q -F -M local -L ours-local $options "$DISK" || fail "mkfs.ocfs -M local $options"
        mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount of a local volume made by mkfs.ocfs $options"
        [ -d /mnt/ocfs/lost+found ] || fail "$options: no lost+found"
        cp -a /tmp/src /mnt/ocfs/tree
        diff -r /tmp/src /mnt/ocfs/tree >/dev/null || fail "local $options: the tree differs while mounted"
        umount /mnt/ocfs
        # mkfs.ocfs2 (and so mkfs.ocfs) leaves the system directory unindexed at 512-byte
        # blocks, which fsck.ocfs2 reports; any other report fails.
        sysdir=$(debugfs.ocfs2 -R stats "$DISK" 2>/dev/null | sed -n 's/.*System Dir Blknum: \([0-9]*\).*/\1/p')
        fsck_clean "$DISK" "^\[DX_TREE_MISSING\] Directory $sysdir is "
        check_dump "local $options"
        say "local volume [$options]: mounted by the C ocfs2, tree intact, fsck clean"
    done
fi
barrier local-done

# --- clustered volume, both nodes --------------------------------------------------------
o2cb_online
if [ "$NODE" = 0 ]; then
    mkfs.ocfs -q -F -N 2 -L ours-cluster "$DISK" || fail "mkfs.ocfs (cluster)"
fi
barrier formatted
mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount of a cluster volume made by mkfs.ocfs"
barrier mounted
if [ "$NODE" = 0 ]; then
    # Both nodes heartbeat on the volume now: mkfs.ocfs must refuse it and name them.
    if mkfs.ocfs -q "$DISK" > /tmp/mkfs.log 2>&1; then fail "mkfs.ocfs formatted a mounted cluster volume"; fi
    grep -q "node(s) 0, 1 are heartbeating" /tmp/mkfs.log || { cat /tmp/mkfs.log; fail "no live-heartbeat refusal"; }
    cp -a /tmp/src /mnt/ocfs/tree
    sync
fi
barrier written
diff -r /tmp/src /mnt/ocfs/tree >/dev/null || fail "cluster: node $NODE reads a different tree"
barrier compared
umount /mnt/ocfs
barrier unmounted
if [ "$NODE" = 0 ]; then
    fsck_clean "$DISK"
    check_dump cluster
fi
say "cluster volume: both nodes read the same tree, fsck clean"
