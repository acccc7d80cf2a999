# SPDX-License-Identifier: GPL-2.0
#
# Included by every module's Kbuild. Runs bindgen over the module's own `bindings.h` with the
# exact C flags of the configured kernel, the way the kernel generates `kernel::bindings`, and
# writes `bindings.rs` next to it: the crate root's `mod bindings;`. Each module lists in `bindgen_parameters` the C API
# it uses, so the output stays small and never depends on what the kernel crate happens to bind.
#
# Set OCFS_CRATE to the module's crate object (e.g. o2hb.o) before including this file.

# '#' would start a make comment inside the recipe.
ocfs_hash := \#

quiet_cmd_ocfs_bindgen = BINDGEN $@
      cmd_ocfs_bindgen = \
	$(BINDGEN) $< --rust-target 1.68 --use-core --with-derive-default \
		--ctypes-prefix ffi --no-layout-tests --no-debug '.*' \
		--enable-function-attribute-detection \
		--raw-line '$(ocfs_hash)![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]' \
		--raw-line '$(ocfs_hash)![allow(dead_code, unreachable_pub, improper_ctypes, unsafe_op_in_unsafe_fn, clippy::all)]' \
		--raw-line 'use kernel::ffi;' \
		--raw-line 'type __kernel_size_t = usize;' \
		--raw-line 'type __kernel_ssize_t = isize;' \
		--raw-line 'type __kernel_ptrdiff_t = isize;' \
		--allowlist-var 'E[A-Z0-9]+' \
		$(shell grep -Ev '^\#|^$$' $(srctree)/rust/bindgen_parameters) \
		$(shell grep -Ev '^\#|^$$' $(src)/bindgen_parameters) \
		-o $@ -- $(c_flags) -I$(src)/../include -include linux/errno.h -fno-builtin -D__BINDGEN__ -DMODULE

$(obj)/bindings.rs: $(src)/bindings.h $(src)/bindgen_parameters FORCE
	$(call if_changed_dep,ocfs_bindgen)

targets += bindings.rs
$(obj)/$(OCFS_CRATE): $(obj)/bindings.rs

ccflags-y += -I$(src)/../include
