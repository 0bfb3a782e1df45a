// Stage: one step of a pipeline. A Stage is shared, read-only configuration; each of its
// worker threads gets its own StageWorker (per-worker state, no locks), and aggregating
// stages combine their workers' states in Finish (DuckDB's sink model).
//
//   class UpperCase : public sluice::Stage {  // upper-cases one string field
//    public:
//     explicit UpperCase(std::string field) : field_(std::move(field)) {}
//     std::unique_ptr<sluice::StageWorker> MakeWorker() override {
//       return std::make_unique<Worker>(sluice::FieldNames::Intern(field_));
//     }
//     sluice::FieldNeeds Reads() const override { return sluice::FieldNeeds::Only({field_}); }
//
//    private:
//     struct Worker : sluice::StageWorker {
//       explicit Worker(sluice::FieldId field) : field(field) {}
//       sluice::Verdict Process(sluice::Item& item) override {
//         sluice::Value* v = item.record.Find(field);
//         auto* s = v ? std::get_if<std::string>(v) : nullptr;
//         if (!s) return item.Fail(sluice::ErrorCode::kMissingField, "no string to upper-case");
//         for (char& c : *s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
//         return sluice::Verdict::kPass;
//       }
//       const sluice::FieldId field;
//     };
//     const std::string field_;
//   };
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "framework/field_names.h"
#include "framework/item.h"
#include "framework/record.h"
#include "framework/source.h"

namespace sluice {

/// Which fields a stage reads. Parse stages before it parse only the union of what the
/// stages after them read (projection), or every field when any of them needs all.
struct FieldNeeds {
  bool all = true;
  std::vector<FieldId> fields;  // meaningful when !all

  static FieldNeeds All() { return {}; }
  static FieldNeeds None() { return {.all = false, .fields = {}}; }
  static FieldNeeds Only(std::initializer_list<std::string_view> names);
  void Add(FieldId id);  // no-op when all
  void Merge(const FieldNeeds& other);
};

/// Takes the result rows a stage's Finish makes, one at a time.
using RowSink = std::function<void(Record&& row)>;

/// Per-worker state and logic. Called from one thread only.
class StageWorker {
 public:
  virtual ~StageWorker() = default;
  /// Handles one record that is ok so far. May change item.record in place. Exceptions
  /// are caught by the runner and turn this one record into an error item.
  virtual Verdict Process(Item& item) = 0;
  /// Called in place of Process for an item that reached this worker failed already (by
  /// the source or an earlier stage), which passes on as an error. Default: nothing;
  /// parse_csv learns here that a failed line 1 brings no header. It must not throw.
  virtual void PassOver(const Item& failed) noexcept { (void)failed; }
};

/// What a stage needs the records that reach it to hold. The YAML checks use it to refuse
/// pipelines that cannot work: a first stage that needs parsed fields (a YAML pipeline's
/// records start as raw lines), and a second parser (it would replace the first one's record).
enum class StageInput : uint8_t {
  kAny,       // either, or unknown: the default (also for a filter on the raw text that
              // leaves the record alone: it may stand before the parser)
  kRawLines,  // the raw line (Item::raw): it is a parser, making the record from the line and
              // replacing any fields, so a pipeline has one
  kRecords,   // fields a parser made
};

class Stage {
 public:
  virtual ~Stage() = default;

  /// A new worker; called once per worker thread, before any record flows.
  virtual std::unique_ptr<StageWorker> MakeWorker() = 0;

  /// Fields this stage reads from records. Default: all (the safe answer).
  virtual FieldNeeds Reads() const { return FieldNeeds::All(); }

  /// Whether every record that passes this stage ends here (Verdict::kAbsorb, as in
  /// aggregates), so that the stages before it need only the fields it reads. Otherwise
  /// its records flow on, and whatever comes after it (the output included) may read any
  /// field.
  virtual bool AbsorbsRecords() const { return false; }

  /// What the records that reach this stage must hold. Default: kAny (no check).
  virtual StageInput Input() const { return StageInput::kAny; }

  /// For a first stage that reads raw lines: where the source should end its records
  /// (parse_csv with `multiline: true` keeps quoted line breaks). Default: at every line break.
  virtual RecordFraming Framing() const { return {}; }

  /// For stages that make records from raw text: the fields the later stages read.
  /// Called once before MakeWorker. Default: ignored.
  virtual void Project(const FieldNeeds& needed) { (void)needed; }

  /// Called once after every worker has drained its input, with all the workers. Hands
  /// its result rows (aggregates: combined and finalized) to `emit` in output order, one at
  /// a time, so that a million groups' rows are never all held at once. Default: none.
  virtual void Finish(std::span<const std::unique_ptr<StageWorker>> workers, const RowSink& emit) {
    (void)workers;
    (void)emit;
  }
};

/// Tells each stage of a chain (in order) what the stages after it read, calling
/// Project, so that parsers can skip the rest. Walking back from the output, which writes
/// whole records: a stage that absorbs its records resets the need to what it reads; any
/// other stage adds what it reads.
void ProjectFieldNeeds(std::span<Stage* const> chain);

}  // namespace sluice
