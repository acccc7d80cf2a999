/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for vfs.rs: the VFS and buffer-cache API, and our helpers for its inlines. */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/buffer_head.h>

struct buffer_head *ocfs_sb_bread(struct super_block *sb, sector_t block);
unsigned int ocfs_sb_logical_block_size(struct super_block *sb);
const char *ocfs_sb_id(struct super_block *sb);
