#!/bin/sh
# harness: --nodes 2 --timeout 120
# expect: fail
# Harness self-test: one node's scenario fails, so the run must fail.
[ "$NODE" = 1 ] && exit 3
exit 0
