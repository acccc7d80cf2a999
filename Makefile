# ocfs: top-level entry points. `make help` lists them.
#
# The kernel modules are built by kbuild from ./Kbuild (this Makefile is only read by make
# when invoked directly, never by kbuild, which prefers Kbuild).

SHELL := /bin/bash
OCFS_CACHE ?= /var/cache/ocfs
OCFS_KERNEL_FLAVOR ?= release
KDIR ?= $(OCFS_CACHE)/kernel-$(OCFS_KERNEL_FLAVOR)
LLVM ?= -16
export OCFS_CACHE OCFS_KERNEL_FLAVOR PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help setup kernel modules modules_install tools guest demo test clean

help:
	@echo "make setup     install what the build and tests need (apt, rust-src, bindgen)"
	@echo "make kernel    build the guest kernel in \$$OCFS_CACHE (or use KDIR=...)"
	@echo "make modules   build our kernel modules against it"
	@echo "make tools     build the userspace tools (cargo build --release)"
	@echo "make guest     build the guest initramfs for both stacks"
	@echo "make demo      boot a 3-node cluster and show it working"
	@echo "make test      run every test"

setup:
	scripts/setup

kernel:
	scripts/kernel/build

# Objects built against another kernel tree (release vs debug flavor: struct layouts differ)
# are cleaned first; kbuild alone does not notice the switch.
modules:
	@if [ -f .kdir ] && [ "$$(cat .kdir)" != "$(KDIR)" ]; then \
		echo "[ocfs] kernel tree changed ($$(cat .kdir) -> $(KDIR)): cleaning the modules"; \
		$(MAKE) -C $$(cat .kdir) M=$(CURDIR) LLVM=$(LLVM) clean >/dev/null || true; \
	fi
	@echo "$(KDIR)" > .kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) modules

modules_install: modules
	rm -rf $(OCFS_CACHE)/modules-staging
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) INSTALL_MOD_PATH=$(OCFS_CACHE)/modules-staging \
		INSTALL_MOD_DIR=extra DEPMOD=true modules_install

tools:
	cargo build --release

guest:
	scripts/qemu/build-guest

demo:
	scripts/demo

test:
	tests/run

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) clean
	cargo clean
