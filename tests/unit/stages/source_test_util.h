// Helpers for the source tests: read a source to its end and copy out what it produced,
// and a fixture that writes input files.
//
//   auto source = Open("a\r\nbb");                      // in a FileSourceTest
//   EXPECT_THAT(Raws(ReadAll(*source, 100)), ElementsAre("a", "bb"));
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "framework/item.h"
#include "framework/source.h"
#include "stages/sources.h"

namespace sluice::source_test {

// What a source produced for one item, copied out of its batch.
struct Line {
  std::string raw;
  uint64_t line = 0;
  uint64_t offset = 0;
  bool ok = true;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  uint64_t raw_bytes = 0;  // of the error, if any
};

inline std::vector<Line> Collect(Batch& batch) {
  batch.Seal();
  std::vector<Line> lines;
  for (const Item& item : batch.items) {
    Line& out = lines.emplace_back();
    out.raw = std::string(item.raw);
    out.line = item.line;
    out.offset = item.offset;
    if (!item.ok()) {
      out.ok = false;
      out.code = item.error->code;
      out.message = item.error->message;
      out.raw_bytes = item.error->raw_bytes;
    }
  }
  return lines;
}

// Reads `source` to its end in batches of `max_items`; `batch_sizes` gets each batch's size.
inline std::vector<Line> ReadAll(Source& source, size_t max_items,
                                 std::vector<size_t>* batch_sizes = nullptr) {
  std::vector<Line> all;
  for (int reads = 0; reads < 1'000'000; ++reads) {
    Batch batch;
    const SourceStatus status = source.Read(batch, max_items);
    EXPECT_LE(batch.size(), max_items);
    if (batch_sizes != nullptr) batch_sizes->push_back(batch.size());
    for (Line& line : Collect(batch)) all.push_back(std::move(line));
    if (status != SourceStatus::kMore) return all;
  }
  ADD_FAILURE() << "source never ended";
  return all;
}

inline std::vector<std::string> Raws(const std::vector<Line>& lines) {
  std::vector<std::string> raws;
  for (const Line& line : lines) raws.push_back(line.raw);
  return raws;
}

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sources_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::unique_ptr<Source> Open(const std::string& content, size_t max_line_bytes = 1 << 20,
                               RecordFraming framing = {}) {
    auto source = OpenFileSource({.path = WriteFile("input.txt", content),
                                  .max_line_bytes = max_line_bytes,
                                  .framing = framing});
    EXPECT_TRUE(source.ok());
    return std::move(*source);
  }
  /// A FIFO under the test directory, opened read-write into `writer`: it has a writer, so
  /// opening it to read does not block, and reads wait for input as on a live pipe.
  std::string MakeFifo(int& writer) {
    std::string path = (dir_ / "fifo").string();
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    writer = ::open(path.c_str(), O_RDWR);
    EXPECT_GE(writer, 0);
    return path;
  }

  // What a pipe still holds (its writer opened with O_RDWR reads it too); waits for none.
  static std::string ReadWhatIsLeft(int fd) {
    pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 0) != 1) return "";
    char text[4096];
    const ssize_t got = ::read(fd, text, sizeof text);
    return got > 0 ? std::string(text, static_cast<size_t>(got)) : "";
  }

  std::filesystem::path dir_;
};

}  // namespace sluice::source_test
