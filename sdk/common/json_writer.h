// A minimal streaming JSON writer for what the engine prints itself: the
// resolved configuration, console spans, log lines. Commas and escaping are
// handled here so that callers only say what to write.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/sdk/attribute.h"

namespace qtrace {

// The most bytes a JSON string literal of n bytes of text takes: two quotes
// and, at worst, six bytes (\u00XX) for each byte.
constexpr std::size_t MaxJsonStringSize(std::size_t n) { return 2 + 6 * n; }

// Writes valid_utf8 as a JSON string literal (with quotes) at out and returns
// the end: quotes, backslashes and control characters escaped (the short
// forms where JSON has one), every other byte as it is. The one escaper of
// the repository: AppendJsonString below and the OTLP/JSON encoder both use
// it. REQUIRES: room for MaxJsonStringSize(valid_utf8.size()) bytes at out;
// valid_utf8 is valid UTF-8 (see common/utf8.h). Inline: the OTLP/JSON
// encoder writes every string of a batch through it.
inline char* WriteJsonString(char* p, std::string_view valid_utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  *p++ = '"';
  for (const char ch : valid_utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\') [[likely]] {
      *p++ = ch;
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"': *p++ = '"'; break;
      case '\\': *p++ = '\\'; break;
      case '\n': *p++ = 'n'; break;
      case '\r': *p++ = 'r'; break;
      case '\t': *p++ = 't'; break;
      case '\b': *p++ = 'b'; break;
      case '\f': *p++ = 'f'; break;
      default:
        *p++ = 'u', *p++ = '0', *p++ = '0', *p++ = kHex[c >> 4], *p++ = kHex[c & 15];
    }
  }
  *p++ = '"';
  return p;
}

// Appends s to out as a JSON string literal; ill-formed UTF-8 in s becomes
// U+FFFD first, so that the output is always valid JSON text.
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
