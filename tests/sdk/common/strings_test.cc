#include "qtrace/sdk/common/strings.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

// Every length from 0 to 40 (the byte loop, the 4-byte and the 8-byte
// paths, with and without a tail), equal and differing at each position,
// against std::string_view's own comparison.
TEST(StringsTest, SameBytesAgreesWithStringViewEquality) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    std::string b = a;
    EXPECT_TRUE(SameBytes(a, b)) << n;
    for (std::size_t i = 0; i < n; ++i) {
      b[i] = '#';
      EXPECT_FALSE(SameBytes(a, b)) << n << " differing at " << i;
      b[i] = a[i];
    }
    EXPECT_FALSE(SameBytes(a, a + "y")) << n;
    if (n > 0) {
      EXPECT_FALSE(SameBytes(a, std::string_view(a).substr(1))) << n;
    }
  }
}

TEST(StringsTest, TrimRemovesAllWhiteSpaceAtBothEnds) {
  EXPECT_EQ(Trim(" \t\r\n a b \r\n"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(Trim(""), "");
}

TEST(StringsTest, TrimOwsRemovesOnlySpacesAndTabs) {
  EXPECT_EQ(TrimOws(" \t a b \t "), "a b");
  // CR and LF are not optional white space in a header: a parser must still
  // see them and reject the value.
  EXPECT_EQ(TrimOws("\r a \n"), "\r a \n");
  EXPECT_EQ(TrimOws(" \t"), "");
  EXPECT_EQ(TrimOws(""), "");
}

TEST(StringsTest, SplitKeepsEmptyPieces) {
  const std::vector<std::string_view> pieces = Split("a,,b,", ',');
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(pieces[0], "a");
  EXPECT_EQ(pieces[1], "");
  EXPECT_EQ(pieces[2], "b");
  EXPECT_EQ(pieces[3], "");
}

TEST(StringsTest, ParseInt64TakesOnlyAWholeNumber) {
  std::int64_t value = 0;
  EXPECT_TRUE(ParseInt64("-42", &value));
  EXPECT_EQ(value, -42);
  EXPECT_FALSE(ParseInt64(" 42", &value));
  EXPECT_FALSE(ParseInt64("42x", &value));
  EXPECT_FALSE(ParseInt64("", &value));
}

TEST(StringsTest, HexDigitValues) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('/'), -1);
  EXPECT_EQ(LowerHexDigitValue('f'), 15);
  EXPECT_EQ(LowerHexDigitValue('F'), -1);  // trace context allows lower case only
  EXPECT_EQ(LowerHexDigitValue('G'), -1);
}

TEST(StringsTest, TokensAreRfc9110Tchars) {
  EXPECT_TRUE(IsToken("GET"));
  EXPECT_TRUE(IsToken("x-b3-traceid"));
  EXPECT_TRUE(IsToken("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(IsToken(""));
  for (const char c : std::string_view("()<>@,;:\\\"/[]?={} \t\x7f\x80")) {
    EXPECT_FALSE(IsTokenChar(c)) << static_cast<int>(static_cast<unsigned char>(c));
  }
}

TEST(StringsTest, RedactQueryValuesReplacesTheChosenValuesOnly) {
  auto secret = [](std::string_view key) { return key == "token" || key == "sig"; };
  EXPECT_EQ(RedactQueryValues("a=1&token=s3cret&flag&sig=&b=2", secret), "a=1&token=REDACTED&flag&sig=REDACTED&b=2");
  EXPECT_EQ(RedactQueryValues("", secret), "");
}

}  // namespace
}  // namespace qtrace
