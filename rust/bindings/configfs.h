/* SPDX-License-Identifier: GPL-2.0 */
/* bindgen input for configfs.rs: the configfs API and our helpers for its inlines. */
#include <linux/configfs.h>

void ocfs_configfs_subsystem_init(struct configfs_subsystem *subsys, const char *name,
				  const struct config_item_type *type);
void ocfs_configfs_add_default_group(struct config_group *new_group, struct config_group *group);
