#include "qtrace/sdk/common/json_writer.h"

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(JsonWriterTest, NestedStructuresWithCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().Bool(true).Null().String("x").EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").Double(0.1).EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[true,null,"x"],"c":{},"d":0.1})");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  std::string out;
  AppendJsonString(out, std::string("q\"b\\n\n\t\x01", 8));
  EXPECT_EQ(out, R"("q\"b\\n\n\t\u0001")");
}

TEST(JsonWriterTest, ShortEscapesForBackspaceAndFormFeed) {
  std::string out;
  AppendJsonString(out, "\b\f\x1f");
  EXPECT_EQ(out, R"("\b\f\u001f")");
}

// JSON text must be valid UTF-8: an ill-formed sequence (a lone continuation
// byte, a truncated sequence, a surrogate) becomes U+FFFD, as in the OTLP
// encoders, instead of passing through to a log line or a Zipkin span.
TEST(JsonWriterTest, IllFormedUtf8BecomesReplacementCharacters) {
  std::string out;
  AppendJsonString(out, "a\x80" "b\xE2\x82" "c\xED\xA0\x80\xC3\xA9");
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xA9\"");
  JsonWriter w;
  w.BeginObject().Key("k\xFF").String("v\xC0\xAF").EndObject();
  EXPECT_EQ(w.str(), "{\"k\xEF\xBF\xBD\":\"v\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

TEST(JsonWriterTest, NonFiniteDoublesBecomeNull) {
  JsonWriter w;
  w.BeginArray().Double(1.0 / 0.0).Double(0.30000000000000004).EndArray();
  EXPECT_EQ(w.str(), "[null,0.30000000000000004]");
}

}  // namespace
}  // namespace qtrace
