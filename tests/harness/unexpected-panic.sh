#!/bin/sh
# harness: --nodes 1 --expect-panic no-such-panic-message --timeout 120
# expect: fail
# Harness self-test: a panic whose message is not the one --expect-panic names is kernel
# trouble (the node dies; it is not booted again), so the run fails.
if [ "$BOOT" = 1 ]; then
    echo c > /proc/sysrq-trigger
    sleep 60
fi
exit 0
