/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for vfs/: the VFS and buffer-cache API, and our helpers for its inlines. */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/buffer_head.h>
#include <linux/mpage.h>
#include <linux/blkdev.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/statfs.h>
#include <linux/crc32.h>
#include <linux/random.h>
#include <linux/mm.h>
#include <linux/falloc.h>

/* Extended attributes. */
#include <linux/xattr.h>
#include <linux/posix_acl.h>
bool ocfs_capable_sys_admin(void);
struct inode *ocfs_dentry_inode(struct dentry *dentry);

/* Random numbers (inode generations). */
u32 ocfs_random_u32(void);

/* Scheduling: long walks yield the CPU between blocks. */
void ocfs_cond_resched(void);

/* Mount contexts and options. */
void *ocfs_fc_private(struct fs_context *fc);
void ocfs_fc_set_private(struct fs_context *fc, void *private);
bool ocfs_fc_rdonly(struct fs_context *fc);
struct super_block *ocfs_fc_root_sb(struct fs_context *fc);
/* The superblock a remount context reconfigures; NULL for a new mount. */
struct super_block *ocfs_fc_remounted_sb(struct fs_context *fc);
const char *ocfs_param_key(struct fs_parameter *param);
/* The value of a `key=value` option, or NULL for a flag. */
const char *ocfs_param_string(struct fs_parameter *param);

/* Superblocks. */
struct buffer_head *ocfs_sb_bread(struct super_block *sb, sector_t block);
/* sb_bread that also says whether the block came from the disk (*fresh) or the cache. */
struct buffer_head *ocfs_sb_bread_fresh(struct super_block *sb, sector_t block, bool *fresh);
/* Unless `block` is cached, start reading `count` blocks from it into the buffer cache, without waiting. */
void ocfs_sb_readahead(struct super_block *sb, sector_t block, unsigned int count);
unsigned int ocfs_sb_logical_block_size(struct super_block *sb);
const char *ocfs_sb_id(struct super_block *sb);
void *ocfs_sb_fs_info(struct super_block *sb);
void ocfs_sb_set_fs_info(struct super_block *sb, void *info);
bool ocfs_sb_rdonly(struct super_block *sb);
/* Fills what every superblock of a type sets once: ops, magic, limits, time granularity. */
void ocfs_sb_setup(struct super_block *sb, const struct super_operations *ops,
		   const struct xattr_handler * const *xattr, unsigned long magic,
		   loff_t max_bytes, u32 time_gran);
void ocfs_sb_set_root(struct super_block *sb, struct dentry *root);
void ocfs_sb_set_uuid(struct super_block *sb, const u8 *uuid, size_t len);

/* Inodes. */
struct super_block *ocfs_inode_sb(struct inode *inode);
bool ocfs_inode_is_new(struct inode *inode);
u64 ocfs_inode_ino(struct inode *inode);
loff_t ocfs_inode_size(struct inode *inode);
umode_t ocfs_inode_mode(struct inode *inode);
unsigned int ocfs_inode_blkbits(struct inode *inode);
struct inode *ocfs_file_inode(struct file *file);
struct super_block *ocfs_dentry_sb(struct dentry *dentry);

/*
 * Everything the filesystem reads off its on-disk inode for the VFS one, in one call
 * (the setters are inlines in C).
 */
struct ocfs_inode_attrs {
	u64 ino;
	loff_t size;
	u64 sectors;
	s64 atime_sec, mtime_sec, ctime_sec;
	u32 atime_nsec, mtime_nsec, ctime_nsec;
	u32 uid, gid;
	u32 nlink;
	u32 generation;
	u32 flags;		/* S_IMMUTABLE, S_APPEND, ... */
	u64 rdev;		/* huge-encoded, device inodes only */
	umode_t mode;
};

/* The VFS inode's attributes, as `setattr` left them. */
void ocfs_inode_read_attrs(struct inode *inode, struct ocfs_inode_attrs *attrs);
/* setattr_prepare(), and whether the size changes (to *size). */
int ocfs_setattr_prepare(struct mnt_idmap *idmap, struct dentry *dentry, struct iattr *attr,
			 struct inode **inode, bool *size_change, loff_t *size);
