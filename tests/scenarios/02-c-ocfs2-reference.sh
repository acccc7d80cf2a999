#!/bin/sh
# harness: --nodes 3 --stack c
# Issue 2, scenario 2 (reference, --stack c): the kernel's C OCFS2 through ocfs2-tools. o2cb
# registers a 3-node cluster from cluster.conf, node 0 runs mkfs.ocfs2, all three mount, node 0
# writes a file, nodes 1 and 2 read identical bytes, all unmount.
set -eu
. /usr/share/ocfs/lib.sh
[ "$STACK" = c ] || fail "the reference scenario runs on the kernel's C ocfs2 (--stack c)"

# The guest carries the C stack only: our modules are left out.
[ ! -e "/lib/modules/$(uname -r)/extra/ocfs.ko" ] || fail "our modules are in a C-stack guest"

o2cb_online
o2cb list-cluster "$CLUSTER_NAME" | grep -q "node$NODE" || fail "o2cb did not register this node"
[ "$(cat /sys/kernel/config/cluster/$CLUSTER_NAME/node/node$NODE/local)" = 1 ] || fail "node$NODE is not local"

if [ "$NODE" = 0 ]; then
    mkfs.ocfs2 -q -b 4K -C 4K -N 4 -L reference --cluster-stack=o2cb --cluster-name="$CLUSTER_NAME" "$DISK" \
        || fail "mkfs.ocfs2"
fi
barrier formatted

mkdir -p /mnt/ocfs
mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount"
grep -q " /mnt/ocfs ocfs2 " /proc/mounts || fail "not in /proc/mounts"
barrier mounted

if [ "$NODE" = 0 ]; then
    dd if=/dev/urandom of=/mnt/ocfs/payload bs=64K count=64 2>/dev/null
    (cd /mnt/ocfs && md5sum payload > /tmp/payload.md5)
    cp /tmp/payload.md5 /mnt/ocfs/payload.md5
    sync
fi
barrier written

if [ "$NODE" != 0 ]; then
    (cd /mnt/ocfs && md5sum -c payload.md5) || fail "payload differs on node$NODE"
    say "read identical bytes: $(cat /mnt/ocfs/payload.md5)"
fi
barrier read

umount /mnt/ocfs || fail "umount"
barrier unmounted
say "C ocfs2 reference run complete"
