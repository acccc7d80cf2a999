// SPDX-License-Identifier: GPL-2.0
/* C glue of ocfs_dlm: the exports of its C ABI. */
#include <linux/module.h>
#include <ocfs/dlm.h>

EXPORT_SYMBOL_GPL(ocfs_dlm_locking_protocol);
