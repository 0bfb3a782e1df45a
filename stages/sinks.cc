// The result sinks and the dead-letter writer.
//
// Formats:
//   jsonl  One Record::AppendJson object per line, streamed through a 64 KiB buffer; Flush
//          writes out what it holds (sluice run does so every 50 ms, so that the lines of an
//          input that pauses are not held back).
//   csv    Header row, then one row per record; columns are the union of field names,
//          ordered by the mean position of the field in the records that hold it, then by
//          name (see Columns; a record lacking a field gets an empty cell). Rows are held
//          until Close so that the header can name fields that appear late. Fields with
//          ',', '"', CR or LF are quoted, '"' doubled (RFC 4180); lines end in "\n".
//          Values as Value's AppendText: null is empty, doubles as in JSON (76.0, 0.5). A
//          string that would read back as another type ("42", "true", "") is quoted, so
//          that parse_csv reads the row back as it was (and a first field name that starts
//          with U+FEFF, a byte order mark to readers); in a file of one column, a row
//          that would be a blank line (null, missing or blanks) is quoted and reads back
//          as a string ("" for null).
//   table  Held until Close, then printed aligned: a header row of field names (union,
//          ordered as for csv), a row of dashes, one row per record; columns separated by
//          two spaces, no trailing spaces. A column whose values are all numbers is
//          right-aligned (header included); others are left-aligned. Doubles show at most
//          6 significant digits but never round the integer part (3.14159, 150.5,
//          1234568), in exponent form only below 1e-4 or from 1e15 on (1.5e-05); nan,
//          inf, -inf as such. Null and missing values are blank; control characters in
//          strings are escaped (\n, \t, \xHH). No records: "(no results)".
#include "stages/sinks.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "framework/detail/control_characters.h"
#include "framework/value.h"
#include "stages/detail/output_file.h"
#include "stages/line_checks.h"
#include "stages/text_values.h"

namespace sluice {
namespace {

using detail::OutputFile;

// Columns named by the union of the records' field names. Records may reach a writer in
// any order (unordered pipelines emit batches as workers finish them), so the column order
// must not depend on which came first: columns are ordered by the mean position their field
// has in the records that hold it, and equal means by name. Records that agree on an
// order keep it; a field that only some records have lands where it sits in those.
class Columns {
 public:
  /// Column index (in order of discovery) of each of `record`'s fields, adding new columns
  /// as needed.
  void AddFieldsOf(const Record& record) {
    uint64_t position = 0;
    for (const Field& field : record.fields()) {
      if (field.id >= index_of_field_.size()) index_of_field_.resize(field.id + 1, kNone);
      if (index_of_field_[field.id] == kNone) {
        index_of_field_[field.id] = static_cast<uint32_t>(ids_.size());
        ids_.push_back(field.id);
        positions_.emplace_back();
      }
      Positions& seen = positions_[index_of_field_[field.id]];
      seen.sum += position++;
      ++seen.count;
    }
  }
  size_t size() const { return ids_.size(); }
  FieldId id(size_t column) const { return ids_[column]; }
  size_t IndexOf(FieldId id) const { return index_of_field_[id]; }

  /// The columns (indices of discovery) in output order; see the class comment.
  std::vector<size_t> Order() const {
    std::vector<size_t> order(ids_.size());
    for (size_t column = 0; column < order.size(); ++column) order[column] = column;
    std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      // Exact integer sums: the same rationals give the same doubles, whatever the order.
      const double mean_a = static_cast<double>(positions_[a].sum) / positions_[a].count;
      const double mean_b = static_cast<double>(positions_[b].sum) / positions_[b].count;
      if (mean_a != mean_b) return mean_a < mean_b;
      return FieldNames::Name(ids_[a]) < FieldNames::Name(ids_[b]);
    });
    return order;
  }

