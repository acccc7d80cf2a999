// SPDX-License-Identifier: GPL-2.0
/* JBD2 entry points whose results are ERR_PTRs or inlines in C. Included by helpers.c. */
#include <linux/err.h>
#include <linux/jbd2.h>
#include <linux/bitops.h>
#include <linux/writeback.h>
#include <linux/pagemap.h>

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

handle_t *ocfs_jbd2_start(journal_t *journal, int blocks, int *err)
{
	handle_t *handle = jbd2_journal_start(journal, blocks);

	if (IS_ERR(handle)) {
		*err = PTR_ERR(handle);
		return NULL;
	}
	*err = 0;
	return handle;
}

void ocfs_jbd2_set_params(journal_t *journal, unsigned long commit_jiffies, bool barrier)
{
	write_lock(&journal->j_state_lock);
	journal->j_commit_interval = commit_jiffies;
	if (barrier)
		journal->j_flags |= JBD2_BARRIER;
	else
		journal->j_flags &= ~JBD2_BARRIER;
	write_unlock(&journal->j_state_lock);
}

static int ocfs_jbd2_submit_inode_data(struct jbd2_inode *jinode)
{
	struct address_space *mapping = jinode->i_vfs_inode->i_mapping;
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_ALL,
		.nr_to_write = mapping->nrpages * 2,
		.range_start = jinode->i_dirty_start,
		.range_end = jinode->i_dirty_end,
	};

	return filemap_fdatawrite_wbc(mapping, &wbc);
}

void ocfs_jbd2_order_data(journal_t *journal)
{
	journal->j_submit_inode_data_buffers = ocfs_jbd2_submit_inode_data;
	journal->j_finish_inode_data_buffers = jbd2_journal_finish_inode_data_buffers;
}

void ocfs_jbd2_abort(journal_t *journal)
{
	jbd2_journal_abort(journal, -EIO);
}

int ocfs_jbd2_take_recorded_error(journal_t *journal)
{
	int err = jbd2_journal_errno(journal);

	if (err) {
		jbd2_journal_ack_err(journal);
		jbd2_journal_clear_err(journal);
		jbd2_journal_update_sb_errno(journal);
	}
	return err;
}

bool ocfs_jbd2_aborted(journal_t *journal)
{
	return is_journal_aborted(journal) || jbd2_journal_errno(journal) != 0;
}

int ocfs_jbd2_flush(journal_t *journal)
{
	int ret;

	jbd2_journal_lock_updates(journal);
	ret = jbd2_journal_flush(journal, 0);
	jbd2_journal_unlock_updates(journal);
	return ret;
}

bool ocfs_jbd2_committed_test_bit(struct buffer_head *bh, size_t offset, unsigned int nr)
{
	struct journal_head *jh;
	bool set = false;

	if (!buffer_jbd(bh))
		return false;
	jh = bh2jh(bh);
	spin_lock(&jh->b_state_lock);
	if (jh->b_committed_data && offset + nr / 8 < bh->b_size)
		set = test_bit_le(nr, jh->b_committed_data + offset);
	spin_unlock(&jh->b_state_lock);
	return set;
}

void ocfs_jbd2_committed_set_bit(struct buffer_head *bh, size_t offset, unsigned int nr)
{
	struct journal_head *jh;

	if (!buffer_jbd(bh))
		return;
	jh = bh2jh(bh);
	spin_lock(&jh->b_state_lock);
	if (jh->b_committed_data && offset + nr / 8 < bh->b_size)
		__set_bit_le(nr, jh->b_committed_data + offset);
	spin_unlock(&jh->b_state_lock);
}
