// Helpers for the sink tests: a record from (name, value) pairs, and a fixture that
// writes records under a directory of its own.
//
//   EXPECT_EQ(WriteAll(OutputFormat::kJsonl, {MakeRecord({{"n", int64_t{1}}})}), "{\"n\":1}\n");
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/record.h"
#include "stages/sinks.h"
#include "unit/result_matchers.h"

namespace sluice::sink_test {

inline Record MakeRecord(std::initializer_list<std::pair<std::string_view, Value>> fields) {
  Record record;
  for (const auto& [name, value] : fields) record.Set(FieldNames::Intern(name), value);
  return record;
}

class SinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::path(::testing::TempDir()) / ("sinks_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }
  // Writes `records` in `format` to a file under the test directory; returns its content.
  std::string WriteAll(OutputFormat format, const std::vector<Record>& records) {
    const std::string path = Path("nested/dir/out.txt");
    auto writer = OpenOutput({.path = path, .format = format});
    EXPECT_THAT(writer, testing_matchers::IsOk());
    for (const Record& record : records) (*writer)->Write(record);
    EXPECT_THAT((*writer)->Close(), testing_matchers::IsOk());
    EXPECT_EQ((*writer)->written(), records.size());
    return ReadFile(path);
  }

  std::filesystem::path dir_;
};

}  // namespace sluice::sink_test
