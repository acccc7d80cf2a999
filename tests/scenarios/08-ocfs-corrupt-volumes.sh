#!/bin/sh
# harness: --nodes 1 --stack both --attach source-tree.tar --disks 2 --disk-size 96M --memory 1024 --timeout 1800
# Issue 4, bad input: ours mounts 230 corrupted volumes read-only or read-write and walks them
# The kernel's C ocfs2 populates a small volume (part of the source tree, inline and extent
# files, a 300-extent file, an indexed directory with leaves (300 entries), an inline directory,
# symlinks, xattrs in the inode, a block and buckets, unwritten extents); debugfs.ocfs2 names
# its structures by block number: superblock, root and system directory, system inodes, file,
# directory and symlink inodes, inline directory data, extent blocks, group descriptors,
# directory blocks, index roots and leaves, xattr blocks, the journal superblock. Each case
# writes random bytes (seeded by the case number: reproducible) into one such block, mounts
# it with ours -o ro and walks everything (find, stat, cat, readlink, getfattr), then
# puts the block back. A mount either fails with an "ocfs: DEV:" log line, or succeeds and
# every access error (EIO, EUCLEAN, EINVAL, ...) comes with such a line; the kernel never
# oopses, BUGs or hangs (the harness judges the console). A healthy volume on the second disk
# stays mounted through ours and reads back intact. The first cases use a volume without
# metaecc (damage reaches the parsers), the last ones a volume with it (checksums catch it).
# Between them, read-write cases: the damaged volume is mounted read-write, walked, then
# written (files created, copied, overwritten and truncated, a directory renamed, a tree
# removed); every failed access comes with a log line, and the volume is restored whole.
set -eu
. /usr/share/ocfs/lib.sh
[ "$STACK" = both ] || fail "this scenario writes with the C ocfs2 and reads with ours (--stack both)"
[ -b "${ATTACH:-}" ] && [ -b "${DISK1:-}" ] || fail "needs --attach source-tree.tar and --disks 2"
PLAIN_CASES=150
RW_CASES=30
ECC_CASES=50
dev=$(basename "$DISK")
mkdir -p /mnt/c /mnt/x /mnt/healthy /tmp/blocks
D() { debugfs.ocfs2 -R "$1" "$DISK" 2> /dev/null; }
unpack() { tar -xpf "$ATTACH" -C "$1" --numeric-owner --warning=no-timestamp "${@:2}" || fail "unpack into $1"; }

# --- the healthy volume: written by the C ocfs2, mounted by ours for the whole run ------------
mkfs.ocfs2 -q -x -F -M local -L healthy "$DISK1" > /dev/null < /dev/null || fail "mkfs.ocfs2 $DISK1"
use_stack c
mount -t ocfs2 "$DISK1" /mnt/c || fail "the C ocfs2 cannot mount $DISK1"
unpack /mnt/c ./extras ./selftests/ftrace
(cd /mnt/c && find . -type f -exec md5sum {} +) > /tmp/healthy.md5
umount /mnt/c

# --- a base volume, populated by the C ocfs2 ---------------------------------------------------
populate() { # dir
    d=$1
    unpack "$d" ./extras ./selftests/powerpc
    mkdir "$d/c" "$d/c/inline-dir" "$d/c/indexed" "$d/c/xattr" "$d/c/links"
    for i in 1 2 3; do echo "$i" > "$d/c/inline-dir/f$i"; done
    i=0
    while [ $i -lt 300 ]; do : > "$d/c/indexed/entry-$i"; i=$((i + 1)); done
    fio --name=frag --filename="$d/c/frag" --rw=write:4k --bs=4k --size=4800k --io_size=1200k \
        --fallocate=none --ioengine=psync --output=/dev/null || fail "fio frag"
    head -c 3000 /usr/bin/fio > "$d/c/inline-file"
    : > "$d/c/empty"
    head -c 100000 /usr/bin/fio > "$d/c/extent-file"
    truncate -s 10M "$d/c/sparse" && echo tail >> "$d/c/sparse"
    fallocate -l 64K "$d/c/unwritten" && echo head | dd of="$d/c/unwritten" conv=notrunc 2> /dev/null
    ln -s ../extras/big/CREDITS "$d/c/links/fast"
    ln -s "$(head -c 3000 /dev/zero | tr '\0' s)" "$d/c/links/slow"
    ln "$d/c/extent-file" "$d/c/links/hard"
    mkfifo "$d/c/fifo"
    echo x > "$d/c/xattr/inline" && setfattr -n user.a -v 1 "$d/c/xattr/inline"
    echo x > "$d/c/xattr/block" && setfattr -n user.big -v "$(head -c 3000 /dev/zero | tr '\0' B)" "$d/c/xattr/block"
    echo x > "$d/c/xattr/buckets"
    i=0
    while [ $i -lt 120 ]; do
        setfattr -n "user.a-long-attribute-name-$i" -v "$(head -c $((i + 40)) /dev/zero | tr '\0' v)" "$d/c/xattr/buckets"
        i=$((i + 1))
    done
    sync
}

