// GoogleTest matchers for sluice::Result / Status.
//
//   EXPECT_THAT(ParsePort("80"), IsOk());
//   EXPECT_THAT(ParsePort("x"), IsErrorWithCode(sluice::ErrorCode::kInvalidInput));
//   EXPECT_THAT(ParsePort("x"), IsErrorWithMessage(testing::HasSubstr("port")));
#pragma once

#include <gmock/gmock.h>

#include "framework/error.h"
#include "framework/result.h"

namespace sluice::testing_matchers {

MATCHER(IsOk, "is ok") {
  if (arg.ok()) return true;
  *result_listener << "error: " << arg.error().ToString();
  return false;
}

MATCHER_P(IsErrorWithCode, code, "is an error with code " + std::string(ErrorCodeName(code))) {
  if (arg.ok()) {
    *result_listener << "is ok";
    return false;
  }
  *result_listener << "error: " << arg.error().ToString();
  return arg.error().code == code;
}

MATCHER_P(IsErrorWithMessage, matcher, "is an error whose message matches") {
  if (arg.ok()) {
    *result_listener << "is ok";
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, arg.error().message, result_listener);
}

}  // namespace sluice::testing_matchers
