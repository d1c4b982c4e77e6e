#include "api_server/json/json_value.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {

// For GoogleTest's messages.
void PrintTo(const JsonValue& value, std::ostream* os) { *os << SerializeJson(value); }

namespace {

using namespace std::string_view_literals;

// The error message, or "ok: <value written back>".
std::string Outcome(std::string_view text, const JsonLimits& limits = {}) {
  const absl::StatusOr<JsonValue> parsed = ParseJson(text, limits);
  if (parsed.ok()) return "ok: " + SerializeJson(*parsed);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
  return std::string(MessageOf(parsed.status()));
}

JsonValue MustParse(std::string_view text, const JsonLimits& limits = {}) {
  absl::StatusOr<JsonValue> parsed = ParseJson(text, limits);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : JsonValue();
}

std::string EncodeUtf8(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string Hex4(std::uint32_t unit) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(unit >> shift) & 0xF];
  return out;
}

// ------------------------------------------------------------ the table

struct Case {
  const char* name;
  std::string_view input;
  // "ok: <SerializeJson of the value>" or the exact error message.
  std::string_view expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case kCases[] = {
    // Valid: scalars at the top level.
    {"NullLiteral", "null", "ok: null"},
    {"TrueLiteral", "true", "ok: true"},
    {"FalseLiteral", "false", "ok: false"},
    {"Zero", "0", "ok: 0"},
    {"NegativeZeroIsTheIntegerZero", "-0", "ok: 0"},
    {"Integer", "123", "ok: 123"},
    {"NegativeInteger", "-42", "ok: -42"},
    {"Fraction", "3.25", "ok: 3.25"},
    {"ZeroFraction", "0.5", "ok: 0.5"},
    {"Exponent", "1e2", "ok: 100"},
    {"ExponentUpperCasePlus", "1E+2", "ok: 100"},
    {"NegativeExponent", "25e-1", "ok: 2.5"},
    {"FractionAndExponent", "-1.5e3", "ok: -1500"},
    {"ZeroWithHugeExponent", "0e999999999999999999", "ok: 0"},
    {"UnderflowIsZero", "1e-400", "ok: 0"},
    {"NegativeUnderflowIsMinusZero", "-1e-400", "ok: -0"},
    {"Subnormal", "5e-324", "ok: 4.94065645841247e-324"},
    {"LargestDouble", "1.7976931348623157e308", "ok: 1.7976931348623157e+308"},
    {"Int64Max", "9223372036854775807", "ok: 9223372036854775807"},
    {"Int64Min", "-9223372036854775808", "ok: -9223372036854775808"},
    {"AboveInt64IsDouble", "9223372036854775808", "ok: 9.2233720368547758e+18"},
    {"EmptyString", R"("")", R"(ok: "")"},
    {"PlainString", R"("hello")", R"(ok: "hello")"},
    {"SimpleEscapes", R"("\"\\\/\b\f\n\r\t")", R"(ok: "\"\\/\b\f\n\r\t")"},
    {"UnicodeEscape", R"("\u00e9")", "ok: \"\xC3\xA9\""},
    {"UnicodeEscapeUpperHex", R"("\u20AC")", "ok: \"\xE2\x82\xAC\""},
    {"SurrogatePair", R"("\uD83D\uDE00")", "ok: \"\xF0\x9F\x98\x80\""},
    {"EscapedNul", R"("a\u0000b")", R"(ok: "a\u0000b")"},
    {"RawUtf8", "\"\xE2\x82\xAC\xF0\x9D\x84\x9E\xC3\xA9\"", "ok: \"\xE2\x82\xAC\xF0\x9D\x84\x9E\xC3\xA9\""},
    {"DeleteCharacterIsAllowed", "\"\x7F\"", "ok: \"\x7F\""},
    {"EmptyArray", "[]", "ok: []"},
    {"EmptyObject", "{}", "ok: {}"},
    {"EmptyContainersWithSpace", "[ { } , [ ] ]", "ok: [{},[]]"},
    {"Nested", R"([1,[2,[3]],{"a":{}}])", R"(ok: [1,[2,[3]],{"a":{}}])"},
    {"WhitespaceEverywhere", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", R"(ok: {"a":[1,2]})"},
    {"ObjectKeepsOrder", R"({"b":1,"a":2})", R"(ok: {"b":1,"a":2})"},
    {"SameKeyInSiblingObjects", R"({"a":{"a":1},"b":{"a":2}})", R"(ok: {"a":{"a":1},"b":{"a":2}})"},
    {"EmptyKey", R"({"":0})", R"(ok: {"":0})"},
    {"EscapedKey", R"({"\u0041":true})", R"(ok: {"A":true})"},
    {"TopLevelStringWithSpaces", R"(  "x"  )", R"(ok: "x")"},

    // Invalid: structure.
    {"Empty", "", "unexpected end of input at offset 0"},
    {"OnlyWhitespace", " \n ", "unexpected end of input at offset 3"},
    {"TrailingCommaInArray", "[1,]", "unexpected character at offset 3"},
    {"TrailingCommaInObject", R"({"a":1,})", "unexpected character at offset 7"},
    {"LeadingComma", "[,1]", "unexpected character at offset 1"},
    {"DoubleComma", "[1,,2]", "unexpected character at offset 3"},
    {"MissingComma", "[1 2]", "unexpected character at offset 3"},
    {"MissingColon", R"({"a" 1})", "unexpected character at offset 5"},
    {"MissingValue", R"({"a":})", "unexpected character at offset 5"},
    {"MissingKey", R"({:1})", "unexpected character at offset 1"},
    {"UnquotedKey", "{a:1}", "unexpected character at offset 1"},
    {"NumberKey", "{1:1}", "unexpected character at offset 1"},
    {"SingleQuotedString", "'a'", "unexpected character at offset 0"},
    {"SingleQuotedKey", "{'a':1}", "unexpected character at offset 1"},
    {"LineComment", "[1]//x", "unexpected character at offset 3"},
    {"BlockComment", "/*x*/1", "unexpected character at offset 0"},
    {"CommentInArray", "[1,/*x*/2]", "unexpected character at offset 3"},
    {"UnclosedArray", "[1", "unexpected end of input at offset 2"},
    {"UnclosedArrayAfterComma", "[1,", "unexpected end of input at offset 3"},
    {"UnclosedObject", R"({"a":1)", "unexpected end of input at offset 6"},
    {"UnclosedObjectAfterKey", R"({"a")", "unexpected end of input at offset 4"},
    {"ExtraClose", "[1]]", "unexpected character at offset 3"},
    {"MismatchedClose", "[1}", "unexpected character at offset 2"},
    {"ObjectClosedByBracket", R"({"a":1])", "unexpected character at offset 6"},
    {"TwoTopLevelValues", "1 2", "unexpected character at offset 2"},
    {"TwoTopLevelObjects", "{}{}", "unexpected character at offset 2"},
    {"ByteOrderMark", "\xEF\xBB\xBF{}", "unexpected character at offset 0"},
    {"NulAfterValue", "1\0"sv, "unexpected character at offset 1"},
    {"FormFeedIsNotWhitespace", "\f1", "unexpected character at offset 0"},
    {"NoBreakSpaceIsNotWhitespace", "\xC2\xA0" "1", "unexpected character at offset 0"},

    // Invalid: literals.
    {"TruePrefix", "tru", "unexpected end of input at offset 3"},
    {"TrueTypo", "trux", "unexpected character at offset 3"},
    {"TrueWithSuffix", "truex", "unexpected character at offset 4"},
    {"CapitalTrue", "True", "unexpected character at offset 0"},
    {"Undefined", "undefined", "unexpected character at offset 0"},
    {"NaN", "NaN", "unexpected character at offset 0"},
    {"Infinity", "Infinity", "unexpected character at offset 0"},
    {"NegativeInfinity", "-Infinity", "unexpected character at offset 1"},

    // Invalid: numbers.
    {"LeadingZero", "01", "leading zero at offset 0"},
    {"NegativeLeadingZero", "[-012]", "leading zero at offset 1"},
    {"LeadingPlus", "+1", "unexpected character at offset 0"},
    {"LeadingDot", ".5", "unexpected character at offset 0"},
    {"TrailingDot", "1.", "unexpected end of input at offset 2"},
    {"DotBeforeExponent", "1.e5", "unexpected character at offset 2"},
    {"EmptyExponent", "1e", "unexpected end of input at offset 2"},
    {"ExponentSignOnly", "1e+", "unexpected end of input at offset 3"},
    {"DoubleExponentSign", "1e+-1", "unexpected character at offset 3"},
    {"HexNumber", "0x10", "unexpected character at offset 1"},
    {"LoneMinus", "-", "unexpected end of input at offset 1"},
    {"MinusSpace", "- 1", "unexpected character at offset 1"},
    {"Overflow", "1e400", "number out of range at offset 0"},
    {"NegativeOverflowInArray", "[-1e400]", "number out of range at offset 1"},
    {"OverflowByDigits", "1.7976931348623159e308", "number out of range at offset 0"},

    // Invalid: strings.
    {"UnclosedString", R"("abc)", "unexpected end of input at offset 4"},
    {"UnclosedAfterEscapedQuote", R"("\")", "unexpected end of input at offset 3"},
    {"BackslashAtEnd", R"("\)", "unexpected end of input at offset 2"},
    {"RawNewlineInString", "\"a\nb\"", "control character in string at offset 2"},
    {"RawTabInString", "\"a\tb\"", "control character in string at offset 2"},
    {"RawNulInString", "\"a\0\""sv, "control character in string at offset 2"},
    {"RawUnitSeparatorInKey", "{\"\x1F\":1}", "control character in string at offset 2"},
    {"UnknownEscape", R"("\x41")", "invalid escape at offset 1"},
    {"EscapedApostrophe", R"("\'")", "invalid escape at offset 1"},
    {"ShortUnicodeEscape", R"("\u12")", "invalid \\u escape at offset 1"},
    {"NonHexUnicodeEscape", R"("\u12G4")", "invalid \\u escape at offset 1"},
    {"UnicodeEscapeAtEnd", R"("\u00)", "invalid \\u escape at offset 1"},
    {"LoneHighSurrogate", R"("\uD800")", "lone surrogate at offset 1"},
    {"LoneLowSurrogate", R"("\uDC00")", "lone surrogate at offset 1"},
    {"HighSurrogateThenLetterEscape", R"("\uD83D\u0041")", "lone surrogate at offset 1"},
    {"HighSurrogateTwice", R"("\uD83D\uD83D")", "lone surrogate at offset 1"},
    {"ReversedSurrogatePair", R"("\uDE00\uD83D")", "lone surrogate at offset 1"},
    {"HighSurrogateThenText", R"("\uD83Dx")", "lone surrogate at offset 1"},
    {"HighSurrogateThenSimpleEscape", R"("\uD83D\n")", "lone surrogate at offset 1"},
    {"HighSurrogateAtEndOfInput", R"("\uD83D)", "lone surrogate at offset 1"},
    {"HighSurrogateThenBadHex", R"("\uD83D\uDEZZ")", "invalid \\u escape at offset 7"},

    // Invalid: UTF-8.
    {"LoneContinuationByte", "\"\x80\"", "invalid UTF-8 at offset 1"},
    {"OverlongTwoBytes", "\"\xC0\xAF\"", "invalid UTF-8 at offset 1"},
    {"OverlongC1", "\"\xC1\xBF\"", "invalid UTF-8 at offset 1"},
    {"OverlongThreeBytes", "\"\xE0\x80\xAF\"", "invalid UTF-8 at offset 1"},
    {"OverlongFourBytes", "\"\xF0\x8F\xBF\xBF\"", "invalid UTF-8 at offset 1"},
    {"EncodedSurrogate", "\"\xED\xA0\x80\"", "invalid UTF-8 at offset 1"},
    {"AboveU10FFFF", "\"\xF4\x90\x80\x80\"", "invalid UTF-8 at offset 1"},
    {"LeadByteF5", "\"\xF5\x80\x80\x80\"", "invalid UTF-8 at offset 1"},
    {"ByteFF", "\"\xFF\"", "invalid UTF-8 at offset 1"},
    {"TruncatedSequence", "\"\xE2\x82\"", "invalid UTF-8 at offset 1"},
    {"TruncatedAtEndOfInput", "\"\xE2\x82", "invalid UTF-8 at offset 1"},
    {"BadSecondByteAfterAscii", "\"ab\xC3\x28\"", "invalid UTF-8 at offset 3"},
    {"InvalidUtf8InKey", "{\"\xC3\":1}", "invalid UTF-8 at offset 2"},
    {"InvalidUtf8OutsideString", "[\xC3\xA9]", "unexpected character at offset 1"},

    // Invalid: duplicate keys.
    {"DuplicateKey", R"({"a":1,"a":2})", "duplicate key at offset 7"},
    {"DuplicateKeyAfterUnescaping", R"({"a":1,"\u0061":2})", "duplicate key at offset 7"},
    {"DuplicateKeyInNestedObject", R"({"o":{"k":1,"k":1}})", "duplicate key at offset 12"},
    {"DuplicateEmptyKey", R"({"":1,"":2})", "duplicate key at offset 6"},
};

class JsonCaseTest : public testing::TestWithParam<Case> {};

TEST_P(JsonCaseTest, ParsesOrFailsAsExpected) {
  const Case& c = GetParam();
  EXPECT_EQ(Outcome(c.input), c.expected) << "input: " << testing::PrintToString(std::string(c.input));
}

INSTANTIATE_TEST_SUITE_P(Table, JsonCaseTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// ------------------------------------------------------------ accessors

TEST(JsonValueTest, Accessors) {
  const JsonValue v = MustParse(R"({"name":"ada","age":36,"ratio":0.5,"admin":false,"tags":["x","y"],
                                    "nothing":null,"nested":{"k":"v"}})");
  ASSERT_TRUE(v.IsObject());
  EXPECT_EQ(v.type(), JsonType::kObject);
  EXPECT_EQ(v.GetString("name"), "ada");
  EXPECT_EQ(v.GetInt("age"), 36);
  EXPECT_EQ(v.GetDouble("age"), 36.0);
  EXPECT_EQ(v.GetDouble("ratio"), 0.5);
  EXPECT_EQ(v.GetInt("ratio"), std::nullopt);
  EXPECT_EQ(v.GetBool("admin"), false);
  // Missing keys and other types give nothing.
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(v.GetString("missing"), std::nullopt);
  EXPECT_EQ(v.GetString("age"), std::nullopt);
  EXPECT_EQ(v.GetInt("name"), std::nullopt);
  EXPECT_EQ(v.GetBool("nothing"), std::nullopt);
  EXPECT_EQ(v.GetString("Name"), std::nullopt);  // keys are case-sensitive

  const JsonValue* nothing = v.Find("nothing");
  ASSERT_NE(nothing, nullptr);
  EXPECT_TRUE(nothing->IsNull());
  EXPECT_EQ(nothing->type(), JsonType::kNull);

  const JsonValue* tags = v.Find("tags");
  ASSERT_NE(tags, nullptr);
  ASSERT_NE(tags->AsArray(), nullptr);
  ASSERT_EQ(tags->AsArray()->size(), 2u);
  EXPECT_EQ((*tags->AsArray())[1].AsString(), "y");
  EXPECT_EQ(tags->AsObject(), nullptr);
  EXPECT_TRUE(tags->items().empty());
  EXPECT_EQ(tags->Find("x"), nullptr);  // not an object

  const JsonValue* nested = v.Find("nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->GetString("k"), "v");

  std::vector<std::string> keys;
  for (const auto& [key, member] : v.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "age", "ratio", "admin", "tags", "nothing", "nested"}));
  EXPECT_EQ(v.AsObject(), &v.items());
  EXPECT_EQ(v.AsArray(), nullptr);
  EXPECT_EQ(v.AsString(), std::nullopt);
  EXPECT_EQ(v.AsInt(), std::nullopt);
  EXPECT_EQ(v.AsBool(), std::nullopt);
}

TEST(JsonValueTest, TypePredicates) {
  const std::vector<std::pair<std::string_view, JsonType>> cases = {
      {"null", JsonType::kNull},     {"true", JsonType::kBool},  {"1.5", JsonType::kNumber},
      {"\"s\"", JsonType::kString},  {"[]", JsonType::kArray},   {"{}", JsonType::kObject},
  };
  for (const auto& [text, type] : cases) {
    const JsonValue v = MustParse(text);
    EXPECT_EQ(v.type(), type) << text;
    EXPECT_EQ(v.IsNull(), type == JsonType::kNull) << text;
    EXPECT_EQ(v.IsBool(), type == JsonType::kBool) << text;
    EXPECT_EQ(v.IsNumber(), type == JsonType::kNumber) << text;
    EXPECT_EQ(v.IsString(), type == JsonType::kString) << text;
    EXPECT_EQ(v.IsArray(), type == JsonType::kArray) << text;
    EXPECT_EQ(v.IsObject(), type == JsonType::kObject) << text;
  }
}

TEST(JsonValueTest, BuiltValuesAndEquality) {
  JsonValue::Object members;
  members.emplace_back("id", JsonValue::Int(7));
  members.emplace_back("list", JsonValue::FromArray({JsonValue::Bool(true), JsonValue::Null(), JsonValue::String("s")}));
  const JsonValue built = JsonValue::FromObject(std::move(members));
  EXPECT_EQ(SerializeJson(built), R"({"id":7,"list":[true,null,"s"]})");
  EXPECT_EQ(built, MustParse(R"({ "id" : 7, "list" : [true, null, "s"] })"));
  EXPECT_FALSE(built == MustParse(R"({"list":[true,null,"s"],"id":7})"));  // order matters
  EXPECT_FALSE(built == MustParse(R"({"id":7,"list":[true,null]})"));

  // Numbers: integer against integer exactly, otherwise as doubles.
  EXPECT_EQ(JsonValue::Int(1), JsonValue::Double(1.0));
  EXPECT_EQ(JsonValue::Int(0), JsonValue::Double(-0.0));
  EXPECT_FALSE(JsonValue::Int(9007199254740993) == JsonValue::Int(9007199254740992));
  EXPECT_FALSE(JsonValue::Int(1) == JsonValue::Bool(true));
  EXPECT_FALSE(JsonValue::String("1") == JsonValue::Int(1));
  EXPECT_EQ(JsonValue::Double(1.0).AsInt(), std::nullopt);
  EXPECT_EQ(JsonValue::Int(-5).AsDouble(), -5.0);

  JsonValue array = JsonValue::FromArray({});
  ASSERT_NE(array.MutableArray(), nullptr);
  array.MutableArray()->push_back(JsonValue::Int(1));
  EXPECT_EQ(SerializeJson(array), "[1]");
  EXPECT_EQ(array.MutableObject(), nullptr);
  EXPECT_EQ(SerializeJson(JsonValue::Double(std::numeric_limits<double>::infinity())), "null");
}

// ------------------------------------------------------------ numbers

TEST(JsonNumberTest, IntegerBeyondDoublePrecisionStaysExact) {
  const JsonValue v = MustParse("9007199254740993");  // 2^53 + 1
  EXPECT_EQ(v.AsInt(), 9007199254740993);
  EXPECT_EQ(v.AsDouble(), 9007199254740992.0);  // the nearest double
  EXPECT_EQ(SerializeJson(v), "9007199254740993");
}

TEST(JsonNumberTest, ExponentOrFractionIsNotAnInteger) {
  for (const std::string_view text : {"1e2", "1.0", "100.0", "1E0", "0.0", "-0.0", "10e-1"}) {
    const JsonValue v = MustParse(text);
    EXPECT_TRUE(v.IsNumber()) << text;
    EXPECT_EQ(v.AsInt(), std::nullopt) << text;
  }
  EXPECT_EQ(MustParse("1e2").AsDouble(), 100.0);
  EXPECT_EQ(MustParse("1.0").AsDouble(), 1.0);
}

TEST(JsonNumberTest, NegativeZero) {
  const JsonValue v = MustParse("-0");
  EXPECT_EQ(v.AsInt(), 0);
  ASSERT_TRUE(v.AsDouble().has_value());
  EXPECT_EQ(*v.AsDouble(), 0.0);
  EXPECT_TRUE(std::signbit(*v.AsDouble()));
  const JsonValue f = MustParse("-0.0");
  EXPECT_EQ(f.AsInt(), std::nullopt);
  EXPECT_TRUE(std::signbit(*f.AsDouble()));
  EXPECT_FALSE(std::signbit(*MustParse("0").AsDouble()));
}

TEST(JsonNumberTest, Int64Bounds) {
  const JsonValue max = MustParse("9223372036854775807");
  EXPECT_EQ(max.AsInt(), std::numeric_limits<std::int64_t>::max());
  const JsonValue min = MustParse("-9223372036854775808");
  EXPECT_EQ(min.AsInt(), std::numeric_limits<std::int64_t>::min());

  const JsonValue above = MustParse("9223372036854775808");
  EXPECT_TRUE(above.IsNumber());
  EXPECT_EQ(above.AsInt(), std::nullopt);
  EXPECT_EQ(above.AsDouble(), 9223372036854775808.0);
  const JsonValue below = MustParse("-9223372036854775809");
  EXPECT_EQ(below.AsInt(), std::nullopt);
  EXPECT_EQ(below.AsDouble(), -9223372036854775808.0);
  const JsonValue huge = MustParse("123456789012345678901234567890");
  EXPECT_EQ(huge.AsInt(), std::nullopt);
  EXPECT_EQ(huge.AsDouble(), 1.2345678901234568e29);
}

TEST(JsonNumberTest, ManyDigits) {
  const std::string digits(5000, '7');
  EXPECT_EQ(MustParse("0." + digits).AsDouble(), 0.77777777777777779);
  EXPECT_EQ(Outcome(digits + "e10"), "number out of range at offset 0");
  EXPECT_EQ(MustParse("0." + std::string(400, '0') + "1e400").AsDouble(), 1e-1);
  EXPECT_EQ(MustParse("1" + std::string(400, '0') + "e-400").AsDouble(), 1.0);
}

TEST(JsonNumberTest, IntegerAccessorsMatchTheDouble) {
  for (const std::string_view text : {"0", "-1", "4503599627370497", "-9007199254740993", "9223372036854775807"}) {
    const JsonValue v = MustParse(text);
    ASSERT_TRUE(v.AsInt().has_value()) << text;
    EXPECT_EQ(static_cast<double>(*v.AsInt()), *v.AsDouble()) << text;
  }
}

// ------------------------------------------------------------ limits

TEST(JsonLimitsTest, NestingUpToTheLimit) {
  const std::string ok = std::string(32, '[') + std::string(32, ']');
  EXPECT_EQ(Outcome(ok), "ok: " + ok);
  const std::string deep = std::string(33, '[') + std::string(33, ']');
  EXPECT_EQ(Outcome(deep), "nesting deeper than 32 at offset 32");

  std::string objects;
  for (int i = 0; i < 33; ++i) objects += R"({"a":)";
  objects += "1" + std::string(33, '}');
  EXPECT_EQ(Outcome(objects), "nesting deeper than 32 at offset 160");

  JsonLimits limits;
  limits.max_depth = 2;
  EXPECT_EQ(Outcome("[{}]", limits), "ok: [{}]");
  EXPECT_EQ(Outcome("[{\"a\":[]}]", limits), "nesting deeper than 2 at offset 6");
  limits.max_depth = 0;
  EXPECT_EQ(Outcome("7", limits), "ok: 7");
  EXPECT_EQ(Outcome("[]", limits), "nesting deeper than 0 at offset 0");
}

TEST(JsonLimitsTest, VeryDeepInputDoesNotOverflowTheStack) {
  // Far more than a recursive parser could take; a megabyte of brackets.
  const std::string brackets(1024 * 1024, '[');
  EXPECT_EQ(Outcome(brackets), "nesting deeper than 32 at offset 32");
  std::string mixed;
  for (int i = 0; i < 100000; ++i) mixed += "[{\"a\":";
  EXPECT_EQ(Outcome(mixed), "nesting deeper than 32 at offset 96");
  // Even with the depth limit raised far: the parser keeps its own stack.
  JsonLimits limits;
  limits.max_depth = 1 << 20;
  const std::string closed = std::string(300000, '[') + "1" + std::string(300000, ']') + "]";
  EXPECT_EQ(Outcome(closed, limits), "unexpected character at offset 600001");
}

TEST(JsonLimitsTest, DestroyingADeepValueDoesNotRecurse) {
  JsonValue value;
  for (int i = 0; i < 1'000'000; ++i) {
    JsonValue::Array elements;
    elements.push_back(std::move(value));
    if (i % 2 == 0) {
      value = JsonValue::FromArray(std::move(elements));
    } else {
      JsonValue::Object members;
      members.emplace_back("k", JsonValue::FromArray(std::move(elements)));
      value = JsonValue::FromObject(std::move(members));
    }
  }
  EXPECT_TRUE(value.IsObject());
  value = JsonValue::Null();  // the million levels go here
  EXPECT_TRUE(value.IsNull());
}

TEST(JsonLimitsTest, InputSize) {
  // Exactly the limit, padded with whitespace.
  std::string text = "[1]";
  text.resize(1024 * 1024, ' ');
  EXPECT_EQ(Outcome(text), "ok: [1]");
  text += ' ';
  EXPECT_EQ(Outcome(text), "input larger than 1048576 bytes at offset 1048576");

  JsonLimits limits;
  limits.max_bytes = 4;
  EXPECT_EQ(Outcome("[12]", limits), "ok: [12]");
  EXPECT_EQ(Outcome("[123]", limits), "input larger than 4 bytes at offset 4");
}

TEST(JsonLimitsTest, StringLength) {
  const std::string at_limit(64 * 1024, 'x');
  const absl::StatusOr<JsonValue> ok = ParseJson("\"" + at_limit + "\"");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->AsString(), at_limit);
  EXPECT_EQ(Outcome("[\"" + at_limit + "x\"]"), "string longer than 65536 bytes at offset 1");
  // Keys too.
  EXPECT_EQ(Outcome("{\"" + at_limit + "x\":1}"), "string longer than 65536 bytes at offset 1");

  // Counted after unescaping: \u00e9 is two bytes, \u20ac three.
  JsonLimits limits;
  limits.max_string_bytes = 4;
  EXPECT_EQ(Outcome(R"("\u00e9\u00e9")", limits), "ok: \"\xC3\xA9\xC3\xA9\"");
  EXPECT_EQ(Outcome(R"("\u00e9\u00e9a")", limits), "string longer than 4 bytes at offset 0");
  EXPECT_EQ(Outcome(R"("a\u20ac")", limits), "ok: \"a\xE2\x82\xAC\"");
  EXPECT_EQ(Outcome(R"("ab\u20ac")", limits), "string longer than 4 bytes at offset 0");
  EXPECT_EQ(Outcome("\"\xF0\x9F\x98\x80\"", limits), "ok: \"\xF0\x9F\x98\x80\"");
  EXPECT_EQ(Outcome("\"a\xF0\x9F\x98\x80\"", limits), "string longer than 4 bytes at offset 0");
  EXPECT_EQ(Outcome(R"("abcd")", limits), R"(ok: "abcd")");
  EXPECT_EQ(Outcome(R"("abcde")", limits), "string longer than 4 bytes at offset 0");
  EXPECT_EQ(Outcome(R"("abc\n")", limits), R"(ok: "abc\n")");
  EXPECT_EQ(Outcome(R"("abcd\n")", limits), "string longer than 4 bytes at offset 0");
}

TEST(JsonLimitsTest, Members) {
  std::string array = "[";
  for (int i = 0; i < 10000; ++i) array += i == 0 ? "0" : ",0";
  EXPECT_TRUE(ParseJson(array + "]").ok());
  EXPECT_EQ(Outcome(array + ",0]"), "more than 10000 members at offset 20001");

  std::string object = "{";
  for (int i = 0; i < 10000; ++i) object += (i == 0 ? "\"" : ",\"") + std::to_string(i) + "\":0";
  const absl::StatusOr<JsonValue> parsed = ParseJson(object + "}");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->items().size(), 10000u);
  EXPECT_EQ(parsed->GetInt("9999"), 0);
  EXPECT_EQ(Outcome(object + ",\"x\":0}"), "more than 10000 members at offset " + std::to_string(object.size() + 1));

