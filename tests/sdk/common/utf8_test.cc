#include "qtrace/sdk/common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(Utf8Test, WellFormedTextIsValid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));  // é € 😀 U+10FFFF
}

TEST(Utf8Test, IllFormedTextIsNot) {
  EXPECT_FALSE(IsValidUtf8("\x80"));                  // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));          // overlong, three bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));          // a surrogate, U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ok so far \xE2\x82"));    // truncated at the end
  EXPECT_FALSE(IsValidUtf8(std::string("\xFF", 1)));  // never in UTF-8
}

TEST(Utf8Test, AsciiFastPathSeesAHighByteAnywhere) {
  for (std::size_t length = 1; length <= 20; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'a');
      text[at] = '\x80';
      EXPECT_FALSE(IsAscii(text)) << length << " " << at;
      EXPECT_FALSE(IsValidUtf8(text)) << length << " " << at;
    }
    EXPECT_TRUE(IsAscii(std::string(length, 'a')));
  }
}

// Each maximal ill-formed subpart becomes one U+FFFD (Unicode's recommended
// practice): "\xE2\x82" is one subpart, "\xED\xA0\x80" three (0xA0 cannot
// follow 0xED).
TEST(Utf8Test, SanitizeReplacesEachMaximalSubpart) {
  std::string scratch;
  EXPECT_EQ(SanitizeUtf8("a\xE2\x82z", scratch), "a\xEF\xBF\xBDz");
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80", scratch), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("\xC3\xA9\x80", scratch), "\xC3\xA9\xEF\xBF\xBD");
}

TEST(Utf8Test, ValidUtf8ReturnsValidTextWithoutCopying) {
  std::string scratch;
  const std::string text = "\xC3\xA9t\xC3\xA9";
  EXPECT_EQ(ValidUtf8(text, scratch).data(), text.data());
  EXPECT_TRUE(scratch.empty());
  EXPECT_EQ(ValidUtf8("x\xFFy", scratch), "x\xEF\xBF\xBDy");
}

}  // namespace
}  // namespace qtrace
