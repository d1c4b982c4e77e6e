#include "qtrace/sdk/attribute.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(AttributeListTest, HoldsEveryType) {
  AttributeList list;
  list.Set("b", true);
  list.Set("i", 42);
  list.Set("d", 1.5);
  list.Set("s", "text");
  list.Set("ab", AttributeValue(std::vector<bool>{true, false}));
  list.Set("ai", AttributeValue(std::vector<std::int64_t>{1, 2}));
  list.Set("ad", AttributeValue(std::vector<double>{0.5}));
  list.Set("as", AttributeValue(std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(list.size(), 8u);
  EXPECT_EQ(std::get<bool>(list.Find("b")->value), true);
  EXPECT_EQ(std::get<std::int64_t>(list.Find("i")->value), 42);
  EXPECT_EQ(std::get<double>(list.Find("d")->value), 1.5);
  EXPECT_EQ(std::get<std::string>(list.Find("s")->value), "text");
  EXPECT_EQ(std::get<std::vector<std::string>>(list.Find("as")->value).size(), 2u);
}

TEST(AttributeListTest, SameKeyOverwritesWithoutCounting) {
  AttributeList list(2, AttributeList::kUnlimited);
  list.Set("a", 1);
  list.Set("a", "now a string");
  list.Set("b", 2);
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.dropped(), 0u);
  EXPECT_EQ(std::get<std::string>(list.Find("a")->value), "now a string");
}

// Keys of one length (and of lengths 64 apart) are told apart by their
// bytes: a key is only taken as new without a look at the live keys when no
// live key has its length.
TEST(AttributeListTest, KeysOfOneLengthAreEachFoundAndOverwritten) {
  AttributeList list;
  const std::string long_a = std::string(70, 'a');  // 70 % 64 == 6, the length of "http.x"
  list.Set("url.scheme", "http");
  list.Set("http.route", "/api/v1/projects/{id}");  // the same length as url.scheme
  list.Set("http.x", 1);
  list.Set(long_a, 2);
  list.Set("http.route", "/health");
  list.Set("url.scheme", "https");
  list.Set(long_a, 3);
  list.Set("http.x", 4);
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list.GetString("url.scheme"), "https");
  EXPECT_EQ(list.GetString("http.route"), "/health");
  EXPECT_EQ(list.GetInt("http.x"), 4);
  EXPECT_EQ(list.GetInt(long_a), 3);
  // After a Clear the kept slots are spare storage, not live keys.
  list.Clear();
  list.Set("http.route", "/");
  list.Set("http.route", "/again");
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(list.GetString("http.route"), "/again");
}

TEST(AttributeListTest, CountLimitDropsAndCounts) {
  AttributeList list(3, AttributeList::kUnlimited);
  for (int i = 0; i < 10; ++i) list.Set("k" + std::to_string(i), i);
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.dropped(), 7u);
  EXPECT_FALSE(list.Find("k3").has_value());
  list.Set("k0", 100);  // an existing key still updates at the limit
  EXPECT_EQ(std::get<std::int64_t>(list.Find("k0")->value), 100);
  EXPECT_EQ(list.dropped(), 7u);
}

TEST(AttributeListTest, LengthLimitTruncatesStringsAndArrayStrings) {
  AttributeList list(10, 4);
  list.Set("s", "abcdefgh");
  list.Set("as", AttributeValue(std::vector<std::string>{"123456", "ab"}));
  list.Set("i", 123456789);  // numbers are never truncated
  EXPECT_EQ(std::get<std::string>(list.Find("s")->value), "abcd");
  EXPECT_EQ(std::get<std::vector<std::string>>(list.Find("as")->value),
            (std::vector<std::string>{"1234", "ab"}));
  EXPECT_EQ(std::get<std::int64_t>(list.Find("i")->value), 123456789);
}

