#include "framework/result.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "result_matchers.h"

namespace sluice {
namespace {

using testing_matchers::IsErrorWithCode;
using testing_matchers::IsErrorWithMessage;
using testing_matchers::IsOk;

Result<int> ParsePositive(int v) {
  if (v <= 0) return Error{.code = ErrorCode::kOutOfRange, .message = "not positive"};
  return v;
}

Result<int> Doubled(int v) {
  SLUICE_ASSIGN_OR_RETURN(int parsed, ParsePositive(v));
  return parsed * 2;
}

Status Check(int v) {
  SLUICE_RETURN_IF_ERROR(ParsePositive(v));
  return Status::Ok();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = ParsePositive(3);
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(*good, 3);
  Result<int> bad = ParsePositive(-1);
  EXPECT_THAT(bad, IsErrorWithCode(ErrorCode::kOutOfRange));
  EXPECT_THAT(bad, IsErrorWithMessage(testing::HasSubstr("positive")));
}

TEST(ResultTest, MacrosPropagateErrors) {
  EXPECT_EQ(*Doubled(4), 8);
  EXPECT_THAT(Doubled(0), IsErrorWithCode(ErrorCode::kOutOfRange));
  EXPECT_THAT(Check(1), IsOk());
  EXPECT_THAT(Check(0), IsErrorWithCode(ErrorCode::kOutOfRange));
}

TEST(ErrorTest, CodeNamesRoundTrip) {
  for (int c = 0; c < kErrorCodeCount; ++c) {
    const auto code = static_cast<ErrorCode>(c);
    EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(code)), code);
  }
  EXPECT_EQ(ErrorCodeFromName("nope"), std::nullopt);
}

TEST(ErrorTest, JsonCarriesPositionStageCodeAndRaw) {
  Error e{.code = ErrorCode::kMissingField,
          .message = "missing required field 'ts'",
          .stage = "validate",
          .source = "in.jsonl",
          .line = 7,
          .offset = 420,
          .excerpt = "{\"user\":\"a\xff\"}"};
  EXPECT_EQ(e.ToJson(), R"({"source":"in.jsonl","line":7,"offset":420,"stage":"validate",)"
                        R"("code":"missing_field","message":"missing required field 'ts'",)"
                        "\"raw\":\"{\\\"user\\\":\\\"a\xEF\xBF\xBD\\\"}\"}");
  EXPECT_EQ(e.ToString(), "in.jsonl:7: validate: missing_field: missing required field 'ts'");
}

// ToString's line goes to a terminal: a file name or a custom stage's message may hold
// line breaks and escape sequences, C1's included.
TEST(ErrorTest, ToStringEscapesControlCharacters) {
  const Error e{.code = ErrorCode::kStageFailure,
                .message =
                    "stage threw: bad\nvalue \xC2\x9B"
                    "31m",
                .stage = "mine",
                .source = "nl\nname\x1b[31m.txt",
                .line = 1};
  EXPECT_EQ(e.ToString(),
            "nl\\u000aname\\u001b[31m.txt:1: mine: stage_failure: stage threw: bad\\u000avalue "
            "\\u009b31m");
}

// Dead-letter writers append straight to their buffer, after what is already there.
TEST(ErrorTest, AppendJsonAddsToJsonAfterTheBuffersText) {
  const Error e{.code = ErrorCode::kOutOfRange,
                .message = "too big",
                .stage = "v",
                .source = "s",
                .line = 18446744073709551615u,
                .offset = 0,
                .excerpt = "x"};
  std::string out = "earlier\n";
  e.AppendJson(out);
  EXPECT_EQ(out, "earlier\n" + e.ToJson());
  EXPECT_EQ(e.ToJson(), R"({"source":"s","line":18446744073709551615,"offset":0,"stage":"v",)"
                        R"("code":"out_of_range","message":"too big","raw":"x"})");
}

}  // namespace
}  // namespace sluice
