// RegisterBuiltinStages: loads every built-in stage type into a registry.
//
//   sluice::StageRegistry registry;
//   sluice::RegisterBuiltinStages(registry);   // parse_json, parse_csv, parse_kv,
//                                              // parse_regex, validate, aggregate
#pragma once

#include "framework/stage_registry.h"

namespace sluice {

void RegisterBuiltinStages(StageRegistry& registry);

}  // namespace sluice
