#!/bin/sh
# harness: --nodes 1 --stack both --disk-size 512M --timeout 3000
# Issue 4, writing file data: on local volumes (mkfs.ocfs2 default, max-compat, metaecc with
# clusters larger than a page, and our mkfs.ocfs), files the C ocfs2 made (empty, inline,
# extent-based) are written by ours: overwrite in place, O_APPEND, growth of inline data and
# its move to a cluster, truncate down and up, a large sequential write, interleaved appends
# that fragment two files until their extents leave the inode for extent blocks, O_DIRECT,
# fsync. Ours reads back the expected bytes (through the page cache and again from disk), fsck.ocfs2 finds nothing, and
# the C ocfs2 reads the same bytes; ours then deletes the files with extent blocks, every
# cluster and extent block given back. A write into a hole before the end of a file and a
# truncate of a file with extent blocks work (scenario 15 covers holes, fallocate and shared
# mappings at length). A full volume: writes and fallocate into space a deletion freed
# before its commit succeed (the journal commits and the claim tries again), and new files
# get allocator groups from the space an open local-alloc window held. On a fragmented
# volume, allocators grow by discontiguous groups, which the C ocfs2 uses too. Then a crash right after fsync: the next boot's mount replays the
# journal and the fsynced data is all there.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs /tmp/want
dev=$(basename "$DISK")