 private:
  struct Positions {
    uint64_t sum = 0;    // of the field's 0-based positions in the records that hold it
    uint64_t count = 0;  // records that hold it
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  std::vector<FieldId> ids_;
  std::vector<Positions> positions_;      // by column
  std::vector<uint32_t> index_of_field_;  // by FieldId
};

// ---------------------------------------------------------------------------------------
// jsonl

void EncodeJsonLine(const Record& record, std::string& out) {
  record.AppendJson(out);
  out += '\n';
}

class JsonlWriter final : public RecordWriter {
 public:
  explicit JsonlWriter(OutputFile out) : out_(std::move(out)) {}
  void Write(const Record& record) override {
    EncodeJsonLine(record, out_.buffer());
    out_.EndRecord();
  }
  RecordEncoder encoder() const override { return &EncodeJsonLine; }
  void WriteEncoded(std::string_view bytes, uint64_t records) override {
    out_.Append(bytes, records);
  }
  void Flush() override { out_.Flush(); }
  bool failed() const override { return out_.failed(); }
  Status Close() override { return out_.Close(); }
  uint64_t written() const override { return out_.written(); }

 private:
  OutputFile out_;
};

// ---------------------------------------------------------------------------------------
// csv

// `quote`: even when the text needs no quotes (a string that reads back as another type).
void AppendCsvField(std::string_view text, bool quote, std::string& out) {
  if (!quote && text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// parse_csv rejects a blank line ("empty line"), so in a file of one column a row that
// would be one (its value null, missing or blanks) has its cell quoted ("", "  "), as
// Python's csv writer does: it reads back as a row, a null or missing value as "". (Rows
// of several columns hold commas; rows of none, from records without fields, stay blank.)
void QuoteBlankRow(std::string& out, size_t row_begin) {
  const std::string_view row = std::string_view(out).substr(row_begin);
  if (!std::all_of(row.begin(), row.end(), IsBlank)) return;
  const std::string cell(row);
  out.resize(row_begin);
  AppendCsvField(cell, /*quote=*/true, out);
}

class CsvWriter final : public RecordWriter {
 public:
  explicit CsvWriter(OutputFile out) : out_(std::move(out)) {}

  // Held as CSV text in the columns' order of discovery, reordered at Close.
  void Write(const Record& record) override {
    columns_.AddFieldsOf(record);
    row_begins_.push_back(body_.size());
    // Each field's value by column: a Find per column costs columns x fields a record.
    values_.assign(columns_.size(), nullptr);
    for (const Field& field : record.fields()) values_[columns_.IndexOf(field.id)] = &field.value;
    for (size_t column = 0; column < columns_.size(); ++column) {
      if (column > 0) body_ += ',';
      const Value* value = values_[column];
      if (value == nullptr) continue;
      if (const auto* text = std::get_if<std::string>(value)) {
        // A string that parse_csv would read back as another type ("42", "true", "") is quoted.
        AppendCsvField(*text, /*quote=*/!InfersAsString(*text), body_);
      } else {
        scratch_.clear();
        AppendText(*value, scratch_);
        AppendCsvField(scratch_, /*quote=*/false, body_);
      }
    }
  }

  Status Close() override {
    if (!row_begins_.empty()) WriteAll();
    body_ = std::string();
    row_begins_ = {};
    return out_.Close();
  }
  uint64_t written() const override { return out_.written(); }

 private:
  // Splits a row this writer made back into its cells: a cell is quoted ("..." with ""
  // for a quote) or holds no comma, so the first comma outside quotes ends it.
  static void SplitRow(std::string_view row, std::vector<std::string_view>& cells) {
    cells.clear();
    size_t begin = 0;
    while (true) {
      size_t end = begin;
      if (end < row.size() && row[end] == '"') {
        for (++end; end < row.size(); ++end) {
          if (row[end] != '"') continue;
          if (end + 1 < row.size() && row[end + 1] == '"') {
            ++end;  // a doubled quote
          } else {
            break;  // the closing one
          }
        }
      }
      end = std::min(row.find(',', end), row.size());
      cells.push_back(row.substr(begin, end - begin));
      if (end == row.size()) return;
      begin = end + 1;
    }
  }

  void WriteAll() {
    const std::vector<size_t> order = columns_.Order();
    std::string& buffer = out_.buffer();
    const size_t header_begin = buffer.size();
    for (size_t k = 0; k < order.size(); ++k) {
      if (k > 0) buffer += ',';
      const std::string_view name = FieldNames::Name(columns_.id(order[k]));
      // Readers step over a byte order mark that starts a file: quoted, it stays the name's.
      AppendCsvField(name, /*quote=*/k == 0 && name.starts_with("\xEF\xBB\xBF"), buffer);
    }
    const bool one_column = order.size() == 1;
    if (one_column) QuoteBlankRow(buffer, header_begin);
    buffer += '\n';
    std::vector<std::string_view> cells;
    for (size_t r = 0; r < row_begins_.size(); ++r) {
      const size_t end = r + 1 < row_begins_.size() ? row_begins_[r + 1] : body_.size();
      SplitRow(std::string_view(body_).substr(row_begins_[r], end - row_begins_[r]), cells);
      const size_t row_begin = out_.buffer().size();
      for (size_t k = 0; k < order.size(); ++k) {
        if (k > 0) out_.buffer() += ',';
        if (order[k] < cells.size()) out_.buffer() += cells[order[k]];  // else: a later column
      }
      if (one_column) QuoteBlankRow(out_.buffer(), row_begin);
      out_.buffer() += '\n';
      out_.EndRecord();
    }
  }

  OutputFile out_;
  Columns columns_;
  std::string body_;                  // the rows, back to back, without line ends
  std::vector<size_t> row_begins_;    // where each row starts in body_
  std::vector<const Value*> values_;  // the record being written, by column
  std::string scratch_;
};

// ---------------------------------------------------------------------------------------
// table

std::string FormatTableDouble(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0) return "0";
  const double magnitude = std::fabs(x);
  char text[64];
  if (magnitude >= 1e15 || magnitude < 1e-4) {
    std::snprintf(text, sizeof text, "%.6g", x);
    return text;
  }
  const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
  // Digits after the point so that 6 significant digits show, but at least the integer part.
  const int decimals = std::max(0, 5 - exponent);
  std::string out(text, std::snprintf(text, sizeof text, "%.*f", decimals, x));
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

void AppendTableText(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const size_t bytes = detail::ControlCharacterBytes(text, i);
    if (bytes == 0) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      const unsigned code_point = detail::ControlCodePoint(text, i, bytes);
      out += bytes == 1 ? "\\x" : "\\u00";  // C1 (U+0080-U+009F) by its code point
      out += kHex[code_point >> 4];
      out += kHex[code_point & 0xf];
    }
    i += std::max<size_t>(bytes, 1);
  }
}

// Terminal columns a code point takes: 2 for East Asian wide and fullwidth characters and
// the emoji blocks, 0 for the common combining marks, zero-width spaces and joiners and
// variation selectors, else 1 (Markus Kuhn's wcwidth ranges, in short).
size_t CodePointWidth(char32_t c) {
  const auto in = [c](char32_t first, char32_t last) { return c >= first && c <= last; };
  if (in(0x0300, 0x036F) || in(0x1AB0, 0x1AFF) || in(0x1DC0, 0x1DFF) || in(0x200B, 0x200F) ||
      in(0x2060, 0x2064) || in(0x20D0, 0x20FF) || in(0xFE00, 0xFE0F) || in(0xFE20, 0xFE2F) ||
      c == 0xFEFF) {
    return 0;
  }
  if (in(0x1100, 0x115F) || c == 0x2329 || c == 0x232A || (in(0x2E80, 0xA4CF) && c != 0x303F) ||
      in(0xAC00, 0xD7A3) || in(0xF900, 0xFAFF) || in(0xFE10, 0xFE19) || in(0xFE30, 0xFE6F) ||
      in(0xFF00, 0xFF60) || in(0xFFE0, 0xFFE6) || in(0x1F300, 0x1F64F) || in(0x1F900, 0x1F9FF) ||
      in(0x20000, 0x2FFFD) || in(0x30000, 0x3FFFD)) {
    return 2;
  }
  return 1;
}

// Terminal columns taken by UTF-8 text, so that a table's columns line up in a terminal
// with CJK text too. A byte that starts no valid sequence takes one column.
size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++width;
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      ++width;
      ++i;
      continue;
    }
    char32_t c = byte & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      c = c << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    width += CodePointWidth(c);
    i += length;
  }
  return width;
}

