#!/bin/sh
# harness: --nodes 1 --stack both --disk-size 512M --timeout 1200
# Issue 4, extended attributes, POSIX ACLs and slow symlinks through our read-write mount.
# On volumes from mkfs.ocfs2 -M local (default; 64K clusters with metaecc), and from our
# mkfs.ocfs: user, trusted and security attributes set, replaced and removed, inline in the
# inode, spilled to an xattr block, with values in clusters of their own; on files,
# directories and symlinks; symlinks whose targets need a cluster; ACLs (setfacl, default
# ACLs inherited by new files and directories, chmod rewriting the access ACL, and enforced
# for a non-root user). After each step: the same through ours after drop_caches and after
# a remount, fsck.ocfs2 -fn clean, and the C ocfs2 reading identical attributes, ACLs and
# targets; then the C ocfs2 writes attributes that ours changes and removes, and deleting
# files gives back what their attributes held; an index whose tree needs extent blocks
# (512-byte blocks) is grown, edited and deleted by ours and edited by the C. stress-ng's xattr and symlink stressors run
# on our mount. A max-compat volume (no xattr feature) refuses setfattr (EOPNOTSUPP).
set -eu
. /usr/share/ocfs/lib.sh
mkdir -p /mnt/ocfs
M=/mnt/ocfs
dev=$(basename "$DISK")

free_clusters() { debugfs.ocfs2 -R "stat //global_bitmap" "$1" 2>/dev/null | sed -n 's/.*Bitmap Total: [0-9]* *Used: [0-9]* *Free: \([0-9]*\).*/\1/p'; }
long() { printf "$1%.0s" $(seq 1 "$2"); }

# Every attribute (hex values) and ACL of the tree, and every symlink target, into $1.
dump() {
    (cd $M && getfattr -R -h -d -m - -e hex --absolute-names . 2>&1 | grep -v '^$' | grep -v 'system.posix_acl' || true) > "$1"
    (cd $M && find . -type l | sort | while read -r l; do echo "$l -> $(readlink "$l")"; done) >> "$1"
    if [ "${ACL:-no}" = yes ]; then
        (cd $M && getfacl -R -p -n . 2>&1) >> "$1"
    fi
}

# The writes of one volume, through our mount.
ours_writes() {
    echo a > $M/small
    setfattr -n user.color -v blue $M/small
    setfattr -n trusted.t -v secret $M/small
    setfattr -n security.s -v label $M/small
    [ "$(getfattr --absolute-names --only-values -n user.color $M/small)" = blue ] || fail "user.color reads back wrong"
    # Replace: longer, then long enough for clusters of its own, then short again.
    setfattr -n user.color -v "$(long g 60)" $M/small
    setfattr -n user.color -v "$(long h 200)" $M/small
    [ "$(getfattr --absolute-names --only-values -n user.color $M/small)" = "$(long h 200)" ] || fail "a value moved to clusters reads back wrong"
    setfattr -n user.color -v red $M/small
    # Many attributes: past the inline area into an xattr block.
    echo b > $M/spill
    i=0; while [ $i -lt 20 ]; do setfattr -n user.attr$i -v "value-$i-$(long z 40)" $M/spill; i=$((i+1)); done
    # Values in clusters: 3000 and 60000 bytes.
    echo c > $M/bigval
    head -c 2250 /dev/urandom | base64 -w0 > /tmp/big1
    head -c 45000 /dev/urandom | base64 -w0 > /tmp/big2
    setfattr -n user.big1 -v "$(cat /tmp/big1)" $M/bigval
    setfattr -n user.big2 -v "$(cat /tmp/big2)" $M/bigval
    [ "$(getfattr --absolute-names --only-values -n user.big2 $M/bigval)" = "$(cat /tmp/big2)" ] || fail "60000-byte value"
    # Many: the block becomes an index of buckets, which divide as they fill.
    echo m > $M/many
    i=0; while [ $i -lt 240 ]; do setfattr -n "user.many-attribute-$i" -v "many-value-$i" $M/many; i=$((i+1)); done
    i=0; while [ $i -lt 240 ]; do setfattr -x "user.many-attribute-$i" $M/many; i=$((i+7)); done
    setfattr -n user.many-attribute-1 -v "$(long b 300)" $M/many
    setfattr -n user.many-attribute-2 -v "$(cat /tmp/big1)" $M/many
    [ "$(getfattr --absolute-names --only-values -n user.many-attribute-2 $M/many)" = "$(cat /tmp/big1)" ] || fail "a value in clusters in a bucket"
    [ "$(getfattr --absolute-names -d $M/many | grep -c '^user.many')" = 205 ] || fail "$(getfattr --absolute-names -d $M/many | grep -c '^user.many') attributes in buckets, not 205"
    # Removal, and what is not there.
    setfattr -n user.gone -v x $M/small
    setfattr -x user.gone $M/small
    if getfattr -n user.gone $M/small 2>/dev/null; then fail "a removed attribute is still there"; fi
    if setfattr -x user.never $M/small 2>/dev/null; then fail "removing a missing attribute succeeded"; fi
    # Directories (inline data: the attributes go to a block) and symlinks (trusted only).
    if has_feature inline-data; then mkdir $M/d; else mkdir $M/d 2>/dev/null || touch $M/d; fi
    setfattr -n user.dirattr -v x $M/d
    setfattr -n trusted.dirtrust -v "$(long q 120)" $M/d
    # Slow symlinks: targets past the inode block, up to PATH_MAX - 1.
    ln -s "$(long p 300)" $M/slow300
    ln -s "/$(long s 4094)" $M/slow4095
    ln -s short $M/fast
    setfattr -h -n trusted.link -v l $M/slow300
    [ "$(readlink $M/slow300)" = "$(long p 300)" ] || fail "slow symlink target (300)"
    [ "$(readlink $M/slow4095)" = "/$(long s 4094)" ] || fail "slow symlink target (4095)"
    [ "$(stat -c %s $M/slow4095)" = 4095 ] || fail "slow symlink size $(stat -c %s $M/slow4095)"
    [ "$ACL" = yes ] && acl_writes
    dmesg | grep "ocfs: $dev:.*not supported" && fail "a refusal in the log"
    return 0
}

