# Helpers for scenarios: `. /usr/share/ocfs/lib.sh` in a scenario script.
# The harness sets NODE, NODES, BOOT, STACK and DISK; see Documentation/harness.md.

# Say something on the console, tagged with the node.
say() { echo "[node$NODE] $*"; }

# Fail the scenario on this node with a message.
fail() { echo "[node$NODE] FAIL: $*"; exit 1; }

# The name of the cluster scenarios register.
CLUSTER_NAME=${CLUSTER_NAME:-ocfstest}

# Write /etc/ocfs2/cluster.conf for nodes 0..NODES-1 (addresses from /etc/hosts, port 7777),
# the way an operator does it (SCENARIOS.md, S3).
write_cluster_conf() {
    mkdir -p /etc/ocfs2
    {
        echo "cluster:"
        echo "	node_count = $NODES"
        echo "	name = $CLUSTER_NAME"
        echo
        i=0
        while [ "$i" -lt "$NODES" ]; do
            echo "node:"
            echo "	ip_port = 7777"
            echo "	ip_address = 10.77.0.$((10 + i))"
            echo "	number = $i"
            echo "	name = node$i"
            echo "	cluster = $CLUSTER_NAME"
            echo
            i=$((i + 1))
        done
    } > /etc/ocfs2/cluster.conf
}

# Bring the o2cb cluster online as o2cb's init script does: load the stack, mount dlmfs,
# register the cluster from cluster.conf, set the timeouts. Arguments (optional):
# dead threshold, idle timeout ms, keepalive delay ms, reconnect delay ms.
o2cb_online() {
    threshold=${1:-31} idle=${2:-30000} keepalive=${3:-2000} reconnect=${4:-2000}
    write_cluster_conf
    modprobe ocfs2_nodemanager || fail "modprobe ocfs2_nodemanager"
    modprobe ocfs2_dlm || fail "modprobe ocfs2_dlm"
    modprobe ocfs2_dlmfs || fail "modprobe ocfs2_dlmfs"
    modprobe ocfs2_stack_o2cb || fail "modprobe ocfs2_stack_o2cb"
    modprobe ocfs2 || fail "modprobe ocfs2"
    grep -q " /dlm " /proc/mounts || mount -t ocfs2_dlmfs ocfs2_dlmfs /dlm || fail "mount dlmfs"
    o2cb register-cluster "$CLUSTER_NAME" || fail "o2cb register-cluster"
    c=/sys/kernel/config/cluster/$CLUSTER_NAME
    echo "$threshold" > "$c/heartbeat/dead_threshold" || fail "set dead_threshold"
    echo "$idle" > "$c/idle_timeout_ms" || fail "set idle_timeout_ms"
    echo "$keepalive" > "$c/keepalive_delay_ms" || fail "set keepalive_delay_ms"
    echo "$reconnect" > "$c/reconnect_delay_ms" || fail "set reconnect_delay_ms"
}

# Wait up to $2 seconds (default 60) for the command $1 to succeed.
wait_for() {
    cond=$1 limit=${2:-60} waited=0
    until eval "$cond"; do
        waited=$((waited + 1))
        [ "$waited" -le "$limit" ] || return 1
        sleep 1
    done
}

# Build a deterministic tree of files in $1 (the same on every node and every boot): copies
# of the guest's own files plus the shapes a filesystem must get right (inline-size edges,
# sparse files, symlinks fast and slow, hard links, a large directory, deep nesting).
make_test_tree() {
    dst=$1
    mkdir -p "$dst"
    cp -a /usr/lib/modules /usr/share/ocfs /usr/lib/lsb "$dst/"
    mkdir -p "$dst/sizes" "$dst/links" "$dst/big-dir" "$dst/deep/a/b/c/d/e/f/g/h"
    for size in 0 1 100 3895 3896 3897 4095 4096 4097 65535 65536 65537 1048577; do
        head -c "$size" /usr/bin/stress-ng > "$dst/sizes/file-$size"
    done
    # A sparse file: data at 0, a hole, data at 8 MiB.
    head -c 5000 /usr/bin/fio > "$dst/sizes/sparse"
    head -c 5000 /usr/bin/fio | dd of="$dst/sizes/sparse" bs=1M seek=8 conv=notrunc 2>/dev/null
    ln -s ../sizes/file-1 "$dst/links/fast"
    # Longer than a block can hold inline (a slow symlink), yet resolvable.
    ln -s "$(printf './%.0s' $(seq 1 1960))../sizes/file-100" "$dst/links/slow"
    ln "$dst/sizes/file-4096" "$dst/links/hard"
    i=0
    while [ "$i" -lt 600 ]; do
        echo "entry $i" > "$dst/big-dir/entry-with-a-longish-name-$i"
        i=$((i + 1))
    done
    echo deep > "$dst/deep/a/b/c/d/e/f/g/h/leaf"
    chmod 600 "$dst/sizes/file-1"
    chmod 4755 "$dst/sizes/file-100"
}