  JsonLimits limits;
  limits.max_members = 2;
  EXPECT_EQ(Outcome("[[1,2],[3,4]]", limits), "ok: [[1,2],[3,4]]");
  EXPECT_EQ(Outcome("[1, 2, 3]", limits), "more than 2 members at offset 7");
  EXPECT_EQ(Outcome(R"({"a":1,"b":2,"c":3})", limits), "more than 2 members at offset 13");
  limits.max_members = 0;
  EXPECT_EQ(Outcome("[[],{}]", limits), "more than 0 members at offset 1");
  EXPECT_EQ(Outcome("[ ]", limits), "ok: []");
}

TEST(JsonLimitsTest, ErrorsAreInvalidArgument) {
  for (const std::string_view text : {"", "[", "{\"a\":1,\"a\":1}", "1e999", "\"\\uD800\""}) {
    const absl::StatusOr<JsonValue> parsed = ParseJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

// ------------------------------------------------------------ duplicate keys

TEST(JsonDuplicateKeyTest, InLargeObjects) {
  // Past the first few members the keys are looked up in a hash set.
  std::string object = "{";
  for (int i = 0; i < 100; ++i) object += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const std::size_t offset = object.size();
  for (const int dup : {0, 15, 16, 17, 50, 99}) {
    EXPECT_EQ(Outcome(object + "\"k" + std::to_string(dup) + "\":0}"),
              "duplicate key at offset " + std::to_string(offset))
        << dup;
  }
  EXPECT_EQ(Outcome(object + "\"k100\":0}").substr(0, 3), "ok:");
  // A duplicate within the first members, then more.
  EXPECT_EQ(Outcome(R"({"a":1,"b":2,"c":3,"b":4,"d":5})"), "duplicate key at offset 19");
  // Keys differing only in case or in a trailing NUL are different.
  EXPECT_EQ(Outcome(R"({"a":1,"A":2,"a\u0000":3})"), R"(ok: {"a":1,"A":2,"a\u0000":3})");
}

// ------------------------------------------------------------ unicode

TEST(JsonUnicodeTest, EveryBmpEscape) {
  for (std::uint32_t cp = 0; cp < 0x10000; ++cp) {
    const std::string text = "\"" + Hex4(cp) + "\"";
    const absl::StatusOr<JsonValue> parsed = ParseJson(text);
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      ASSERT_FALSE(parsed.ok()) << text;
      EXPECT_EQ(MessageOf(parsed.status()), "lone surrogate at offset 1");
    } else {
      ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
      ASSERT_EQ(parsed->AsString(), EncodeUtf8(cp)) << text;
    }
  }
}

TEST(JsonUnicodeTest, SurrogatePairs) {
  const std::vector<std::pair<std::string_view, std::uint32_t>> pairs = {
      {R"(\uD800\uDC00)", 0x10000},  {R"(\uD83D\uDE00)", 0x1F600}, {R"(\ud834\udd1e)", 0x1D11E},
      {R"(\uDBFF\uDFFF)", 0x10FFFF}, {R"(\uDBFF\uDC00)", 0x10FC00},
  };
  for (const auto& [escape, cp] : pairs) {
    const JsonValue v = MustParse("\"" + std::string(escape) + "\"");
    EXPECT_EQ(v.AsString(), EncodeUtf8(cp)) << escape;
  }
  // Every high surrogate with a low one.
  for (std::uint32_t high = 0xD800; high <= 0xDBFF; high += 0x3F) {
    for (std::uint32_t low = 0xDC00; low <= 0xDFFF; low += 0x55) {
      const JsonValue v = MustParse("\"" + Hex4(high) + Hex4(low) + "\"");
      EXPECT_EQ(v.AsString(), EncodeUtf8(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)));
    }
  }
  // Mixed with other text and escapes.
  EXPECT_EQ(MustParse(R"("a\uD83D\uDE00\n\u00e9")").AsString(), "a\xF0\x9F\x98\x80\n\xC3\xA9");
}