as_user() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
as_other() { setpriv --reuid=1001 --regid=1001 --clear-groups "$@"; }

# POSIX ACLs through our mount (mounted with acl).
acl_writes() {
    echo secret > $M/aclfile
    chmod 600 $M/aclfile
    if as_user cat $M/aclfile >/dev/null 2>&1; then fail "uid 1000 reads a 0600 root file"; fi
    setfacl -m u:1000:r $M/aclfile
    as_user cat $M/aclfile >/dev/null || fail "the ACL does not let uid 1000 read"
    if as_other cat $M/aclfile >/dev/null 2>&1; then fail "uid 1001 reads through an ACL naming 1000"; fi
    if as_user sh -c "echo x >> $M/aclfile" 2>/dev/null; then fail "uid 1000 writes through a read-only ACL entry"; fi
    [ "$(stat -c %a $M/aclfile)" = 640 ] || fail "the mode does not show the ACL mask: $(stat -c %a $M/aclfile)"
    # chmod rewrites the access ACL's mask: no more reading for uid 1000.
    chmod 600 $M/aclfile
    getfacl -p $M/aclfile | grep -q '^mask::---' || { getfacl -p $M/aclfile; fail "chmod did not rewrite the mask"; }
    if as_user cat $M/aclfile >/dev/null 2>&1; then fail "uid 1000 reads after chmod 600"; fi
    chmod 640 $M/aclfile
    # Default ACLs, inherited by files and directories made inside.
    mkdir $M/acldir
    chmod 755 $M/acldir
    setfacl -m u:1000:rwx $M/acldir
    setfacl -d -m u:1000:rwx,g::r-x,o::- $M/acldir
    touch $M/acldir/inherited
    mkdir $M/acldir/sub
    getfacl -p $M/acldir/inherited | grep -q '^user:1000:rw' || { getfacl -p $M/acldir/inherited; fail "a new file did not inherit the default ACL"; }
    getfacl -p $M/acldir/sub | grep -q '^default:user:1000:rwx' || { getfacl -p $M/acldir/sub; fail "a new directory did not inherit the default ACL"; }
    as_user touch $M/acldir/by-1000 || fail "uid 1000 cannot create in a directory its ACL entry lets it write"
    if as_other touch $M/acldir/by-1001 2>/dev/null; then fail "uid 1001 created in a directory it may not write"; fi
    # An ACL the mode says all of goes; removing all ACLs.
    touch $M/aclgone
    setfacl -m u:1000:rwx $M/aclgone
    setfacl -b $M/aclgone
    [ -z "$(getfattr --absolute-names -m system.posix_acl -d $M/aclgone 2>/dev/null)" ] || fail "setfacl -b left an ACL"
    setfacl -k $M/acldir/sub
    getfacl -p $M/acldir/sub | grep -q '^default:' && fail "setfacl -k left a default ACL"
    say "ACLs: enforced for uid 1000 and 1001, inherited, rewritten by chmod"
}