// Review item 17: the length limit counts characters and never cuts one in
// half (a cut multi-byte character would make the value invalid UTF-8).
TEST(AttributeListTest, LengthLimitCutsAtACharacterBoundary) {
  AttributeList list(10, 3);
  list.Set("s", std::string_view("h\xc3\xa9ll\xc3\xb6"));            // "héllö": 5 characters, 7 bytes
  list.Set("euro", std::string_view("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"));  // 4 x U+20AC
  list.Set("v", AttributeValue(std::vector<std::string>{"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"}));
  list.Set("ascii", std::string_view("abcdef"));
  EXPECT_EQ(std::get<std::string>(list.Find("s")->value), "h\xc3\xa9l");
  EXPECT_EQ(std::get<std::string>(list.Find("euro")->value), "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
  EXPECT_EQ(std::get<std::vector<std::string>>(list.Find("v")->value)[0], "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
  EXPECT_EQ(std::get<std::string>(list.Find("ascii")->value), "abc");
  EXPECT_EQ(Utf8Prefix("\xc3\xa9", 1), "\xc3\xa9");
  EXPECT_EQ(Utf8Prefix("\xc3\xa9x", 1), "\xc3\xa9");
  EXPECT_EQ(Utf8Prefix("ab", 0), "");
}

TEST(AttributeListTest, ClearKeepsStorageAndResetsCounts) {
  AttributeList list(1, AttributeList::kUnlimited);
  list.Set("a", std::string(100, 'x'));
  list.Set("b", 1);
  ASSERT_EQ(list.dropped(), 1u);
  const std::array<AttributeList::Block, 2> before = list.KeptBlocks();
  list.Clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.dropped(), 0u);
  EXPECT_FALSE(list.Find("a").has_value());
  list.Set("c", std::string(50, 'y'));  // refills the kept entry and bytes
  EXPECT_EQ(list.GetString("c"), std::string(50, 'y'));
  const std::array<AttributeList::Block, 2> after = list.KeptBlocks();
  EXPECT_EQ(after[0].start, before[0].start);
  EXPECT_EQ(after[1].start, before[1].start);
}

// KeptBlocks() is what the pool asks the cache for before a refill: the
// spare entries and bytes a Clear kept, not only the live ones (none here).
TEST(AttributeListTest, KeptBlocksCoverWhatAClearKept) {
  AttributeList list;
  list.Set("http.request.method", "GET");
  list.Set("url.path", "/api/v1/projects/42");
  const std::array<AttributeList::Block, 2> live = list.LiveBlocks();
  EXPECT_EQ(live[1].bytes, std::string_view("http.request.methodGETurl.path/api/v1/projects/42").size());
  list.Clear();
  EXPECT_EQ(list.begin(), list.end());
  EXPECT_EQ(list.LiveBlocks()[0].bytes, 0u);
  EXPECT_EQ(list.LiveBlocks()[1].bytes, 0u);
  const std::array<AttributeList::Block, 2> kept = list.KeptBlocks();
  EXPECT_GE(kept[0].bytes, live[0].bytes);
  EXPECT_EQ(kept[1].bytes, live[1].bytes);
  EXPECT_EQ(std::string_view(static_cast<const char*>(kept[1].start), kept[1].bytes),
            "http.request.methodGETurl.path/api/v1/projects/42");
  list.Set("http.request.method", "POST");
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(list.GetString("http.request.method"), "POST");
}

// Iteration gives every live attribute in the order first set, with its
// value read in place.
TEST(AttributeListTest, IteratesInOrderWithViewsOfEveryType) {
  AttributeList list;
  list.Set("s", "text");
  list.Set("i", -7);
  list.Set("b", false);
  list.Set("d", 0.25);
  list.Set("a", AttributeValue(std::vector<std::int64_t>{1, 2, 3}));
  list.Set("s", "changed");  // keeps its place
  std::vector<Attribute> seen;
  for (const AttributeView view : list) seen.push_back(view.ToAttribute());
  const std::vector<Attribute> expected = {
      {"s", std::string("changed")}, {"i", std::int64_t{-7}}, {"b", false},
      {"d", 0.25},                   {"a", std::vector<std::int64_t>{1, 2, 3}}};
  EXPECT_EQ(seen, expected);
  ASSERT_TRUE(list.FindView("s").has_value());
  EXPECT_EQ(std::get<std::string_view>(list.FindView("s")->value), "changed");
  EXPECT_EQ(std::get<const AttributeValue*>(list.FindView("a")->value)->index(), 5u);
}

// A value overwritten with a longer one leaves its old bytes behind; a list
// whose one key is overwritten without end stays bounded, and keeps every
// other attribute.
TEST(AttributeListTest, OverwritingWithoutEndKeepsTheBufferBounded) {
  AttributeList list;
  list.Set("first", "kept");
  for (int i = 0; i < 10000; ++i) {
    list.Set("counter", std::string(static_cast<std::size_t>(i % 100) + 1, static_cast<char>('a' + i % 26)));
    list.Set("number", i);  // a string overwritten with a number, and back
    list.Set("number", std::to_string(i));
  }
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.GetString("first"), "kept");
  EXPECT_EQ(list.GetString("counter"), std::string(100, static_cast<char>('a' + 9999 % 26)));
  EXPECT_EQ(list.GetString("number"), "9999");
  EXPECT_LE(list.LiveBlocks()[1].bytes, 2048u);
}

