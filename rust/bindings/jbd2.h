/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for jbd2.rs: the kernel's journaling layer. */
#include <linux/jbd2.h>

/* jbd2_journal_init_inode() and jbd2_journal_start() return ERR_PTRs; these unpack them. */
journal_t *ocfs_jbd2_init_inode(struct inode *inode, int *err);
handle_t *ocfs_jbd2_start(journal_t *journal, int blocks, int *err);

/* Journal parameters a mount sets (under j_state_lock). */
void ocfs_jbd2_set_params(journal_t *journal, unsigned long commit_jiffies, bool barrier);
/* Whether the journal was aborted after an I/O error (jbd2_journal_errno != 0 or aborted). */
bool ocfs_jbd2_aborted(journal_t *journal);
/*
 * The error an earlier mount's abort recorded in the journal superblock (0: none), cleared
 * there so that this mount can use the journal (ocfs2_clear_journal_error).
 */
int ocfs_jbd2_take_recorded_error(journal_t *journal);
/* Stop the journal: nothing after the last commit reaches the disk (after an error). */
void ocfs_jbd2_abort(journal_t *journal);
/*
 * Ordered data: before a transaction commits, JBD2 writes back (and waits on) the page
 * cache ranges of inodes added to it with jbd2_journal_inode_ranged_write(), as the C
 * ocfs2 sets up its journals (ocfs2_journal_submit_inode_data_buffers).
 */
void ocfs_jbd2_order_data(journal_t *journal);
/* jbd2_journal_flush() with updates locked out, as a clean unmount does. */
int ocfs_jbd2_flush(journal_t *journal);

/*
 * The last committed copy of a buffer taken with undo access (b_committed_data): bit `nr`
 * of the bitmap at `offset` in it. test: whether set (false without a copy); set: set it.
 */
bool ocfs_jbd2_committed_test_bit(struct buffer_head *bh, size_t offset, unsigned int nr);
void ocfs_jbd2_committed_set_bit(struct buffer_head *bh, size_t offset, unsigned int nr);
