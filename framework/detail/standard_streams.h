// Internal: the names of the standard streams, which sluice reads and writes through their
// descriptors, not by opening the name anew.
#pragma once

#include <string_view>

namespace sluice::detail {

/// The descriptor of the standard stream that `path` names (/dev/stdout, /dev/fd/1,
/// /proc/self/fd/1 or /proc/PID/fd/1 with this process's PID, in any spelling that
/// normalises to one of them; likewise for 0 and 2), or -1 for any other path. Opened anew,
/// the name would be a new open file: writing from its start over what the shell opened to
/// append to (`>> log`), or reaching the /dev/null that holds a stream closed at start
/// (pipelines/cli/main.cc) where using the stream should fail.
int StandardStreamNamed(std::string_view path);

}  // namespace sluice::detail
