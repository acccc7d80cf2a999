/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C ABI of ocfs_o2hb (node manager and heartbeat) for the modules above it.
 * Implemented in Rust in rust/o2hb/, exported by rust/o2hb/helpers.c.
 */
#ifndef OCFS_O2NM_H
#define OCFS_O2NM_H

#include <linux/types.h>

/* Node numbers run from 0 to O2NM_MAX_NODES - 1, as in OCFS2. */
#define O2NM_MAX_NODES 255
#define O2NM_INVALID_NODE_NUM 255

/* The number of the local node, or O2NM_INVALID_NODE_NUM while none is configured. */
u8 o2nm_this_node(void);

#endif
