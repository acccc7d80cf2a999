#!/bin/sh
# harness: --nodes 2 --timeout 120
# expect: fail
# Harness self-test: node 1 dies without --expect-death (its kernel panics), so the run fails.
if [ "$NODE" = 1 ]; then
    echo c > /proc/sysrq-trigger
    sleep 60
fi
exit 0
