// SPDX-License-Identifier: GPL-2.0
/* C glue of ocfs. Nothing yet: the VFS calls it needs are plain functions. */
#include <linux/module.h>