class TableWriter final : public RecordWriter {
 public:
  explicit TableWriter(OutputFile out) : out_(std::move(out)) {}

  /// A column is as wide as its widest cell up to this; a longer cell sticks out of its
  /// column in its own row, so that one long value does not pad every row to its width.
  static constexpr size_t kMaxPaddedWidth = 100;

  void Write(const Record& record) override {
    columns_.AddFieldsOf(record);
    kinds_.resize(columns_.size());
    Row& row = rows_.emplace_back();
    for (const Field& field : record.fields()) {
      const size_t column = columns_.IndexOf(field.id);
      AppendCell(field.value, kinds_[column], row.text);
      row.cells.push_back({.column = column, .end = row.text.size()});
    }
  }

  Status Close() override {
    if (!closed_) {
      closed_ = true;
      if (rows_.empty()) {
        out_.buffer() += "(no results)\n";  // written by Close
      } else {
        WriteAll();
      }
      rows_ = {};
    }
    return out_.Close();
  }
  uint64_t written() const override { return out_.written(); }

 private:
  struct ColumnKind {
    bool has_number = false;
    bool has_other = false;
    bool right_aligned() const { return has_number && !has_other; }
  };

  // A row's formatted cells, one after another in `text`: only the columns it has, so that
  // rows of sparse records do not hold a string for every column seen.
  struct Row {
    struct Cell {
      size_t column;  // of discovery
      size_t end;     // in text; the cell starts where the one before ends
    };
    std::string text;
    std::vector<Cell> cells;
  };

