#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: clang, ASan + UBSan) into build-fuzz/ and runs
# each for FUZZ_SECONDS, then prints per target: executions, corpus size, crashes.
#
#   scripts/fuzz.sh                          # every target, 60 s each (`make fuzz`)
#   FUZZ_SECONDS=30 scripts/fuzz.sh          # CI
#   FUZZ_TARGETS="fuzz_parse_json" FUZZ_SECONDS=600 scripts/fuzz.sh
#
# Seeds come from tests/fuzz/corpus/<target>/ (committed, small); what the fuzzer finds
# grows build-fuzz/corpus/<target>/ (kept between runs). Crashing inputs land in
# build-fuzz/artifacts/<target>/: reproduce with `build-fuzz/tests/fuzz/<target> FILE`,
# then fix, and add the file to tests/fuzz/corpus/<target>/. Exit code 1 when any target
# crashed, leaked, timed out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
ALL_TARGETS="fuzz_parse_json fuzz_parse_csv fuzz_parse_kv fuzz_parse_regex fuzz_yaml_config"
FUZZ_TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}

# Longest input per target: long enough for deep nesting and for lines past parse_regex's
# 1024-byte switch to its linear engine; longer only slows the search.
max_len_of() {
  case "$1" in
    fuzz_yaml_config) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang libclang-rt-dev)" >&2
  exit 2
fi
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe_dir/probe.cc"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cc" -o "$probe_dir/probe" \
    2>/dev/null; then
  echo "fuzz.sh: clang++ cannot link libFuzzer (Debian: apt-get install libclang-rt-dev)" >&2
  exit 2
fi

cmake -S . -B "$FUZZ_BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_BUILD_FUZZ=ON -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build "$FUZZ_BUILD_DIR" -j "$JOBS" --target sluice_fuzz

summary=()
failed=0
for target in $FUZZ_TARGETS; do
  binary="$FUZZ_BUILD_DIR/tests/fuzz/$target"
  seeds="tests/fuzz/corpus/$target"
  corpus="$FUZZ_BUILD_DIR/corpus/$target"
  artifacts="$FUZZ_BUILD_DIR/artifacts/$target"
  log="$FUZZ_BUILD_DIR/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  findings_before=$(find "$artifacts" -type f | wc -l)
  echo "== $target: ${FUZZ_SECONDS}s"
  set +e
  "$binary" "$corpus" "$seeds" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len_of "$target")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1
  status=$?
  set -e
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus_files=$(find "$corpus" -type f | wc -l)
  findings=$(($(find "$artifacts" -type f | wc -l) - findings_before))
  if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz invariant broken)|Test unit written" "$log" \
      | head -5 || true
    echo "   log: $log"
  fi
  summary+=("$(printf '%-18s %6ss %12s %8s %8s' "$target" "$FUZZ_SECONDS" "${executions:-?}" \
    "$corpus_files" "$findings")")
done

echo
printf '%-18s %7s %12s %8s %8s\n' target time executions corpus crashes
for line in "${summary[@]}"; do echo "$line"; done
exit "$failed"
