// Percent-encoding (RFC 3986 2.1) as used for W3C Baggage values.
#include "qtrace/sdk/common/percent_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace qtrace {
namespace {

using namespace std::string_literals;

TEST(PercentDecodeTest, CopiesPlainText) {
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("abc-XYZ_09.~"), "abc-XYZ_09.~");
}

TEST(PercentDecodeTest, DecodesEitherHexCase) {
  EXPECT_EQ(PercentDecode("%41%6a%6A"), "Ajj");
  EXPECT_EQ(PercentDecode("hello%20world%2C%3b"), "hello world,;");
  EXPECT_EQ(PercentDecode("%C3%A9"), "\xc3\xa9");
}

TEST(PercentDecodeTest, PlusIsNotASpace) {
  // RFC 3986, not HTML form encoding.
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
}

TEST(PercentDecodeTest, DecodesNulAndHighBytes) {
  EXPECT_EQ(PercentDecode("a%00b"), "a\0b"s);
  EXPECT_EQ(PercentDecode("%ff%FF"), "\xff\xff");
}

TEST(PercentDecodeTest, DecodesOnlyOnce) {
  EXPECT_EQ(PercentDecode("%2541"), "%41");
}

TEST(PercentDecodeTest, RejectsIncompleteOrNonHexSequences) {
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("abc%").has_value());
  EXPECT_FALSE(PercentDecode("abc%4").has_value());
  EXPECT_FALSE(PercentDecode("%4g").has_value());
  EXPECT_FALSE(PercentDecode("%g4").has_value());
  EXPECT_FALSE(PercentDecode("%%41").has_value());
  EXPECT_FALSE(PercentDecode("% 41").has_value());
  EXPECT_FALSE(PercentDecode("%41%").has_value());
}

TEST(PercentEncodeBaggageValueTest, KeepsBaggageOctets) {
  const std::string kept = "abcXYZ019!#$&'()*+-./:<=>?@[]^_`{|}~";
  EXPECT_EQ(PercentEncodeBaggageValue(kept), kept);
}

TEST(PercentEncodeBaggageValueTest, EncodesCharactersOutsideBaggageOctets) {
  EXPECT_EQ(PercentEncodeBaggageValue(" "), "%20");
  EXPECT_EQ(PercentEncodeBaggageValue("\""), "%22");
  EXPECT_EQ(PercentEncodeBaggageValue(","), "%2C");
  EXPECT_EQ(PercentEncodeBaggageValue(";"), "%3B");
  EXPECT_EQ(PercentEncodeBaggageValue("\\"), "%5C");
  EXPECT_EQ(PercentEncodeBaggageValue("%"), "%25");
  EXPECT_EQ(PercentEncodeBaggageValue("\x7f"), "%7F");
  EXPECT_EQ(PercentEncodeBaggageValue("\t\r\n"), "%09%0D%0A");
  EXPECT_EQ(PercentEncodeBaggageValue("\0"s), "%00");
  EXPECT_EQ(PercentEncodeBaggageValue("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(PercentEncodeBaggageValue("hello world, 100%"), "hello%20world%2C%20100%25");
}

TEST(PercentEncodeBaggageValueTest, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string encoded = PercentEncodeBaggageValue(all);
  for (char c : encoded) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x21 && byte <= 0x7e && c != ',' && c != ';' && c != '"' && c != '\\')
        << "byte " << int(byte) << " left unencoded";
  }
  EXPECT_EQ(PercentDecode(encoded), all);
}

}  // namespace
}  // namespace qtrace
