#!/bin/sh
# harness: --nodes 1 --stack ocfs --disks 2 --disk-size 256M --expect-panic errors=panic --timeout 900
# Issue 4, the mount options that act after the mount: `errors=`, `mount -o remount` and
# `atime_quantum=`.
# - A remount changes the options it names and keeps the others (commit=, acl/noacl,
#   user_xattr/nouser_xattr, atime_quantum=, errors=), each taking effect at once; the ones
#   the C ocfs2 refuses to change (data mode, heartbeat, turning on inode64) and unknown ones
#   are refused by name, and the mount stays as it was.
# - atime_quantum: under strictatime, an access time later than the last change and younger
#   than the quantum stays; with quantum 0 every read moves it. A write that moves the times
#   writes all its bytes.
# - errors=: a file's inode block is corrupted on disk. With errors=continue, reading it
#   fails (EUCLEAN) and the mount stays read-write. With errors=remount-ro (the default) the
#   mount turns read-only at once, fsync fails, a read-write remount is refused, and another ocfs2 mount on
#   the node stays writable; the next mount replays the journal left dirty, reports the error
#   the aborted journal recorded, and writes and unmounts cleanly. With
#   errors=panic the kernel panics saying why (the harness checks the panic message), and
#   the second boot mounts the volume.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs /mnt/other
dev=$(basename "$DISK")
use_stack ours

options() { grep " /mnt/ocfs ocfs2 " /proc/mounts | cut -d' ' -f4; }
has_option() { options | tr ',' '\n' | grep -qx "$1"; }
remount() { # options: must succeed
    mount -o "remount,$1" /mnt/ocfs || { dmesg | tail -3; fail "mount -o remount,$1"; }
}
remount_refused() { # options, expected log text (-i: straight to the kernel, as mount.ocfs2
    # takes heartbeat= itself)
    before=$(options)
    dmesg -c >/dev/null
    if mount -i -o "remount,$1" /mnt/ocfs 2>/dev/null; then fail "mount -o remount,$1 succeeded"; fi
    dmesg | grep -q "ocfs: .*$2" || { dmesg | tail -3; fail "no log line '$2' for remount,$1"; }
    [ "$(options)" = "$before" ] || fail "the refused remount,$1 changed the options: $(options)"
}
atime() { stat -c %X "$1"; }
# The victim's inode block, by its inode number (an OCFS2 inode number is its block number).
corrupt_victim() {
    printf 'NOTANINODE' | dd of="$DISK" bs=1 seek=$(($(cat /tmp/victim-ino) * 4096)) conv=notrunc 2>/dev/null
}
read_fails() { # what
    if cat /mnt/ocfs/victim >/dev/null 2>/tmp/err; then fail "$1: read the corrupted inode"; fi
    grep -q "Structure needs cleaning" /tmp/err || fail "$1: $(cat /tmp/err), not EUCLEAN"
}

