# The two commands a new user needs: `make demo` and `make test`. Both install what they need.
PRESET ?= dev
BUILD_DIR := build/$(PRESET)
DEMO_DB ?= build/demo/mall-demo.db

.PHONY: demo test bench fuzz deps configure build clean

demo: build
	@scripts/run-demo.sh "$(BUILD_DIR)" "$(DEMO_DB)"

test: build
	ctest --preset $(PRESET)

bench: build
	@scripts/run-bench.sh "$(BUILD_DIR)"

# Every parser's libFuzzer target for FUZZ_SECONDS each (clang-16; installs it if missing).
fuzz: deps
	@scripts/run-fuzz.sh

deps:
	@scripts/install-deps.sh

configure: deps
	@[ -f "$(BUILD_DIR)/build.ninja" ] || cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET)

clean:
	rm -rf build
