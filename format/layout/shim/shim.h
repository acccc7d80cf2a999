/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough kernel environment to compile the kernel's on-disk headers
 * (fs/ocfs2/ocfs2_fs.h needs __KERNEL__ for its helpers to build at all)
 * in a host program that prints their layout.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <linux/types.h>

typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned short umode_t;

struct super_block {
	unsigned long s_blocksize;
	unsigned char s_blocksize_bits;
};

#define le16_to_cpu(x) (x)
#define le32_to_cpu(x) (x)
#define le64_to_cpu(x) (x)
#define cpu_to_le16(x) (x)
#define fs_umode_to_ftype(m) 0
#define DECLARE_FLEX_ARRAY(TYPE, NAME) \
	struct { struct { } __empty_ ## NAME; TYPE NAME[]; }

#define __KERNEL__ 1
