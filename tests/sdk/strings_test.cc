#include "qtrace/sdk/strings.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

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

}  // namespace
}  // namespace qtrace
