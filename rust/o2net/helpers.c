// SPDX-License-Identifier: GPL-2.0
/* C glue of ocfs_o2net: the exports of its C ABI. */
#include <linux/module.h>
#include <ocfs/o2net.h>

EXPORT_SYMBOL_GPL(o2net_protocol_version);