# --- Two stacks in one guest (--stack both) ------------------------------------------------
# The guest carries our modules (extra/) and the kernel's C ocfs2 (kernel/fs/ocfs2/); only one
# of them can register the ocfs2 filesystem type (and configfs `cluster`) at a time. kmod
# resolves a module's real name before any alias, so `modprobe ocfs` loads ours and
# `modprobe ocfs2` the C ocfs2, whose real names are also our aliases; `fs-ocfs2` (what the
# kernel asks for on `mount -t ocfs2` with no ocfs2 registered) matches both, so load one
# explicitly first: with a filesystem type registered the kernel asks for nothing.
OURS_MODULES="ocfs ocfs_dlm ocfs_o2net ocfs_o2hb"
C_MODULES="ocfs2 ocfs2_stack_o2cb ocfs2_dlmfs ocfs2_dlm ocfs2_stackglue ocfs2_nodemanager"

# Unload a stack (ours|c): every module of it that is loaded, top down. Fails if a volume is
# still mounted (unmount first).
unload_stack() {
    grep -q " ocfs2 " /proc/mounts && fail "unload_stack $1: an ocfs2 volume is still mounted"
    grep -q " ocfs2_dlmfs " /proc/mounts && { umount -a -t ocfs2_dlmfs || fail "unmount dlmfs"; }
    case $1 in
        ours) mods=$OURS_MODULES ;;
        c) mods=$C_MODULES ;;
        *) fail "unload_stack: ours or c, not '$1'" ;;
    esac
    for m in $mods; do
        [ -d "/sys/module/$m" ] || continue
        rmmod "$m" || fail "unload_stack $1: rmmod $m"
    done
}

# Make one stack the ocfs2 of this guest: unload the other, load this one's filesystem
# module by its real name, and check that it is the one that registered ocfs2.
use_stack() { # ours|c
    case $1 in
        ours) unload_stack c; modprobe ocfs || fail "modprobe ocfs"; want=ocfs other=ocfs2 ;;
        c) unload_stack ours; modprobe ocfs2 || fail "modprobe ocfs2"; want=ocfs2 other=ocfs ;;
        *) fail "use_stack: ours or c, not '$1'" ;;
    esac
    [ -d "/sys/module/$want" ] || fail "use_stack $1: module $want is not loaded"
    [ ! -d "/sys/module/$other" ] || fail "use_stack $1: module $other is loaded too"
    grep -qw ocfs2 /proc/filesystems || fail "use_stack $1: no ocfs2 in /proc/filesystems"
    CURRENT_STACK=$1
}

# Which stack's module holds the mount at $1 (ours|c): the one whose reference count the
# mount raised. Prints the stack name.
mounted_stack() {
    grep -q " $1 ocfs2 " /proc/mounts || fail "mounted_stack: nothing of type ocfs2 at $1"
    if [ -d /sys/module/ocfs ] && [ "$(cat /sys/module/ocfs/refcnt)" -gt 0 ]; then echo ours
    elif [ -d /sys/module/ocfs2 ] && [ "$(cat /sys/module/ocfs2/refcnt)" -gt 0 ]; then echo c
    else fail "mounted_stack: neither ocfs nor ocfs2 holds a reference"
    fi
}

