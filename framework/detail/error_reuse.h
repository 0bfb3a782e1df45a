// Internal: Errors reused with their batch. A worker fails an item, and whichever worker
// emits the batch is done with its Error: freed there, its memory (the Error and its
// strings) went back to glibc from another thread than the one that allocated it, and
// glibc then locked the allocating thread's arena (futex waits in `perf`; at 50% bad lines
// the run took 1.4-2x as long: BENCHMARKS.md). The collector keeps each emitted Error in
// its batch (Batch::spare_errors) instead, and Item::Fail takes one from there, strings
// and all, while that batch is read or processed again.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "framework/error.h"
#include "framework/item.h"

namespace sluice::detail {

using SpareErrors = std::vector<std::unique_ptr<Error>>;

/// While one lives, Item::Fail on this thread reuses Errors from `spares` before it
/// allocates. Scopes nest: the inner one wins until it ends.
class ErrorReuseScope {
 public:
  explicit ErrorReuseScope(SpareErrors& spares);
  ~ErrorReuseScope();
  ErrorReuseScope(const ErrorReuseScope&) = delete;
  ErrorReuseScope& operator=(const ErrorReuseScope&) = delete;

 private:
  SpareErrors* outer_;
};

/// An Error as Error{} makes it: a spare from the current scope (its strings emptied,
/// their memory kept) or a new one.
std::unique_ptr<Error> NewError();

/// Fetches `error`'s own lines (nothing when null), for writing or for reading. Errors lie
/// where malloc put them, so no hardware prefetcher foresees them: NewError fetches the
/// next spare, and the collector the errors a few items ahead of the one it encodes.
/// Always inlined, as PrefetchAhead (item.h): GCC drops a call that only prefetches.
[[gnu::always_inline]] inline void PrefetchError(const Error* error, bool for_writing) {
  if (error == nullptr) return;
  const char* at = reinterpret_cast<const char*>(error);
  // Its lines: from its first byte, 64 bytes a step, and its last (it need not start one).
  for (size_t offset = 0; offset < sizeof(Error) + 64; offset += 64) {
    const char* byte = at + std::min(offset, sizeof(Error) - 1);
    if (for_writing) {
      __builtin_prefetch(byte, /*rw=*/1);
    } else {
      __builtin_prefetch(byte, /*rw=*/0);
    }
  }
}

/// Fetches the memory of `error`'s strings (its own lines should be near already).
[[gnu::always_inline]] inline void PrefetchErrorText(const Error& error) {
  __builtin_prefetch(error.message.data());
  __builtin_prefetch(error.source.data());
  __builtin_prefetch(error.excerpt.data());
}

/// Keeps `error` in `batch` for reuse, unless the batch keeps as many as it holds items
/// (errors a source made outside a scope would otherwise pile up) or the Error's strings
/// hold more memory than a record's error needs (a long exception message).
void KeepError(std::unique_ptr<Error> error, Batch& batch);

}  // namespace sluice::detail
