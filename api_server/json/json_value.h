// JsonValue and ParseJson: a small, strict JSON parser for HTTP request
// bodies (RFC 8259), with hard limits.
//
// What it refuses (InvalidArgument, "<what> at offset <byte offset>"):
//   - trailing commas, comments, single quotes, NaN/Infinity, leading zeros,
//     a leading '+' or '.', anything but space/tab/CR/LF around the value
//     (a byte order mark included), more than one top-level value;
//   - in strings: control characters (below 0x20), unknown escapes, invalid
//     UTF-8 (overlong forms, encoded surrogates, above U+10FFFF, truncated
//     sequences), \u escapes of lone or reversed surrogates;
//   - duplicate keys in one object (compared after unescaping);
//   - numbers whose magnitude overflows a double (1e400); ones that underflow
//     (1e-400) read as a zero of the same sign, as IEEE 754 rounding gives;
//   - the limits below.
// Any value may be the top-level one ("1", "null", "\"x\"").
//
// Safe on hostile input: no recursion while parsing (an explicit stack,
// bounded by max_depth), no exceptions (an allocation failure comes back as
// ResourceExhausted), every byte read is bounds-checked, and destroying a
// value does not recurse. Copying, comparing or writing a value recurses once
// per nesting level, which for a parsed value is at most max_depth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "qtrace/sdk/common/json_writer.h"

namespace qtrace {

struct JsonLimits {
  // Arrays and objects nested in one another; 0 allows scalars only.
  std::size_t max_depth = 32;
  // The whole text, whitespace included.
  std::size_t max_bytes = 1024 * 1024;
  // One string (a key or a value) after unescaping.
  std::size_t max_string_bytes = 64 * 1024;
  // Elements of one array, or members of one object.
  std::size_t max_members = 10000;
};

enum class JsonType { kNull, kBool, kNumber, kString, kArray, kObject };

class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  // Members in the order of the text.
  using Object = std::vector<Member>;

  // null.
  JsonValue() = default;
  JsonValue(const JsonValue&) = default;
  JsonValue(JsonValue&&) noexcept = default;
  JsonValue& operator=(const JsonValue&) = default;
  JsonValue& operator=(JsonValue&&) noexcept = default;
  // Iterative: however deeply a value nests, destroying it does not recurse.
  ~JsonValue();

  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool value);
  // A number written as an integer: AsInt() gives it back.
  static JsonValue Int(std::int64_t value);
  // A number written with a fraction or an exponent (or too large for
  // int64): AsInt() is empty even if the value is integral.
  static JsonValue Double(double value);
  static JsonValue String(std::string value);
  static JsonValue FromArray(Array elements);
  // Does not check the keys for duplicates.
  static JsonValue FromObject(Object members);

  JsonType type() const;
  bool IsNull() const { return type() == JsonType::kNull; }
  bool IsBool() const { return type() == JsonType::kBool; }
  bool IsNumber() const { return type() == JsonType::kNumber; }
  bool IsString() const { return type() == JsonType::kString; }
  bool IsArray() const { return type() == JsonType::kArray; }
  bool IsObject() const { return type() == JsonType::kObject; }

  std::optional<bool> AsBool() const;
  // Only for a number written as an integer (no fraction, no exponent) that
  // fits int64: "7", "-0", "9223372036854775807"; not "7.0", "7e0",
  // "9223372036854775808".
  std::optional<std::int64_t> AsInt() const;
  // Any number, rounded to the nearest double ("-0" gives -0.0).
  std::optional<double> AsDouble() const;
  // Views into this value: valid while it lives unchanged.
  std::optional<std::string_view> AsString() const;
  const Array* AsArray() const;
  const Object* AsObject() const;
  Array* MutableArray();
  Object* MutableObject();

  // An object's members in order; empty for anything else, so that
  // `for (const auto& [key, value] : v.items())` needs no check.
  const Object& items() const;

  // Object members by key (the first one if built with duplicates). nullptr
  // or empty when this is not an object, the key is missing or the member
  // has another type.
  const JsonValue* Find(std::string_view key) const;
  std::optional<std::string_view> GetString(std::string_view key) const;
  std::optional<std::int64_t> GetInt(std::string_view key) const;
  std::optional<double> GetDouble(std::string_view key) const;
  std::optional<bool> GetBool(std::string_view key) const;

  // Deep equality; members compare in order. Numbers: two integers compare
  // as int64, otherwise as doubles (so 1 == 1.0 and 0 == -0; these may be
  // written differently and read back as the other kind).
  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  struct Number {
    double value = 0;
    // Written as an integer that fits int64: then int_value is exact.
    bool is_int = false;
    std::int64_t int_value = 0;
  };
  friend class JsonParser;

  std::variant<std::monostate, bool, Number, std::string, Array, Object> data_;
};

// Parses text as exactly one JSON value, surrounded by optional whitespace.
absl::StatusOr<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Writes value as JSON: integers with JsonWriter::Int, other numbers with
// JsonWriter::Double (which gives "null" for NaN and infinities, which only
// a value built in code can hold).
void WriteJson(JsonWriter& writer, const JsonValue& value);
std::string SerializeJson(const JsonValue& value);

}  // namespace qtrace
