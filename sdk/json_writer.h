// A minimal streaming JSON writer for what the engine prints itself: the
// resolved configuration, console spans, log lines. Commas and escaping are
// handled here so that callers only say what to write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/sdk/attribute.h"

namespace qtrace {

// Appends s to out as a JSON string literal (with quotes), escaping control
// characters, quotes and backslashes; bytes >= 0x80 are copied as they are.
void AppendJsonString(std::string& out, std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the next value's key.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open object/array: whether it already holds a member.
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

// Writes an attribute value as the JSON value of its type (arrays as arrays).
void WriteAttributeValue(JsonWriter& w, const AttributeValue& value);

}  // namespace qtrace