if [ "$BOOT" = 1 ]; then
    mkfs.ocfs2 -q -F -M local -b 4K "$DISK" >/dev/null
    mkfs.ocfs2 -q -F -M local "$DISK1" >/dev/null
    mount -t ocfs2 "$DISK1" /mnt/other || fail "mount the other volume"

    # atime_quantum, under strictatime (-i: mount(8) itself turns it into a mount flag).
    mount -i -t ocfs2 -o errors=continue,atime_quantum=3600,strictatime "$DISK" /mnt/ocfs || fail "mount"
    echo data > /mnt/ocfs/victim
    echo "file" > /mnt/ocfs/file
    stat -c %i /mnt/ocfs/victim > /tmp/victim-ino
    cat /mnt/ocfs/file >/dev/null
    first=$(atime /mnt/ocfs/file)
    sleep 2
    cat /mnt/ocfs/file >/dev/null
    [ "$(atime /mnt/ocfs/file)" = "$first" ] || fail "atime moved within atime_quantum=3600"
    mount -i -o remount,strictatime,atime_quantum=0 /mnt/ocfs || fail "remount,atime_quantum=0"
    sleep 2
    cat /mnt/ocfs/file >/dev/null
    [ "$(atime /mnt/ocfs/file)" -gt "$first" ] || fail "atime did not move with atime_quantum=0"
    say "atime_quantum keeps a recent access time; 0 moves it on every read"
    # A write that moves the file's times returns the bytes it wrote (`update_time` returns
    # 0, not the times it changed: 6 here, which write(2) once returned as a short count).
    : > /mnt/ocfs/times
    sleep 2
    echo "0123456789" >> /mnt/ocfs/times
    [ "$(cat /mnt/ocfs/times)" = 0123456789 ] || fail "a write that moved mtime left '$(cat /mnt/ocfs/times)'"

    # Remounts.
    remount commit=17
    for o in errors=continue atime_quantum=0 commit=17 acl user_xattr; do
        has_option "$o" || fail "after remount,commit=17: no $o in $(options)"
    done
    remount noacl
    has_option noacl || fail "remount,noacl: $(options)"
    if setfacl -m u:1234:r /mnt/ocfs/file 2>/dev/null; then fail "setfacl worked with noacl"; fi
    remount acl
    setfacl -m u:1234:r /mnt/ocfs/file || fail "setfacl after remount,acl"
    getfacl -n /mnt/ocfs/file 2>/dev/null | grep -q "^user:1234:r--" || fail "the ACL did not stick"
    remount nouser_xattr
    if setfattr -n user.colour -v blue /mnt/ocfs/file 2>/dev/null; then fail "setfattr user. worked with nouser_xattr"; fi
    remount user_xattr
    setfattr -n user.colour -v blue /mnt/ocfs/file || fail "setfattr after remount,user_xattr"
    remount_refused data=writeback "cannot change the data mode"
    remount_refused heartbeat=local "cannot change the heartbeat mode"
    remount_refused inode64 "cannot change inode64"
    remount_refused bogus_option "unknown mount option 'bogus_option'"
    remount_refused atime_quantum=soon "bad value 'soon' for mount option 'atime_quantum'"
    touch /mnt/ocfs/still-writable || fail "writing after the refused remounts"
    say "remounts change what they name: $(options)"

    umount /mnt/ocfs
    fsck_volume "$DISK"

    # errors=continue.
    corrupt_victim
    mount -t ocfs2 -o errors=continue "$DISK" /mnt/ocfs || fail "mount errors=continue"
    dmesg -c >/dev/null
    read_fails "errors=continue"
    dmesg | grep -q "ocfs: $dev: errors=continue: the mount stays read-write" || { dmesg | tail; fail "no errors=continue line"; }
    has_option rw || fail "errors=continue: the mount is $(options)"
    echo more > /mnt/ocfs/after-continue || fail "errors=continue: writing after the error"
    umount /mnt/ocfs
    say "errors=continue: the read failed, the mount stayed read-write"

    # errors=remount-ro (the default).
    mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount errors=remount-ro"
    has_option errors=remount-ro || fail "default errors=: $(options)"
    dmesg -c >/dev/null
    read_fails "errors=remount-ro"
    dmesg | grep -q "ocfs: $dev: corrupt metadata found; run fsck.ocfs2" || { dmesg | tail; fail "no corruption line"; }
    dmesg | grep -q "ocfs: $dev: the filesystem is now read-only (errors=remount-ro)" || { dmesg | tail; fail "no read-only line"; }
    has_option ro || fail "errors=remount-ro: the mount is $(options)"
    if touch /mnt/ocfs/after-ro 2>/dev/null; then fail "errors=remount-ro: created a file"; fi
    if sync /mnt/ocfs/after-continue 2>/dev/null; then fail "errors=remount-ro: fsync succeeded with the journal stopped"; fi
    remount_refused rw "cannot remount read-write after corrupt metadata was found"
    echo other > /mnt/other/after-error || fail "the other mount is not writable"
    remount ro
    umount /mnt/ocfs
    dmesg -c >/dev/null
    mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount after errors=remount-ro"
    dmesg | grep -q "ocfs: $dev: the volume was not unmounted cleanly; recovering it" ||
        { dmesg | tail; fail "the journal the error left dirty was not recovered"; }
    dmesg | grep -q "ocfs: $dev: an earlier mount stopped its journal after error" ||
        { dmesg | tail; fail "no line for the error recorded in the journal"; }
    grep -qx more /mnt/ocfs/after-continue || fail "lost a file written before the errors"
    echo again > /mnt/ocfs/after-recovery || fail "writing after the recovery"
    dmesg -c >/dev/null
    umount /mnt/ocfs
    if dmesg | grep -q "journal stays dirty"; then fail "the journal stayed dirty after a clean unmount"; fi
    say "errors=remount-ro: read-only at once, the other mount unaffected, the journal recovered"

    # errors=panic: the harness boots the node again after the expected panic.
    mount -t ocfs2 -o errors=panic "$DISK" /mnt/ocfs || fail "mount errors=panic"
    echo armed > /mnt/other/panic-armed
    umount /mnt/other
    sync
    say "reading the corrupted inode with errors=panic"
    cat /mnt/ocfs/victim >/dev/null 2>&1 || true
    fail "errors=panic: still running after reading the corrupted inode"
fi

# Second boot, after the panic.
mount -t ocfs2 "$DISK1" /mnt/other || fail "mount the other volume in the second boot"
grep -qx armed /mnt/other/panic-armed || fail "the first boot did not reach its panic"
umount /mnt/other
dmesg -c >/dev/null
mount -t ocfs2 "$DISK" /mnt/ocfs || fail "mount after the panic"
# The panic came after the journal was stopped, which recorded the error in it.
dmesg | grep -q "ocfs: $dev: an earlier mount stopped its journal after error" ||
    { dmesg | tail; fail "the journal holds no error from the panicking mount"; }
read_fails "after the panic"
grep -qx more /mnt/ocfs/after-continue || fail "lost a file written before the panic"
grep -qx again /mnt/ocfs/after-recovery || fail "lost a file written after the recovery"
umount /mnt/ocfs
say "errors=panic: the kernel panicked on the corrupted inode; the volume mounts after it"