# Volume geometry and features, from debugfs.ocfs2 (works on a mounted or unmounted volume):
# sets VOL_BS, VOL_CS (bytes) and VOL_FEATURES (the feature names debugfs prints).
volume_info() { # device
    stats=$(debugfs.ocfs2 -R stats "$1" 2>/dev/null) || fail "debugfs.ocfs2 stats $1"
    VOL_BS=$((1 << $(echo "$stats" | sed -n 's/.*Block Size Bits: \([0-9]*\).*/\1/p')))
    VOL_CS=$((1 << $(echo "$stats" | sed -n 's/.*Cluster Size Bits: \([0-9]*\).*/\1/p')))
    VOL_FEATURES=$(echo "$stats" | sed -n 's/^[[:space:]]*Feature \(Compat\|Incompat\|RO compat\): [0-9]* //p' | tr '\n' ' ')
}
has_feature() { case " $VOL_FEATURES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# The fio jobs of make_crafted's frag/ directory: file[.pass]:extra-options (CS: the cluster
# size), each writing every other cluster of 1200, 600 in all.
# The odd pass starts one cluster in; the file is first extended to its full size, as fio
# would otherwise lay it out anew.
FRAG_FIO="holes:--fallocate=none alternating.even:--fallocate=none
alternating.odd:--fallocate=none,--offset=CS,--size=CS1199 unwritten-between:--fallocate=native"

frag_fio_options() { echo "$1" | sed "s/CS1199/$((1199 * $2))/g; s/CS/$2/g; s/,/ /g"; }

# Build in $1, on a mounted volume described by volume_info, the shapes a filesystem's read
# path must get right: inline-data edges, empty and sparse files, unwritten extents, a file
# with hundreds of extents (an extent tree of depth 1, 2 with 512-byte blocks), files grown
# by interleaved appends, fast and slow symlinks up to PATH_MAX, hard links, fifos and
# device nodes, an inline directory, a directory with holes, a directory of 6008 entries
# (indexed where the volume has indexed-dirs), and xattrs inline, in a block, in buckets and
# with values outside (where the volume has xattr). Deterministic: the same volume geometry
# gives the same names, sizes and bytes.
make_crafted() {
    d=$1 bs=$VOL_BS cs=$VOL_CS
    edge=$((bs - 200)) # the most inline data an inode holds: id2.i_data.id_data at 200
    data=/usr/bin/stress-ng
    mkdir -p "$d/sizes" "$d/sparse" "$d/frag" "$d/unwritten" "$d/links" "$d/hard/a" "$d/hard/b" \
        "$d/special" "$d/inline-dir" "$d/holes-dir" "$d/bigdir" "$d/xattr" || fail "make_crafted: mkdir"
    for size in 0 1 $((edge - 1)) $edge $((edge + 1)) $bs $((bs + 1)) $cs $((cs + 1)) $((3 * cs + 17)); do
        head -c "$size" "$data" > "$d/sizes/s-$size" || fail "make_crafted: sizes"
    done
    : > "$d/sizes/empty-2"
    # Holes: at the start, the middle, the end; only a hole; data inside one cluster.
    dd if=$data of="$d/sparse/hole-start" bs="$cs" skip=1 seek=3 count=1 2>/dev/null
    head -c 5000 $data > "$d/sparse/hole-middle"
    dd if=$data of="$d/sparse/hole-middle" bs=1M skip=1 seek=8 count=1 conv=notrunc 2>/dev/null
    head -c 5000 $data > "$d/sparse/hole-end" && truncate -s 16M "$d/sparse/hole-end"
    truncate -s 64M "$d/sparse/all-hole"
    dd if=$data of="$d/sparse/in-cluster" bs=1 skip=77 seek=$((cs + bs + 7)) count=100 2>/dev/null
    # One extent per written cluster: every other cluster of 1200 (600 extents, holes
    # between); all 1200 written in two passes, evens then odds (1200 extents, each
    # physically apart from its neighbours); every other cluster of a file fio fallocated
    # first (written and unwritten extents in turn); and 8 files grown a cluster at a time in
    # turn. fio embeds a crc32c header in each block, so the same job reading verifies them.
    # (scenario 07 reads them back with the same options: FRAG_FIO below)
    for job in $FRAG_FIO; do
        n=${job%%:*} opts=$(frag_fio_options "${job#*:}" "$cs")
        case $opts in *--offset*) truncate -s $((1200 * cs)) "$d/frag/${n%.*}" ;; esac
        # shellcheck disable=SC2086 # options are words
        fio --name="${n%.*}" --filename="$d/frag/${n%.*}" --rw=write:"$cs" --bs="$cs" --size=$((1200 * cs)) \
            --io_size=$((600 * cs)) --ioengine=psync --verify=crc32c --do_verify=0 --randrepeat=1 \
            --output=/dev/null $opts || fail "make_crafted: fio $n"
    done
    fio --name=rr --directory="$d/frag" --filename_format='rr.$filenum' --nrfiles=8 --fallocate=none \
        --file_service_type=roundrobin --rw=write --bs="$cs" --size=$((8 * 48 * cs)) \
        --ioengine=psync --verify=crc32c --do_verify=0 --randrepeat=1 --output=/dev/null || fail "make_crafted: fio rr"
    if has_feature unwritten; then
        fallocate -l $((16 * cs)) "$d/unwritten/whole" || fail "make_crafted: fallocate"
        head -c "$cs" $data > "$d/unwritten/middle"
        fallocate -o "$cs" -l $((4 * cs)) "$d/unwritten/middle"
        dd if=$data of="$d/unwritten/middle" bs="$cs" skip=2 seek=5 count=1 conv=notrunc 2>/dev/null
        head -c 100 $data > "$d/unwritten/past-eof"
        fallocate -n -o $((4 * cs)) -l $((2 * cs)) "$d/unwritten/past-eof"
        fallocate -l $((8 * cs)) "$d/unwritten/split"
        dd if=$data of="$d/unwritten/split" bs=1 skip=1000 seek=$((cs + 100)) count=3000 conv=notrunc 2>/dev/null
    fi
    # Symlink targets from 1 byte to PATH_MAX - 1, either side of the inline edge.
    for len in 1 60 $((edge - 1)) $edge $((edge + 1)) $((bs + 1)) 4095; do
        [ "$len" -le 4095 ] || continue
        [ -L "$d/links/len-$len" ] && continue
        ln -s "$(head -c "$len" /dev/zero | tr '\0' 't')" "$d/links/len-$len" || fail "make_crafted: symlink $len"
    done
    ln -s ../sizes/s-1 "$d/links/to-file"
    # A file with ten names in three directories.
    echo "ten names" > "$d/hard/one"
    for i in 1 2 3 4 5 6 7 8 9; do
        case $i in [1-3]) dir=$d/hard ;; [4-6]) dir=$d/hard/a ;; *) dir=$d/hard/b ;; esac
        ln "$d/hard/one" "$dir/name-$i" || fail "make_crafted: link"
    done
    mkfifo "$d/special/fifo"
    mknod "$d/special/null" c 1 3
    mknod "$d/special/loop0" b 7 0
    mknod "$d/special/big-numbers" c 4095 1048575
    chown 1234:5678 "$d/special/fifo"
    for i in 1 2 3; do echo "$i" > "$d/inline-dir/f$i"; done
    i=0
    while [ $i -lt 400 ]; do : > "$d/holes-dir/entry-number-$i"; i=$((i + 1)); done
    i=1
    while [ $i -lt 400 ]; do rm "$d/holes-dir/entry-number-$i"; i=$((i + 2)); done
    pad=abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz
    i=0
    while [ $i -lt 6000 ]; do : > "$d/bigdir/e$i-${pad:0:$((i % 97))}"; i=$((i + 1)); done
    # Names with bytes >= 0x80, whose index hash differs between signed and unsigned chars.
    for i in 1 2 3 4 5 6 7 8; do : > "$d/bigdir/ünïcødé-名前-$i"; done
    touch -d '2001-02-03 04:05:06' "$d/bigdir/e17-${pad:0:17}"
    if has_feature xattr; then
        x=$d/xattr
        echo small > "$x/inline" && setfattr -n user.a -v 1 "$x/inline" || fail "make_crafted: setfattr"
        setfattr -n user.b -v "$(head -c 40 /dev/zero | tr '\0' b)" "$x/inline"
        echo block > "$x/block"
        setfattr -n user.big -v "$(head -c 3000 /dev/zero | tr '\0' B)" "$x/block"
        # Enough to spill into buckets. With 512-byte blocks, fewer: the C ocfs2 of Debian's
        # 6.12.117 puts more entries in a bucket than its own validator then accepts (it
        # limits them to the bucket's first block: 31 at 512 bytes) and goes read-only.
        echo buckets > "$x/buckets"
        n=150
        [ "$bs" -ge 1024 ] || n=25
        i=0
        while [ $i -lt $n ]; do
            setfattr -n "user.attribute-with-a-long-name-$i" -v "$(head -c $((i + 50)) /dev/zero | tr '\0' v)" "$x/buckets"
            i=$((i + 1))
        done
        echo outside > "$x/value-tree"
        setfattr -n user.huge -v "$(head -c 60000 /dev/zero | tr '\0' H)" "$x/value-tree"
        setfattr -n user.dir -v d "$x"
        setfattr -n trusted.t -v t "$d/special/fifo"
        setfattr -h -n trusted.link -v l "$d/links/to-file"
    fi
    sync
}

