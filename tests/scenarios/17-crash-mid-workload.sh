#!/bin/sh
# harness: --nodes 1 --stack both --disks 2 --disk-size 512M --timeout 1200
# Issue 4, crash safety: the node crashes itself (`fault crash`, QEMU killed) in the middle of
# a write-and-fsync workload on our read-write mount: new files written and fsynced, files
# rewritten in place and fsynced, a log appended to and fsynced, files unlinked and their
# directory fsynced, directories made. Each fsync that returned is recorded on a second disk
# (raw, O_DIRECT, synchronous) before the next step. In the second boot our mount replays the
# journal; fsck.ocfs2 -fn is clean; every recorded file has the content it had when its fsync
# returned, the log holds every recorded line in order, every unlink recorded is gone; the C
# ocfs2 then reads the same bytes as ours.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs
dev=$(basename "$DISK")

# Record $* as the next 512-byte line on the second disk, synchronously.
records=0
record() {
    printf '%-511s\n' "$*" | dd of="$DISK1" bs=512 seek="$records" oflag=direct conv=notrunc,fsync 2>/dev/null ||
        fail "recording on $DISK1"
    records=$((records + 1))
}
sum() { cksum < "$1" | cut -d' ' -f1; }

workload() { # mountpoint
    m=$1 i=1
    while :; do
        d=$m/dir-$((i % 7))
        [ -d "$d" ] || { mkdir "$d"; sync "$m"; }
        # A new file, fsynced.
        content "file $i" $(( (i * 37) % 3000 + 1 )) | dd of="$d/f$i" bs=64k conv=fsync 2>/dev/null
        sync "$d"
        record "file $d/f$i $(sum "$d/f$i")"
        # A line appended to the log, fsynced.
        echo "entry $i" >> "$m/log"
        sync "$m/log"
        record "log $i"
        # An older file rewritten in place (same length, other bytes), fsynced.
        if [ "$i" -gt 3 ]; then
            old=$m/dir-$(( (i - 3) % 7 ))/f$((i - 3))
            if [ -e "$old" ]; then
                tr 'a-z' 'A-Z' < "$old" > /tmp/upper
                dd if=/tmp/upper of="$old" bs=64k conv=notrunc,fsync 2>/dev/null
                record "file $old $(sum "$old")"
            fi
        fi
        # Every fifth step, an older file unlinked and its directory fsynced.
        if [ $((i % 5)) = 0 ] && [ "$i" -gt 7 ]; then
            gone=$m/dir-$(( (i - 7) % 7 ))/f$((i - 7))
            # The intent first: a crash between the unlink and its record may keep either.
            record "unlink $gone"
            rm -f "$gone"
            sync "$(dirname "$gone")"
            record "gone $gone"
        fi
        i=$((i + 1))
    done
}

if [ "$BOOT" = 1 ]; then
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=16M "$DISK" >/dev/null
    dd if=/dev/zero of="$DISK1" bs=1M count=4 oflag=direct 2>/dev/null
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our read-write mount"; }
    workload /mnt/ocfs &
    # Long enough for a few dozen steps under emulation, with writeback and commits running.
    sleep 40
    say "crashing in the middle of the workload"
    fault crash 0
    sleep 600
    fail "still running after fault crash"
fi

# The records, as the first boot made them.
dd if="$DISK1" bs=1M count=4 iflag=direct 2>/dev/null | tr -d '\000' | sed 's/ *$//' | grep . > /tmp/records || true
steps=$(grep -c '^log ' /tmp/records || true)
[ "$steps" -ge 10 ] || fail "the workload recorded only $steps steps before the crash"

use_stack ours
dmesg -c >/dev/null
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our mount after the crash"; }
dmesg | grep -q "ocfs: $dev: the volume was not unmounted cleanly; recovering it" || { dmesg | tail; fail "no recovery logged"; }
umount /mnt/ocfs
fsck_volume "$DISK"

# What each recorded fsync promised.
check() { # mountpoint what
    m=$1
    # The last record of each file wins; a file recorded gone after it must be gone; one
    # whose unlink was under way may be gone or still hold what it last held.
    awk '$1 == "file" { want[$2] = $3; order[++n] = $2 } $1 == "gone" { want[$2] = "gone"; order[++n] = $2 }
         $1 == "unlink" { want[$2] = "maybe:" want[$2]; order[++n] = $2 }
         END { for (i = 1; i <= n; i++) if (!(order[i] in seen)) { seen[order[i]] = 1; print order[i], want[order[i]] } }' \
        /tmp/records > /tmp/promised
    files=0
    while read -r path want; do
        case $want in maybe:*)
            [ ! -e "$path" ] || [ "$(sum "$path")" = "${want#maybe:}" ] ||
                fail "$2: $path, being unlinked at the crash, differs from what its last fsync wrote"
            files=$((files + 1)); continue ;;
        esac
        if [ "$want" = gone ]; then
            [ ! -e "$path" ] || fail "$2: $path was unlinked (directory fsynced) before the crash but is back"
        else
            [ -f "$path" ] || fail "$2: $path was fsynced before the crash but is missing"
            [ "$(sum "$path")" = "$want" ] || fail "$2: $path differs from what its fsync wrote"
        fi
        files=$((files + 1))
    done < /tmp/promised
    last=$(grep '^log ' /tmp/records | tail -n 1 | cut -d' ' -f2)
    seq 1 "$last" | sed 's/^/entry /' > /tmp/log.want
    head -n "$last" "$m/log" | cmp - /tmp/log.want || fail "$2: the log lost or reordered fsynced lines"
    say "$2: $files promised files and $last log lines as fsynced"
}

mount -t ocfs2 "$DISK" /mnt/ocfs
check /mnt/ocfs "ours after replay"
(cd /mnt/ocfs && find . -type f -exec cksum {} + | sort) > /tmp/ours.sums
umount /mnt/ocfs

use_stack c
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "the C ocfs2 cannot mount the replayed volume"; }
(cd /mnt/ocfs && find . -type f -exec cksum {} + | sort) | diff /tmp/ours.sums - ||
    fail "the C ocfs2 reads other bytes than ours"
umount /mnt/ocfs
say "a crash in the middle of a write-and-fsync workload: replayed, fsck clean, every fsync kept"
