# The two commands at the top of the README. Each installs what is missing and builds first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job: replay the bundled clickstream sample through configs/clickstream.yaml.
run: build
	$(BUILD_DIR)/sluice run configs/clickstream.yaml

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Benchmarks against baselines measured in the same run (BENCHMARKS.md; ~10 min on 2 cores).
# SLUICE_BENCH_SCALE=0.2 shrinks the inputs; BENCH_ARGS="--scenarios 1,2" picks scenarios.
bench: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_BENCH=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS) --target sluice_bench
	$(BUILD_DIR)/bench/sluice_bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR)