void ocfs_setattr_copy(struct mnt_idmap *idmap, struct inode *inode, struct iattr *attr);

/* Namespace changes: a new inode's owner (inode_init_owner on values), device numbers,
 * and the VFS inode fields a filesystem updates with the inode locked. */
void ocfs_new_owner(struct mnt_idmap *idmap, struct inode *dir, umode_t *mode, u32 *uid, u32 *gid);
u64 ocfs_huge_encode_dev(dev_t dev);
void ocfs_truncate_pages_final(struct inode *inode);
u32 ocfs_inode_nlink(struct inode *inode);
void ocfs_inode_set_nlink(struct inode *inode, u32 nlink);
/* Sets ctime (and mtime) to now and returns it. */
void ocfs_inode_touch(struct inode *inode, bool mtime, s64 *sec, u32 *nsec);

void ocfs_inode_fill(struct inode *inode, const struct ocfs_inode_attrs *attrs,
		     const struct inode_operations *iops, const struct file_operations *fops,
		     const struct address_space_operations *aops);

/* Directories. */
const unsigned char *ocfs_dentry_name(struct dentry *dentry, u32 *len);
bool ocfs_dir_emit(struct dir_context *ctx, const char *name, int len, u64 ino, unsigned int type);
loff_t ocfs_dir_pos(struct dir_context *ctx);
void ocfs_dir_set_pos(struct dir_context *ctx, loff_t pos);

/* Page cache. */
struct inode *ocfs_folio_inode(struct folio *folio);
u64 ocfs_folio_pos(struct folio *folio);
/* Copies len bytes to the start of a locked folio, zeroes the rest, marks it up to date. */
void ocfs_folio_fill(struct folio *folio, const void *data, size_t len);
void ocfs_folio_unlock(struct folio *folio);
struct inode *ocfs_readahead_inode(struct readahead_control *rac);
void ocfs_map_bh(struct buffer_head *bh, struct super_block *sb, sector_t block, size_t size);
size_t ocfs_bh_size(struct buffer_head *bh);
struct inode *ocfs_kiocb_inode(struct kiocb *iocb);
ssize_t ocfs_blockdev_direct_io(struct kiocb *iocb, struct iov_iter *iter, get_block_t *get_block);
void ocfs_bh_clear_uptodate(struct buffer_head *bh);
void ocfs_bh_lock(struct buffer_head *bh);
void ocfs_bh_unlock(struct buffer_head *bh);
/* A block of the device, uptodate without reading it (a block just allocated): zeroed unless
 * the cache already holds it (possibly inside a journal transaction: change it only after
 * taking journal access). */
struct buffer_head *ocfs_sb_getblk_zeroed(struct super_block *sb, sector_t block);

/* The write path. */
void ocfs_bh_set_new(struct buffer_head *bh);
/* sb_issue_zeroout(): write zeros to `count` blocks from `block`, and wait. */
int ocfs_sb_zeroout(struct super_block *sb, sector_t block, sector_t count);
int ocfs_block_write_begin(struct address_space *mapping, loff_t pos, unsigned int len,
			   struct folio **foliop, get_block_t *get_block);
