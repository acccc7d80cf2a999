/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for ocfs_dlm. */
#include <ocfs/o2nm.h>
#include <ocfs/o2net.h>
#include <ocfs/dlm.h>
