#!/bin/sh
# harness: --nodes 3 --stack c --expect-death 2
# Issue 2, scenario 3 (reference, --stack c --expect-death 2): faults work. During the reference
# run node 0 cuts node 2's link; the C stack fences node 2 (it lost quorum), and nodes 0 and 1
# recover its journal, carry on and unmount cleanly.
set -eu
. /usr/share/ocfs/lib.sh
[ "$STACK" = c ] || fail "the reference scenario runs on the kernel's C ocfs2 (--stack c)"

# Short timeouts keep the run short: o2net gives up on node 2 after 10 s, o2hb declares it
# dead after 15 missed 2-second heartbeats.
o2cb_online 15 10000 2000 2000

if [ "$NODE" = 0 ]; then
    mkfs.ocfs2 -q -N 4 -L fencing --cluster-stack=o2cb --cluster-name="$CLUSTER_NAME" "$DISK" || fail "mkfs.ocfs2"
fi
barrier formatted
mkdir -p /mnt/ocfs
mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount"
barrier mounted
echo "before the cut" > "/mnt/ocfs/node$NODE"
sync
barrier written

[ "$NODE" = 0 ] && fault link-down 2
barrier link-cut

if [ "$NODE" = 2 ]; then
    # Cut off from both peers: node 2 is in the minority and must fence itself.
    say "link down; waiting to be fenced"
    sleep 300
    fail "node 2 was not fenced within 300 s"
fi

# The survivors see node 2 die (its heartbeat stops) and evict it from the lock domain; one of
# them masters the recovery and replays node 2's journal.
wait_for 'dmesg | grep -q "o2dlm has evicted node 2"' 240 || fail "node 2 was never declared dead"
say "$(dmesg | grep -m1 'o2dlm has evicted node 2')"
barrier evicted
# One survivor replays node 2's journal; it leaves a note on the volume for the other.
replayed() {
    if dmesg | grep -q "End replay journal (node 2"; then
        touch "/mnt/ocfs/replayed-by-node$NODE"
        return 0
    fi
    ls /mnt/ocfs/replayed-by-node* >/dev/null 2>&1
}
wait_for replayed 120 || fail "no survivor replayed node 2's journal"
say "node 2's journal replayed by $(ls /mnt/ocfs | grep replayed-by)"
barrier recovered

# And carry on: node 0 writes, node 1 reads, both see node 2's last file.
[ "$NODE" = 0 ] && { echo "after the fence" > /mnt/ocfs/survivors; sync; }
barrier survivors-wrote
[ "$(cat /mnt/ocfs/survivors)" = "after the fence" ] || fail "survivors' file unreadable"
[ "$(cat /mnt/ocfs/node2)" = "before the cut" ] || fail "node 2's file was lost"
umount /mnt/ocfs || fail "umount"
barrier unmounted
say "fenced node 2, carried on, unmounted cleanly"