# Compare ours now, after drop_caches, after a remount, and the C ocfs2, then fsck.
check_round_trip() { # label mount-options
    dump /tmp/ours.dump
    drop_caches
    dump /tmp/ours.dropped
    diff /tmp/ours.dump /tmp/ours.dropped || fail "$1: attributes differ after drop_caches"
    umount $M
    mount -t ocfs2 -o "$2" "$DISK" $M
    dump /tmp/ours.remounted
    diff /tmp/ours.dump /tmp/ours.remounted || fail "$1: attributes differ after a remount"
    umount $M
    fsck_volume "$DISK"
    use_stack c
    mount -t ocfs2 -o "$2" "$DISK" $M
    dump /tmp/c.dump
    diff /tmp/ours.dump /tmp/c.dump || fail "$1: the C ocfs2 reads other attributes"
    say "$1: $(grep -c '=' /tmp/ours.dump) attributes, ACLs and targets identical through ours and the C ocfs2"
}

# The C ocfs2 (mounted) writes; ours changes and removes what it wrote.
c_then_ours() { # label mount-options
    echo d > $M/cfile
    setfattr -n user.c1 -v one $M/cfile
    i=0; while [ $i -lt 12 ]; do setfattr -n user.cattr$i -v "c-$i-$(long y 40)" $M/cfile; i=$((i+1)); done
    setfattr -n user.cbig -v "$(cat /tmp/big1)" $M/cfile
    echo e > $M/cvictim
    setfattr -n user.vbig -v "$(cat /tmp/big2)" $M/cvictim
    i=0; while [ $i -lt 12 ]; do setfattr -n user.v$i -v "v-$i-$(long x 40)" $M/cvictim; i=$((i+1)); done
    ln -s "$(long c 500)" $M/cslow
    echo f > $M/cmany
    i=0; while [ $i -lt 150 ]; do setfattr -n "user.c-many-$i" -v "c-many-value-$i" $M/cmany; i=$((i+1)); done
    setfattr -n user.c-many-big -v "$(cat /tmp/big1)" $M/cmany
    echo g > $M/cmany-victim
    i=0; while [ $i -lt 100 ]; do setfattr -n "user.v-$i" -v "v-$i" $M/cmany-victim; i=$((i+1)); done
    setfattr -n user.v-big -v "$(cat /tmp/big1)" $M/cmany-victim
    umount $M
    use_stack ours
    mount -t ocfs2 -o "$2" "$DISK" $M
    [ "$(readlink $M/cslow)" = "$(long c 500)" ] || fail "$1: the C ocfs2's slow symlink"
    setfattr -n user.c1 -v "$(long w 100)" $M/cfile
    setfattr -x user.cbig $M/cfile
    setfattr -x user.cattr3 $M/cfile
    setfattr -n user.cattr4 -v short $M/cfile
    i=0; while [ $i -lt 150 ]; do setfattr -x "user.c-many-$i" $M/cmany; i=$((i+5)); done
    i=0; while [ $i -lt 60 ]; do setfattr -n "user.ours-in-c-buckets-$i" -v "ours-$i" $M/cmany; i=$((i+1)); done
    setfattr -n user.c-many-3 -v "$(long r 90)" $M/cmany
    umount $M
    before=$(free_clusters "$DISK")
    mount -t ocfs2 -o "$2" "$DISK" $M
    # Deleting: values in clusters (cvictim's, bigval's two, cmany-victim's), the C's
    # buckets of cmany-victim (a cluster at least), a slow symlink's cluster.
    rm $M/cvictim $M/cslow $M/cmany-victim $M/bigval
    dump /tmp/ours.dump
    umount $M
    after=$(free_clusters "$DISK")
    [ "$after" -ge "$((before + 6))" ] || fail "$1: deleting files with attributes in clusters freed $((after - before)) clusters, not 6 or more"
    fsck_volume "$DISK"
    use_stack c
    mount -t ocfs2 -o "$2" "$DISK" $M
    dump /tmp/c.dump
    diff /tmp/ours.dump /tmp/c.dump || fail "$1: the C ocfs2 reads other attributes after ours changed its own"
    [ "$(getfattr --absolute-names --only-values -n user.c1 $M/cfile)" = "$(long w 100)" ] || fail "$1: user.c1 through the C ocfs2"
    umount $M
    say "$1: ours changed and removed what the C ocfs2 wrote ($before -> $after free clusters)"
}

