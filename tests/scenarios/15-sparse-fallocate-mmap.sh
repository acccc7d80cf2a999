#!/bin/sh
# harness: --nodes 1 --stack both --disk-size 512M --timeout 1200
# Issue 4, the data side beyond appends, through our read-write mount, on local volumes
# (mkfs.ocfs2 default; 512-byte blocks, for deep extent trees; metaecc with 64K clusters,
# larger than a page; max-compat, without sparse files or unwritten extents):
# - holes filled before the end of a file: dd into holes left by truncate and by seeks, and
#   fio writing every cluster of a sparse file once in random order (fio verifies each
#   block), until the extent tree is two levels of extent blocks deep (512-byte blocks);
# - fallocate: preallocation (mode 0 and --keep-size) reads zeros, writes into it split
#   the unwritten extents, punching holes frees whole clusters and zeroes partial ones;
#   fio over a preallocated file; refused with a log line without the "unwritten" feature;
# - truncate down and deletion of files whose extents are in extent blocks, of any depth,
#   every cluster and extent block given back;
# - shared writable mmap (page_mkwrite): fio's mmap engine and stress-ng --mmap-file; stores
#   through a mapping of an inline file (moving its data out) beside write(2) into it.
# Every file is compared with a copy made the same way on tmpfs (or a checksum), after
# drop_caches and after remount; fsck.ocfs2 finds nothing, and the C ocfs2 reads the same.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs /tmp/want
dev=$(basename "$DISK")
MNT=/mnt/ocfs WANT=/tmp/want

