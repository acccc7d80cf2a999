#!/bin/sh
# harness: --nodes 1 --stack both --disks 2 --disk-size 512M
# Issue 4, the read-write mount's lifecycle and its journal: ours mounts local volumes (from
# mkfs.ocfs2, default and max-compat, metaecc, and from our mkfs.ocfs) read-write, takes
# slot 0 and marks the journal in use; chmod, chown and utimes go to disk through JBD2
# transactions; unmount checkpoints, marks the journal clean and frees the slot, and fsck
# and the C ocfs2 agree with every change. Remounts: read-write to read-only checkpoints,
# marks the journal clean and frees the slot, and writes fail with EROFS; back to read-write
# takes them again; a read-only mount remounted read-write writes as a read-write mount does;
# changing the heartbeat on a remount is refused with a log line (scenario 19: the options a
# remount can change).
# Then two crashes. A C ocfs2 mount dies with files in its journal, local-alloc window and
# truncate log (disk 1): our read-write mount replays the journal and finishes the recovery
# itself, and fsck.ocfs2 -fn is clean with no help from the C ocfs2. Our own mount dies with
# attribute changes committed only to its journal (disk 0): the next mount replays them.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs /mnt/ocfs1
dev=$(basename "$DISK")

journal_flags() { debugfs.ocfs2 -R "stat //journal:0000" "$1" 2>/dev/null | sed -n 's/.*Journal Flags: *//p' | tr -d ' '; }
la_total() { debugfs.ocfs2 -R "stat //local_alloc:0000" "$1" 2>/dev/null | sed -n 's/.*Bitmap Total: *\([0-9]*\).*/\1/p'; }
slot0() { ocfs-inspect "$1" slots | awk '$1 == "0" { print $2 }'; }
# Attributes that chmod, chown and touch set, to the nanosecond.
attrs() { stat -c '%n %f %u %g %x %y' "$@"; }

# The changes made through our mount, checked through any mount of the volume.
change_attrs() { # dir
    chmod 0640 "$1/file"
    chown 1234:5678 "$1/file"
    touch -h -d "2001-02-03 04:05:06.123456789" "$1/file"
    touch -a -d "1999-12-31 23:59:59.5" "$1/file"
    chmod 0711 "$1/dir"
    chown 42:43 "$1/dir/link"
    chown -h 44:45 "$1/dir/link"
    touch -h -d "2010-10-10 10:10:10" "$1/dir/link"
    touch -d "2005-05-05 05:05:05.5" "$1/dir"
}