// An array replaced by another value is freed, and the places of replaced
// arrays are dropped as new ones come: a key switched between an array and
// a scalar without end holds a bounded number of them.
TEST(AttributeListTest, ArraysReplacedWithoutEndStayBounded) {
  AttributeList list;
  list.Set("kept", AttributeValue(std::vector<std::string>{"a", "b"}));
  for (int i = 0; i < 10000; ++i) {
    list.Set("k", AttributeValue(std::vector<std::int64_t>(100, i)));
    if (i % 2 == 0) {
      list.Set("k", i);
    } else {
      list.Set("k", "now a string");
    }
  }
  EXPECT_LE(list.arrays_held(), 4u);
  EXPECT_EQ(list.GetString("k"), "now a string");
  list.Set("k", AttributeValue(std::vector<std::int64_t>{7}));
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(list.Find("k")->value), std::vector<std::int64_t>{7});
  EXPECT_EQ(std::get<std::vector<std::string>>(list.Find("kept")->value), (std::vector<std::string>{"a", "b"}));
}

// A set that needs no room grows nothing: a new key past the count limit is
// dropped (and counted once) before any byte is reserved for it, and a
// shorter string overwrites a full buffer in place.
TEST(AttributeListTest, DroppedAndInPlaceSetsDoNotGrowTheBuffer) {
  AttributeList list(1, AttributeList::kUnlimited);
  list.Set("a", std::string(300, 'a'));
  // A buffer that grew to take a megabyte would have moved.
  const void* buffer = list.LiveBlocks()[1].start;
  list.Set("b", std::string(1 << 20, 'b'));
  list.Set("c", AttributeValue(std::vector<std::string>{std::string(1 << 20, 'c')}));
  EXPECT_EQ(list.dropped(), 2u);
  EXPECT_EQ(list.size(), 1u);
  list.Set("a", std::string(200, 'z'));  // in place
  EXPECT_EQ(list.GetString("a"), std::string(200, 'z'));
  EXPECT_EQ(list.LiveBlocks()[1].start, buffer);
}

