// SPDX-License-Identifier: GPL-2.0
/*
 * VFS, page-cache and buffer-cache entry points that are static inlines or plain field
 * accesses in C. Included by the helpers.c of each module that uses vfs/.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kdev_t.h>
#include <linux/pagemap.h>
#include <linux/uuid.h>
#include <linux/capability.h>
#include <linux/xattr.h>
#include <linux/falloc.h>
#include <linux/mm.h>

#include "vfs.h"

bool ocfs_capable_sys_admin(void)
{
	return capable(CAP_SYS_ADMIN);
}

struct inode *ocfs_dentry_inode(struct dentry *dentry)
{
	return d_inode(dentry);
}

void ocfs_cond_resched(void)
{
	cond_resched();
}

void *ocfs_fc_private(struct fs_context *fc)
{
	return fc->fs_private;
}

void ocfs_fc_set_private(struct fs_context *fc, void *private)
{
	fc->fs_private = private;
}

bool ocfs_fc_rdonly(struct fs_context *fc)
{
	/* A reconfigure that names neither ro nor rw (fsconfig) keeps the superblock's. */
	if (fc->root && !(fc->sb_flags_mask & SB_RDONLY))
		return sb_rdonly(fc->root->d_sb);
	return fc->sb_flags & SB_RDONLY;
}

struct super_block *ocfs_fc_remounted_sb(struct fs_context *fc)
{
	return fc->purpose == FS_CONTEXT_FOR_RECONFIGURE ? fc->root->d_sb : NULL;
}

struct super_block *ocfs_fc_root_sb(struct fs_context *fc)
{
	return fc->root->d_sb;
}

const char *ocfs_param_key(struct fs_parameter *param)
{
	return param->key;
}

const char *ocfs_param_string(struct fs_parameter *param)
{
	return param->type == fs_value_is_string ? param->string : NULL;
}

struct buffer_head *ocfs_sb_bread(struct super_block *sb, sector_t block)
{
	return sb_bread(sb, block);
}

struct buffer_head *ocfs_sb_bread_fresh(struct super_block *sb, sector_t block, bool *fresh)
{
	struct buffer_head *bh = sb_getblk(sb, block);
	int ret;

	*fresh = false;
	if (!bh || buffer_uptodate(bh))
		return bh;
	ret = bh_read(bh, 0);
	if (ret < 0) {
		brelse(bh);
		return NULL;
	}
	/* 1: another reader brought it in meanwhile; 0: we read it. */
	*fresh = ret == 0;
	return bh;
}

void ocfs_sb_readahead(struct super_block *sb, sector_t block, unsigned int count)
{
	struct buffer_head *first = sb_find_get_block(sb, block);
	struct blk_plug plug;
	unsigned int i;

	/* Cached: read with it earlier, or written since. */
	if (first) {
		bool cached = buffer_uptodate(first);

		brelse(first);
		if (cached)
			return;
	}
	/* One plug: adjacent blocks go to the device as one request. */
	blk_start_plug(&plug);
	for (i = 0; i < count; i++)
		sb_breadahead(sb, block + i);
	blk_finish_plug(&plug);
}

unsigned int ocfs_sb_logical_block_size(struct super_block *sb)
{
	return bdev_logical_block_size(sb->s_bdev);
}

const char *ocfs_sb_id(struct super_block *sb)
{
	return sb->s_id;
}

void *ocfs_sb_fs_info(struct super_block *sb)
{
	return sb->s_fs_info;
}

void ocfs_sb_set_fs_info(struct super_block *sb, void *info)
{
	sb->s_fs_info = info;
}

bool ocfs_sb_rdonly(struct super_block *sb)
{
	return sb_rdonly(sb);
}

void ocfs_sb_setup(struct super_block *sb, const struct super_operations *ops,
		   const struct xattr_handler * const *xattr, unsigned long magic,
		   loff_t max_bytes, u32 time_gran)
{
	sb->s_op = ops;
	sb->s_xattr = xattr;
	sb->s_magic = magic;
	sb->s_maxbytes = max_bytes;
	sb->s_time_gran = time_gran;
	sb->s_time_min = S64_MIN;
	sb->s_time_max = S64_MAX;
}

void ocfs_sb_set_root(struct super_block *sb, struct dentry *root)
{
	sb->s_root = root;
}

void ocfs_sb_set_uuid(struct super_block *sb, const u8 *uuid, size_t len)
{
	super_set_uuid(sb, uuid, min_t(size_t, len, sizeof(sb->s_uuid)));
}

