// Internal: Errors reused with their batch. A worker fails an item, and whichever worker
// emits the batch is done with its Error: freed there, its memory (the Error and its
// strings) went back to glibc from another thread than the one that allocated it, and
// glibc then locked the allocating thread's arena (futex waits in `perf`; at 50% bad lines
// the run took 1.4-2x as long: BENCHMARKS.md). The collector keeps each emitted Error in
// its batch (Batch::spare_errors) instead, and Item::Fail takes one from there, strings
// and all, while that batch is read or processed again.
#pragma once

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

/// Keeps `error` in `batch` for reuse, unless the batch keeps as many as it holds items
/// (errors a source made outside a scope would otherwise pile up) or the Error's strings
/// hold more memory than a record's error needs (a long exception message).
void KeepError(std::unique_ptr<Error> error, Batch& batch);

}  // namespace sluice::detail
