// libFuzzer target for ParseJson. The input is a request body. Invariants (a
// violation calls __builtin_trap):
//   - a failure is InvalidArgument with "<what> at offset N", N <= size;
//   - a value, written with JsonWriter (WriteJson), parses again to an equal
//     value; written again, the text no longer changes (integral doubles and
//     -0 settle after one more round);
//   - an integer's double is its int64 rounded;
//   - with small limits (depth 3, strings of 8 bytes, 4 members) the parse
//     fails more often, but whenever it succeeds it gives the same value as
//     with the default limits.
//
// Build and run: tests/api_server/fuzz/run_json_fuzzer.sh <build-dir> [seconds]
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "api_server/json/json_value.h"
#include "qtrace/sdk/common/json_writer.h"

namespace {

using qtrace::JsonLimits;
using qtrace::JsonType;
using qtrace::JsonValue;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// The default limits but no size limit: written text may be longer than what
// was read ("1e-7" is written "1e-07").
JsonLimits Unbounded() {
  JsonLimits limits;
  limits.max_bytes = std::numeric_limits<std::size_t>::max();
  return limits;
}

constexpr JsonLimits kSmall{.max_depth = 3, .max_bytes = 4096, .max_string_bytes = 8, .max_members = 4};

void CheckError(const absl::Status& status, std::size_t size) {
  Check(status.code() == absl::StatusCode::kInvalidArgument);
  const std::string_view message(status.message().data(), status.message().size());
  constexpr std::string_view kAt = " at offset ";
  const std::size_t at = message.rfind(kAt);
  Check(at != std::string_view::npos && at > 0);
  const std::string_view digits = message.substr(at + kAt.size());
  Check(!digits.empty() && digits.size() <= 20);
  std::size_t offset = 0;
  for (char c : digits) {
    Check(c >= '0' && c <= '9');
    offset = offset * 10 + static_cast<std::size_t>(c - '0');
  }
  Check(offset <= size);
}

// Walks the value: numbers are consistent, depth and sizes within limits.
void CheckValue(const JsonValue& value, const JsonLimits& limits, std::size_t depth) {
  switch (value.type()) {
    case JsonType::kNull: Check(value.IsNull()); break;
    case JsonType::kBool: Check(value.AsBool().has_value()); break;
    case JsonType::kNumber: {
      Check(value.AsDouble().has_value());
      const double d = *value.AsDouble();
      Check(d == d && d - d == 0);  // finite
      if (const std::optional<std::int64_t> i = value.AsInt()) Check(static_cast<double>(*i) == d);
      break;
    }
    case JsonType::kString: Check(value.AsString()->size() <= limits.max_string_bytes); break;
    case JsonType::kArray:
      Check(depth < limits.max_depth);
      Check(value.AsArray()->size() <= limits.max_members);
      for (const JsonValue& element : *value.AsArray()) CheckValue(element, limits, depth + 1);
      break;
    case JsonType::kObject:
      Check(depth < limits.max_depth);
      Check(value.items().size() <= limits.max_members);
      for (const auto& [key, member] : value.items()) {
        Check(key.size() <= limits.max_string_bytes);
        Check(value.Find(key) == &member);  // keys are unique
        CheckValue(member, limits, depth + 1);
      }
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const absl::StatusOr<JsonValue> parsed = qtrace::ParseJson(input);
  const absl::StatusOr<JsonValue> small = qtrace::ParseJson(input, kSmall);
  if (!small.ok()) CheckError(small.status(), size);
  if (!parsed.ok()) {
    CheckError(parsed.status(), size);
    Check(!small.ok());
    return 0;
  }
  CheckValue(*parsed, JsonLimits{}, 0);
  if (small.ok()) {
    CheckValue(*small, kSmall, 0);
    Check(*small == *parsed);
  }

  // Written with JsonWriter, read back.
  qtrace::JsonWriter writer;
  qtrace::WriteJson(writer, *parsed);
  const std::string& text = writer.str();
  const absl::StatusOr<JsonValue> again = qtrace::ParseJson(text, Unbounded());
  Check(again.ok());
  Check(*again == *parsed);

  // Twice more: by then the text is stable.
  const std::string text2 = qtrace::SerializeJson(*again);
  const absl::StatusOr<JsonValue> third = qtrace::ParseJson(text2, Unbounded());
  Check(third.ok());
  Check(*third == *parsed);
  Check(qtrace::SerializeJson(*third) == text2);
  return 0;
}
