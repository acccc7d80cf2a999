// SPDX-License-Identifier: GPL-2.0
/* JBD2 entry points whose results are ERR_PTRs or inlines in C. Included by helpers.c. */
#include <linux/err.h>
#include <linux/jbd2.h>

#include "jbd2.h"

journal_t *ocfs_jbd2_init_inode(struct inode *inode, int *err)
{
	journal_t *journal = jbd2_journal_init_inode(inode);

	if (IS_ERR(journal)) {
		*err = PTR_ERR(journal);
		return NULL;
	}
	*err = 0;
	return journal;
}
