#!/usr/bin/env bash
# `make lint`: every C++ file checked against .clang-format and .clang-tidy (tests/ adds
# its own .clang-tidy); any finding fails. FIX=1 rewrites the formatting instead of
# reporting it. clang-tidy reads the compile commands of a configure-only build in
# $LINT_BUILD_DIR (default build-lint): the tests and benchmarks included.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${LINT_BUILD_DIR:-build-lint}
jobs=${JOBS:-$(nproc)}
dirs=(framework stages pipelines bench examples tests)
mapfile -t files < <(find "${dirs[@]}" -name '*.cc' -o -name '*.h' | sort)

if [ "${FIX:-0}" = 1 ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
echo "clang-format: ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=ON \
  -DSLUICE_BUILD_BENCH=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# One regex over the source paths: the compile commands list only .cc files.
pattern="^$(pwd)/($(IFS='|'; echo "${dirs[*]}"))/"
echo "clang-tidy: the .cc files under ${dirs[*]} (-j $jobs)"
# Only the findings are kept: not the command per file, clang-tidy's counts of the warnings
# it suppressed in other code, nor the colour codes run-clang-tidy always asks for.
noise='^clang-tidy-[0-9]+ |^Suppressed [0-9]+ |^Use -header-filter'
noise+='|^[0-9]+ warnings? (generated|treated as errors)\.$'
run-clang-tidy -p "$build_dir" -quiet -j "$jobs" "$pattern" 2>&1 |
  sed 's/\x1b\[[0-9;]*m//g' | { grep -v -E "$noise" || true; }
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && echo "clang-tidy: no findings"
exit "$status"
