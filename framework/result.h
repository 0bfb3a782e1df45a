// Result<T>: a value or an Error, in the style of absl::StatusOr. Status is Result<void>.
//
//   sluice::Result<int> ParsePort(std::string_view s);
//   sluice::Status Check() {
//     SLUICE_ASSIGN_OR_RETURN(int port, ParsePort("80"));
//     using sluice::ErrorCode;
//     if (port == 0) return sluice::Error{.code = ErrorCode::kOutOfRange, .message = "port 0"};
//     return sluice::Status::Ok();
//   }
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "framework/error.h"

namespace sluice {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design
  static Result Ok() { return {}; }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace sluice

#define SLUICE_CONCAT_INNER_(a, b) a##b
#define SLUICE_CONCAT_(a, b) SLUICE_CONCAT_INNER_(a, b)

/// Returns the error of `expr` (a Status or Result) from the enclosing function.
#define SLUICE_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    auto sluice_status_ = (expr);                            \
    if (!sluice_status_.ok()) return sluice_status_.error(); \
  } while (0)

/// Declares `lhs` from the value of Result `expr`, or returns its error.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL_(SLUICE_CONCAT_(sluice_result_, __LINE__), lhs, expr)
// `tmp` names a variable and `lhs` may declare one: neither can take parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define SLUICE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