// A value given as a view of another attribute of the same list, an array
// included, is copied before the list changes.
TEST(AttributeListTest, ViewsOfTheListCanBeSetAgain) {
  AttributeList list;
  list.Set("array", AttributeValue(std::vector<double>{0.5, 1.5}));
  list.Set("text", "some text");
  for (int i = 0; i < 50; ++i) {
    const std::optional<AttributeView> array = list.FindView("array");
    const std::optional<AttributeView> text = list.FindView("text");
    ASSERT_TRUE(array && text);
    list.Set("array" + std::to_string(i), array->value);
    list.Set("text" + std::to_string(i), text->value);
  }
  EXPECT_EQ(std::get<std::vector<double>>(list.Find("array49")->value), (std::vector<double>{0.5, 1.5}));
  EXPECT_EQ(list.GetString("text49"), "some text");
  EXPECT_FALSE(list.FindView("absent").has_value());
  EXPECT_FALSE(list.Find("absent").has_value());
}

// The buffer is compacted (values overwritten with longer ones leave their
// old bytes behind) while the value being set is a view of the buffer.
TEST(AttributeListTest, CompactionKeepsAValueReadFromTheList) {
  AttributeList list;
  list.Set("source", std::string(40, 's'));
  for (int i = 1; i <= 64; ++i) list.Set("grows", std::string(static_cast<std::size_t>(i) * 4, 'g'));
  for (int i = 0; i < 64; ++i) list.Set("copy" + std::to_string(i), list.GetString("source"));
  EXPECT_EQ(list.GetString("grows"), std::string(256, 'g'));
  for (int i = 0; i < 64; ++i) EXPECT_EQ(list.GetString("copy" + std::to_string(i)), std::string(40, 's'));
  EXPECT_LE(list.LiveBlocks()[1].bytes, 2u * (40 + 256 + 64 * (6 + 40) + 11));
}

// A refill after Clear() that changes the kept entries' types reads what
// this use set, not what the last one left.
TEST(AttributeListTest, RefillWithOtherTypesReadsTheNewValues) {
  AttributeList list;
  list.Set("a", "text");
  list.Set("b", 1);
  list.Set("c", AttributeValue(std::vector<bool>{true}));
  list.Clear();
  list.Set("a", 2);
  list.Set("b", AttributeValue(std::vector<std::int64_t>{3}));
  list.Set("c", "text");
  EXPECT_EQ(list.GetInt("a"), 2);
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(list.Find("b")->value), std::vector<std::int64_t>{3});
  EXPECT_EQ(list.GetString("c"), "text");
  list.Clear();
  list.Set("a", 2);  // the same values again: read back the same
  EXPECT_EQ(list.GetInt("a"), 2);
  EXPECT_EQ(list.size(), 1u);
}

// A value read from the list itself (a view into its buffer) may be set as
// another attribute's value or key, also when that makes the buffer grow.
TEST(AttributeListTest, ValuesReadFromTheListCanBeSetAgain) {
  AttributeList list;
  list.Set("source", std::string(200, 's'));
  for (int i = 0; i < 20; ++i) {
    list.Set("copy" + std::to_string(i), list.GetString("source"));
  }
  list.Set(list.GetString("source"), 1);  // a key read from the list
  for (int i = 0; i < 20; ++i) EXPECT_EQ(list.GetString("copy" + std::to_string(i)), std::string(200, 's'));
  EXPECT_EQ(list.GetInt(std::string(200, 's')), 1);
  // An overwrite in place from a view of its own value.
  list.Set("source", list.GetString("source").substr(0, 10));
  EXPECT_EQ(list.GetString("source"), std::string(10, 's'));
}

// AllAscii lets an encoder skip the UTF-8 check of each string; one byte
// past 0x7f anywhere in a key or value turns it off.
TEST(AttributeListTest, AllAsciiSeesEveryKeyAndValue) {
  AttributeList list;
  list.Set("http.route", "/api/v1/projects/{id}");
  list.Set("http.response.status_code", 200);
  EXPECT_TRUE(list.AllAscii());
  list.Set("name", std::string_view("caf\xc3\xa9"));
  EXPECT_FALSE(list.AllAscii());
  list.Clear();
  list.Set("k\xc3\xa9y", 1);
  EXPECT_FALSE(list.AllAscii());
}

}  // namespace
}  // namespace qtrace
