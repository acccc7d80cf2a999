#!/bin/sh
# harness: --nodes 1 --stack both --disk-size 512M
# Issue 4, the namespace through our read-write mount: mkdir, create, mknod, symlink, hard
# links, rename (within and across directories, over files and empty directories), unlink
# and rmdir, in inline directories and in directories of blocks; unlinking files the C
# ocfs2 wrote (their clusters go back to the global bitmap); an open file unlinked lives
# until its last close. After each volume: ours and the C ocfs2 list the same tree (names,
# types, modes, owners, links, sizes, times), and fsck.ocfs2 -fn is clean. Then a crash with
# an unlinked file still open: the next read-write mount deletes the orphan, fsck clean.
# Full directories grow: inline to blocks with an index, block by block, the index from its
# root to leaf blocks, splitting full leaves, and past its root's records into extent blocks;
# a deleted indexed directory frees its index.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs
dev=$(basename "$DISK")

# name|type|mode|uid|gid|links|size|mtime|ctime|symlink target, for every entry below $1.
listing() {
    (cd "$1" && find . -exec stat -c '%n|%F|%a|%u|%g|%h|%s|%y|%z' {} + | sort)
    (cd "$1" && find . -type l -exec sh -c 'for l; do echo "$l -> $(readlink "$l")"; done' sh {} + | sort)
}
allocator_free() { # device system-file
    debugfs.ocfs2 -R "stat //$2" "$1" 2>/dev/null | sed -n 's/.*Bitmap Total: [0-9]* *Used: [0-9]* *Free: \([0-9]*\).*/\1/p'
}
free_clusters() { allocator_free "$1" global_bitmap; }
# Names $1 followed by the numbers of seq's other arguments, one a line.
names() { prefix=$1; shift; seq "$@" | sed "s/^/$prefix/"; }

# The namespace workout, through our mount at $1. Directories: the root, and what mkdir
# makes (inline when the volume has inline-data, else a block of their own).
workout() { # mountpoint
    m=$1
    touch "$m/empty"
    mknod "$m/fifo" p
    mknod "$m/chr" c 1 7
    ln -s empty "$m/link-short"
    ln "$m/empty" "$m/hard"
    [ "$(stat -c %h "$m/empty")" = 2 ] || fail "hard link: link count $(stat -c %h "$m/empty")"
    mv "$m/hard" "$m/hard2"
    mv "$m/fifo" "$m/renamed-fifo"
    touch "$m/victim"
    mv "$m/renamed-fifo" "$m/victim"      # over an existing file
    [ "$(stat -c %F "$m/victim")" = fifo ] || fail "rename over a file: $(stat -c %F "$m/victim")"
    chown 7:8 "$m/empty"
    chmod 0600 "$m/empty"
    mkdir "$m/d1" "$m/d1/d2" "$m/d3" "$m/gone"
    [ "$(stat -c %h "$m/d1")" = 3 ] || fail "d1 has $(stat -c %h "$m/d1") links, not 3"
    touch "$m/d1/f1" "$m/d1/d2/f2"
    mv "$m/d1/f1" "$m/d3/f1"            # across directories
    mv "$m/d1/d2" "$m/d3/d2"            # a directory across directories: its .. moves
    [ "$(stat -c %h "$m/d1")" = 2 ] || fail "d1 keeps $(stat -c %h "$m/d1") links after its subdirectory left"
    [ "$(stat -c %h "$m/d3")" = 3 ] || fail "d3 has $(stat -c %h "$m/d3") links after gaining d2"
    [ "$(cd "$m/d3/d2/.." && pwd -P)" = "$m/d3" ] || fail "d2/.. does not lead to d3"
    mkdir "$m/d1/empty-dir"
    mv -T "$m/d1/empty-dir" "$m/gone"   # a directory over an empty directory
    rmdir "$m/gone"
    if rmdir "$m/d3" 2>/dev/null; then fail "rmdir of a non-empty directory"; fi
    mkdir -p "$m/deep/a/b/c"
    rmdir "$m/deep/a/b/c" "$m/deep/a/b"
    ln -s "$(printf 'x%.0s' $(seq 1 60))" "$m/d3/link-60"
    ln -s empty "$m/doomed-link" && rm "$m/doomed-link"   # a fast symlink deleted
    rm "$m/hard2"
    sync "$m" || fail "fsync of a directory"
    [ "$(stat -c %h "$m/empty")" = 1 ] || fail "unlink of a hard link left $(stat -c %h "$m/empty") links"
    # An open file outlives its name.
    touch "$m/open"
    exec 3< "$m/open"
    rm "$m/open"
    [ ! -e "$m/open" ] || fail "open still has a name"
    exec 3<&-
}

