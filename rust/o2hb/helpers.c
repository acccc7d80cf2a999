// SPDX-License-Identifier: GPL-2.0
/* C glue of ocfs_o2hb: helpers for static inlines, and the exports of its C ABI. */
#include <linux/module.h>
#include <ocfs/o2nm.h>

#include "../bindings/configfs_helpers.c"

EXPORT_SYMBOL_GPL(o2nm_this_node);
