// SPDX-License-Identifier: GPL-2.0
/*
 * VFS and buffer-cache entry points that are static inlines or plain field reads in C.
 * Included by the helpers.c of each module that uses vfs.rs.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>

#include "vfs.h"

struct buffer_head *ocfs_sb_bread(struct super_block *sb, sector_t block)
{
	return sb_bread(sb, block);
}

unsigned int ocfs_sb_logical_block_size(struct super_block *sb)
{
	return bdev_logical_block_size(sb->s_bdev);
}

const char *ocfs_sb_id(struct super_block *sb)
{
	return sb->s_id;
}
