# Shared settings for the project's scripts. Source it; it defines no behaviour by itself.

OCFS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Everything built outside git (kernel tree, guest images, test runs) lives here, so a second
# run on the same machine reuses it. Override with OCFS_CACHE.
OCFS_CACHE=${OCFS_CACHE:-/var/cache/ocfs}
OCFS_KERNEL_FLAVOR=${OCFS_KERNEL_FLAVOR:-release}
OCFS_KERNEL_SOURCE=${OCFS_KERNEL_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
# The kernel build directory (O=). KDIR from the user wins: a Rust-enabled tree of their own.
OCFS_KBUILD=${KDIR:-$OCFS_CACHE/kernel-$OCFS_KERNEL_FLAVOR}
OCFS_LLVM=${OCFS_LLVM:--16}
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[ocfs] %s\n' "$*" >&2; }
die() { printf '[ocfs] error: %s\n' "$*" >&2; exit 1; }
