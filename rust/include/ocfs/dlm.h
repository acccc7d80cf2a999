/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C ABI of ocfs_dlm (distributed lock manager) for the filesystem.
 * Implemented in Rust in rust/dlm/, exported by rust/dlm/helpers.c.
 */
#ifndef OCFS_DLM_H
#define OCFS_DLM_H

#include <linux/types.h>

/*
 * The filesystem's cluster locking protocol, as OCFS2's stack glue negotiates it
 * (OCFS2_LOCKING_PROTOCOL_MAJOR/MINOR): nodes with different majors must not share a volume.
 */
struct ocfs_locking_protocol {
	u8 major;
	u8 minor;
};

struct ocfs_locking_protocol ocfs_dlm_locking_protocol(void);

#endif
