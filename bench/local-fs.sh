#!/usr/bin/env bash
# ocfs against the kernel's C ocfs2 on one local volume, in the same VM, on the same image:
# sequential write and read of 1 GiB, unpacking the source tree, create/stat/unlink of
# 10,000 files, stat of every entry of the tree and tar of it. Prints each stack's best time
# of the rounds and the ratio C/ours (above 1: ours is faster). What ours refuses (with a
# log line) is reported as such, without a number. Not a pass/fail test.
# Usage: bench/local-fs.sh [--keep-log]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib/common.sh"
guest=$OCFS_ROOT/bench/local-fs.guest.sh
options=$(sed -n 's/^# harness: //p' "$guest")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # options are words
"$OCFS_ROOT/scripts/qemu/cluster" $options "$guest" > "$out" 2>&1 || { tail -n 30 "$out"; die "the benchmark run failed"; }
console=$(sed -n 's/.*node0 console: //p' "$out")
accel=$(sed -n 's/.* \(TCG\|KVM\), run directory.*/\1/p' "$out")
grep -a '^BENCH ' "$console" | awk -v accel="$accel" '
    $4 == "not-yet" { why[$2 " " $3] = substr($0, index($0, "not-yet")); next }
    { k = $2 " " $3; if (!(k in best) || $4 < best[k]) best[k] = $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
    END {
        printf "%-12s %12s %12s %8s   (%s, best of the rounds, seconds)\n", "", "C ocfs2", "ours", "C/ours", accel
        split("write-1GiB unpack-tree create-10k stat-10k unlink-10k read-1GiB stat-tree tar-tree", all, " ")
        for (i = 1; i <= 8; i++) {
            t = all[i]; c = best[t " c"]; o = best[t " ours"]
            if (c == "") c = "-"
            if (o != "") printf "%-12s %12s %12s %7.2fx\n", t, c, o, (o > 0 ? c / o : 0)
            else printf "%-12s %12s %12s   %s\n", t, c, "-", (why[t " ours"] != "" ? why[t " ours"] : "no result")
        }
    }'
