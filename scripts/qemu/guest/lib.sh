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
