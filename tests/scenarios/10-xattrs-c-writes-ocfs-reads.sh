#!/bin/sh
# harness: --nodes 1 --stack both --disk-size 1G --disks 2
# Issue 4, extended attributes (read side): the C ocfs2 writes user, trusted and security
# attributes (inline in the inode; spilled to an xattr block, or at 1K blocks to a bucket
# tree; a value large enough for clusters of its own; on a directory) and ours lists and
# reads the same names and values, refuses setfattr on the read-only mount, and hides
# user.* with nouser_xattr.
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs
use_stack c
n=0
for opts in "" "-b 1K -C 4K --fs-features=metaecc"; do
  eval disk=\${DISK$n:-\$DISK}; [ $n = 0 ] && disk=$DISK
  mkfs.ocfs2 -q -F -M local $opts "$disk" >/dev/null
  mount -t ocfs2 "$disk" /mnt/ocfs
  cd /mnt/ocfs
  echo a > small; setfattr -n user.color -v blue small; setfattr -n trusted.t -v secret small; setfattr -n security.s -v label small
  echo b > spill; i=0; while [ $i -lt 40 ]; do setfattr -n user.attr$i -v "value-number-$i-$(printf 'z%.0s' $(seq 1 40))" spill; i=$((i+1)); done
  echo c > bigval; head -c 3000 /dev/urandom | base64 -w0 > /tmp/big$n; setfattr -n user.big -v "$(cat /tmp/big$n)" bigval
  mkdir d; setfattr -n user.dirattr -v x d; ln -s small lnk
  getfattr -d -m - small spill bigval d > /tmp/dump$n 2>/dev/null
  cd /
  umount /mnt/ocfs
  n=$((n+1))
done
use_stack ours
n=0
for opts in "" "-b 1K -C 4K --fs-features=metaecc"; do
  eval disk=\${DISK$n:-\$DISK}; [ $n = 0 ] && disk=$DISK
  mount -t ocfs2 -o ro "$disk" /mnt/ocfs
  cd /mnt/ocfs
  getfattr -d -m - small spill bigval d > /tmp/ours$n 2>/tmp/err || { cat /tmp/err; dmesg | tail; fail "getfattr ($opts)"; }
  diff /tmp/dump$n /tmp/ours$n || fail "xattrs differ ($opts)"
  [ "$(getfattr --only-values -n user.big bigval)" = "$(cat /tmp/big$n)" ] || fail "big value"
  if getfattr -n user.nothere small 2>/dev/null; then fail "phantom xattr"; fi
  if setfattr -n user.new -v 1 small 2>/dev/null; then fail "setfattr on ro"; fi
  say "$(wc -l < /tmp/ours$n) lines of xattrs identical ($opts)"
  cd /
  umount /mnt/ocfs
  n=$((n+1))
done
mount -t ocfs2 -o ro,nouser_xattr "$DISK" /mnt/ocfs
getfattr -d /mnt/ocfs/small 2>/dev/null | grep -q color && fail "nouser_xattr shows user xattrs"
umount /mnt/ocfs
say ok
