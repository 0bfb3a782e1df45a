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

# Benchmarks against baselines measured in the same run (BENCHMARKS.md; about a minute on 2
# cores once built). SLUICE_BENCH_SCALE=0.2 shrinks the inputs; BENCH_ARGS="--scenarios 1,2"
# picks scenarios.
# jq and Miller are installed for the replay's orientation rows.
bench: deps
	@scripts/install-deps.sh jq miller
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_BENCH=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS) --target sluice_bench
	$(BUILD_DIR)/bench/sluice_bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan

# The unit and stress tests under ASan+UBSan and under TSan, each in its own build
# directory (tests/tsan.supp lists the third-party reports TSan cannot model).
SANITIZE_TARGETS = sluice_unit_tests sluice_stress_tests
SANITIZE_TESTS = -L 'unit|stress' -E 'Soak|soak'
.PHONY: sanitize asan tsan
sanitize: asan tsan
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE=address,undefined $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j $(JOBS) --target $(SANITIZE_TARGETS)
	cd build-asan && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
	  ctest --output-on-failure -j $(JOBS) $(SANITIZE_TESTS)
tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE=thread $(CMAKE_FLAGS) >/dev/null
	cmake --build build-tsan -j $(JOBS) --target $(SANITIZE_TARGETS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j $(JOBS) $(SANITIZE_TESTS)

# Fuzzing (TESTING.md): libFuzzer targets built with clang, ASan and UBSan in build-fuzz/,
# each run for FUZZ_SECONDS (default 60). Installs clang and libclang-rt-14-dev first.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	@scripts/install-deps.sh clang libclang-rt-14-dev
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz.sh

# Style and static checks: clang-format and clang-tidy over every C++ file
# (scripts/lint.sh). `make format` applies the formatting.
.PHONY: lint format
lint: deps
	@scripts/install-deps.sh clang-format clang-tidy
	JOBS=$(JOBS) scripts/lint.sh
format:
	@scripts/install-deps.sh clang-format
	FIX=1 scripts/lint.sh

# Soak tests (TESTING.md): the long variants of the reliability tests (ctest label soak).
.PHONY: soak
soak: build
	cd $(BUILD_DIR) && SLUICE_SOAK=1 ctest --output-on-failure -L soak
