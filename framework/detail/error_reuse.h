// Internal: Errors reused with their batch. A worker fails an item, and whichever worker
// emits the batch is done with its Error: freed there, its memory (the Error and its
// strings) went back to glibc from another thread than the one that allocated it, and
// glibc then locks the allocating thread's arena. At 50% bad lines that took about a
// fifth of the run (docs/benchmark-history.md). The collector keeps each emitted Error in
// its batch (Batch::spare_errors) instead, and Item::Fail takes one from there, strings
// and all, while that batch is processed again.
#pragma once

#include <memory>
#include <vector>

#include "framework/error.h"

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

/// Keeps `error` in `spares` for reuse, unless its strings hold more memory than a
/// record's error needs (a long exception message).
void KeepError(std::unique_ptr<Error> error, SpareErrors& spares);

}  // namespace sluice::detail