if [ "$BOOT" = 1 ]; then
    # Names in directories of blocks the C ocfs2 made: removed, added into the room that
# leaves (through the index and its free list where there is one), renamed across.
blocks_workout() { # mountpoint
    m=$1
    i=0; while [ "$i" -lt 700 ]; do rm "$m/big/a-much-longer-file-name-$i"; i=$((i + 3)); done
    i=0; while [ "$i" -lt 40 ]; do rm "$m/mid/file-$i"; i=$((i + 2)); done
    i=0; while [ "$i" -lt 150 ]; do touch "$m/big/new-$i"; i=$((i + 1)); done
    i=0; while [ "$i" -lt 15 ]; do touch "$m/mid/new-$i"; i=$((i + 1)); done
    mv "$m/big/a-much-longer-file-name-1" "$m/mid/moved-from-big"
    mv "$m/mid/file-1" "$m/big/moved-from-mid"
    mv "$m/big/a-much-longer-file-name-2" "$m/big/renamed-in-big"
    mv "$m/mid/file-3" "$m/big/new-7"            # over an existing name in an indexed directory
    ln "$m/big/new-8" "$m/mid/link-to-new-8"
    [ "$(ls "$m/big" | wc -l)" = $((700 - 234 + 150 - 1 + 1)) ] || fail "big lists $(ls "$m/big" | wc -l) names"
    for name in new-0 new-149 renamed-in-big moved-from-mid a-much-longer-file-name-4; do
        [ -e "$m/big/$name" ] || fail "big/$name is missing"
    done
    [ ! -e "$m/big/a-much-longer-file-name-3" ] || fail "big/a-much-longer-file-name-3 came back"
}