TEST(JsonUnicodeTest, RawUtf8MatchesAReferenceDecoder) {
  // Whether bytes are one well-formed code point, decoded the long way.
  const auto well_formed = [](const std::string& bytes) {
    const auto b0 = static_cast<unsigned char>(bytes[0]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b0 < 0x80) return bytes.size() == 1;
    if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F;
    else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F;
    else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07;
    else return false;
    if (bytes.size() != n) return false;
    for (std::size_t i = 1; i < n; ++i) {
      const auto b = static_cast<unsigned char>(bytes[i]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    return cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
  };
  const auto check = [&](const std::string& bytes) {
    const bool ok = ParseJson("\"" + bytes + "\"").ok();
    if (ok != well_formed(bytes)) {
      ADD_FAILURE() << "bytes " << testing::PrintToString(bytes) << " parsed: " << ok;
      return false;
    }
    return true;
  };
  // All lead bytes with every second byte; three- and four-byte forms with
  // every second byte and a fixed tail, then every third byte.
  for (int b0 = 0x80; b0 <= 0xFF; ++b0) {
    for (int b1 = 0; b1 <= 0xFF; ++b1) {
      if (b1 == '"' || b1 == '\\' || b1 < 0x20) continue;  // not a UTF-8 question
      std::string two{static_cast<char>(b0), static_cast<char>(b1)};
      if (!check(two)) return;
      if (!check(two + "\x80")) return;
      if (!check(two + "\xBF\xBF")) return;
    }
  }
  for (int b2 = 0; b2 <= 0xFF; ++b2) {
    if (b2 == '"' || b2 == '\\' || b2 < 0x20) continue;
    for (const char* lead : {"\xE0\xA0", "\xED\x9F", "\xEF\xBF", "\xF0\x90", "\xF4\x8F"}) {
      if (!check(std::string(lead) + static_cast<char>(b2))) return;
      if (!check(std::string(lead) + static_cast<char>(b2) + "\x80")) return;
    }
  }
}

// ------------------------------------------------------------ round trip

class RandomJson {
 public:
  explicit RandomJson(std::uint64_t seed) : rng_(seed) {}

  JsonValue Value(int depth) {
    switch (Below(depth >= 4 ? 4 : 6)) {
      case 0: return JsonValue::Null();
      case 1: return JsonValue::Bool(Below(2) == 1);
      case 2: return Number();
      case 3: return JsonValue::String(Text());
      case 4: {
        JsonValue::Array elements;
        const std::uint64_t n = Below(6);
        for (std::uint64_t i = 0; i < n; ++i) elements.push_back(Value(depth + 1));
        return JsonValue::FromArray(std::move(elements));
      }
      default: {
        JsonValue::Object members;
        const std::uint64_t n = Below(6);
        for (std::uint64_t i = 0; i < n; ++i) {
          // Unique keys: a random text tagged with the position.
          members.emplace_back(Text() + "#" + std::to_string(i), Value(depth + 1));
        }
        return JsonValue::FromObject(std::move(members));
      }
    }
  }

 private:
  std::uint64_t Below(std::uint64_t n) { return rng_() % n; }

  JsonValue Number() {
    switch (Below(8)) {
      case 0: return JsonValue::Int(static_cast<std::int64_t>(rng_()));
      case 1: return JsonValue::Int(static_cast<std::int64_t>(Below(2001)) - 1000);
      case 2: {
        static constexpr double kSpecial[] = {0.0, -0.0, 1.0, 100.0, 1e300, -1e-300, 5e-324, 1.7976931348623157e308,
                                              9007199254740993.0, 9223372036854775808.0, 0.1, 1e15, 1e17};
        return JsonValue::Double(kSpecial[Below(std::size(kSpecial))]);
      }
      case 3: return JsonValue::Double(static_cast<double>(static_cast<std::int64_t>(Below(1'000'000))) / 8.0);
      default: {
        // Any finite double, from its bits.
        while (true) {
          const std::uint64_t bits = rng_();
          double d;
          static_assert(sizeof d == sizeof bits);
          std::memcpy(&d, &bits, sizeof d);
          if (std::isfinite(d)) return JsonValue::Double(d);
        }
      }
    }
  }

  std::string Text() {
    std::string out;
    const std::uint64_t n = Below(8);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint32_t cp = 0;
      switch (Below(4)) {
        case 0: cp = static_cast<std::uint32_t>(Below(0x80)); break;  // controls, quotes, backslash
        case 1: cp = 0x80 + static_cast<std::uint32_t>(Below(0x800 - 0x80)); break;
        case 2:
          do cp = 0x800 + static_cast<std::uint32_t>(Below(0x10000 - 0x800));
          while (cp >= 0xD800 && cp <= 0xDFFF);
          break;
        default: cp = 0x10000 + static_cast<std::uint32_t>(Below(0x110000 - 0x10000)); break;
      }
      out += EncodeUtf8(cp);
    }
    return out;
  }

  std::mt19937_64 rng_;
};

TEST(JsonRoundTripTest, RandomValuesThroughJsonWriter) {
  RandomJson random(20240611);
  for (int i = 0; i < 3000; ++i) {
    const JsonValue value = random.Value(0);
    JsonWriter writer;
    WriteJson(writer, value);
    const std::string& text = writer.str();
    const absl::StatusOr<JsonValue> parsed = ParseJson(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    ASSERT_EQ(*parsed, value) << text;
    // Written again, it reads back the same once more.
    const std::string again = SerializeJson(*parsed);
    const absl::StatusOr<JsonValue> reparsed = ParseJson(again);
    ASSERT_TRUE(reparsed.ok()) << again << ": " << reparsed.status();
    ASSERT_EQ(*reparsed, value) << again;
    ASSERT_EQ(SerializeJson(*reparsed), again);
  }
}

TEST(JsonRoundTripTest, WrittenByJsonWriterDirectly) {
  JsonWriter writer;
  writer.BeginObject()
      .Key("s")
      .String("line\nbreak \"quoted\" \x01 \xC3\xA9")
      .Key("i")
      .Int(std::numeric_limits<std::int64_t>::min())
      .Key("d")
      .Double(0.1)
      .Key("a")
      .BeginArray()
      .Bool(true)
      .Null()
      .EndArray()
      .EndObject();
  const JsonValue v = MustParse(writer.str());
  EXPECT_EQ(v.GetString("s"), "line\nbreak \"quoted\" \x01 \xC3\xA9");
  EXPECT_EQ(v.GetInt("i"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(v.GetDouble("d"), 0.1);
  EXPECT_EQ(SerializeJson(v), writer.str());
}

}  // namespace
}  // namespace qtrace
