#include "stages/builtin.h"

#include "stages/aggregate.h"
#include "stages/parse_csv.h"
#include "stages/parse_json.h"
#include "stages/parse_kv.h"
#include "stages/parse_regex.h"
#include "stages/validate.h"

namespace sluice {

void RegisterBuiltinStages(StageRegistry& registry) {
  RegisterParseJson(registry);
  RegisterParseCsv(registry);
  RegisterParseKv(registry);
  RegisterParseRegex(registry);
  RegisterValidate(registry);
  RegisterAggregate(registry);
}

}  // namespace sluice