# Every file in /tmp/want against its copy under $1.
compare_all() { # dir what
    for f in /tmp/want/*; do
        cmp "$f" "$1/$(basename "$f")" || fail "$2: $(basename "$f") differs"
    done
    seq 1 1000000 | cmp - "$1/big" || fail "$2: big differs"
}
extents() { debugfs.ocfs2 -R "stat /$2" "$1" 2>/dev/null; }
tree_depth() { extents "$1" "$2" | sed -n 's/.*Tree Depth: \([0-9]*\).*/\1/p' | head -1; }
is_inline() { extents "$1" "$2" | grep -q "Dynamic Features: .*InlineData"; }

write_files() { # dir cs
    d=$1 cs=$2
    # Overwrite in place, inside the extents the C ocfs2 allocated.
    printf 'OVERWRITTEN BY OURS' | dd of="$d/ext" bs=1 seek=1000 conv=notrunc 2>/dev/null
    printf 'OVERWRITTEN BY OURS' | dd of=/tmp/want/ext bs=1 seek=1000 conv=notrunc 2>/dev/null
    # O_APPEND (>>) to an extent file, to an empty file, and to an inline file (stays inline).
    content app 2000 >> "$d/ext"; content app 2000 >> /tmp/want/ext
    content empty 50 >> "$d/empty"; content empty 50 >> /tmp/want/empty
    printf 'a few more bytes\n' >> "$d/inline"; printf 'a few more bytes\n' >> /tmp/want/inline
    # An inline file written past what the inode block holds moves to a cluster.
    content grown 3000 >> "$d/inline2"; content grown 3000 >> /tmp/want/inline2
    # A large sequential write.
    seq 1 1000000 > "$d/big"
    # Two files appended in turns, one cluster at a time, fragment each other: every
    # cluster is an extent of its own, more than the inode holds.
    fragment "$d" /tmp/want "$cs"
    # O_DIRECT: the page cache carries it, written and waited for.
    dd if=/tmp/want/ext of="$d/direct" bs=4096 count=4 oflag=direct 2>/dev/null || fail "O_DIRECT write"
    dd if=/tmp/want/ext of=/tmp/want/direct bs=4096 count=4 2>/dev/null
    # truncate: down (freeing clusters, zeroing the tail of the last), up (sparse volumes),
    # and written again; inline data down and up inside the inode block.
    for f in "$d/trunc" /tmp/want/trunc; do
        truncate -s 5000 "$f"
        if has_feature sparse; then truncate -s 70000 "$f"; fi
        content after 100 >> "$f"
    done
    for f in "$d/trunc-inline" /tmp/want/trunc-inline; do
        truncate -s 7 "$f"
        if has_feature sparse; then truncate -s 60 "$f"; fi
    done
    # fsync.
    content synced 700 | dd of="$d/synced" conv=fsync 2>/dev/null || fail "fsync"
    content synced 700 > /tmp/want/synced
}

if [ "$BOOT" = 1 ]; then
    for mkfs in "mkfs.ocfs2 -M local" "mkfs.ocfs2 -M local --fs-feature-level=max-compat" \
        "mkfs.ocfs2 -M local --fs-features=metaecc -b 1K -C 8K" "mkfs.ocfs -M local"; do
        case $mkfs in mkfs.ocfs2*) noprompt=-x ;; *) noprompt= ;; esac
        # shellcheck disable=SC2086 # words
        $mkfs -q -F $noprompt -N 2 -J size=16M "$DISK" >/dev/null || fail "$mkfs"
        volume_info "$DISK"
        rm -rf /tmp/want; mkdir /tmp/want
        # The C ocfs2 makes the files ours writes.
        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs || fail "$mkfs: the C ocfs2 mount"
        : > /mnt/ocfs/empty; : > /tmp/want/empty
        content inline 5 > /mnt/ocfs/inline; content inline 5 > /tmp/want/inline
        content inline2 5 > /mnt/ocfs/inline2; content inline2 5 > /tmp/want/inline2
        content ext 3000 > /mnt/ocfs/ext; content ext 3000 > /tmp/want/ext
        content trunc 3000 > /mnt/ocfs/trunc; content trunc 3000 > /tmp/want/trunc
        content trunc-inline 5 > /mnt/ocfs/trunc-inline; content trunc-inline 5 > /tmp/want/trunc-inline
        # Data in the first and the ninth cluster, a hole between on sparse volumes.
        content hole 10 > /mnt/ocfs/hole; content hole 10 > /tmp/want/hole
        for f in /mnt/ocfs/hole /tmp/want/hole; do
            printf 'end' | dd of="$f" bs=1 seek=$((VOL_CS * 8)) conv=notrunc 2>/dev/null
        done
        # The C ocfs2 makes the empty files ours fills (ours creating files: scenario 13).
        for f in frag1 frag2 big direct synced; do : > /mnt/ocfs/$f; done
        : > /tmp/want/frag1; : > /tmp/want/frag2
        umount /mnt/ocfs
        if has_feature inline-data; then
            is_inline "$DISK" inline || fail "$mkfs: the C ocfs2 did not make an inline file"
        fi

        use_stack ours
        dmesg -c >/dev/null
        mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "$mkfs: our read-write mount"; }
        write_files /mnt/ocfs "$VOL_CS"
        # A write into the hole before the end of the extents the C ocfs2 left (scenario 15
        # fills holes at length), and a truncate freeing clusters out of extent blocks.
        if has_feature sparse; then
            for f in /mnt/ocfs/hole /tmp/want/hole; do
                printf x | dd of="$f" bs=1 seek=$((VOL_CS * 4)) conv=notrunc 2>/dev/null || fail "$mkfs: writing into a hole"
            done
        fi
        truncate -s $((VOL_CS * 150 + 10)) /mnt/ocfs/frag2 || fail "$mkfs: truncating frag2"
        truncate -s $((VOL_CS * 150 + 10)) /tmp/want/frag2
        compare_all /mnt/ocfs "$mkfs: ours, cached"
        drop_caches
        compare_all /mnt/ocfs "$mkfs: ours, from disk"
        umount /mnt/ocfs || fail "$mkfs: umount"
        dmesg -c > /tmp/dmesg || true
        if grep -q "ocfs: $dev: .*\(error\|corrupt\|not supported\)" /tmp/dmesg; then grep "ocfs: $dev" /tmp/dmesg | tail; fail "$mkfs: errors logged"; fi
        fsck_volume "$DISK"
        if has_feature inline-data; then
            is_inline "$DISK" inline || fail "$mkfs: the small inline file left the inode"
            ! is_inline "$DISK" inline2 || fail "$mkfs: the grown inline file is still inline"
        fi
        for f in frag1 frag2; do
            [ "$(tree_depth "$DISK" $f)" -ge 1 ] || { extents "$DISK" $f | head -20; fail "$mkfs: $f has no extent blocks"; }
        done

        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "$mkfs: the C ocfs2 cannot mount what ours wrote"; }
        compare_all /mnt/ocfs "$mkfs: the C ocfs2"
        # The C ocfs2 keeps writing where ours left off.
        content c-after 100 >> /mnt/ocfs/frag1
        umount /mnt/ocfs
        fsck_volume "$DISK"
        # Ours deletes the files whose extents are in extent blocks: every cluster and extent
        # block goes back, nothing stays in the orphan directory.
        free_before=$(debugfs.ocfs2 -R "stat //global_bitmap" "$DISK" 2>/dev/null | sed -n 's/.*Free: \([0-9]*\).*/\1/p' | head -1)
        use_stack ours
        dmesg -c >/dev/null
        mount -t ocfs2 "$DISK" /mnt/ocfs
        rm /mnt/ocfs/frag1 /mnt/ocfs/frag2 /mnt/ocfs/big
        umount /mnt/ocfs
        if dmesg | grep "ocfs: $dev: .*\(not supported\|could not be deleted\)"; then fail "$mkfs: deleting files with extent blocks"; fi
        if debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK" 2>/dev/null | grep -q " [0-9a-f]\{16\}$"; then
            fail "$mkfs: deleted files stay in the orphan directory"
        fi
        free_after=$(debugfs.ocfs2 -R "stat //global_bitmap" "$DISK" 2>/dev/null | sed -n 's/.*Free: \([0-9]*\).*/\1/p' | head -1)
        [ "$free_after" -gt "$free_before" ] || fail "$mkfs: deleting freed no clusters ($free_before -> $free_after)"
        fsck_volume "$DISK"
        say "[$mkfs] data written by ours: in place, appended, inline and moved out, 7 MiB, fragmented into extent blocks, O_DIRECT, fsync; fsck clean, the C ocfs2 reads the same"
    done

    # A full volume: space a deletion freed cannot be claimed before the deletion commits
    # (a crash would bring the file back); a write or fallocate that finds nothing else
    # commits the journal and tries again, rather than failing with ENOSPC. commit=60: no
    # periodic commit does it for them.
    mkfs.ocfs2 -q -F -x -M local -N 1 -b 4K -C 4K -J size=4M "$DISK" 16384 >/dev/null
    use_stack ours
    mount -t ocfs2 -o commit=60 "$DISK" /mnt/ocfs
    if dd if=/dev/zero of=/mnt/ocfs/fill bs=1M 2>/tmp/err; then fail "filled a 64 MiB volume with no ENOSPC"; fi
    grep -q "No space left on device" /tmp/err || fail "filling the volume: $(cat /tmp/err)"
    mib=$(( $(stat -c %s /mnt/ocfs/fill) / 1048576 - 1 ))
    [ "$mib" -ge 40 ] || fail "only $mib MiB fit on a 64 MiB volume"
    rm /mnt/ocfs/fill
    dd if=/dev/zero of=/mnt/ocfs/again bs=1M count="$mib" 2>/tmp/err ||
        { dmesg | tail -5; fail "writing $mib MiB while a deletion's space awaited its commit: $(cat /tmp/err)"; }
    rm /mnt/ocfs/again
    fallocate -l "${mib}M" /mnt/ocfs/reserved ||
        fail "fallocate of $mib MiB while a deletion's space awaited its commit"
    rm /mnt/ocfs/reserved
    # A small file opens a local-alloc window of nearly the whole volume; 3000 new files
    # grow the inode allocator by groups of contiguous clusters: the window gives way.
    dmesg -c >/dev/null
    head -c 1048576 /dev/urandom > /mnt/ocfs/small
    mkdir /mnt/ocfs/many
    i=0; while [ $i -lt 3000 ]; do : > /mnt/ocfs/many/f$i || fail "creating file $i next to an open window"; i=$((i+1)); done
    dmesg | grep -q "ocfs: $dev: allocator [0-9]* grew" || fail "3000 files did not grow an allocator"
    mkdir /mnt/ocfs/after
    umount /mnt/ocfs
    fsck_volume "$DISK"
    say "a full volume: writes and fallocate into space a deletion freed before its commit ($mib MiB)"

    # Discontiguous allocator groups: a 64 MiB volume filled by two files in alternating
    # runs of 200 clusters, one of them deleted: no run of the 1024 clusters an inode group
    # takes is left, so 3000 new files grow the inode allocator by groups made of several
    # runs. fsck is clean; the C ocfs2 reads them, creates in them and deletes from them.
    mkfs.ocfs2 -q -F -x -M local -N 1 -b 4K -C 4K -J size=4M "$DISK" 16384 >/dev/null
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    while dd if=/dev/zero of=/mnt/ocfs/keep bs=819200 count=1 oflag=append conv=notrunc 2>/dev/null &&
        dd if=/dev/zero of=/mnt/ocfs/gone bs=819200 count=1 oflag=append conv=notrunc 2>/dev/null; do :; done
    rm /mnt/ocfs/gone
    sync
    dmesg -c >/dev/null
    mkdir /mnt/ocfs/many
    i=0; while [ $i -lt 3000 ]; do : > /mnt/ocfs/many/f$i || fail "creating file $i on a fragmented volume"; i=$((i+1)); done
    dmesg | grep -q "ocfs: $dev: allocator [0-9]* grew by .*(discontiguous)" || fail "no discontiguous group made"
    umount /mnt/ocfs
    fsck_volume "$DISK"
    use_stack c
    mount -t ocfs2 "$DISK" /mnt/ocfs
    [ "$(ls /mnt/ocfs/many | wc -l)" = 3000 ] || fail "the C ocfs2 lists $(ls /mnt/ocfs/many | wc -l) files, not 3000"
    i=0; while [ $i -lt 1000 ]; do rm /mnt/ocfs/many/f$i; i=$((i+1)); done
    i=0; while [ $i -lt 300 ]; do : > /mnt/ocfs/many/c$i; i=$((i+1)); done
    umount /mnt/ocfs
    fsck_volume "$DISK"
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    [ "$(ls /mnt/ocfs/many | wc -l)" = 2300 ] || fail "ours lists $(ls /mnt/ocfs/many | wc -l) files, not 2300"
    rm -r /mnt/ocfs/many
    mkdir /mnt/ocfs/again
    i=0; while [ $i -lt 1500 ]; do : > /mnt/ocfs/again/g$i; i=$((i+1)); done
    umount /mnt/ocfs
    fsck_volume "$DISK"
    say "discontiguous allocator groups: made by ours on a fragmented volume, used and freed by ours and the C ocfs2, fsck clean"

    # A crash right after fsync: the data and the metadata that maps it are on disk.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=16M "$DISK" 100000 >/dev/null
    use_stack c
    mount -t ocfs2 "$DISK" /mnt/ocfs
    content inline 5 > /mnt/ocfs/inline
    content ext 3000 > /mnt/ocfs/ext
    : > /mnt/ocfs/new-data
    umount /mnt/ocfs
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    content more 3000 >> /mnt/ocfs/inline
    content app 5000 >> /mnt/ocfs/ext
    seq 1 500000 > /mnt/ocfs/new-data
    sync /mnt/ocfs/inline /mnt/ocfs/ext /mnt/ocfs/new-data
    md5sum /mnt/ocfs/inline /mnt/ocfs/ext /mnt/ocfs/new-data > /tmp/sums
    { base64 -w0 /tmp/sums; echo; } | dd of="$DISK" bs=1M seek=500 conv=notrunc,fsync 2>/dev/null
    say "data fsynced through ours; crashing"
    fault crash 0
    sleep 600
    fail "still running after fault crash"
fi

dd if="$DISK" bs=1M skip=500 count=1 2>/dev/null | head -1 | base64 -d > /tmp/sums || fail "no sums saved"
[ -s /tmp/sums ] || fail "no sums saved before the crash"
use_stack ours
dmesg -c >/dev/null
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our mount after the crash"; }
dmesg | grep -q "ocfs: $dev: the volume was not unmounted cleanly; recovering it" || { dmesg | tail; fail "no recovery"; }
# The data went through the local-alloc window, open at the crash: its unused clusters go back.
dmesg | grep -q "ocfs: $dev: recovered the local alloc of slot 0: [1-9][0-9]* clusters returned" ||
    { dmesg | tail; fail "no local-alloc window recovered"; }
md5sum -c /tmp/sums || fail "fsynced data lost in the crash"
umount /mnt/ocfs
fsck_volume "$DISK"
use_stack c
mount -t ocfs2 "$DISK" /mnt/ocfs || fail "the C ocfs2 cannot mount after our replay"
md5sum -c /tmp/sums || fail "the C ocfs2 reads other data after the crash"
umount /mnt/ocfs
fsck_volume "$DISK"
say "fsynced data written by ours survives a crash: replayed, intact, fsck clean"
