#include "framework/field_names.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "framework/value.h"

namespace sluice {
namespace {

// The table is process-wide: each test uses names no other test interns.

TEST(FieldNamesTest, OneIdPerNameAndItsNameBack) {
  const FieldId a = FieldNames::Intern("field_names_test.a");
  const FieldId b = FieldNames::Intern("field_names_test.b");
  EXPECT_NE(a, b);
  EXPECT_EQ(FieldNames::Intern("field_names_test.a"), a);
  EXPECT_EQ(FieldNames::Find("field_names_test.b"), b);
  EXPECT_EQ(FieldNames::Find("field_names_test.never"), std::nullopt);
  EXPECT_EQ(FieldNames::Name(a), "field_names_test.a");
  EXPECT_EQ(FieldNames::Name(b), "field_names_test.b");
}

TEST(FieldNamesTest, JsonNameIsTheNameQuotedAndEscaped) {
  const std::string name = "field_names_test.\"q\"\\\t\x01";
  std::string expected;
  AppendJsonString(name, expected);
  EXPECT_EQ(FieldNames::JsonName(FieldNames::Intern(name)), expected);
  EXPECT_EQ(FieldNames::JsonName(FieldNames::Intern("field_names_test.plain")),
            R"("field_names_test.plain")");
  EXPECT_EQ(FieldNames::JsonName(FieldNames::kMaxFields), R"("?")");
}

TEST(FieldNamesTest, IdsNotInternedReadAsQuestionMark) {
  EXPECT_EQ(FieldNames::Name(FieldNames::kMaxFields - 1), "?");
  EXPECT_EQ(FieldNames::Name(FieldNames::kMaxFields), "?");
  EXPECT_EQ(FieldNames::Name(~FieldId{0}), "?");
}

// Name() reads without a lock while other threads intern: every id a thread was given
// reads back as its name, across several chunks of the table (TSan checks the rest).
TEST(FieldNamesTest, NamesReadBackWhileOtherThreadsIntern) {
  constexpr int kThreads = 4;
  constexpr int kNamesEach = 3000;
  std::vector<std::thread> threads;
  std::vector<int> wrong(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      std::vector<FieldId> ids;
      for (int i = 0; i < kNamesEach; ++i) {
        const std::string name = "field_names_test." + std::to_string(t) + "." + std::to_string(i);
        ids.push_back(FieldNames::Intern(name));
        if (FieldNames::Name(ids.back()) != name) ++wrong[t];
        // An earlier id of this thread, whose chunk others may be filling meanwhile.
        const int earlier = i / 2;
        if (FieldNames::Name(ids[earlier]) !=
            "field_names_test." + std::to_string(t) + "." + std::to_string(earlier)) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(kThreads, 0));
}

}  // namespace
}  // namespace sluice
