/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C ABI of ocfs_o2net (node-to-node messaging) for the modules above it.
 * Implemented in Rust in rust/o2net/, exported by rust/o2net/helpers.c.
 */
#ifndef OCFS_O2NET_H
#define OCFS_O2NET_H

#include <linux/types.h>

/*
 * The o2net wire protocol version this module speaks in its connection handshake;
 * the same number as OCFS2's O2NET_PROTOCOL_VERSION, so both stacks can tell each other apart.
 */
#define O2NET_PROTOCOL_VERSION 11ULL

u64 o2net_protocol_version(void);

#endif
