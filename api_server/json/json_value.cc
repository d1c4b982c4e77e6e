#include "api_server/json/json_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <new>
#include <system_error>
#include <unordered_set>

#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/common/utf8.h"

namespace qtrace {

// ---------------------------------------------------------------- JsonValue

JsonValue::~JsonValue() {
  if (!IsArray() && !IsObject()) return;
  // Move the nested containers out, flat, before they are destroyed: what
  // each one holds is taken out in turn, so no destructor recurses further
  // than one level (a moved-from container is empty).
  std::vector<JsonValue> pending;
  const auto take_children = [&pending](JsonValue& v) {
    const auto take = [&pending](JsonValue& child) {
      if (!child.IsArray() && !child.IsObject()) return;
      try {
        pending.push_back(std::move(child));
      } catch (const std::bad_alloc&) {
        // Left in place (the move is noexcept: push_back changed nothing);
        // it is destroyed recursively instead.
      }
    };
    if (Array* elements = v.MutableArray()) {
      for (JsonValue& element : *elements) take(element);
      elements->clear();
    } else if (Object* members = v.MutableObject()) {
      for (Member& member : *members) take(member.second);
      members->clear();
    }
  };
  take_children(*this);
  while (!pending.empty()) {
    JsonValue next = std::move(pending.back());
    pending.pop_back();
    take_children(next);
  }
}

JsonValue JsonValue::Bool(bool value) {
  JsonValue v;
  v.data_ = value;
  return v;
}

JsonValue JsonValue::Int(std::int64_t value) {
  JsonValue v;
  v.data_ = Number{static_cast<double>(value), true, value};
  return v;
}

JsonValue JsonValue::Double(double value) {
  JsonValue v;
  v.data_ = Number{value, false, 0};
  return v;
}

JsonValue JsonValue::String(std::string value) {
  JsonValue v;
  v.data_ = std::move(value);
  return v;
}

JsonValue JsonValue::FromArray(Array elements) {
  JsonValue v;
  v.data_ = std::move(elements);
  return v;
}

JsonValue JsonValue::FromObject(Object members) {
  JsonValue v;
  v.data_ = std::move(members);
  return v;
}

JsonType JsonValue::type() const {
  switch (data_.index()) {
    case 1: return JsonType::kBool;
    case 2: return JsonType::kNumber;
    case 3: return JsonType::kString;
    case 4: return JsonType::kArray;
    case 5: return JsonType::kObject;
    default: return JsonType::kNull;
  }
}

std::optional<bool> JsonValue::AsBool() const {
  if (const bool* b = std::get_if<bool>(&data_)) return *b;
  return std::nullopt;
}

std::optional<std::int64_t> JsonValue::AsInt() const {
  if (const Number* n = std::get_if<Number>(&data_); n != nullptr && n->is_int) return n->int_value;
  return std::nullopt;
}

std::optional<double> JsonValue::AsDouble() const {
  if (const Number* n = std::get_if<Number>(&data_)) return n->value;
  return std::nullopt;
}

std::optional<std::string_view> JsonValue::AsString() const {
  if (const std::string* s = std::get_if<std::string>(&data_)) return std::string_view(*s);
  return std::nullopt;
}

const JsonValue::Array* JsonValue::AsArray() const { return std::get_if<Array>(&data_); }
const JsonValue::Object* JsonValue::AsObject() const { return std::get_if<Object>(&data_); }
JsonValue::Array* JsonValue::MutableArray() { return std::get_if<Array>(&data_); }
JsonValue::Object* JsonValue::MutableObject() { return std::get_if<Object>(&data_); }

const JsonValue::Object& JsonValue::items() const {
  static const Object kEmpty;
  const Object* members = AsObject();
  return members != nullptr ? *members : kEmpty;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  const Object* members = AsObject();
  if (members == nullptr) return nullptr;
  for (const Member& m : *members) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

std::optional<std::string_view> JsonValue::GetString(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr ? v->AsString() : std::nullopt;
}

std::optional<std::int64_t> JsonValue::GetInt(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr ? v->AsInt() : std::nullopt;
}

std::optional<double> JsonValue::GetDouble(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr ? v->AsDouble() : std::nullopt;
}

std::optional<bool> JsonValue::GetBool(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr ? v->AsBool() : std::nullopt;
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  if (a.data_.index() != b.data_.index()) return false;
  switch (a.type()) {
    case JsonType::kNull: return true;
    case JsonType::kBool: return std::get<bool>(a.data_) == std::get<bool>(b.data_);
    case JsonType::kNumber: {
      const JsonValue::Number& x = std::get<JsonValue::Number>(a.data_);
      const JsonValue::Number& y = std::get<JsonValue::Number>(b.data_);
      if (x.is_int && y.is_int) return x.int_value == y.int_value;
      return x.value == y.value;
    }
    case JsonType::kString: return std::get<std::string>(a.data_) == std::get<std::string>(b.data_);
    case JsonType::kArray: return std::get<JsonValue::Array>(a.data_) == std::get<JsonValue::Array>(b.data_);
    case JsonType::kObject: return std::get<JsonValue::Object>(a.data_) == std::get<JsonValue::Object>(b.data_);
  }
  return false;
}

// ------------------------------------------------------------------ writing

void WriteJson(JsonWriter& writer, const JsonValue& value) {
  switch (value.type()) {
    case JsonType::kNull: writer.Null(); return;
    case JsonType::kBool: writer.Bool(*value.AsBool()); return;
    case JsonType::kNumber:
      if (const std::optional<std::int64_t> i = value.AsInt()) {
        writer.Int(*i);
      } else {
        writer.Double(*value.AsDouble());
      }
      return;
    case JsonType::kString: writer.String(*value.AsString()); return;
    case JsonType::kArray:
      writer.BeginArray();
      for (const JsonValue& element : *value.AsArray()) WriteJson(writer, element);
      writer.EndArray();
      return;
    case JsonType::kObject:
      writer.BeginObject();
      for (const auto& [key, member] : *value.AsObject()) {
        writer.Key(key);
        WriteJson(writer, member);
      }
      writer.EndObject();
      return;
  }
}

std::string SerializeJson(const JsonValue& value) {
  JsonWriter writer;
  WriteJson(writer, value);
  return writer.str();
}

// ------------------------------------------------------------------ parsing

namespace {

constexpr bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The four hex digits at text[pos..pos+4), or -1.
std::int32_t Hex4(std::string_view text, std::size_t pos) {
  if (text.size() < pos || text.size() - pos < 4) return -1;
  std::int32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int d = HexDigitValue(text[pos + i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// For a number token from_chars found out of range (as a double): whether its
// magnitude is below 1 (an underflow) rather than huge (an overflow). The
// token has the JSON grammar and at least one non-zero digit.
bool IsUnderflow(std::string_view token) {
  std::size_t i = 0;
  if (token[i] == '-') ++i;
  // Decimal exponent of the first significant digit, before the e part.
  std::int64_t lead = 0;
  if (token[i] != '0') {
    std::int64_t int_digits = 0;
    while (i < token.size() && IsDigit(token[i])) ++int_digits, ++i;
    lead = int_digits - 1;
  } else {
    ++i;
    if (i < token.size() && token[i] == '.') {
      ++i;
      std::int64_t zeros = 0;
      while (i < token.size() && token[i] == '0') ++zeros, ++i;
      lead = -(zeros + 1);
    }
  }
  while (i < token.size() && token[i] != 'e' && token[i] != 'E') ++i;
  std::int64_t exponent = 0;
  if (i < token.size()) {
    ++i;
    bool negative = false;
    if (token[i] == '+' || token[i] == '-') negative = token[i++] == '-';
    for (; i < token.size(); ++i) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (token[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  return lead + exponent < 0;
}

}  // namespace

// A friend of JsonValue (it builds numbers). Iterative: the open arrays and
// objects are on an explicit stack.
class JsonParser {
 public:
  JsonParser(std::string_view text, const JsonLimits& limits) : text_(text), limits_(limits) {}

  absl::StatusOr<JsonValue> Parse();

 private:
  // An array or object being filled.
  struct Frame {
    JsonValue value;
    // Object: the key of the member whose value is being parsed.
    std::string key;
    // Object with many members: every key so far (small ones are scanned).
    std::unordered_set<std::string> keys;
  };
  static constexpr std::size_t kScanKeysBelow = 16;

  static absl::Status Error(std::string_view what, std::size_t offset) {
    return absl::InvalidArgumentError(StrCat(what, " at offset ", offset));
  }
  absl::Status EndOrUnexpected() const {
    return Error(pos_ >= text_.size() ? "unexpected end of input" : "unexpected character", pos_);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  absl::Status CheckRoom(const Frame& frame) const;
  absl::Status ParseScalar(JsonValue& out);
  absl::Status ParseLiteral(std::string_view word);
  absl::Status ParseNumber(JsonValue& out);
  absl::Status ParseString(std::string& out);
  absl::Status ParseEscape(std::string& out);
  // After '{' or ',' in an object: the key and the ':'.
  absl::Status ParseKey(Frame& frame);
  // At '[' or '{': an empty container is a complete value (moved into value,
  // returns true); otherwise the container goes on the stack, ready for its
  // first value (returns false).
  absl::StatusOr<bool> OpenContainer(std::vector<Frame>& stack, JsonValue& value);
  // value is complete: adds it to the innermost open container and closes
  // those that end after it. True when the document is complete (value then
  // holds it); false when another value follows.
  absl::StatusOr<bool> CompleteValue(std::vector<Frame>& stack, JsonValue& value);

  std::string_view text_;
  const JsonLimits& limits_;
  std::size_t pos_ = 0;
};

absl::StatusOr<JsonValue> JsonParser::Parse() {
  if (text_.size() > limits_.max_bytes) {
    return Error(StrCat("input larger than ", limits_.max_bytes, " bytes"), limits_.max_bytes);
  }
  std::vector<Frame> stack;
  JsonValue value;
  while (true) {
    // A value starts here.
    SkipSpace();
    if (pos_ >= text_.size()) return EndOrUnexpected();
    const char c = text_[pos_];
    if (c == '[' || c == '{') {
      absl::StatusOr<bool> complete = OpenContainer(stack, value);
      if (!complete.ok()) return complete.status();
      if (!*complete) continue;
    } else if (absl::Status s = ParseScalar(value); !s.ok()) {
      return s;
    }
    absl::StatusOr<bool> done = CompleteValue(stack, value);
    if (!done.ok()) return done.status();
    if (*done) return value;
  }
}

absl::StatusOr<bool> JsonParser::OpenContainer(std::vector<Frame>& stack, JsonValue& value) {
  if (stack.size() >= limits_.max_depth) {
    return Error(StrCat("nesting deeper than ", limits_.max_depth), pos_);
  }
  const bool is_array = text_[pos_] == '[';
  ++pos_;
  Frame frame;
  frame.value = is_array ? JsonValue::FromArray({}) : JsonValue::FromObject({});
  SkipSpace();
  if (pos_ < text_.size() && text_[pos_] == (is_array ? ']' : '}')) {
    ++pos_;
    value = std::move(frame.value);
    return true;
  }
  if (absl::Status s = is_array ? CheckRoom(frame) : ParseKey(frame); !s.ok()) return s;
  stack.push_back(std::move(frame));
  return false;
}

absl::StatusOr<bool> JsonParser::CompleteValue(std::vector<Frame>& stack, JsonValue& value) {
  while (true) {
    if (stack.empty()) {
      SkipSpace();
      if (pos_ != text_.size()) return Error("unexpected character", pos_);
      return true;
    }
    Frame& top = stack.back();
    JsonValue::Array* array = top.value.MutableArray();
    if (array != nullptr) {
      array->push_back(std::move(value));
    } else {
      top.value.MutableObject()->emplace_back(std::move(top.key), std::move(value));
    }
    SkipSpace();
    if (pos_ >= text_.size()) return EndOrUnexpected();
    const char next = text_[pos_];
    if (next == ',') {
      ++pos_;
      if (array != nullptr) {
        SkipSpace();
        if (absl::Status s = CheckRoom(top); !s.ok()) return s;
      } else if (absl::Status s = ParseKey(top); !s.ok()) {
        return s;
      }
      return false;  // the next value
    }
    if (next != (array != nullptr ? ']' : '}')) return Error("unexpected character", pos_);
    ++pos_;
    value = std::move(top.value);
    stack.pop_back();
  }
}

absl::Status JsonParser::CheckRoom(const Frame& frame) const {
  const JsonValue::Array* array = frame.value.AsArray();
  const std::size_t size = array != nullptr ? array->size() : frame.value.AsObject()->size();
  if (size >= limits_.max_members) return Error(StrCat("more than ", limits_.max_members, " members"), pos_);
  return absl::OkStatus();
}

absl::Status JsonParser::ParseKey(Frame& frame) {
  SkipSpace();
  if (absl::Status s = CheckRoom(frame); !s.ok()) return s;
  if (pos_ >= text_.size() || text_[pos_] != '"') return EndOrUnexpected();
  const std::size_t key_offset = pos_;
  std::string key;
  if (absl::Status s = ParseString(key); !s.ok()) return s;

  const JsonValue::Object& members = *frame.value.AsObject();
  bool duplicate = false;
  if (members.size() < kScanKeysBelow) {
    for (const JsonValue::Member& m : members) duplicate = duplicate || m.first == key;
  } else {
    if (frame.keys.empty()) {
      for (const JsonValue::Member& m : members) frame.keys.insert(m.first);
    }
    duplicate = !frame.keys.insert(key).second;
  }
  if (duplicate) return Error("duplicate key", key_offset);

  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != ':') return EndOrUnexpected();
  ++pos_;
  frame.key = std::move(key);
  return absl::OkStatus();
}

absl::Status JsonParser::ParseScalar(JsonValue& out) {
  const char c = text_[pos_];
  switch (c) {
    case '"': {
      std::string s;
      if (absl::Status status = ParseString(s); !status.ok()) return status;
      out = JsonValue::String(std::move(s));
      return absl::OkStatus();
    }
    case 't':
      out = JsonValue::Bool(true);
      return ParseLiteral("true");
    case 'f':
      out = JsonValue::Bool(false);
      return ParseLiteral("false");
    case 'n':
      out = JsonValue::Null();
      return ParseLiteral("null");
    default:
      if (c == '-' || IsDigit(c)) return ParseNumber(out);
      return Error("unexpected character", pos_);
  }
}

absl::Status JsonParser::ParseLiteral(std::string_view word) {
  for (const char expected : word) {
    if (pos_ >= text_.size() || text_[pos_] != expected) return EndOrUnexpected();
    ++pos_;
  }
  return absl::OkStatus();
}

absl::Status JsonParser::ParseNumber(JsonValue& out) {
  const std::size_t start = pos_;
  const auto digit_here = [this] { return pos_ < text_.size() && IsDigit(text_[pos_]); };
  if (text_[pos_] == '-') ++pos_;
  if (!digit_here()) return EndOrUnexpected();
  if (text_[pos_] == '0') {
    ++pos_;
    if (digit_here()) return Error("leading zero", start);
  } else {
    while (digit_here()) ++pos_;
  }
  bool integral = true;
  if (pos_ < text_.size() && text_[pos_] == '.') {
    integral = false;
    ++pos_;
    if (!digit_here()) return EndOrUnexpected();
    while (digit_here()) ++pos_;
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    integral = false;
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (!digit_here()) return EndOrUnexpected();
    while (digit_here()) ++pos_;
  }
  const std::string_view token = text_.substr(start, pos_ - start);
  const char* const first = token.data();
  const char* const last = token.data() + token.size();

  JsonValue::Number number;
  const auto [end, ec] = std::from_chars(first, last, number.value);
  if (ec == std::errc::result_out_of_range) {
    if (!IsUnderflow(token)) return Error("number out of range", start);
    number.value = token.front() == '-' ? -0.0 : 0.0;
  } else if (ec != std::errc() || end != last) {
    return Error("invalid number", start);  // not expected: the grammar was checked
  }
  if (integral) {
    std::int64_t i = 0;
    const auto [int_end, int_ec] = std::from_chars(first, last, i);
    if (int_ec == std::errc() && int_end == last) {
      number.is_int = true;
      number.int_value = i;
    }
  }
  out.data_ = number;
  return absl::OkStatus();
}

absl::Status JsonParser::ParseString(std::string& out) {
  const std::size_t start = pos_;
  ++pos_;  // the opening quote
  while (true) {
    if (out.size() > limits_.max_string_bytes) {
      return Error(StrCat("string longer than ", limits_.max_string_bytes, " bytes"), start);
    }
    if (pos_ >= text_.size()) return EndOrUnexpected();
    // A run of plain printable ASCII at once.
    std::size_t run = pos_;
    while (run < text_.size()) {
      const auto b = static_cast<unsigned char>(text_[run]);
      if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > pos_) {
      const std::size_t room = limits_.max_string_bytes + 1 - out.size();
      out.append(text_.substr(pos_, std::min(run - pos_, room)));
      pos_ = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return absl::OkStatus();
    }
    if (c == '\\') {
      if (absl::Status s = ParseEscape(out); !s.ok()) return s;
    } else if (c < 0x20) {
      return Error("control character in string", pos_);
    } else {
      std::size_t ill_formed;
      const std::size_t n = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(text_.data()) + pos_,
                                               text_.size() - pos_, &ill_formed);
      if (n == 0) return Error("invalid UTF-8", pos_);
      out.append(text_.substr(pos_, n));
      pos_ += n;
    }
  }
}

absl::Status JsonParser::ParseEscape(std::string& out) {
  const std::size_t start = pos_;  // at the backslash
  if (pos_ + 1 >= text_.size()) {
    pos_ = text_.size();
    return EndOrUnexpected();
  }
  const char e = text_[pos_ + 1];
  char simple = 0;
  switch (e) {
    case '"': simple = '"'; break;
    case '\\': simple = '\\'; break;
    case '/': simple = '/'; break;
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    case 'u': break;
    default: return Error("invalid escape", start);
  }
  if (simple != 0) {
    out.push_back(simple);
    pos_ += 2;
    return absl::OkStatus();
  }
  const std::int32_t unit = Hex4(text_, pos_ + 2);
  if (unit < 0) return Error("invalid \\u escape", start);
  std::uint32_t cp = static_cast<std::uint32_t>(unit);
  pos_ += 6;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone surrogate", start);
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    // Must be followed by a \u escape of a low surrogate.
    if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
      return Error("lone surrogate", start);
    }
    const std::int32_t low = Hex4(text_, pos_ + 2);
    if (low < 0) return Error("invalid \\u escape", pos_);
    if (low < 0xDC00 || low > 0xDFFF) return Error("lone surrogate", start);
    cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
    pos_ += 6;
  }
  AppendUtf8(out, cp);
  return absl::OkStatus();
}

absl::StatusOr<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits) {
  try {
    return JsonParser(text, limits).Parse();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory while parsing JSON");
  }
}

}  // namespace qtrace