tree_depth() { debugfs.ocfs2 -R "stat /$2" "$1" 2>/dev/null | sed -n 's/.*Tree Depth: \([0-9]*\).*/\1/p' | head -1; }
free_clusters() { debugfs.ocfs2 -R "stat //global_bitmap" "$1" 2>/dev/null | sed -n 's/.*Free: \([0-9]*\).*/\1/p' | head -1; }
# Every file in /tmp/want against its copy under $1, and the fio files against their sums.
compare_all() { # dir what
    for f in "$WANT"/*; do
        cmp "$f" "$1/$(basename "$f")" || fail "$2: $(basename "$f") differs"
    done
    if [ -s /tmp/sums ]; then (cd "$1" && md5sum -c -s /tmp/sums) || fail "$2: fio files differ"; fi
}
both() { # command with @ for the directory: run on ours and on the copy
    for d in $MNT $WANT; do eval "$(echo "$1" | sed "s|@|$d|g")" || fail "$1 on $d"; done
}
no_errors() { # what
    if dmesg | grep "ocfs: $dev: .*\(error\|corrupt\|not supported\|could not\)"; then fail "$1: errors logged"; fi
}
# fsck_volume, and what debugfs.ocfs2 shows of the inodes fsck.ocfs2 names when it fails.
check_volume() {
    if ! fsck.ocfs2 -fn "$DISK" > /tmp/fsck.pre 2>&1; then
        for ino in $(grep -o "inode [0-9]*" /tmp/fsck.pre | sort -u | cut -d' ' -f2); do
            debugfs.ocfs2 -R "stat <$ino>" "$DISK" 2>/dev/null | head -80
        done
    fi
    fsck_volume "$DISK"
}
fio_job() { # name options...
    n=$1; shift
    timeout 120 fio --name="$n" --filename="$MNT/$n" --output=/tmp/fio.log "$@" || {
        cat /tmp/fio.log; echo w > /proc/sysrq-trigger; echo l > /proc/sysrq-trigger; dmesg | tail -150; fail "fio $n"; }
    (cd $MNT && md5sum "$n") >> /tmp/sums
}

for mkfs in "mkfs.ocfs2 -M local" "mkfs.ocfs2 -M local -b 512 -C 4K" \
    "mkfs.ocfs2 -M local --fs-features=metaecc -b 1K -C 64K" "mkfs.ocfs2 -M local --fs-feature-level=max-compat"; do
    # shellcheck disable=SC2086 # words
    $mkfs -q -F -x -N 2 -J size=16M "$DISK" >/dev/null || fail "$mkfs"
    volume_info "$DISK"
    cs=$VOL_CS
    rm -rf $WANT /tmp/sums; mkdir $WANT; : > /tmp/sums
    use_stack ours
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK" $MNT || { dmesg | tail; fail "$mkfs: our mount"; }

    if has_feature sparse; then
        # Holes before the end: left by a seek, by truncate up; filled in any order.
        both 'content a 3000 > @/holes'
        both 'printf end | dd of=@/holes bs=1 seek=$((cs * 20)) conv=notrunc 2>/dev/null'
        for at in 9 3 15 1 12; do
            both "content c$at 300 | dd of=@/holes bs=1 seek=\$((cs * $at + 77)) conv=notrunc 2>/dev/null"
        done
        both 'content t 10 > @/trunc-up && truncate -s $((cs * 10)) @/trunc-up'
        both 'printf middle | dd of=@/trunc-up bs=1 seek=$((cs * 5 - 3)) conv=notrunc 2>/dev/null'
        # Every cluster of a sparse file written once, in random order: no two neighbours
        # are neighbours on disk, so each is an extent of its own and the tree grows.
        clusters=300
        [ "$VOL_BS" != 512 ] || clusters=600
        fio_job random --rw=randwrite --bs="$cs" --size=$((clusters * cs)) --fallocate=none \
            --ioengine=psync --verify=crc32c --randrepeat=1
    fi

    if has_feature unwritten; then
        # Preallocation, written into, past the end, punched.
        both 'fallocate -l $((cs * 6)) @/prealloc'
        both 'content p 500 | dd of=@/prealloc bs=1 seek=$((cs * 2 + 100)) conv=notrunc 2>/dev/null'
        both 'content k 100 > @/keep && fallocate -n -o 0 -l $((cs * 8)) @/keep'
        both 'printf written | dd of=@/keep bs=1 seek=$((cs * 3)) conv=notrunc 2>/dev/null'
        [ "$(stat -c %s $MNT/keep)" = "$(stat -c %s $WANT/keep)" ] || fail "$mkfs: fallocate -n changed the size"
        # fsck.ocfs2 1.8.7 takes clusters past i_size for a wrong size (INODE_SPARSE_SIZE),
        # whoever preallocated them: the size then grows over them.
        both 'truncate -s $((cs * 8 - 100)) @/keep'
        both 'content h 40000 > @/punch'
        before=$(stat -c %b $MNT/punch)
        both 'fallocate -p -o 1000 -l $((cs * 3)) @/punch'
        both 'fallocate -p -o $((cs * 6 + 10)) -l 20 @/punch'
        after=$(stat -c %b $MNT/punch)
        [ "$after" -lt "$before" ] || fail "$mkfs: punching freed nothing ($before -> $after blocks)"
        both 'fallocate -l $((cs * 12)) @/unw-trunc && printf x | dd of=@/unw-trunc bs=1 seek=$((cs * 7)) conv=notrunc 2>/dev/null'
        both 'truncate -s $((cs * 4 + 5)) @/unw-trunc'
        both 'fallocate -l $((cs * 20)) @/unw-delete && rm @/unw-delete'
        fio_job prealloc-fio --rw=randwrite --bs=4k --size=$((cs * 64)) --fallocate=native \
            --ioengine=psync --verify=crc32c --randrepeat=1
    else
        if fallocate -l 1M $MNT/no-prealloc 2>/dev/null; then fail "$mkfs: fallocate succeeded without unwritten extents"; fi
        dmesg | grep -q "ocfs: $dev: inode [0-9]*: fallocate on a volume without the sparse and unwritten features is not supported" ||
            { dmesg | tail -3; fail "$mkfs: no log line for the refused fallocate"; }
        rm -f $MNT/no-prealloc
        dmesg -c >/dev/null
    fi

    # Extents in extent blocks: two files appended in turns fragment each other.
    fragment "$MNT" "$WANT" "$cs"

    # Shared writable mappings: fio's mmap engine stores through the mapping (into holes
    # where the volume has sparse files, else into zeros written first).
    has_feature sparse || head -c $((cs * 16)) /dev/zero > $MNT/mmap
    fio_job mmap --rw=randwrite --bs=4k --size=$((cs * 16)) --fallocate=none --ioengine=mmap \
        --verify=crc32c --randrepeat=1
    if has_feature sparse; then
        stress-ng --mmap 1 --mmap-file --mmap-bytes 1m --mmap-ops 50 --timeout 60 --temp-path $MNT --verify -q > /tmp/stress.log 2>&1 ||
            { cat /tmp/stress.log; fail "$mkfs: stress-ng --mmap-file"; }
    fi
    if has_feature inline-data; then
        # A shared mapping of an inline file moves its data out.
        both 'content i 3 > @/inline-mmap'
        fio --name=inl --filename=$MNT/inline-mmap --rw=write --bs=4k --size=4k --ioengine=mmap --buffer_pattern=0x6d6d6170 --output=/dev/null ||
            fail "$mkfs: mmap write of an inline file"
        fio --name=inl --filename=$WANT/inline-mmap --rw=write --bs=4k --size=4k --ioengine=mmap --buffer_pattern=0x6d6d6170 --output=/dev/null
        # write(2) into an inline file while a store through a shared mapping moves its
        # data out: each write lands inline before the move or in the cluster after it,
        # never fails (the move waits for the folio an inline write holds). The window of
        # the race is microseconds: these rounds check the bytes, they rarely meet it.
        printf 'mmap%.0s' $(seq 1 13) | head -c 50 > /tmp/race.mmap
        printf 'W%.0s' $(seq 1 50) > /tmp/race.w
        cat /tmp/race.mmap /tmp/race.w > /tmp/race.want
        round=0
        while [ $round -lt 8 ]; do
            head -c 100 /dev/zero > $MNT/race
            ( n=0; while [ $n -lt 20 ]; do dd if=/tmp/race.w of=$MNT/race bs=50 seek=1 conv=notrunc 2>/dev/null || exit 1; n=$((n + 1)); done ) &
            writer=$!
            fio --name=race --filename=$MNT/race --rw=write --bs=50 --size=50 --ioengine=mmap --buffer_pattern=0x6d6d6170 --output=/dev/null ||
                fail "$mkfs: a store through a mapping of an inline file, racing write(2)"
            wait $writer || { dmesg | tail -3; fail "$mkfs: write(2) into an inline file failed while a mapping moved its data out"; }
            cmp /tmp/race.want $MNT/race || fail "$mkfs: an inline file written through a mapping and write(2) at once holds other bytes"
            round=$((round + 1))
        done
        rm $MNT/race
    fi

    compare_all $MNT "$mkfs: ours, cached"
    drop_caches
    compare_all $MNT "$mkfs: ours, from disk"
    umount $MNT || fail "$mkfs: umount"
    no_errors "$mkfs"
    check_volume
    if has_feature sparse; then
        depth=$(tree_depth "$DISK" random)
        say "[$mkfs] random: extent tree depth $depth"
        [ "$depth" -ge 1 ] || fail "$mkfs: the random file has no extent blocks"
        [ "$VOL_BS" != 512 ] || [ "$depth" -ge 2 ] || fail "$mkfs: the random file's tree is not 2 levels deep"
    fi
    use_stack c
    mount -t ocfs2 "$DISK" $MNT || { dmesg | tail; fail "$mkfs: the C ocfs2 cannot mount what ours wrote"; }
    compare_all $MNT "$mkfs: the C ocfs2"
    if has_feature unwritten; then
        # The C ocfs2 edits a tree ours built: punches a hole in it, writes into the hole
        # and appends (its rotations rely on the shape ours keeps).
        cp $MNT/random /tmp/random.want
        for f in $MNT/random /tmp/random.want; do
            fallocate -p -o $((cs * 37)) -l $((cs * 5)) $f || fail "$mkfs: the C ocfs2 punching our tree"
            printf 'C was here' | dd of=$f bs=1 seek=$((cs * 39 + 5)) conv=notrunc 2>/dev/null
            printf 'C appended' >> $f
        done
        cmp /tmp/random.want $MNT/random || fail "$mkfs: the C ocfs2 edited our tree wrongly"
    fi
    umount $MNT
    check_volume

    # Ours truncates and deletes the files with extent blocks (two levels deep on 512-byte
    # blocks): every cluster and extent block goes back.
    free_before=$(free_clusters "$DISK")
    use_stack ours
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK" $MNT
    if [ -e /tmp/random.want ]; then
        cmp /tmp/random.want $MNT/random || fail "$mkfs: ours reads the C ocfs2's edit of our tree wrongly"
        rm /tmp/random.want
    fi
    both 'truncate -s $((cs * 100 + 7)) @/frag1'
    if [ -e $MNT/random ]; then
        truncate -s $((cs * 250 + 3)) $MNT/random
        head -c $((cs * 250 + 3)) $MNT/random > /tmp/random.head
        drop_caches
        cmp /tmp/random.head $MNT/random || fail "$mkfs: the truncated random file differs"
        rm /tmp/random.head
    fi
    for f in "$WANT"/frag1; do cmp "$f" $MNT/frag1 || fail "$mkfs: truncated frag1 differs"; done
    umount $MNT
    check_volume
    mount -t ocfs2 "$DISK" $MNT
    rm -f $MNT/frag2 $MNT/random $MNT/prealloc-fio $MNT/mmap
    umount $MNT
    no_errors "$mkfs: truncate and delete"
    if debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK" 2>/dev/null | grep -q " [0-9a-f]\{16\}$"; then
        fail "$mkfs: deleted files stay in the orphan directory"
    fi
    free_after=$(free_clusters "$DISK")
    [ "$free_after" -gt "$free_before" ] || fail "$mkfs: truncating and deleting freed no clusters"
    check_volume
    use_stack c
    mount -t ocfs2 "$DISK" $MNT
    cmp $WANT/frag1 $MNT/frag1 || fail "$mkfs: the C ocfs2 reads another truncated frag1"
    umount $MNT
    if has_feature unwritten; then
        say "[$mkfs] holes filled (random order, tree depth $depth), fallocate, punch, truncate and delete of extent-block trees, shared mmap: fsck clean, the C ocfs2 reads the same"
    else
        say "[$mkfs] fallocate refused; truncate and delete of extent-block trees, shared mmap: fsck clean, the C ocfs2 reads the same"
    fi
done
