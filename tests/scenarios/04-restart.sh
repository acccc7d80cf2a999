#!/bin/sh
# harness: --nodes 2
# Issue 2, scenario 4: restarts work. Node 0 writes a block with O_DIRECT, crashes itself with
# `fault crash`, and in its second boot reads the block back from the shared disk; node 1 waits
# for it across the restart and reads the same block.
set -eu
. /usr/share/ocfs/lib.sh

block=100
if [ "$NODE" = 0 ] && [ "$BOOT" = 1 ]; then
    printf 'ocfs-restart-test written in boot 1 of node 0\n' \
        | dd of="$DISK" bs=4096 seek=$block count=1 conv=sync oflag=direct 2>/dev/null
    say "block written; crashing"
    fault crash "$NODE"
    sleep 60
    fail "still running after fault crash"
fi
if [ "$NODE" = 0 ]; then
    [ "$BOOT" = 2 ] || fail "node 0 is in boot $BOOT, expected 2"
    say "boot $BOOT: reading the block back"
fi

barrier node0-rebooted
dd if="$DISK" bs=4096 skip=$block count=1 iflag=direct 2>/dev/null \
    | grep -q "ocfs-restart-test written in boot 1 of node 0" || fail "the block did not survive the crash"
say "the block survived the crash (boot $BOOT)"