# Block lists, one file per structure under /tmp/blocks: "blkno what" lines.
first_table() { awk '/## Offset/ { on = 1; next } on && $1 ~ /^[0-9]+$/ && NF >= 4 { print $4, $3; next } { on = 0 }'; }
chain_groups() { awk '/##   Block#/ { on = 1; next } on && $1 ~ /^[0-9]+$/ { print $2; next } { on = 0 }'; }
list_blocks() {
    rm -f /tmp/blocks/*
    b=/tmp/blocks
    echo "2 superblock" > $b/super
    stats=$(D stats)
    echo "$(echo "$stats" | sed -n 's/.*Root Blknum: \([0-9]*\).*/\1/p') root directory inode" > $b/root-dir
    echo "$(echo "$stats" | sed -n 's/.*System Dir Blknum: \([0-9]*\).*/\1/p') system directory inode" > $b/system-dir
    D "ls -l //" | awk '$NF != "." && $NF != ".." && $1 ~ /^[0-9]+$/ { print $1, "system inode " $NF }' > $b/system-inode
    # Inodes by kind, from the listing taken while the C ocfs2 had the volume mounted.
    awk '$2 == "regular" { print $1, "file inode " $3 }' /tmp/inodes > $b/file-inode
    awk '$2 == "directory" { print $1, "directory inode " $3 }' /tmp/inodes > $b/dir-inode
    awk '$2 == "symbolic" { print $1, "symlink inode " $3 }' /tmp/inodes > $b/symlink-inode
    for dir in c/inline-dir extras/names c; do
        D "stat /$dir" | grep -q InlineData && echo "$(D "stat /$dir" | sed -n 's/.*Inode: \([0-9]*\).*/\1/p') inline data of /$dir"
    done > $b/inline-dir-data
    D "stat /c/frag" | sed -n 's/.*Blknum: \([0-9]*\).*/\1 extent block of \/c\/frag/p' > $b/extent-block
    D "stat //journal:0000" | first_table | awk '{ print $1, "journal superblock" }' > $b/journal-super
    for alloc in global_bitmap inode_alloc:0000 extent_alloc:0000; do
        D "stat //$alloc" | chain_groups | awk -v a="$alloc" '{ print $1, "group descriptor of " a }'
    done > $b/group
    for dir in c/indexed extras/deep/d1 selftests/powerpc selftests/powerpc/pmu/ebb extras/links; do
        D "stat /$dir" | first_table | awk -v d="$dir" '{ print $1, "directory block of /" d }'
    done > $b/dir-block
    for dir in c/indexed selftests/powerpc; do
        root=$(D "stat /$dir" | sed -n 's/.*Indexed Tree Root: \([0-9]*\).*/\1/p')
        [ -n "$root" ] || continue
        echo "$root index root of /$dir" >> $b/dx-root
        D "dx_root <$root>" | first_table | awk -v d="$dir" '{ print $1, "index leaf of /" d }' >> $b/dx-leaf
    done
    for f in block buckets; do
        D "stat /c/xattr/$f" | sed -n "s/.*Extended Attributes Block: \([0-9]*\).*/\1 xattr block of \/c\/xattr\/$f/p"
    done > $b/xattr-block
    # (0 is no block: an xattr kept in the inode)
    for f in $b/*; do
        sed -i '/^0 /d' "$f"
        [ -s "$f" ] || fail "no blocks found for $(basename "$f") (debugfs.ocfs2 output changed?)"
    done
    echo "blocks: $(for f in $b/*; do printf '%s %s, ' "$(basename "$f")" "$(wc -l < "$f")"; done)"
}

base() { # label mkfs-options...
    label=$1
    shift
    say "=== base volume $label: mkfs.ocfs2 -M local $*"
    mkfs.ocfs2 -q -x -F -M local -J size=4M "$@" "$DISK" > /dev/null < /dev/null || fail "mkfs.ocfs2 $*"
    use_stack c
    mount -t ocfs2 "$DISK" /mnt/c || fail "the C ocfs2 cannot mount the base volume"
    populate /mnt/c
    (cd /mnt/c && find . -exec stat -c '%i %F %n' {} + | sed 's/ regular empty file / regular /; s/ regular file / regular /; s/ symbolic link / symbolic /') > /tmp/inodes
    umount /mnt/c
    fsck.ocfs2 -fn "$DISK" > /tmp/fsck.log 2>&1 || { cat /tmp/fsck.log; fail "fsck.ocfs2 of the base volume"; }
    volume_info "$DISK"
    list_blocks
    dd if="$DISK" of=/tmp/pristine.img bs=1M 2> /dev/null
    PRISTINE=$(md5sum < /tmp/pristine.img)
    use_stack ours
    if ! grep -q " /mnt/healthy " /proc/mounts; then
        mount -i -t ocfs2 -o ro "$DISK1" /mnt/healthy || fail "ours cannot mount the healthy volume"
    fi
    # The pristine base must mount and walk without an error, or the cases prove nothing.
    dmesg -c > /dev/null
    mount -i -t ocfs2 -o ro "$DISK" /mnt/x || { dmesg | tail -n 5; fail "ours cannot mount the pristine base volume"; }
    walk
    umount /mnt/x
    [ ! -s /tmp/walk.err ] || { head /tmp/walk.err; fail "walking the pristine base volume through ours fails"; }
}

# Everything under /mnt/x, from / (busybox timeout leaves a watcher process behind for up to
# a second, which must not hold the mount busy). A walk that outlasts the timeout is a hang.
walk() {
    : > /tmp/walk.err
    cd /
    for step in "find /mnt/x -exec stat -c %n%s%i {} +" "find /mnt/x -type f -exec cat {} +" \
        "find /mnt/x -type l -exec stat -c %N {} +" "getfattr --absolute-names -R -h -d -m - /mnt/x/c/xattr"; do
        # shellcheck disable=SC2086 # the step is words
        rc=0
        timeout 120 $step > /dev/null 2>> /tmp/walk.err || rc=$?
        [ $rc != 143 ] || echo "HANG: '$step' did not end within 120 s" >> /tmp/walk.err
    done
}

# Changes through a read-write mount of /mnt/x, appended to the walk's errors.
write_walk() {
    cd /
    for step in "touch /mnt/x/c/new-file" "mkdir /mnt/x/c/new-dir" "cp -r /mnt/x/extras/links /mnt/x/c/new-dir/" \
        "dd if=/dev/zero of=/mnt/x/c/extent-file bs=4k count=8 conv=notrunc" "truncate -s 5000 /mnt/x/c/inline-file" \
        "truncate -s 10000 /mnt/x/c/frag" "mv /mnt/x/c/indexed /mnt/x/c/moved" "rm -rf /mnt/x/selftests/powerpc/pmu/ebb" \
        "rm -f /mnt/x/c/links/hard /mnt/x/c/sparse" "sync -f /mnt/x"; do
        # shellcheck disable=SC2086 # the step is words
        rc=0
        timeout 120 $step > /dev/null 2>> /tmp/walk.err || rc=$?
        [ $rc != 143 ] || echo "HANG: '$step' did not end within 120 s" >> /tmp/walk.err
    done
}

healthy_check() {
    (cd /mnt/healthy && md5sum -c /tmp/healthy.md5 > /dev/null 2>&1) || fail "the healthy volume no longer reads back intact ($1)"
}

# One case: corrupt, mount, walk, judge, restore.
refused=0 errored=0 undetected=0 named=0 replays=0
run_case() { # number [rw]
    n=$1 rw=${2:-}
    RANDOM=$((n * 7919 + 17))
    set -- /tmp/blocks/*
    shift $((RANDOM % $#))
    what=$(basename "$1")
    lines=$(wc -l < "$1")
    entry=$(sed -n "$((RANDOM % lines + 1))p" "$1")
    blk=${entry%% *} desc=${entry#* }
    bs=$VOL_BS
    case $what in
        inline-dir-data) lo=200 hi=$bs ;;
        super | root-dir | system-dir | system-inode | *-inode | journal-super | group | dx-root | xattr-block)
            if [ $((RANDOM % 3)) -ne 0 ]; then lo=0 hi=256; else lo=0 hi=$bs; fi ;;
        *) lo=0 hi=$bs ;;
    esac
    count=$((1 + RANDOM % 8))
    off=$((lo + RANDOM % (hi - lo - count)))
    hex='' esc=''
    for _ in $(seq "$count"); do
        case $((RANDOM % 4)) in 0) v=0 ;; 1) v=255 ;; *) v=$((RANDOM % 256)) ;; esac
        hex="$hex $(printf %02x "$v")" esc="$esc\\x$(printf %02x "$v")"
    done
    say "case $n: $what block $blk ($desc), offset $off, bytes$hex"
    dd if="$DISK" of=/tmp/orig.blk bs="$bs" skip="$blk" count=1 2> /dev/null
    printf "$esc" | dd of="$DISK" bs=1 seek=$((blk * bs + off)) conv=notrunc 2> /dev/null
    dmesg -c > /dev/null
    if mount -i -t ocfs2 -o "${rw:-ro}" "$DISK" /mnt/x 2> /tmp/mount.err; then
        walk
        [ -z "$rw" ] || write_walk
        umount /mnt/x || fail "case $n: umount failed"
        dmesg > /tmp/case.log
        grep -q "^HANG" /tmp/walk.err && { cat /tmp/walk.err | head -n 5; fail "case $n: the walk hung"; }
        serious=$(grep -Ev "No such file or directory|Not a directory|Operation not supported|No data available|records (in|out)$" /tmp/walk.err || true)
        if [ -n "$serious" ]; then
            grep "ocfs: $dev: " /tmp/case.log | grep -v "mounted read-" | grep -q . || {
                echo "$serious" | head -n 5; fail "case $n: accesses failed, but ours logged no 'ocfs: $dev: ...' line"; }
            errored=$((errored + 1))
            echo "  mounted; access errors: $(echo "$serious" | head -n 1); log: $(grep "ocfs: $dev: " /tmp/case.log | grep -v "mounted read-" | head -n 1)"
        else
            undetected=$((undetected + 1))
            echo "  mounted; the walk met no error"
        fi
    else
        dmesg > /tmp/case.log
        grep -q "ocfs: $dev: " /tmp/case.log || { cat /tmp/mount.err; fail "case $n: the mount failed without an 'ocfs: $dev: ...' line"; }
        refused=$((refused + 1))
        echo "  refused: $(grep "ocfs: $dev: " /tmp/case.log | tail -n 1)"
    fi
    grep "ocfs: $dev: " /tmp/case.log | grep -qw "$blk" && named=$((named + 1))
    grep -qiE "ocfs: $dev: .*(replay|recover)" /tmp/case.log && replays=$((replays + 1))
    grep -q "ocfs: $(basename "$DISK1"): " /tmp/case.log && fail "case $n: ours logged about the healthy volume"
    if [ -n "$rw" ]; then
        dd if=/tmp/pristine.img of="$DISK" bs=1M conv=notrunc 2> /dev/null
    else
        dd if=/tmp/orig.blk of="$DISK" bs="$bs" seek="$blk" count=1 conv=notrunc 2> /dev/null
    fi
    [ -f /mnt/healthy/extras/big/CREDITS ] || fail "case $n: the healthy volume's files are gone"
}

# Every 20 cases and at the end of a base: a read-only mount must not have written to the
# device (unless it replayed a journal a corruption marked dirty); put the pristine image
# back if it did.
check_unwritten() { # from to
    [ "$(md5sum < "$DISK")" = "$PRISTINE" ] && return 0
    [ "$replays" -gt 0 ] || fail "cases $1-$2: ours wrote to a device it had mounted read-only"
    say "cases $1-$2: the device changed after a journal replay; restoring the base image"
    dd if=/tmp/pristine.img of="$DISK" bs=1M conv=notrunc 2> /dev/null
    replays=0
}

cases() { # first last [rw]
    i=$1 from=$1
    while [ "$i" -le "$2" ]; do
        run_case "$i" "${3:-}"
        if [ $((i % 20)) = 19 ] || [ "$i" = "$2" ]; then
            check_unwritten "$from" "$i"
            healthy_check "after case $i"
            from=$((i + 1))
        fi
        i=$((i + 1))
    done
}

base plain
cases 0 $((PLAIN_CASES - 1))
# The pristine base mounts read-write and takes the writes without an error.
dmesg -c > /dev/null
mount -i -t ocfs2 "$DISK" /mnt/x || { dmesg | tail -n 5; fail "ours cannot mount the pristine base volume read-write"; }
walk
write_walk
umount /mnt/x
grep -Ev "Operation not supported|records (in|out)$" /tmp/walk.err | grep . && fail "writing the pristine base volume through ours fails"
dd if=/tmp/pristine.img of="$DISK" bs=1M conv=notrunc 2> /dev/null
cases 1000 $((1000 + RW_CASES - 1)) rw
umount /mnt/healthy
base metaecc --fs-features=metaecc
cases "$PLAIN_CASES" $((PLAIN_CASES + ECC_CASES - 1))
healthy_check "at the end"
umount /mnt/healthy
unload_stack ours
say "$((PLAIN_CASES + RW_CASES + ECC_CASES)) corrupted volumes ($RW_CASES mounted read-write and written): $refused refused at mount, $errored failed accesses with a log line, $undetected read without error; $named log lines named the corrupted block; no kernel trouble"