for mkfs in "mkfs.ocfs2 -M local" "mkfs.ocfs2 -M local --fs-feature-level=max-compat" \
        "mkfs.ocfs2 -M local --fs-features=metaecc -b 1K -C 8K" "mkfs.ocfs -M local -b 2K"; do
        case $mkfs in mkfs.ocfs2*) noprompt=-x ;; *) noprompt= ;; esac
        # shellcheck disable=SC2086 # words
        $mkfs -q -F $noprompt -N 2 -J size=8M "$DISK" >/dev/null || fail "$mkfs"
        # The C ocfs2 writes files with data (clusters) that ours deletes.
        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs
        for i in 1 2 3; do content "c$i" $((i * 3000)) > "/mnt/ocfs/c$i"; done
        # Directories of blocks (indexed where the volume has indexed-dirs): one whose index
        # fits its root, one with index leaves.
        mkdir /mnt/ocfs/mid /mnt/ocfs/big
        i=0; while [ "$i" -lt 120 ]; do : > "/mnt/ocfs/mid/file-$i"; i=$((i + 1)); done
        i=0; while [ "$i" -lt 700 ]; do : > "/mnt/ocfs/big/a-much-longer-file-name-$i"; i=$((i + 1)); done
        umount /mnt/ocfs
        before=$(free_clusters "$DISK")

        use_stack ours
        dmesg -c >/dev/null
        mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "$mkfs: our read-write mount"; }
        workout /mnt/ocfs
        rm /mnt/ocfs/c1 /mnt/ocfs/c2
        blocks_workout /mnt/ocfs
        listing /mnt/ocfs > /tmp/ours.list
        umount /mnt/ocfs
        after=$(free_clusters "$DISK")
        [ "$after" -gt "$before" ] || fail "$mkfs: deleting c1 and c2 freed no clusters ($before -> $after free)"
        fsck_volume "$DISK"
        if debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK" 2>/dev/null | grep -q " [0-9a-f]\{16\}$"; then
            fail "$mkfs: orphans left after unmount"
        fi
        case $mkfs in *max-compat*)
            debugfs.ocfs2 -R "stat /d1" "$DISK" 2>/dev/null | grep -q "Dynamic Features: .*InlineData" &&
                fail "$mkfs: mkdir made an inline directory on a volume without inline-data" ;;
        esac
        mount -t ocfs2 -o ro "$DISK" /mnt/ocfs
        listing /mnt/ocfs | diff /tmp/ours.list - || fail "$mkfs: our read-only mount lists another tree"
        sync /mnt/ocfs/empty /mnt/ocfs || fail "$mkfs: fsync on a read-only mount"
        umount /mnt/ocfs

        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "$mkfs: the C ocfs2 cannot mount what ours left"; }
        listing /mnt/ocfs | diff /tmp/ours.list - || fail "$mkfs: the C ocfs2 lists another tree"
        content c3 9000 | cmp - /mnt/ocfs/c3 || fail "$mkfs: c3 changed"
        # The C ocfs2 keeps working in what ours made: its lookups go through the index
        # entries ours wrote, its additions through the free list ours kept.
        i=0; while [ "$i" -lt 60 ]; do rm "/mnt/ocfs/big/new-$i"; touch "/mnt/ocfs/big/c-made-$i"; i=$((i + 1)); done
        rm /mnt/ocfs/mid/moved-from-big /mnt/ocfs/big/moved-from-mid
        touch /mnt/ocfs/d3/from-c
        rm /mnt/ocfs/d3/f1
        rm /mnt/ocfs/d3/d2/f2
        rmdir /mnt/ocfs/d3/d2
        umount /mnt/ocfs
        fsck_volume "$DISK"
        say "[$mkfs] namespace through ours: the C ocfs2 lists the same tree; fsck clean"
    done

    # Directories grow: an inline one moves to a block with an index, then gains blocks;
    # its index moves from the root to a cluster of leaf blocks, and full leaves split into
    # new clusters. Every name is found through the index, by ours and by the C ocfs2; a
    # deleted indexed directory gives every cluster back.
    for mkfs in "mkfs.ocfs2 -b 4K -C 4K" "mkfs.ocfs2 -b 1K -C 8K --fs-features=metaecc"; do
        # shellcheck disable=SC2086 # words
        $mkfs -q -F -x -M local -N 2 -J size=8M "$DISK" >/dev/null || fail "$mkfs"
        use_stack ours
        dmesg -c >/dev/null
        mount -t ocfs2 "$DISK" /mnt/ocfs
        mkdir /mnt/ocfs/grow /mnt/ocfs/warm
        (cd /mnt/ocfs/grow && names 'a-name-long-enough-to-need-blocks-' 1 3000 | xargs touch) ||
            { dmesg | tail -3; fail "$mkfs: 3000 names in one directory"; }
        # Inodes for the directory deleted below, so that the inode allocator does not
        # grow while it lives.
        (cd /mnt/ocfs/warm && names 'w' 1 1600 | xargs touch && names 'w' 1 1600 | xargs rm)
        umount /mnt/ocfs
        free_before=$(allocator_free "$DISK" global_bitmap) extents_before=$(allocator_free "$DISK" extent_alloc:0000)
        mount -t ocfs2 "$DISK" /mnt/ocfs
        mkdir /mnt/ocfs/gone
        (cd /mnt/ocfs/gone && names 'short-' 1 1500 | xargs touch) || fail "$mkfs: 1500 names"
        (cd /mnt/ocfs/grow && names 'a-name-long-enough-to-need-blocks-' 1 2 3000 | xargs rm)
        drop_caches
        (cd /mnt/ocfs/grow && names 'a-name-long-enough-to-need-blocks-' 2 2 3000 | xargs stat -c %i >/dev/null) ||
            fail "$mkfs: names not found through the grown index"
        (cd /mnt/ocfs/gone && names 'short-' 1 1500 | xargs stat -c %i >/dev/null) ||
            fail "$mkfs: short names not found through the grown index"
        [ "$(ls /mnt/ocfs/grow | wc -l)" = 1500 ] || fail "$mkfs: grow lists $(ls /mnt/ocfs/grow | wc -l) names, not 1500"
        ! ls /mnt/ocfs/grow/a-name-long-enough-to-need-blocks-1 2>/dev/null || fail "$mkfs: a removed name is still found"
        (cd /mnt/ocfs/gone && names 'short-' 1 1500 | xargs rm) && rmdir /mnt/ocfs/gone || fail "$mkfs: emptying gone"
        listing /mnt/ocfs > /tmp/ours.list
        umount /mnt/ocfs
        debugfs.ocfs2 -R "stat /grow" "$DISK" 2>/dev/null | grep -q "Dynamic Features: .*IndexedDir" ||
            { debugfs.ocfs2 -R "stat /grow" "$DISK" | head; fail "$mkfs: the grown directory has no index"; }
        say "[$mkfs] $(debugfs.ocfs2 -R "dx_dump /grow" "$DISK" 2>/dev/null | head -12 | tr -s ' \n' ' ')"
        [ "$(allocator_free "$DISK" global_bitmap)" = "$free_before" ] ||
            fail "$mkfs: deleting an indexed directory left $(allocator_free "$DISK" global_bitmap) free clusters, not $free_before"
        [ "$(allocator_free "$DISK" extent_alloc:0000)" = "$extents_before" ] ||
            fail "$mkfs: deleting an indexed directory did not free its index root"
        fsck_volume "$DISK"
        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs
        listing /mnt/ocfs | diff /tmp/ours.list - || fail "$mkfs: the C ocfs2 lists another grown directory"
        (cd /mnt/ocfs/grow && names 'a-name-long-enough-to-need-blocks-' 2 2 3000 | xargs stat -c %i >/dev/null) ||
            fail "$mkfs: the C ocfs2 does not find names through the index ours grew"
        (cd /mnt/ocfs/grow && names 'c-' 1 1000 | xargs touch && names 'a-name-long-enough-to-need-blocks-' 2 4 3000 | xargs rm)
        listing /mnt/ocfs > /tmp/c.list
        umount /mnt/ocfs
        fsck_volume "$DISK"
        use_stack ours
        mount -t ocfs2 "$DISK" /mnt/ocfs
        listing /mnt/ocfs | diff /tmp/c.list - || fail "$mkfs: ours lists another tree after the C ocfs2 changed it"
        (cd /mnt/ocfs/grow && names 'c-' 1 1000 | xargs stat -c %i >/dev/null && names 'more-' 1 1000 | xargs touch) ||
            fail "$mkfs: ours in the index the C ocfs2 changed"
        umount /mnt/ocfs
        fsck_volume "$DISK"
        say "[$mkfs] an indexed directory grew to 3000 names over index leaves (a deleted one of 1500 gave back every cluster and its index root); the C ocfs2 agrees and grows it on"
    done

    # An index whose leaf clusters outgrow the records of its root (19 at 512-byte blocks,
    # 243 at 4K, about 30,000 names): its extent tree moves into extent blocks, as a file's
    # does. The first round, deleted whole, grows the allocators; the second must then give
    # back exactly what it took. In between, the C ocfs2 lists the names, deletes some and
    # adds its own, growing the same tree.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=8M -b 512 -C 4K "$DISK" >/dev/null
    use_stack ours
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs
    mkdir /mnt/ocfs/huge
    (cd /mnt/ocfs/huge && names 'name-in-a-huge-directory-' 1 6000 | xargs touch) ||
        { dmesg | tail -3; fail "6000 names in one directory at 512-byte blocks"; }
    rm -r /mnt/ocfs/huge || { dmesg | tail -3; fail "deleting a directory whose index has extent blocks"; }
    umount /mnt/ocfs
    fsck_volume "$DISK"
    free_before=$(allocator_free "$DISK" global_bitmap) extents_before=$(allocator_free "$DISK" extent_alloc:0000)
    mount -t ocfs2 "$DISK" /mnt/ocfs
    mkdir /mnt/ocfs/huge
    (cd /mnt/ocfs/huge && names 'name-in-a-huge-directory-' 1 6000 | xargs touch) ||
        { dmesg | tail -3; fail "6000 names again"; }
    drop_caches
    (cd /mnt/ocfs/huge && names 'name-in-a-huge-directory-' 1 6000 | xargs stat -c %i >/dev/null) ||
        fail "names not found through an index with extent blocks"
    [ "$(ls /mnt/ocfs/huge | wc -l)" = 6000 ] || fail "huge lists $(ls /mnt/ocfs/huge | wc -l) names, not 6000"
    listing /mnt/ocfs > /tmp/ours.list
    umount /mnt/ocfs
    # The root's last extent block: 0 while its own records map every leaf cluster.
    debugfs.ocfs2 -R "dx_dump /huge" "$DISK" 2>/dev/null | grep -q "Last Extblk: [1-9]" ||
        { debugfs.ocfs2 -R "dx_dump /huge" "$DISK" 2>/dev/null | head; fail "the index of huge has no extent blocks"; }
    say "huge: $(debugfs.ocfs2 -R "dx_dump /huge" "$DISK" 2>/dev/null | grep -m 1 "Clusters" | tr -s ' \t' ' ')"
    fsck_volume "$DISK"
    use_stack c
    mount -t ocfs2 "$DISK" /mnt/ocfs
    listing /mnt/ocfs | diff /tmp/ours.list - || fail "the C ocfs2 lists another huge directory"
    (cd /mnt/ocfs/huge && names 'name-in-a-huge-directory-' 1 3 6000 | xargs rm && names 'c-' 1 1500 | xargs touch) ||
        fail "the C ocfs2 in an index with extent blocks"
    listing /mnt/ocfs > /tmp/c.list
    umount /mnt/ocfs
    fsck_volume "$DISK"
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    listing /mnt/ocfs | diff /tmp/c.list - || fail "ours lists another huge directory after the C ocfs2 changed it"
    (cd /mnt/ocfs/huge && names 'c-' 1 1500 | xargs stat -c %i >/dev/null) || fail "ours does not find the C ocfs2's names"
    rm -r /mnt/ocfs/huge || { dmesg | tail -3; fail "deleting huge"; }
    umount /mnt/ocfs
    [ "$(allocator_free "$DISK" global_bitmap)" = "$free_before" ] ||
        fail "deleting huge left $(allocator_free "$DISK" global_bitmap) free clusters, not $free_before"
    [ "$(allocator_free "$DISK" extent_alloc:0000)" = "$extents_before" ] ||
        fail "deleting huge left $(allocator_free "$DISK" extent_alloc:0000) free extent blocks, not $extents_before"
    fsck_volume "$DISK"
    say "an index grew past its root into extent blocks (6000 names at 512-byte blocks); the C ocfs2 agrees and grows it on; deleted, it gave back every cluster and block"

    # More inodes than slot 0's inode allocator holds (1024 at 4K blocks): it grows by a
    # group of clusters from the global bitmap.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=8M -b 4K "$DISK" >/dev/null
    use_stack ours
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs
    for d in 0 1 2 3 4; do
        mkdir "/mnt/ocfs/many-$d"
        i=0; while [ "$i" -lt 220 ]; do : > "/mnt/ocfs/many-$d/f$i" || fail "many-$d/f$i"; i=$((i + 1)); done
    done
    dmesg | grep -q "ocfs: $dev: allocator [0-9]* grew by a group of [0-9]* bits" ||
        { dmesg | tail -3; fail "the inode allocator did not grow"; }
    listing /mnt/ocfs > /tmp/ours.list
    umount /mnt/ocfs
    fsck_volume "$DISK"
    use_stack c
    mount -t ocfs2 "$DISK" /mnt/ocfs
    listing /mnt/ocfs | diff /tmp/ours.list - || fail "the C ocfs2 lists other files after the allocator grew"
    touch /mnt/ocfs/many-0/from-c
    rm /mnt/ocfs/many-4/f7
    umount /mnt/ocfs
    fsck_volume "$DISK"
    say "1100 new inodes: the inode allocator grew by a group; fsck clean, the C ocfs2 agrees"

    # Without an index (max-compat), a directory of blocks grows by blocks and clusters.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=8M -b 1K -C 4K --fs-feature-level=max-compat "$DISK" >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs
    mkdir /mnt/ocfs/plain
    umount /mnt/ocfs
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    i=0; while [ "$i" -lt 600 ]; do touch "/mnt/ocfs/plain/name-$i" || fail "name-$i"; i=$((i + 1)); done
    [ "$(ls /mnt/ocfs/plain | wc -l)" = 600 ] || fail "plain lists $(ls /mnt/ocfs/plain | wc -l) names"
    listing /mnt/ocfs > /tmp/ours.list
    umount /mnt/ocfs
    fsck_volume "$DISK"
    use_stack c
    mount -t ocfs2 "$DISK" /mnt/ocfs
    listing /mnt/ocfs | diff /tmp/ours.list - || fail "the C ocfs2 lists another plain directory"
    umount /mnt/ocfs
    say "a directory without an index grew to 600 names over blocks and clusters"

    # The crash: a file unlinked while open, the unlink committed, the file not closed.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=8M "$DISK" >/dev/null
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    touch /mnt/ocfs/held
    exec 4< /mnt/ocfs/held
    rm /mnt/ocfs/held
    sync -f /mnt/ocfs
    debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK" 2>/dev/null | grep -q " [0-9a-f]\{16\}$" ||
        { debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK"; fail "the unlinked open file is not in the orphan directory"; }
    say "an unlinked file held open; crashing"
    fault crash 0
    sleep 600
    fail "still running after fault crash"
fi

use_stack ours
dmesg -c >/dev/null
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our mount after the crash"; }
dmesg | grep -q "ocfs: $dev: deleted 1 orphaned inodes left by the last mount" ||
    { dmesg | tail; fail "the orphan was not deleted at mount"; }
umount /mnt/ocfs
if debugfs.ocfs2 -R "ls -l //orphan_dir:0000" "$DISK" 2>/dev/null | grep -q " [0-9a-f]\{16\}$"; then
    fail "the orphan directory still holds an entry"
fi
fsck_volume "$DISK"
say "the orphan left by the crash was deleted at the next mount; fsck clean"
