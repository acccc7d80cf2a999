#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Regenerates ../src/ondisk/layout_check.rs: compiles layout.c against the
# kernel's own headers and lets it print one compile-time assertion per
# field (offset and width) and per structure size.
#
#   KSRC=/path/to/linux format/layout/gen.sh
set -eu
KSRC=${KSRC:-/var/cache/ocfs/linux-source-6.12}
CC=${CC:-gcc}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# jbd2.h and quota_tree.h drag in half the kernel; take just the structs.
{
	sed -n '/^typedef struct journal_header_s/,/^} journal_header_t;/p' "$KSRC/include/linux/jbd2.h"
	sed -n '/^typedef struct journal_superblock_s/,/^} journal_superblock_t;/p' "$KSRC/include/linux/jbd2.h"
	awk '/^#define JBD2_(MAGIC_NUMBER|SUPERBLOCK_V[12]|KNOWN_[A-Z_]+|FEATURE_(COMPAT|INCOMPAT|RO_COMPAT)_[A-Z0-9_]+)[ \t]/ { p = 1 }
	     p { print; if ($0 !~ /\\$/) p = 0 }' "$KSRC/include/linux/jbd2.h"
} > "$tmp/jbd2_structs.h"
{
	sed -n '/^struct qt_disk_dqdbheader {/,/^};/p' "$KSRC/fs/quota/quota_tree.h"
	grep '^#define QT_TREEOFF' "$KSRC/fs/quota/quota_tree.h"
} > "$tmp/qtree_structs.h"
for f in "$tmp/jbd2_structs.h" "$tmp/qtree_structs.h"; do
	[ -s "$f" ] || { echo "gen.sh: could not extract structs into $f" >&2; exit 1; }
done

"$CC" -std=gnu11 -Wall -Wno-unused -Werror \
	-include "$here/shim/shim.h" \
	-I "$tmp" -I "$KSRC/fs/ocfs2" -I "$KSRC/fs/ocfs2/cluster" \
	-DKSRC_NAME="\"$(basename "$KSRC")\"" \
	-o "$tmp/layout" "$here/layout.c"
"$tmp/layout" > "$tmp/layout_check.rs"
mv "$tmp/layout_check.rs" "$here/../src/ondisk/layout_check.rs"
echo "wrote $(cd "$here/../src/ondisk" && pwd)/layout_check.rs"