struct super_block *ocfs_inode_sb(struct inode *inode)
{
	return inode->i_sb;
}

bool ocfs_inode_is_new(struct inode *inode)
{
	return inode->i_state & I_NEW;
}

u64 ocfs_inode_ino(struct inode *inode)
{
	return inode->i_ino;
}

loff_t ocfs_inode_size(struct inode *inode)
{
	return i_size_read(inode);
}

umode_t ocfs_inode_mode(struct inode *inode)
{
	return inode->i_mode;
}

unsigned int ocfs_inode_blkbits(struct inode *inode)
{
	return inode->i_blkbits;
}

struct inode *ocfs_file_inode(struct file *file)
{
	return file_inode(file);
}

struct super_block *ocfs_dentry_sb(struct dentry *dentry)
{
	return dentry->d_sb;
}

void ocfs_inode_fill(struct inode *inode, const struct ocfs_inode_attrs *a,
		     const struct inode_operations *iops, const struct file_operations *fops,
		     const struct address_space_operations *aops)
{
	inode->i_ino = a->ino;
	inode->i_mode = a->mode;
	i_uid_write(inode, a->uid);
	i_gid_write(inode, a->gid);
	set_nlink(inode, a->nlink);
	i_size_write(inode, a->size);
	inode->i_blocks = a->sectors;
	inode->i_generation = a->generation;
	inode_set_atime(inode, a->atime_sec, a->atime_nsec);
	inode_set_mtime(inode, a->mtime_sec, a->mtime_nsec);
	inode_set_ctime(inode, a->ctime_sec, a->ctime_nsec);
	inode_set_flags(inode, a->flags, S_SYNC | S_APPEND | S_IMMUTABLE | S_NOATIME | S_DIRSYNC);
	inode->i_op = iops;
	inode->i_mapping->a_ops = aops;
	switch (a->mode & S_IFMT) {
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		init_special_inode(inode, a->mode, huge_decode_dev(a->rdev));
		break;
	case S_IFLNK:
		inode_nohighmem(inode);
		fallthrough;
	default:
		inode->i_fop = fops;
	}
}

const unsigned char *ocfs_dentry_name(struct dentry *dentry, u32 *len)
{
	*len = dentry->d_name.len;
	return dentry->d_name.name;
}

bool ocfs_dir_emit(struct dir_context *ctx, const char *name, int len, u64 ino, unsigned int type)
{
	return dir_emit(ctx, name, len, ino, type);
}

loff_t ocfs_dir_pos(struct dir_context *ctx)
{
	return ctx->pos;
}

void ocfs_dir_set_pos(struct dir_context *ctx, loff_t pos)
{
	ctx->pos = pos;
}

struct inode *ocfs_folio_inode(struct folio *folio)
{
	return folio->mapping->host;
}

u64 ocfs_folio_pos(struct folio *folio)
{
	return folio_pos(folio);
}

void ocfs_folio_fill(struct folio *folio, const void *data, size_t len)
{
	ocfs_folio_fill_locked(folio, data, len);
	folio_unlock(folio);
}

void ocfs_folio_unlock(struct folio *folio)
{
	folio_unlock(folio);
}

struct inode *ocfs_readahead_inode(struct readahead_control *rac)
{
	return rac->mapping->host;
}

void ocfs_map_bh(struct buffer_head *bh, struct super_block *sb, sector_t block, size_t size)
{
	map_bh(bh, sb, block);
	bh->b_size = size;
}

size_t ocfs_bh_size(struct buffer_head *bh)
{
	return bh->b_size;
}

struct inode *ocfs_kiocb_inode(struct kiocb *iocb)
{
	return iocb->ki_filp->f_mapping->host;
}

ssize_t ocfs_blockdev_direct_io(struct kiocb *iocb, struct iov_iter *iter, get_block_t *get_block)
{
	return blockdev_direct_IO(iocb, ocfs_kiocb_inode(iocb), iter, get_block);
}

void ocfs_bh_clear_uptodate(struct buffer_head *bh)
{
	clear_buffer_uptodate(bh);
}

void ocfs_bh_lock(struct buffer_head *bh)
{
	lock_buffer(bh);
}

void ocfs_bh_unlock(struct buffer_head *bh)
{
	unlock_buffer(bh);
}

struct buffer_head *ocfs_sb_getblk_zeroed(struct super_block *sb, sector_t block)
{
	struct buffer_head *bh = sb_getblk(sb, block);