  static void AppendCell(const Value& value, ColumnKind& kind, std::string& out) {
    switch (TypeOf(value)) {
      case ValueType::kNull: break;
      case ValueType::kInt:
        kind.has_number = true;
        out += std::to_string(std::get<int64_t>(value));
        break;
      case ValueType::kDouble:
        kind.has_number = true;
        out += FormatTableDouble(std::get<double>(value));
        break;
      case ValueType::kBool:
        kind.has_other = true;
        out += std::get<bool>(value) ? "true" : "false";
        break;
      case ValueType::kString:
        kind.has_other = true;
        AppendTableText(std::get<std::string>(value), out);
        break;
    }
  }

  // Calls visit(column, cell) for each of the row's cells.
  template <class Visit>
  static void ForEachCell(const Row& row, Visit visit) {
    size_t begin = 0;
    for (const Row::Cell& cell : row.cells) {
      visit(cell.column, std::string_view(row.text).substr(begin, cell.end - begin));
      begin = cell.end;
    }
  }

  void WriteAll() {
    order_ = columns_.Order();
    std::vector<std::string> header(columns_.size());
    std::vector<size_t> widths(columns_.size());
    for (size_t column = 0; column < columns_.size(); ++column) {
      AppendTableText(FieldNames::Name(columns_.id(column)), header[column]);
      widths[column] = std::min(DisplayWidth(header[column]), kMaxPaddedWidth);
    }
    for (const Row& row : rows_) {
      ForEachCell(row, [&widths](size_t column, std::string_view cell) {
        widths[column] = std::max(widths[column], std::min(DisplayWidth(cell), kMaxPaddedWidth));
      });
    }
    std::vector<std::string> dashes(columns_.size());
    for (size_t column = 0; column < columns_.size(); ++column) {
      dashes[column].assign(widths[column], '-');
    }
    std::vector<std::string_view> cells(columns_.size());
    const auto write_line = [&](const std::vector<std::string>& line) {
      cells.assign(line.begin(), line.end());
      WriteLine(cells, widths);
    };
    write_line(header);
    write_line(dashes);
    for (const Row& row : rows_) {
      cells.assign(columns_.size(), std::string_view());
      ForEachCell(row, [&cells](size_t column, std::string_view cell) { cells[column] = cell; });
      WriteLine(cells, widths);
      out_.EndRecord();
    }
  }

