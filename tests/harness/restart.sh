#!/bin/sh
# harness: --nodes 2 --timeout 180
# Harness self-test: a node killed with `fault kill` and booted again with `fault restart`
# runs the scenario anew with BOOT=2; barriers wait for it.
set -eu
. /usr/share/ocfs/lib.sh
if [ "$NODE" = 0 ]; then
    barrier up
    fault kill 1
    if fault restart 0 2>/dev/null; then fail "restart of a running node was accepted"; fi
    fault restart 1
    barrier node1-rebooted
    say "node 1 came back"
    exit 0
fi
case "$BOOT" in
    1) barrier up; sleep 120; fail "node 1 survived fault kill" ;;
    2) barrier node1-rebooted; say "boot 2 after restart" ;;
    *) fail "unexpected BOOT=$BOOT" ;;
esac
