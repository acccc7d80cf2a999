/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for ocfs, the filesystem. */
#include "../bindings/vfs.h"
#include <ocfs/o2nm.h>
#include <ocfs/dlm.h>
#include "../bindings/jbd2.h"
