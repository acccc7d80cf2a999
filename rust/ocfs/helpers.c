// SPDX-License-Identifier: GPL-2.0
/* C glue of ocfs: helpers for the VFS inlines it uses. */
#include <linux/module.h>

#include "../bindings/vfs_helpers.c"
#include "../bindings/jbd2_helpers.c"
