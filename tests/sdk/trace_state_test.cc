// TraceState against the W3C Trace Context Level 2 tracestate grammar (3.3):
// Level 1 rules stay, except the key grammar and duplicate keys.
#include "qtrace/sdk/trace_state.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"

namespace qtrace {
namespace {

std::string Repeat(char c, std::size_t n) { return std::string(n, c); }

// "k0=v0,k1=v1,...": n distinct valid members.
std::string Members(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, "k", i, "=v", i);
  }
  return out;
}

struct ParseCase {
  std::string name;
  std::string header;
  // The serialized result, or nullopt when the whole header must be discarded.
  std::optional<std::string> want;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name << " [" << c.header << "]"; }

const ParseCase kParseCases[] = {
    {"Empty", "", ""},
    {"WhitespaceOnly", " \t ", ""},
    {"SingleMember", "foo=bar", "foo=bar"},
    {"TwoMembersKeepOrder", "foo=1,bar=2", "foo=1,bar=2"},
    {"OwsAroundMembers", " foo=1 \t ,\t bar=2 ", "foo=1,bar=2"},
    {"EmptyMembersSkipped", ",foo=1,, ,\t,bar=2,", "foo=1,bar=2"},
    {"ThirtyTwoMembers", Members(32), Members(32)},
    {"ThirtyThreeMembersDiscarded", Members(33), std::nullopt},
    {"EmptyMembersDoNotCount", ",," + Members(32) + ",,", Members(32)},
    // Level 2: a repeated key keeps its first (most recent) member; the
    // header is no longer thrown away whole.
    {"DuplicateKeyKeepsFirst", "foo=1,bar=2,foo=3", "foo=1,bar=2"},
    {"DuplicateKeyAdjacent", "foo=1,foo=1", "foo=1"},
    {"DuplicatesDoNotCountTowardThirtyTwo", Members(32) + ",k0=again", Members(32)},
    {"KeySpecialChars", "a0_-*/=v", "a0_-*/=v"},
    {"KeyStartsWithDigit", "0foo=v", "0foo=v"},  // Level 2: a digit may start any key
    {"KeyIsOneDigit", "7=v", "7=v"},
    {"KeyStartsWithUnderscore", "_foo=v", std::nullopt},
    {"KeyStartsWithAt", "@foo=v", std::nullopt},
    {"KeyStartsWithStar", "*foo=v", std::nullopt},
    {"KeyUpperCase", "Foo=v", std::nullopt},
    {"KeyUpperCaseInside", "fOo=v", std::nullopt},
    {"KeyWithDot", "foo.bar=v", std::nullopt},
    {"Key256", Repeat('a', 256) + "=v", Repeat('a', 256) + "=v"},
    {"Key257", Repeat('a', 257) + "=v", std::nullopt},
    {"Key256WithAts", "a" + Repeat('@', 255) + "=v", "a" + Repeat('@', 255) + "=v"},
    {"EmptyKey", "=v", std::nullopt},
    {"TenantKey", "tenant@system=v", "tenant@system=v"},
    {"TenantLeadingDigit", "0tenant@sys=v", "0tenant@sys=v"},
    // Level 1 limited the halves around "@" (241 and 14 characters, a letter
    // after "@", one "@"); Level 2 keeps only the 256-character total.
    {"AtThenDigit", "t@0sys=v", "t@0sys=v"},
    {"AtBeforeLongSystem", "t@" + Repeat('s', 15) + "=v", "t@" + Repeat('s', 15) + "=v"},
    {"LongTenantBeforeAt", Repeat('t', 242) + "@s=v", Repeat('t', 242) + "@s=v"},
    {"TwoAts", "a@b@c=v", "a@b@c=v"},
    {"AtLast", "t@=v", "t@=v"},
    {"AtThenUpperCase", "t@Sys=v", std::nullopt},
    {"MissingEquals", "foo", std::nullopt},
    {"EmptyValue", "foo=", std::nullopt},
    {"ValueWithEquals", "foo=a=b", std::nullopt},
    {"ValueWithCommaSplitsMember", "foo=a,b", std::nullopt},
    {"ValueInnerSpace", "foo=a b", "foo=a b"},
    {"ValueLeadingSpace", "foo= a", "foo= a"},  // no OWS around "=": the space is value
    {"ValueTrailingSpaceIsOws", "foo=a ,bar=b", "foo=a,bar=b"},
    {"ValueWithTab", "foo=a\tb", std::nullopt},
    {"ValueAllPrintables", "foo=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~", "foo=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~"},
    {"Value256", "foo=" + Repeat('v', 256), "foo=" + Repeat('v', 256)},
    {"Value257", "foo=" + Repeat('v', 257), std::nullopt},
    {"ValueNonAscii", "foo=caf\xc3\xa9", std::nullopt},
    {"ValueControlChar", "foo=a\x01", std::nullopt},
    {"SpaceBeforeEquals", "foo =bar", std::nullopt},
    {"OneBadMemberDiscardsAll", "foo=1,BAR=2,baz=3", std::nullopt},
};

class TraceStateParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(TraceStateParseTest, MatchesGrammar) {
  const ParseCase& c = GetParam();
  const std::optional<TraceState> parsed = TraceState::Parse(c.header);
  ASSERT_EQ(parsed.has_value(), c.want.has_value());
  if (parsed) {
    EXPECT_EQ(parsed->Serialize(), *c.want);
  }
}

INSTANTIATE_TEST_SUITE_P(W3C, TraceStateParseTest, ::testing::ValuesIn(kParseCases),
                         [](const ::testing::TestParamInfo<ParseCase>& info) { return info.param.name; });