# stress-ng's stressors ($3) on our mount for a while, then fsck.
stress() { # label mount-options stressors...
    label=$1 opts=$2; shift 2
    use_stack ours
    mount -t ocfs2 -o "$opts" "$DISK" $M
    mkdir -p $M/stress
    dmesg -c >/dev/null
    stress-ng "$@" --temp-path $M/stress --timeout "$STRESS_SECS" --metrics-brief >/tmp/stress.log 2>&1 ||
        { cat /tmp/stress.log; dmesg | tail -20; fail "$label: stress-ng $*"; }
    grep -q "skipped\|aborted" /tmp/stress.log && { cat /tmp/stress.log; fail "$label: stress-ng skipped a stressor"; }
    dmesg | grep -i "ocfs: $dev" | grep -iv "mounted\|unmounted\|allocator" && fail "$label: stress-ng left log lines"
    umount $M
    fsck_volume "$DISK"
    say "$label: stress-ng $* for ${STRESS_SECS}s: $(grep 'metrc:.*\(xattr\|symlink\) ' /tmp/stress.log | awk '{print $4, $5, "bogo ops,", $8, "s in the kernel"}'), fsck clean"
}

volume() { # label mount-options mkfs-command...
    label=$1 opts=$2; shift 2
    "$@" "$DISK" >/dev/null </dev/null || fail "$label: $*"
    volume_info "$DISK"
    use_stack ours
    dmesg -c >/dev/null
    mount -t ocfs2 -o "$opts" "$DISK" $M
    # ACLs are on unless noacl, as with the C ocfs2 on volumes with xattrs.
    grep -q " $M ocfs2 .*,acl[, ]" /proc/mounts || { grep " $M " /proc/mounts; fail "$label: ACLs are off"; }
    ours_writes
    check_round_trip "$label" "$opts"
    c_then_ours "$label" "$opts"
    stress "$label" "$opts" --xattr 1 --xattr-ops 2000
}

ACL=yes STRESS_SECS=20
volume "default, acl" "acl" mkfs.ocfs2 -q -F -x -M local
ACL=no STRESS_SECS=10
volume "64K clusters, metaecc" "defaults" mkfs.ocfs2 -q -F -x -M local -C 64K --fs-features=metaecc
ACL=yes
volume "mkfs.ocfs, acl" "acl" mkfs.ocfs -q -F -M local

# An index whose tree outgrows its block: at 512-byte blocks the xattr block holds 27
# records (runs of buckets), an extent block as many, so a few hundred long names need
# extent blocks (a tree of depth 1 with several leaves, names landing in full leaves
# before the last; the names listed stay under the 64 KiB listxattr allows). Ours sets,
# replaces and removes them (some values in clusters); the C ocfs2 reads the same and
# edits the tree ours grew; ours reads what it made of it and deletes the file, every
# cluster and extent block given back.
xattr_file() { # path count prefix value-prefix (setfattr --restore input)
    echo "# file: $1"
    i=0; while [ $i -lt "$2" ]; do echo "user.$3-$(long n 100)-$i=\"$4-$i-$(long v 60)\""; i=$((i+1)); done
}
xattr_tree_depth() { # file
    xb=$(debugfs.ocfs2 -R "stat /$1" "$DISK" 2>/dev/null | sed -n 's/.*Extended Attributes Block: \([0-9]*\).*/\1/p')
    [ -n "$xb" ] && [ "$xb" != 0 ] || fail "deep tree: /$1 has no xattr block"
    ocfs-inspect "$DISK" block "$xb" | sed -n 's/.*Tree depth: \([0-9]*\).*/\1/p' | head -n 1
}
mkfs.ocfs2 -q -F -x -M local -b 512 -C 4K "$DISK" >/dev/null </dev/null || fail "mkfs.ocfs2 -b 512"
empty=$(free_clusters "$DISK")
use_stack ours
mount -t ocfs2 "$DISK" $M
echo t > $M/xtree
xattr_file xtree 400 ours ours-value > /tmp/xattrs
(cd $M && setfattr --restore=/tmp/xattrs) || { dmesg | tail; fail "deep tree: setting 400 attributes"; }
i=0; while [ $i -lt 400 ]; do setfattr -x "user.ours-$(long n 100)-$i" $M/xtree; i=$((i+3)); done
setfattr -n user.ours-big -v "$(cat /tmp/big1)" $M/xtree
setfattr -n "user.ours-$(long n 100)-1" -v "$(long k 2000)" $M/xtree
[ "$(getfattr --absolute-names -d $M/xtree | grep -c '^user.ours')" = 267 ] || fail "deep tree: $(getfattr --absolute-names -d $M/xtree | grep -c '^user.ours') attributes, not 267"
[ "$(getfattr --absolute-names --only-values -n user.ours-big $M/xtree)" = "$(cat /tmp/big1)" ] || fail "deep tree: a value in clusters"
dump /tmp/ours.dump
umount $M
depth=$(xattr_tree_depth xtree)
[ "${depth:-0}" -ge 1 ] || fail "deep tree: the index tree has depth ${depth:-none}, not 1 or more"
fsck_volume "$DISK"
use_stack c
mount -t ocfs2 "$DISK" $M
dump /tmp/c.dump
diff /tmp/ours.dump /tmp/c.dump || fail "deep tree: the C ocfs2 reads other attributes"
xattr_file xtree 150 c c-value > /tmp/xattrs
(cd $M && setfattr --restore=/tmp/xattrs) || fail "deep tree: the C ocfs2 adding 150 attributes"
i=1; while [ $i -lt 400 ]; do setfattr -x "user.ours-$(long n 100)-$i" $M/xtree; i=$((i+9)); done
dump /tmp/c.dump
umount $M
# The C ocfs2's removals from a bucket leave its free space start below the names left,
# which fsck.ocfs2 1.8.7 reports (the C alone does so at any block size).
sysdir=$(debugfs.ocfs2 -R stats "$DISK" 2>/dev/null | sed -n 's/.*System Dir Blknum: \([0-9]*\).*/\1/p')
fsck_clean "$DISK" "^\[XATTR_FREE_START_INVALID\]|^\[DX_TREE_MISSING\] Directory $sysdir is "
use_stack ours
mount -t ocfs2 "$DISK" $M
dump /tmp/ours.dump
diff /tmp/c.dump /tmp/ours.dump || fail "deep tree: ours reads other attributes than the C ocfs2 wrote"
setfattr -n "user.c-$(long n 100)-7" -v "changed by ours" $M/xtree
xattr_file xtree 60 more more-value > /tmp/xattrs
(cd $M && setfattr --restore=/tmp/xattrs) || { dmesg | tail; fail "deep tree: ours adding to the C's tree"; }
[ "$(getfattr --absolute-names -d $M/xtree | grep -c '^user.')" = 432 ] || fail "deep tree: $(getfattr --absolute-names -d $M/xtree | grep -c '^user.') attributes, not 432"
rm $M/xtree
umount $M
fsck_volume "$DISK"
[ "$(free_clusters "$DISK")" = "$empty" ] || fail "deep tree: $(free_clusters "$DISK") free clusters after the delete, not $empty"
say "deep xattr tree: depth $depth at 512-byte blocks; ours and the C ocfs2 read and edit each other's; the delete frees it all"