	if (!bh)
		return NULL;
	lock_buffer(bh);
	if (!buffer_uptodate(bh)) {
		memset(bh->b_data, 0, bh->b_size);
		set_buffer_uptodate(bh);
	}
	unlock_buffer(bh);
	return bh;
}

void ocfs_inode_read_attrs(struct inode *inode, struct ocfs_inode_attrs *a)
{
	struct timespec64 t;

	a->ino = inode->i_ino;
	a->mode = inode->i_mode;
	a->uid = i_uid_read(inode);
	a->gid = i_gid_read(inode);
	a->nlink = inode->i_nlink;
	a->size = i_size_read(inode);
	a->sectors = inode->i_blocks;
	a->generation = inode->i_generation;
	t = inode_get_atime(inode);
	a->atime_sec = t.tv_sec;
	a->atime_nsec = t.tv_nsec;
	t = inode_get_mtime(inode);
	a->mtime_sec = t.tv_sec;
	a->mtime_nsec = t.tv_nsec;
	t = inode_get_ctime(inode);
	a->ctime_sec = t.tv_sec;
	a->ctime_nsec = t.tv_nsec;
	a->flags = inode->i_flags & (S_SYNC | S_APPEND | S_IMMUTABLE | S_NOATIME | S_DIRSYNC);
	a->rdev = huge_encode_dev(inode->i_rdev);
}

int ocfs_setattr_prepare(struct mnt_idmap *idmap, struct dentry *dentry, struct iattr *attr,
			 struct inode **inode, bool *size_change, loff_t *size)
{
	int ret = setattr_prepare(idmap, dentry, attr);

	*inode = d_inode(dentry);
	*size_change = (attr->ia_valid & ATTR_SIZE) && attr->ia_size != i_size_read(*inode);
	*size = attr->ia_size;
	/* The size limits: RLIMIT_FSIZE (EFBIG, SIGXFSZ) and s_maxbytes. */
	if (!ret && *size_change)
		ret = inode_newsize_ok(*inode, attr->ia_size);
	return ret;
}

void ocfs_setattr_copy(struct mnt_idmap *idmap, struct inode *inode, struct iattr *attr)
{
	setattr_copy(idmap, inode, attr);
}

void ocfs_new_owner(struct mnt_idmap *idmap, struct inode *dir, umode_t *mode, u32 *uid, u32 *gid)
{
	kuid_t kuid = mapped_fsuid(idmap, i_user_ns(dir));
	kgid_t kgid;

	/* inode_init_owner(), on values rather than an inode. */
	if (dir->i_mode & S_ISGID) {
		kgid = dir->i_gid;
		if (S_ISDIR(*mode))
			*mode |= S_ISGID;
	} else {
		kgid = mapped_fsgid(idmap, i_user_ns(dir));
	}
	*uid = from_kuid(&init_user_ns, kuid);
	*gid = from_kgid(&init_user_ns, kgid);
}

u64 ocfs_huge_encode_dev(dev_t dev)
{
	return huge_encode_dev(dev);
}

void ocfs_truncate_pages_final(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
}

u32 ocfs_inode_nlink(struct inode *inode)
{
	return inode->i_nlink;
}

void ocfs_inode_set_nlink(struct inode *inode, u32 nlink)
{
	set_nlink(inode, nlink);
}

void ocfs_inode_touch(struct inode *inode, bool mtime, s64 *sec, u32 *nsec)
{
	struct timespec64 now = inode_set_ctime_current(inode);

	if (mtime)
		inode_set_mtime_to_ts(inode, now);
	*sec = now.tv_sec;
	*nsec = now.tv_nsec;
}


u32 ocfs_random_u32(void)
{
	return get_random_u32();
}

/* The write path. */
void ocfs_bh_set_new(struct buffer_head *bh)
{
	set_buffer_new(bh);
}

int ocfs_sb_zeroout(struct super_block *sb, sector_t block, sector_t count)
{
	return sb_issue_zeroout(sb, block, count, GFP_NOFS);
}

int ocfs_block_write_begin(struct address_space *mapping, loff_t pos, unsigned int len,
			   struct folio **foliop, get_block_t *get_block)
{
	return block_write_begin(mapping, pos, len, foliop, get_block);
}

struct folio *ocfs_grab_write_folio(struct address_space *mapping, loff_t pos, int *err)
{
	struct folio *folio = __filemap_get_folio(mapping, pos >> PAGE_SHIFT, FGP_WRITEBEGIN,
						  mapping_gfp_mask(mapping));