if [ "$BOOT" = 1 ]; then
    for mkfs in "mkfs.ocfs2 -M local" "mkfs.ocfs2 -M local --fs-feature-level=max-compat" \
        "mkfs.ocfs2 -M local --fs-features=metaecc -b 1K -C 8K" "mkfs.ocfs -M local"; do
        case $mkfs in mkfs.ocfs2*) noprompt=-x ;; *) noprompt= ;; esac
        # shellcheck disable=SC2086 # words
        $mkfs -q -F $noprompt -N 2 -J size=8M "$DISK" >/dev/null || fail "$mkfs"
        # The C ocfs2 writes a few files (so its local alloc window and journal were used).
        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs || fail "$mkfs: the C ocfs2 mount"
        mkdir /mnt/ocfs/dir
        content file 3000 > /mnt/ocfs/file
        ln -s ../file /mnt/ocfs/dir/link
        umount /mnt/ocfs

        use_stack ours
        dmesg -c >/dev/null
        mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "$mkfs: our read-write mount"; }
        dmesg | grep -q "ocfs: $dev: mounted read-write, slot 0" || { dmesg | tail; fail "$mkfs: no mount line"; }
        grep -q " /mnt/ocfs ocfs2 rw," /proc/mounts || fail "$mkfs: not read-write in /proc/mounts"
        [ "$(journal_flags "$DISK")" = Dirty ] || fail "$mkfs: the journal is not marked in use while mounted"
        [ "$(slot0 "$DISK")" = 0 ] || { ocfs-inspect "$DISK" slots; fail "$mkfs: slot 0 is not taken by node 0"; }
        change_attrs /mnt/ocfs
        attrs /mnt/ocfs/file /mnt/ocfs/dir /mnt/ocfs/dir/link > /tmp/expected
        # Remounts between read-write and read-only (file data: scenario 12; the namespace:
        # scenario 13).
        echo "written before a read-only remount" > /mnt/ocfs/before-ro
        mount -o remount,ro /mnt/ocfs || { dmesg | tail -3; fail "$mkfs: remount read-only"; }
        grep -q " /mnt/ocfs ocfs2 ro," /proc/mounts || fail "$mkfs: not read-only in /proc/mounts after remount,ro"
        [ -z "$(journal_flags "$DISK")" ] || fail "$mkfs: the journal is still marked in use after remount,ro"
        [ "$(slot0 "$DISK")" = "(empty)" ] || fail "$mkfs: slot 0 still taken after remount,ro"
        debugfs.ocfs2 -R "cat /before-ro" "$DISK" 2>/dev/null | grep -q "written before" ||
            fail "$mkfs: data written before remount,ro is not on disk"
        if touch /mnt/ocfs/while-ro 2>/dev/null; then fail "$mkfs: created a file on a read-only remount"; fi
        mount -o remount,rw /mnt/ocfs || { dmesg | tail -3; fail "$mkfs: remount read-write"; }
        [ "$(journal_flags "$DISK")" = Dirty ] || fail "$mkfs: the journal is not in use after remount,rw"
        [ "$(slot0 "$DISK")" = 0 ] || fail "$mkfs: slot 0 not taken after remount,rw"
        rm /mnt/ocfs/before-ro && echo again > /mnt/ocfs/after-rw || fail "$mkfs: writing after remount,rw"
        rm /mnt/ocfs/after-rw
        # File data through the local-alloc window (a remount read-only emptied it).
        head -c 300000 /dev/urandom > /mnt/ocfs/window-data
        dmesg -c >/dev/null
        if mount -i -o remount,heartbeat=local /mnt/ocfs 2>/dev/null; then fail "$mkfs: remount changed the heartbeat"; fi
        dmesg | grep -q "ocfs: $dev: cannot change the heartbeat mode on remount" ||
            { dmesg | tail -3; fail "$mkfs: no log line for the refused option change"; }
        umount /mnt/ocfs || fail "$mkfs: umount"
        [ -z "$(journal_flags "$DISK")" ] || fail "$mkfs: the journal is still marked in use after umount"
        [ "$(slot0 "$DISK")" = "(empty)" ] || { ocfs-inspect "$DISK" slots; fail "$mkfs: slot 0 still taken after umount"; }
        la_total "$DISK" | grep -qx 0 || fail "$mkfs: the local-alloc window holds $(la_total "$DISK") clusters after umount"
        fsck_volume "$DISK"

        # Ours again, read-only, and the C ocfs2: the same attributes, the same data.
        mount -t ocfs2 -o ro "$DISK" /mnt/ocfs || fail "$mkfs: our read-only mount after writing"
        attrs /mnt/ocfs/file /mnt/ocfs/dir /mnt/ocfs/dir/link | diff /tmp/expected - || fail "$mkfs: our remount differs"
        # A read-only mount remounted read-write writes; unmounting leaves everything clean.
        mount -o remount,rw /mnt/ocfs || { dmesg | tail -3; fail "$mkfs: remount,rw of a read-only mount"; }
        [ "$(slot0 "$DISK")" = 0 ] || fail "$mkfs: slot 0 not taken after remount,rw of a read-only mount"
        echo x > /mnt/ocfs/from-ro && rm /mnt/ocfs/from-ro || fail "$mkfs: writing after remount,rw of a read-only mount"
        umount /mnt/ocfs
        [ -z "$(journal_flags "$DISK")" ] || fail "$mkfs: the journal is still marked in use after umount"
        fsck_volume "$DISK"
        use_stack c
        mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "$mkfs: the C ocfs2 cannot mount what ours left"; }
        attrs /mnt/ocfs/file /mnt/ocfs/dir /mnt/ocfs/dir/link | diff /tmp/expected - ||
            fail "$mkfs: the C ocfs2 reads other attributes"
        content file 3000 | cmp - /mnt/ocfs/file || fail "$mkfs: file data changed"
        [ "$(readlink /mnt/ocfs/dir/link)" = ../file ] || fail "$mkfs: the symlink changed"
        content more 100 > /mnt/ocfs/dir/more
        umount /mnt/ocfs
        fsck_volume "$DISK"
        say "[$mkfs] read-write mount: slot and journal flag set and cleared, attributes on disk, fsck clean, the C ocfs2 agrees"
    done

    # Two crashes. Disk 1 first: the C ocfs2 writes, fsyncs and deletes files, and the node
    # dies with its journal, local alloc window and truncate log holding work.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=8M "$DISK1" >/dev/null
    use_stack c
    mount -t ocfs2 "$DISK1" /mnt/ocfs1
    i=0
    while [ "$i" -lt 30 ]; do content "c$i" $((i * 400 + 1)) > "/mnt/ocfs1/c$i"; i=$((i + 1)); done
    content late 30000 > /mnt/ocfs1/late
    sync
    # The C ocfs2 frees deleted clusters through its truncate log, flushed 2 s later or by
    # syncfs: commit the deletes with an fsync of another file instead, and crash at once.
    rm /mnt/ocfs1/c1 /mnt/ocfs1/c3 /mnt/ocfs1/c5
    content x 10 > /mnt/ocfs1/x
    sync /mnt/ocfs1/x
    say "the C ocfs2 has files in flight on disk 1; crashing"
    fault crash 0
    sleep 600
    fail "still running after fault crash"
fi

