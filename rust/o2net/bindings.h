/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for ocfs_o2net. */
#include <ocfs/o2nm.h>
#include <ocfs/o2net.h>
