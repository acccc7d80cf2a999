#!/bin/sh
# harness: --nodes 1 --timeout 20
# expect: fail
# Harness self-test: a scenario that never ends is stopped at the global timeout and fails.
sleep 3600