TEST(TraceStateTest, ParseKeepsMembersInOrder) {
  const std::optional<TraceState> parsed = TraceState::Parse("b=2,a=1,c@d=3");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->members().size(), 3u);
  EXPECT_EQ(parsed->members()[0].first, "b");
  EXPECT_EQ(parsed->members()[1].first, "a");
  EXPECT_EQ(parsed->members()[2].first, "c@d");
  EXPECT_EQ(parsed->members()[2].second, "3");
}

TEST(TraceStateTest, GetFindsValuesAndMissesOthers) {
  const std::optional<TraceState> parsed = TraceState::Parse("foo=1,bar=2");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Get("bar"), "2");
  EXPECT_EQ(parsed->Get("foo"), "1");
  EXPECT_FALSE(parsed->Get("baz").has_value());
  EXPECT_FALSE(parsed->Get("fo").has_value());
}

TEST(TraceStateTest, EmptyStateSerializesToEmptyString) {
  TraceState empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.Serialize(), "");
}

TEST(TraceStateTest, IsValidKeyBoundaries) {
  EXPECT_TRUE(TraceState::IsValidKey("a"));
  EXPECT_TRUE(TraceState::IsValidKey("0"));
  EXPECT_TRUE(TraceState::IsValidKey(Repeat('a', 256)));
  EXPECT_FALSE(TraceState::IsValidKey(Repeat('a', 257)));
  EXPECT_FALSE(TraceState::IsValidKey(""));
  EXPECT_TRUE(TraceState::IsValidKey("0@a"));
  EXPECT_FALSE(TraceState::IsValidKey("a b"));
  EXPECT_TRUE(TraceState::IsValidKey("a@"));
  EXPECT_FALSE(TraceState::IsValidKey("@a"));
  // "@" anywhere after the first character, any number of times.
  for (std::size_t at = 1; at < 256; at += 37) {
    std::string key = Repeat('k', 256);
    key[at] = '@';
    EXPECT_TRUE(TraceState::IsValidKey(key)) << at;
  }
}

TEST(TraceStateTest, IsValidValueBoundaries) {
  EXPECT_TRUE(TraceState::IsValidValue("v"));
  EXPECT_TRUE(TraceState::IsValidValue(Repeat('v', 256)));
  EXPECT_FALSE(TraceState::IsValidValue(Repeat('v', 257)));
  EXPECT_FALSE(TraceState::IsValidValue(""));
  EXPECT_FALSE(TraceState::IsValidValue("v "));  // last character must not be blank
  EXPECT_FALSE(TraceState::IsValidValue(" "));
  EXPECT_TRUE(TraceState::IsValidValue(" v"));
  EXPECT_FALSE(TraceState::IsValidValue("a,b"));
  EXPECT_FALSE(TraceState::IsValidValue("a=b"));
  EXPECT_FALSE(TraceState::IsValidValue("a\x7f"));
}

TEST(TraceStateTest, WithAddsToTheFront) {
  const std::optional<TraceState> base = TraceState::Parse("foo=1,bar=2");
  ASSERT_TRUE(base);
  const std::optional<TraceState> updated = base->With("new", "x");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->Serialize(), "new=x,foo=1,bar=2");
  EXPECT_EQ(base->Serialize(), "foo=1,bar=2");  // immutable
}

TEST(TraceStateTest, WithMovesAnUpdatedKeyToTheFront) {
  const std::optional<TraceState> base = TraceState::Parse("foo=1,bar=2,baz=3");
  ASSERT_TRUE(base);
  const std::optional<TraceState> updated = base->With("bar", "9");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->Serialize(), "bar=9,foo=1,baz=3");
}

TEST(TraceStateTest, WithRejectsInvalidKeyOrValue) {
  const TraceState base;
  EXPECT_FALSE(base.With("Foo", "v").has_value());
  EXPECT_FALSE(base.With("foo", "").has_value());
  EXPECT_FALSE(base.With("foo", "v ").has_value());  // trailing space
  EXPECT_FALSE(base.With("foo", "a=b").has_value());
  EXPECT_FALSE(base.With("foo", "a,b").has_value());
  EXPECT_FALSE(base.With("foo", Repeat('v', 257)).has_value());
  EXPECT_TRUE(base.With("foo", Repeat('v', 256)).has_value());
}

TEST(TraceStateTest, WithDropsTheRightMostMemberBeyondThirtyTwo) {
  const std::optional<TraceState> full = TraceState::Parse(Members(32));
  ASSERT_TRUE(full);
  const std::optional<TraceState> updated = full->With("new", "x");
  ASSERT_TRUE(updated);
  ASSERT_EQ(updated->members().size(), TraceState::kMaxMembers);
  EXPECT_EQ(updated->members().front().first, "new");
  EXPECT_EQ(updated->members().back().first, "k30");
  EXPECT_FALSE(updated->Get("k31").has_value());
}

TEST(TraceStateTest, WithUpdatingAnExistingKeyOfAFullListKeepsEveryOtherMember) {
  const std::optional<TraceState> full = TraceState::Parse(Members(32));
  ASSERT_TRUE(full);
  const std::optional<TraceState> updated = full->With("k31", "x");
  ASSERT_TRUE(updated);
  ASSERT_EQ(updated->members().size(), TraceState::kMaxMembers);
  EXPECT_EQ(updated->Serialize(), "k31=x," + Members(31));
}

TEST(TraceStateTest, SerializeParsesBackToTheSameState) {
  const std::optional<TraceState> parsed = TraceState::Parse(" a=1 ,, t@s=x y ,b=!~ ");
  ASSERT_TRUE(parsed);
  const std::optional<TraceState> again = TraceState::Parse(parsed->Serialize());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *parsed);
}

}  // namespace
}  // namespace qtrace