# fsck.ocfs2 -fn must pass and report nothing: it exits 0 even when it declined to fix what it
# found, so every "[PROBLEM_CODE]" line counts, except those matching the extended regex $2
# (known quirks of the oracles, each justified where it is passed).
fsck_clean() { # device [allowed-regex]
    fsck.ocfs2 -fn "$1" > /tmp/fsck.log 2>&1 || { cat /tmp/fsck.log; fail "fsck.ocfs2 -fn $1: status $?"; }
    found=$(grep '^\[[A-Z_]*\]' /tmp/fsck.log | { if [ -n "${2:-}" ]; then grep -Ev "$2"; else cat; fi; } || true)
    [ -z "$found" ] || { cat /tmp/fsck.log; fail "fsck.ocfs2 -fn $1 found: $found"; }
}

# fsck_clean, allowing only the one report mkfs.ocfs2 1.8.7 itself leaves at small block sizes:
# an unindexed system directory (scenario 5 shows it on fresh volumes).
fsck_volume() { # device
    sysdir=$(debugfs.ocfs2 -R stats "$1" 2>/dev/null | sed -n 's/.*System Dir Blknum: \([0-9]*\).*/\1/p')
    fsck_clean "$1" "^\[DX_TREE_MISSING\] Directory $sysdir is "
}

