// SPDX-License-Identifier: GPL-2.0
/*
 * configfs entry points that are static inlines or macros in <linux/configfs.h>.
 * Included by the helpers.c of each module that uses configfs.rs.
 */
#include <linux/configfs.h>
#include <linux/mutex.h>

#include "configfs.h"

/* mutex_init() is a macro that gives every call site its own lockdep class. */
void ocfs_configfs_subsystem_init(struct configfs_subsystem *subsys, const char *name,
				  const struct config_item_type *type)
{
	config_group_init_type_name(&subsys->su_group, name, type);
	mutex_init(&subsys->su_mutex);
}

void ocfs_configfs_add_default_group(struct config_group *new_group, struct config_group *group)
{
	configfs_add_default_group(new_group, group);
}
