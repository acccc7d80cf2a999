#!/usr/bin/env bash
# mkfs.ocfs against mkfs.ocfs2 1.8.7 on the same sparse image sizes, default options: wall
# time of each, best of 3, and the ratio (above 1: ours is faster). Not a pass/fail test.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib/common.sh"
ours=$OCFS_ROOT/target/release/mkfs.ocfs
[ -x "$ours" ] || die "build first: make tools"
command -v mkfs.ocfs2 >/dev/null || die "mkfs.ocfs2 missing: scripts/setup"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

best_of_3() { # command...
    local best=
    for _ in 1 2 3; do
        rm -f "$work/img" && truncate -s "$size" "$work/img"
        local start end
        start=$(date +%s.%N)
        "$@" "$work/img" >/dev/null 2>&1
        end=$(date +%s.%N)
        best=$(echo "$end - $start" | bc -l | awk -v b="$best" '{ if (b == "" || $1 < b) print $1; else print b }')
    done
    echo "$best"
}

printf '%-8s %12s %12s %8s\n' size mkfs.ocfs mkfs.ocfs2 ratio
for size in 1G 20G 200G; do
    t_ours=$(best_of_3 "$ours" -q)
    t_theirs=$(best_of_3 mkfs.ocfs2 -q -x -F --nodiscard)
    printf '%-8s %11.3fs %11.3fs %7.1fx\n' "$size" "$t_ours" "$t_theirs" "$(echo "$t_theirs / $t_ours" | bc -l)"
done