	if (IS_ERR(folio)) {
		*err = PTR_ERR(folio);
		return NULL;
	}
	*err = 0;
	return folio;
}

bool ocfs_folio_uptodate(struct folio *folio)
{
	return folio_test_uptodate(folio);
}

bool ocfs_folio_has_buffers(struct folio *folio)
{
	return folio_buffers(folio) != NULL;
}

size_t ocfs_folio_size(struct folio *folio)
{
	return folio_size(folio);
}

void ocfs_folio_fill_locked(struct folio *folio, const void *data, size_t len)
{
	size_t size = folio_size(folio);

	len = min(len, size);
	if (len)
		memcpy_to_folio(folio, 0, data, len);
	folio_zero_segment(folio, len, size);
	folio_mark_uptodate(folio);
}

void ocfs_folio_copy_out(struct folio *folio, size_t offset, void *buf, size_t len)
{
	if (offset < folio_size(folio))
		memcpy_from_folio(buf, folio, offset, min(len, folio_size(folio) - offset));
}

void ocfs_folio_release(struct folio *folio)
{
	folio_unlock(folio);
	folio_put(folio);
}

void ocfs_inode_set_size(struct inode *inode, loff_t size)
{
	i_size_write(inode, size);
}

void ocfs_inode_add_bytes(struct inode *inode, loff_t bytes)
{
	inode_add_bytes(inode, bytes);
}

void ocfs_inode_sub_bytes(struct inode *inode, loff_t bytes)
{
	inode_sub_bytes(inode, bytes);
}

void ocfs_inode_dirty(struct inode *inode)
{
	mark_inode_dirty(inode);
}

bool ocfs_iter_is_write(struct iov_iter *iter)
{
	return iov_iter_rw(iter) == WRITE;
}

struct inode *ocfs_mapping_host(struct address_space *mapping)
{
	return mapping->host;
}

bool ocfs_dirty_flags_inode(int flags)
{
	return flags & I_DIRTY_INODE;
}

int ocfs_sb_flush(struct super_block *sb)
{
	return blkdev_issue_flush(sb->s_bdev);
}

void ocfs_truncate_setsize(struct inode *inode, loff_t size)
{
	truncate_setsize(inode, size);
}

int ocfs_block_truncate_page(struct inode *inode, loff_t from, get_block_t *get_block)
{
	return block_truncate_page(inode->i_mapping, from, get_block);
}

void ocfs_sb_set_posix_acl(struct super_block *sb, bool on)
{
	if (on)
		sb->s_flags |= SB_POSIXACL;
	else
		sb->s_flags &= ~SB_POSIXACL;
}

bool ocfs_sb_force_read_only(struct super_block *sb)
{
	bool done = false;

	/*
	 * Under s_umount, so that no remount or freeze changes the flags at the same time; and
	 * not while frozen (thaw would then skip releasing the freeze locks). Never waits: the
	 * caller may hold s_umount already (sync_fs, a remount).
	 */
	if (!down_read_trylock(&sb->s_umount))
		return false;
	if (sb->s_writers.frozen == SB_UNFROZEN) {
		WRITE_ONCE(sb->s_flags, sb->s_flags | SB_RDONLY);
		done = true;
	}
	up_read(&sb->s_umount);
	return done;
}

bool ocfs_time_flags_atime_only(int flags)
{
	return flags == S_ATIME;
}

bool ocfs_sb_posix_acl(struct super_block *sb)
{
	return sb->s_flags & SB_POSIXACL;
}

u32 ocfs_acl_count(const struct posix_acl *acl)
{
	return acl->a_count;
}

void ocfs_acl_entry(const struct posix_acl *acl, u32 i, u16 *tag, u16 *perm, u32 *id)
{
	const struct posix_acl_entry *e = &acl->a_entries[i];

	*tag = e->e_tag;
	*perm = e->e_perm;
	switch (e->e_tag) {
	case ACL_USER:
		*id = from_kuid(&init_user_ns, e->e_uid);
		break;
	case ACL_GROUP:
		*id = from_kgid(&init_user_ns, e->e_gid);
		break;
	default:
		*id = ACL_UNDEFINED_ID;
	}
}

struct posix_acl *ocfs_acl_alloc(u32 count)
{
	return posix_acl_alloc(count, GFP_NOFS);
}

