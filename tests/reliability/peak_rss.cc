// peak_rss: runs a command and writes its peak resident memory (KiB) to a file.
//
//   peak_rss OUT_FILE COMMAND [ARGS...]     exit code: the command's (128 + N on signal N)
//
// Why a helper: a child's ru_maxrss counts the memory of the process it was exec'd from
// (Linux records the old address space's high-water mark at exec), so a child spawned by
// a big test process would report the test's own peak. This small process forks the
// command from its own small address space, so the figure is the command's, give or take
// this helper's ~1-2 MiB.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: peak_rss OUT_FILE COMMAND [ARGS...]\n");
    return 2;
  }
  const pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    execv(argv[2], argv + 2);
    std::fprintf(stderr, "peak_rss: cannot run %s: %s\n", argv[2], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) return 127;
  }
  std::FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr || std::fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || std::fclose(out) != 0) {
    return 127;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
