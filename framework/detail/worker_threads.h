// Internal: how the pipeline's threads are set up and how they share the source.
#pragma once

#include <mutex>

namespace sluice::detail {

/// Called first on every pipeline thread: marks it as throughput work (SCHED_BATCH) and
/// leaves process signals to the application's threads.
void PreparePipelineThread();

/// Takes the source's turn to read (see Pipeline::Run), spinning briefly before it parks.
std::unique_lock<std::mutex> TakeTurn(std::mutex& turn);

}  // namespace sluice::detail