/* The locked, referenced folio a write at `pos` goes to (FGP_WRITEBEGIN), or NULL and *err. */
struct folio *ocfs_grab_write_folio(struct address_space *mapping, loff_t pos, int *err);
bool ocfs_folio_uptodate(struct folio *folio);
bool ocfs_folio_has_buffers(struct folio *folio);
size_t ocfs_folio_size(struct folio *folio);
/* ocfs_folio_fill() without unlocking: data, then zeros, marked uptodate. */
void ocfs_folio_fill_locked(struct folio *folio, const void *data, size_t len);
void ocfs_folio_copy_out(struct folio *folio, size_t offset, void *buf, size_t len);
/* Unlock and put a folio from ocfs_grab_write_folio() or write_begin. */
void ocfs_folio_release(struct folio *folio);
void ocfs_inode_set_size(struct inode *inode, loff_t size);
void ocfs_inode_add_bytes(struct inode *inode, loff_t bytes);
void ocfs_inode_sub_bytes(struct inode *inode, loff_t bytes);
void ocfs_inode_dirty(struct inode *inode);
bool ocfs_iter_is_write(struct iov_iter *iter);
struct inode *ocfs_mapping_host(struct address_space *mapping);
/* Whether dirty_inode() flags say more than "timestamps only" (I_DIRTY_INODE). */
bool ocfs_dirty_flags_inode(int flags);
/* Flush the device's volatile write cache. */
int ocfs_sb_flush(struct super_block *sb);
/* truncate_setsize(): the new size, and the page cache past it dropped. */
void ocfs_truncate_setsize(struct inode *inode, loff_t size);
/* block_truncate_page(): zero the block holding `from` past it, in the page cache. */
int ocfs_block_truncate_page(struct inode *inode, loff_t from, get_block_t *get_block);

/* POSIX ACLs: the superblock flag, entries of a `struct posix_acl` (ids in the initial user
 * namespace), references, the inode's cache, and the VFS rules for new inodes, mode changes
 * and chmod. */
/* Turn POSIX ACLs on or off (at mount, or at remount under s_umount). */
void ocfs_sb_set_posix_acl(struct super_block *sb, bool on);
/* Make a mounted superblock read-only after an error, unless a remount or freeze holds it. */
bool ocfs_sb_force_read_only(struct super_block *sb);
/* Whether an update_time call changes only the access time. */
bool ocfs_time_flags_atime_only(int flags);
bool ocfs_sb_posix_acl(struct super_block *sb);
u32 ocfs_acl_count(const struct posix_acl *acl);
void ocfs_acl_entry(const struct posix_acl *acl, u32 i, u16 *tag, u16 *perm, u32 *id);
struct posix_acl *ocfs_acl_alloc(u32 count);
int ocfs_acl_set_entry(struct posix_acl *acl, u32 i, u16 tag, u16 perm, u32 id);
void ocfs_acl_get(struct posix_acl *acl);
void ocfs_acl_put(struct posix_acl *acl);
void ocfs_set_cached_acl(struct inode *inode, int type, struct posix_acl *acl);
int ocfs_acl_create(struct inode *dir, umode_t *mode, struct posix_acl **default_acl,
		    struct posix_acl **acl);
int ocfs_acl_update_mode(struct mnt_idmap *idmap, struct inode *inode, umode_t *mode,
			 struct posix_acl **acl);
int ocfs_setattr_acl_chmod(struct mnt_idmap *idmap, struct dentry *dentry, struct iattr *attr);
void ocfs_inode_set_mode(struct inode *inode, umode_t mode);
/* truncate_pagecache_range(): drop the pages of bytes start..=end, zeroing partial ones. */
void ocfs_truncate_pagecache_range(struct inode *inode, loff_t start, loff_t end);
/* filemap_write_and_wait_range() on the inode's mapping. */
int ocfs_write_and_wait_range(struct inode *inode, loff_t start, loff_t end);
/* Zero bytes pos..pos+len through the page cache (mapped through get_block), dirtied. */
int ocfs_zero_range(struct inode *inode, loff_t pos, loff_t len, get_block_t *get_block);
/* fallocate(): lock the inode and its mapping's invalidation, check the new size; NULL
 * with *err on failure. */
struct inode *ocfs_fallocate_begin(struct file *file, int mode, loff_t offset, loff_t len, int *err);
void ocfs_fallocate_end(struct inode *inode);
/* mmap(): the file's vma gets `ops`. */
int ocfs_file_mmap(struct file *file, struct vm_area_struct *vma, const struct vm_operations_struct *ops);
/* page_mkwrite(): freeze protection, `prepare`, then block_page_mkwrite() through get_block. */
vm_fault_t ocfs_page_mkwrite(struct vm_fault *vmf, get_block_t *get_block, int (*prepare)(struct inode *));
