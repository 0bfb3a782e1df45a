// A main() for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput once on
// each file named (a directory: on each file in it), so that the seed corpora, crash
// reproducers included, replay as ordinary tests in every build (any compiler, with or
// without sanitizers). tests/reliability/CMakeLists.txt builds one per target.
//
//   replay_fuzz_parse_json tests/fuzz/corpus/fuzz_parse_json    # exit 0: all ran clean
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(path);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s FILE|DIR...  (no input files found)\n", argv[0]);
    return 2;
  }
  for (const std::filesystem::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A failed check aborts inside; the name printed last is the input that caused it.
    std::fprintf(stderr, "%s\n", file.c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::printf("%zu inputs ran clean\n", files.size());
  return 0;
}
