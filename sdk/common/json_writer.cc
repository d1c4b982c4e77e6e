#include "qtrace/sdk/common/json_writer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <variant>

#include "qtrace/sdk/common/utf8.h"

namespace qtrace {

void AppendJsonString(std::string& out, std::string_view s) {
  std::string repaired;  // allocates only for ill-formed text
  const std::string_view text = ValidUtf8(s, repaired);
  const std::size_t start = out.size();
  out.resize(start + MaxJsonStringSize(text.size()));
  char* end = WriteJsonString(out.data() + start, text);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_member_.empty()) {
    if (has_member_.back()) out_.push_back(',');
    has_member_.back() = true;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  has_member_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  has_member_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  has_member_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  has_member_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_ += "null";  // JSON has no NaN or infinity
    return *this;
  }
  // The shortest of 15 or 17 digits that reads back as the same double.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  if (std::strtod(buf, nullptr) != value) std::snprintf(buf, sizeof buf, "%.17g", value);
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

void WriteAttributeValue(JsonWriter& w, const AttributeValue& value) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          w.Bool(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Int(v);
        } else if constexpr (std::is_same_v<T, double>) {
          w.Double(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          w.String(v);
        } else {
          w.BeginArray();
          for (const auto& item : v) {
            if constexpr (std::is_same_v<typename T::value_type, std::string>) {
              w.String(item);
            } else if constexpr (std::is_same_v<typename T::value_type, double>) {
              w.Double(item);
            } else if constexpr (std::is_same_v<typename T::value_type, bool>) {
              w.Bool(item);
            } else {
              w.Int(item);
            }
          }
          w.EndArray();
        }
      },
      value);
}

}  // namespace qtrace
