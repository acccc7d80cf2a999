#!/bin/sh
# harness: --nodes 3 --expect-death 2 --timeout 300
# Harness self-test: barriers order the nodes; link-down/up, pause/resume and kill act on the
# node named, as seen from the others.
set -eu
. /usr/share/ocfs/lib.sh

# Barrier: node 0 writes a block before `written`; everyone reads it after.
[ "$NODE" = 0 ] && printf 'barrier-order\n' | dd of="$DISK" bs=4096 count=1 conv=sync oflag=direct 2>/dev/null
barrier written
dd if="$DISK" bs=4096 count=1 iflag=direct 2>/dev/null | grep -q barrier-order || fail "barrier did not order the write"

if [ "$NODE" = 0 ]; then
    ping -c 1 -W 3 node1 >/dev/null || fail "node1 unreachable at the start"
    fault link-down 1
    if ping -c 2 -W 2 node1 >/dev/null 2>&1; then fail "node1 still reachable with its link down"; fi
    fault link-up 1
    wait_for 'ping -c 1 -W 2 node1 >/dev/null 2>&1' 30 || fail "node1 unreachable after link-up"

    fault pause 1
    if ping -c 2 -W 2 node1 >/dev/null 2>&1; then fail "node1 answers while paused"; fi
    fault resume 1
    wait_for 'ping -c 1 -W 2 node1 >/dev/null 2>&1' 30 || fail "node1 unreachable after resume"

    fault kill 2
    if ping -c 2 -W 2 node2 >/dev/null 2>&1; then fail "node2 answers after kill"; fi
    if fault bogus 1 2>/dev/null; then fail "a bogus fault was accepted"; fi
    if fault kill 9 2>/dev/null; then fail "a fault on a missing node was accepted"; fi
fi
if [ "$NODE" = 2 ]; then
    sleep 300  # killed by node 0 long before this
    fail "node 2 outlived fault kill"
fi
barrier done
say "faults behaved"