int ocfs_acl_set_entry(struct posix_acl *acl, u32 i, u16 tag, u16 perm, u32 id)
{
	struct posix_acl_entry *e = &acl->a_entries[i];

	e->e_tag = tag;
	e->e_perm = perm;
	switch (tag) {
	case ACL_USER:
		e->e_uid = make_kuid(&init_user_ns, id);
		return uid_valid(e->e_uid) ? 0 : -EINVAL;
	case ACL_GROUP:
		e->e_gid = make_kgid(&init_user_ns, id);
		return gid_valid(e->e_gid) ? 0 : -EINVAL;
	default:
		return 0;
	}
}

void ocfs_acl_get(struct posix_acl *acl)
{
	posix_acl_dup(acl);
}

void ocfs_acl_put(struct posix_acl *acl)
{
	posix_acl_release(acl);
}

void ocfs_set_cached_acl(struct inode *inode, int type, struct posix_acl *acl)
{
	set_cached_acl(inode, type, acl);
}

int ocfs_acl_create(struct inode *dir, umode_t *mode, struct posix_acl **default_acl,
		    struct posix_acl **acl)
{
	return posix_acl_create(dir, mode, default_acl, acl);
}

int ocfs_acl_update_mode(struct mnt_idmap *idmap, struct inode *inode, umode_t *mode,
			 struct posix_acl **acl)
{
	return posix_acl_update_mode(idmap, inode, mode, acl);
}

int ocfs_setattr_acl_chmod(struct mnt_idmap *idmap, struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);

	if (!(attr->ia_valid & ATTR_MODE) || S_ISLNK(inode->i_mode))
		return 0;
	return posix_acl_chmod(idmap, dentry, inode->i_mode);
}

void ocfs_inode_set_mode(struct inode *inode, umode_t mode)
{
	inode->i_mode = mode;
}

void ocfs_truncate_pagecache_range(struct inode *inode, loff_t start, loff_t end)
{
	truncate_pagecache_range(inode, start, end);
}

int ocfs_write_and_wait_range(struct inode *inode, loff_t start, loff_t end)
{
	return filemap_write_and_wait_range(inode->i_mapping, start, end);
}

int ocfs_zero_range(struct inode *inode, loff_t pos, loff_t len, get_block_t *get_block)
{
	struct address_space *mapping = inode->i_mapping;

	while (len > 0) {
		struct folio *folio;
		unsigned int offset = offset_in_page(pos);
		unsigned int n = min_t(loff_t, PAGE_SIZE - offset, len);
		int err = block_write_begin(mapping, pos, n, &folio, get_block);

		if (err)
			return err;
		folio_zero_range(folio, offset_in_folio(folio, pos), n);
		block_write_end(NULL, mapping, pos, n, n, folio, NULL);
		folio_unlock(folio);
		folio_put(folio);
		pos += n;
		len -= n;
	}
	return 0;
}

struct inode *ocfs_fallocate_begin(struct file *file, int mode, loff_t offset, loff_t len, int *err)
{
	struct inode *inode = file_inode(file);

	inode_lock(inode);
	*err = 0;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && offset + len > i_size_read(inode))
		*err = inode_newsize_ok(inode, offset + len);
	if (!*err)
		*err = file_modified(file);
	if (*err) {
		inode_unlock(inode);
		return NULL;
	}
	inode_dio_wait(inode);
	filemap_invalidate_lock(inode->i_mapping);
	return inode;
}

void ocfs_fallocate_end(struct inode *inode)
{
	filemap_invalidate_unlock(inode->i_mapping);
	inode_unlock(inode);
}

int ocfs_file_mmap(struct file *file, struct vm_area_struct *vma, const struct vm_operations_struct *ops)
{
	file_accessed(file);
	vma->vm_ops = ops;
	return 0;
}

vm_fault_t ocfs_page_mkwrite(struct vm_fault *vmf, get_block_t *get_block, int (*prepare)(struct inode *))
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct folio *folio = page_folio(vmf->page);
	int err;

	sb_start_pagefault(inode->i_sb);
	file_update_time(vmf->vma->vm_file);
	filemap_invalidate_lock_shared(inode->i_mapping);
	/*
	 * Under the folio's lock: a write() to inline data holds it from write_begin to
	 * write_end (and inline data fits in folio 0, the only one such a file has), so the
	 * data cannot move out under that write.
	 */
	folio_lock(folio);
	err = folio->mapping == inode->i_mapping ? prepare(inode) : 0;
	folio_unlock(folio);
	if (!err)
		err = block_page_mkwrite(vmf->vma, vmf, get_block);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	sb_end_pagefault(inode->i_sb);
	return vmf_fs_error(err);
}
