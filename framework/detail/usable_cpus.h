// Internal: how many CPUs this process may use, for `workers: auto` (AutoWorkers). A
// container or a `taskset` gives it fewer than the machine has online, which is all that
// std::thread::hardware_concurrency counts: one worker per host CPU in every stage would
// then compete for a few.
#pragma once

#include <string_view>

namespace sluice::detail {

/// CPUs in the calling thread's affinity mask (sched_getaffinity: taskset, a cpuset), or 0
/// when it cannot be read.
int AffinityCpus();

/// The CPUs that a cgroup v2 `cpu.max` text allows, rounded up ("150000 100000": 2), or 0
/// for no limit ("max 100000") and text it cannot read.
int CpusOfQuota(std::string_view cpu_max);

/// The tightest `cpu.max` limit on this process's cgroup v2 and the groups above it (a
/// container's CPU limit), or 0 when there is none or no cgroup v2.
int QuotaCpus();

}  // namespace sluice::detail