# Deterministic file contents: $2 numbered lines, each starting with $1.
content() { seq 1 "$2" | sed "s/^/$1 /"; }

# Write back and forget every cached page, dentry and inode: the next reads go to the disk.
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# Two files, frag1 and frag2 in $1 and their copies in $2, appended in turns one $3-byte
# cluster at a time, 300 times: every cluster becomes an extent of its own.
fragment() { # dir want-dir cluster-size
    i=0
    exec 3>>"$1/frag1" 4>>"$1/frag2" 5>>"$2/frag1" 6>>"$2/frag2"
    while [ "$i" -lt 300 ]; do
        printf "%-${3}s" "frag1 $i" >&3; printf "%-${3}s" "frag1 $i" >&5
        printf "%-${3}s" "frag2 $i" >&4; printf "%-${3}s" "frag2 $i" >&6
        i=$((i + 1))
    done
    exec 3>&- 4>&- 5>&- 6>&-
}

# A listing of every entry under $1 into $2, to compare two mounts of the same volume: name
# (and symlink target), mode, uid, gid, size, mtime and ctime to the nanosecond, links,
# device numbers; the inode number as the first name that has it, so that hard links are
# compared as links whatever the numbers are. And into $2.blocks, name and st_blocks.
# Errors go into the listings too, where a comparison shows them.
stat_listing() { # dir out
    (cd "$1" && find . -exec stat -c '%N|%f|%u|%g|%s|%y|%z|%h|%i|%t:%T|%b' {} + 2>&1) | sort > "$2.raw"
    awk -F'|' 'BEGIN { OFS = "|" } { if (!($9 in first)) first[$9] = $1; print $1, $2, $3, $4, $5, $6, $7, $8, first[$9], $10 }' \
        "$2.raw" > "$2"
    awk -F'|' 'BEGIN { OFS = "|" } { print $1, $2, $5, $11 }' "$2.raw" > "$2.blocks"
}
