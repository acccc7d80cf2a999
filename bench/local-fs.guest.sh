#!/bin/sh
# harness: --nodes 1 --stack both --attach source-tree.tar --disk-size 3G --memory 1024 --timeout 3600
# The guest half of bench/local-fs.sh (run that): one volume, the C ocfs2 and ours in turn on
# the same image, caches dropped before every measurement. Prints "BENCH name stack seconds"
# or "BENCH name stack not-yet reason" lines for the host side to tabulate.
set -eu
. /usr/share/ocfs/lib.sh
ROUNDS=${ROUNDS:-2}
mkdir -p /mnt/b
now() { cut -d' ' -f1 /proc/uptime; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
result() { echo "BENCH $1 $2 $3"; }
timed() { # name stack command...
    n=$1 s=$2
    shift 2
    drop
    dmesg -c > /dev/null
    t0=$(now)
    if ! "$@" > /dev/null 2>&1; then
        # What ours refuses (with a log line) is reported, not timed; anything else fails.
        reason=$(dmesg | grep "ocfs: .*not supported yet" | tail -n 1 | sed 's/^.*ocfs: [^:]*: //')
        [ "$s" = ours ] && [ -n "$reason" ] || fail "$n on $s: $* failed"
        echo "BENCH $n $s not-yet $reason"
        return 0
    fi
    result "$n" "$s" "$(echo "$(now) $t0" | awk '{ printf "%.2f", $1 - $2 }')"
}
mount_stack() { # stack ro|rw
    use_stack "$1"
    opts=$2
    if [ "$1" = ours ]; then mount -i -t ocfs2 -o "$opts" "$DISK" /mnt/b; else mount -t ocfs2 -o "$opts" "$DISK" /mnt/b; fi
}

# --- writes ---------------------------------------------------------------------------------
write_side() { # stack
    # mkfs.ocfs2's defaults (indexed directories, inline data); both stacks get the same volume.
    mkfs.ocfs2 -q -x -F -M local "$DISK" > /dev/null < /dev/null
    if ! mount_stack "$1" rw 2> /dev/null; then
        reason=$(dmesg | grep "ocfs: " | tail -n 1 | sed 's/.*: //')
        for n in write-1GiB unpack-tree create-10k stat-10k unlink-10k; do echo "BENCH $n $1 not-yet read-only (${reason:-refused})"; done
        return 0
    fi
    timed write-1GiB "$1" dd if=/dev/zero of=/mnt/b/big bs=1M count=1024 conv=fsync
    mkdir /mnt/b/tree
    timed unpack-tree "$1" sh -c "tar -xpf $ATTACH -C /mnt/b/tree --numeric-owner && sync"
    mkdir /mnt/b/many
    timed create-10k "$1" sh -c 'i=0; while [ $i -lt 10000 ]; do : > /mnt/b/many/f$i; i=$((i + 1)); done; sync'
    timed stat-10k "$1" sh -c 'find /mnt/b/many -exec stat -c %s {} + | wc -l'
    timed unlink-10k "$1" sh -c 'rm -rf /mnt/b/many && sync'
    umount /mnt/b
}

# --- reads, on the volume the C ocfs2 wrote ---------------------------------------------------
read_side() { # stack
    mount_stack "$1" ro || { echo "BENCH read-1GiB $1 not-yet cannot mount read-only"; return 0; }
    timed read-1GiB "$1" dd if=/mnt/b/big of=/dev/null bs=1M
    timed stat-tree "$1" sh -c 'find /mnt/b/tree -exec stat -c %s {} + | wc -l'
    # tar notices an archive on /dev/null and reads no file data: pipe it.
    timed tar-tree "$1" sh -c 'tar -cf - -C /mnt/b tree | cat > /dev/null'
    umount /mnt/b
}

say "bench: $ROUNDS round(s), $ACCEL"
round=1
while [ $round -le "$ROUNDS" ]; do
    write_side ours
    write_side c     # leaves the C ocfs2's volume for the reads
    for s in c ours ours c; do read_side $s; done
    round=$((round + 1))
done
unload_stack ours
unload_stack c
say "bench done"
