# Thin wrapper around meson and the VM harness. The two quick-start
# commands are `make check` (install, build, all tests) and `make demo`
# (migrate a counting container between two lab VMs, docs/lab.md).

BUILD ?= build
FUZZ_BUILD ?= build-fuzz
VM_KERNELS ?= all

.PHONY: all deps setup build check unit vm fuzz style clean demo

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

setup: deps $(BUILD)/build.ninja

build: setup
	meson compile -C $(BUILD)

unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

vm: build
	tests/vm/run --build $(BUILD) --kernel $(VM_KERNELS) --scenario all

style: build
	meson test -C $(BUILD) checkpatch clang-format --print-errorlogs

check: deps
	@scripts/check.sh $(BUILD) $(VM_KERNELS)

# Installs, builds, brings up the lab and migrates a container; leaves the
# lab up (tests/vm/lab down removes it).
demo:
	@scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
