/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for ocfs_o2hb. */
#include "../bindings/configfs.h"
#include <ocfs/o2nm.h>
