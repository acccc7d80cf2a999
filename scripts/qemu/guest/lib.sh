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
