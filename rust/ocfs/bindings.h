/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for ocfs, the filesystem. */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <ocfs/o2nm.h>
#include <ocfs/dlm.h>