  // `cells` by column of discovery ("" where the row has none).
  void WriteLine(const std::vector<std::string_view>& cells, const std::vector<size_t>& widths) {
    std::string& out = out_.buffer();
    const size_t line_start = out.size();
    for (size_t k = 0; k < order_.size(); ++k) {
      const size_t column = order_[k];
      const std::string_view cell = cells[column];
      const size_t padding = widths[column] - std::min(DisplayWidth(cell), widths[column]);
      if (k > 0) out += "  ";
      if (kinds_[column].right_aligned()) out.append(padding, ' ');
      out += cell;
      if (!kinds_[column].right_aligned()) out.append(padding, ' ');
    }
    while (out.size() > line_start && out.back() == ' ') out.pop_back();
    out += '\n';
  }

  OutputFile out_;
  Columns columns_;
  std::vector<ColumnKind> kinds_;
  std::vector<Row> rows_;
  std::vector<size_t> order_;  // the columns in output order (Columns::Order)
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------
// dead letters

class JsonlDeadLetterWriter final : public DeadLetterWriter {
 public:
  explicit JsonlDeadLetterWriter(OutputFile out) : out_(std::move(out)) {}
  void Write(const Error& error) override {
    Encode(error, out_.buffer());
    out_.EndRecord();
  }
  void WriteEncoded(std::string_view bytes, uint64_t errors) override {
    out_.Append(bytes, errors);
  }
  void Flush() override { out_.Flush(); }
  bool failed() const override { return out_.failed(); }
  Status Close() override { return out_.Close(); }
  uint64_t written() const override { return out_.written(); }

 private:
  OutputFile out_;
};

}  // namespace

void RecordWriter::WriteEncoded(std::string_view /*bytes*/, uint64_t /*records*/) {
  throw std::logic_error("RecordWriter::WriteEncoded: this format has no encoder");
}

Status CheckOutputPath(const std::string& path) { return detail::OutputFile::CheckWritable(path); }

void DeadLetterWriter::Encode(const Error& error, std::string& out) {
  error.AppendJson(out);
  out += '\n';
}

const std::vector<std::string>& OutputFormatNames() {
  static const std::vector<std::string> kNames = {"table", "jsonl", "csv"};  // OutputFormat's order
  return kNames;
}

std::optional<OutputFormat> OutputFormatFromName(std::string_view name) {
  const std::vector<std::string>& names = OutputFormatNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<OutputFormat>(i);
  }
  return std::nullopt;
}

std::optional<OutputFormat> OutputFormatFromPath(std::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string extension(path.substr(dot + 1));
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == "jsonl" || extension == "ndjson" || extension == "json") {
    return OutputFormat::kJsonl;
  }
  if (extension == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

Result<std::unique_ptr<RecordWriter>> OpenOutput(const OutputOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(OutputFile out, OutputFile::Open(options.path));
  switch (options.format) {
    case OutputFormat::kTable:
      return std::unique_ptr<RecordWriter>(new TableWriter(std::move(out)));
    case OutputFormat::kJsonl:
      return std::unique_ptr<RecordWriter>(new JsonlWriter(std::move(out)));
    case OutputFormat::kCsv: return std::unique_ptr<RecordWriter>(new CsvWriter(std::move(out)));
  }
  return Error{.code = ErrorCode::kInternal, .message = "unknown output format"};
}

Result<std::unique_ptr<DeadLetterWriter>> OpenDeadLetters(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(OutputFile out, OutputFile::Open(path));
  return std::unique_ptr<DeadLetterWriter>(new JsonlDeadLetterWriter(std::move(out)));
}

}  // namespace sluice