# Symlinks by the thousand: in a directory without an index (growing a full index root is
# not done yet by this build, and refused).
mkfs.ocfs2 -q -F -x -M local --fs-features=noindexed-dirs "$DISK" >/dev/null </dev/null
stress "no index" "defaults" --symlink 1 --symlink-ops 4000

# nouser_xattr: user.* is refused, trusted.* still works.
use_stack ours
mount -t ocfs2 -o nouser_xattr "$DISK" $M
touch $M/nouser
if setfattr -n user.x -v 1 $M/nouser 2>/tmp/err; then fail "nouser_xattr: user.x was set"; fi
grep -q "Operation not supported" /tmp/err || fail "nouser_xattr: $(cat /tmp/err)"
setfattr -n trusted.x -v 1 $M/nouser
umount $M

# No xattr feature: setfattr is refused; slow symlinks still work.
mkfs.ocfs2 -q -F -x -M local --fs-feature-level=max-compat "$DISK" >/dev/null </dev/null
if mount -t ocfs2 -o acl "$DISK" $M 2>/dev/null; then fail "max-compat: mounted with acl"; fi
mount -t ocfs2 "$DISK" $M
grep -q " $M ocfs2 .*,noacl[, ]" /proc/mounts || { grep " $M " /proc/mounts; fail "max-compat: ACLs on without xattrs"; }
touch $M/f
if setfattr -n user.x -v 1 $M/f 2>/tmp/err; then fail "max-compat: setfattr succeeded"; fi
grep -q "Operation not supported" /tmp/err || fail "max-compat: $(cat /tmp/err)"
if setfacl -m u:1000:r $M/f 2>/dev/null; then fail "max-compat: setfacl succeeded"; fi
ln -s "$(long m 1000)" $M/slow
umount $M
fsck_volume "$DISK"
use_stack c
mount -t ocfs2 "$DISK" $M
[ "$(readlink $M/slow)" = "$(long m 1000)" ] || fail "max-compat: the C ocfs2 reads another slow symlink target"
rm $M/slow
umount $M
fsck_volume "$DISK"
say "max-compat: setfattr refused (EOPNOTSUPP), slow symlinks work"
say ok
