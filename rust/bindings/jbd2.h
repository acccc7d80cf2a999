/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for jbd2.rs: the kernel's journaling layer. */
#include <linux/jbd2.h>

/* jbd2_journal_init_inode() returns an ERR_PTR; these unpack it. */
journal_t *ocfs_jbd2_init_inode(struct inode *inode, int *err);
