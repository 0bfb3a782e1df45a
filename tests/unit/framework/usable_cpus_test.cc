// How many CPUs `workers: auto` counts: the affinity mask and a cgroup v2 CPU limit.
#include "framework/detail/usable_cpus.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <limits>
#include <thread>

#include "framework/pipeline.h"

namespace sluice::detail {
namespace {

TEST(UsableCpusTest, AQuotaAllowsItsCpusRoundedUp) {
  EXPECT_EQ(CpusOfQuota("200000 100000\n"), 2);
  EXPECT_EQ(CpusOfQuota("150000 100000"), 2);  // one and a half CPUs: both get work
  EXPECT_EQ(CpusOfQuota("50000 100000\n"), 1);
  EXPECT_EQ(CpusOfQuota("100000 100000"), 1);
  EXPECT_EQ(CpusOfQuota("9223372036854775807 1"), std::numeric_limits<int>::max());
}

TEST(UsableCpusTest, NoLimitOrUnreadableTextIsNoQuota) {
  EXPECT_EQ(CpusOfQuota("max 100000\n"), 0);
  EXPECT_EQ(CpusOfQuota(""), 0);
  EXPECT_EQ(CpusOfQuota("100000"), 0);
  EXPECT_EQ(CpusOfQuota("12x 100000"), 0);
  EXPECT_EQ(CpusOfQuota("100000 0"), 0);
  EXPECT_EQ(CpusOfQuota("-5 100000"), 0);
}

// A process pinned to fewer CPUs than the machine has (taskset, a container's cpuset) gets
// that many workers, not one per CPU online.
TEST(UsableCpusTest, AutoWorkersFollowsTheAffinityMask) {
  int workers_on_one_cpu = 0, affinity_cpus = 0;
  std::thread pinned([&] {  // a thread of its own: the test's thread keeps its mask
    cpu_set_t all;
    CPU_ZERO(&all);
    ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &all)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    affinity_cpus = AffinityCpus();
    workers_on_one_cpu = AutoWorkers();
  });
  pinned.join();
  EXPECT_EQ(affinity_cpus, 1);
  EXPECT_EQ(workers_on_one_cpu, 1);
  EXPECT_GE(AutoWorkers(), 1);
  EXPECT_LE(AutoWorkers(), static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace sluice::detail
