#include "framework/detail/error_reuse.h"

#include <cstdint>
#include <string>
#include <utility>

namespace sluice::detail {
namespace {

thread_local SpareErrors* current_spares = nullptr;

// An excerpt (at most Error::kMaxExcerptBytes), a message, a path and a stage name.
constexpr size_t kMaxKeptStringBytes = 1024;

}  // namespace

ErrorReuseScope::ErrorReuseScope(SpareErrors& spares) : outer_(current_spares) {
  current_spares = &spares;
}

ErrorReuseScope::~ErrorReuseScope() { current_spares = outer_; }

std::unique_ptr<Error> NewError() {
  SpareErrors* spares = current_spares;
  if (spares == nullptr || spares->empty()) return std::make_unique<Error>();
  std::unique_ptr<Error> error = std::move(spares->back());
  spares->pop_back();
  if (!spares->empty()) PrefetchError(spares->back().get(), /*for_writing=*/true);
  // Error{} but for the strings' memory (moving them into a new Error cost 190 instructions
  // an error more). A member added to Error must be reset here too: error.h says so, and
  // this fails to compile for most additions.
  static_assert(sizeof(Error) == 4 * sizeof(std::string) + 4 * sizeof(uint64_t));
  error->code = ErrorCode::kInternal;
  error->message.clear();
  error->stage.clear();
  error->source.clear();
  error->line = 0;
  error->offset = 0;
  error->excerpt.clear();
  error->raw_bytes = 0;
  return error;
}

void KeepError(std::unique_ptr<Error> error, Batch& batch) {
  const size_t bytes = error->message.capacity() + error->stage.capacity() +
                       error->source.capacity() + error->excerpt.capacity();
  if (batch.spare_errors.size() < batch.items.capacity() && bytes <= kMaxKeptStringBytes) {
    batch.spare_errors.push_back(std::move(error));
  }
}

}  // namespace sluice::detail
