#include "qtrace/sdk/json_writer.h"

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

TEST(JsonWriterTest, NonFiniteDoublesBecomeNull) {
  JsonWriter w;
  w.BeginArray().Double(1.0 / 0.0).Double(0.30000000000000004).EndArray();
  EXPECT_EQ(w.str(), "[null,0.30000000000000004]");
}

}  // namespace
}  // namespace qtrace