if [ "$BOOT" = 2 ]; then
    # Ours recovers everything the crashed C mount left, alone: fsck is clean right after.
    # A read-only mount replays the journal first and leaves the rest to the read-write one.
    dev1=$(basename "$DISK1")
    use_stack ours
    mount -t ocfs2 -o ro "$DISK1" /mnt/ocfs1 || { dmesg | tail; fail "our read-only mount of the crashed C volume"; }
    umount /mnt/ocfs1
    [ "$(journal_flags "$DISK1")" = Dirty ] || fail "the read-only replay marked the journal clean"
    tl_records=$(debugfs.ocfs2 -R "stat //truncate_log:0000" "$DISK1" 2>/dev/null | sed -n 's/.*Used: *\([0-9]*\).*/\1/p')
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK1" /mnt/ocfs1 || { dmesg | tail; fail "our read-write mount of the crashed C volume"; }
    dmesg | grep -q "ocfs: $dev1: recovered the local alloc of slot 0: [0-9]* clusters returned" ||
        { dmesg | tail; fail "no local alloc recovery logged for disk 1"; }
    if [ "${tl_records:-0}" -gt 0 ]; then
        dmesg | grep -q "ocfs: $dev1: replayed the truncate log of slot 0: $tl_records records" ||
            { dmesg | tail; fail "the truncate log held $tl_records records, and no replay was logged"; }
    else
        say "the C ocfs2 flushed its truncate log before the crash; nothing to replay there"
    fi
    content late 30000 | cmp - /mnt/ocfs1/late || fail "late differs after our recovery"
    for i in 0 2 29; do content "c$i" $((i * 400 + 1)) | cmp - "/mnt/ocfs1/c$i" || fail "c$i differs after our recovery"; done
    [ ! -e /mnt/ocfs1/c1 ] || fail "c1 came back"
    umount /mnt/ocfs1
    dmesg | grep "ocfs: $dev1:" || true
    fsck_clean "$DISK1"
    use_stack c
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK1" /mnt/ocfs1 || fail "the C ocfs2 cannot mount after our recovery"
    if dmesg | grep -q "not unmounted cleanly"; then fail "the C ocfs2 found the volume still unrecovered"; fi
    content late 30000 | cmp - /mnt/ocfs1/late || fail "late differs through the C ocfs2"
    umount /mnt/ocfs1
    fsck_clean "$DISK1"
    say "the crashed C mount's journal, local alloc and truncate log recovered by ours; fsck clean"

    # Disk 0: our mount commits attribute changes (sync forces the commit) and the node
    # dies before they are checkpointed. The volume ends before 400 MiB; what the next
    # boot expects is kept at 500 MiB of the disk.
    mkfs.ocfs2 -q -F -x -M local -N 2 -J size=8M "$DISK" 100000 >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs
    mkdir /mnt/ocfs/dir
    content file 3000 > /mnt/ocfs/file
    ln -s ../file /mnt/ocfs/dir/link
    umount /mnt/ocfs
    use_stack ours
    mount -t ocfs2 "$DISK" /mnt/ocfs
    change_attrs /mnt/ocfs
    attrs /mnt/ocfs/file /mnt/ocfs/dir /mnt/ocfs/dir/link > /tmp/expected
    sync -f /mnt/ocfs
    { base64 -w0 /tmp/expected; echo; } | dd of="$DISK" bs=1M seek=500 conv=notrunc,fsync 2>/dev/null
    [ "$(journal_flags "$DISK")" = Dirty ] || fail "the journal is not dirty before the crash"
    say "attributes committed to our journal, not checkpointed; crashing"
    fault crash 0
    sleep 600
    fail "still running after fault crash"
fi

# Third boot: our mount replays our own journal.
dd if="$DISK" bs=1M skip=500 count=1 2>/dev/null | head -1 | base64 -d > /tmp/expected ||
    fail "cannot read back the expected attributes"
[ -s /tmp/expected ] || fail "no expected attributes saved before the crash"
use_stack ours
dmesg -c >/dev/null
mount -t ocfs2 "$DISK" /mnt/ocfs || { dmesg | tail; fail "our read-write mount of the crashed volume"; }
dmesg | grep -q "ocfs: $dev: the volume was not unmounted cleanly; recovering it" ||
    { dmesg | tail; fail "no recovery logged for disk 0"; }
attrs /mnt/ocfs/file /mnt/ocfs/dir /mnt/ocfs/dir/link | diff /tmp/expected - ||
    fail "the attributes committed before the crash are not all there"
umount /mnt/ocfs
fsck_volume "$DISK"
use_stack c
mount -t ocfs2 "$DISK" /mnt/ocfs || fail "the C ocfs2 cannot mount after our replay"
attrs /mnt/ocfs/file /mnt/ocfs/dir /mnt/ocfs/dir/link | diff /tmp/expected - || fail "the C ocfs2 reads other attributes"
umount /mnt/ocfs
fsck_volume "$DISK"
say "our journal replayed after a crash: committed attribute changes intact, fsck clean"
