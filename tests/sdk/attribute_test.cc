#include "qtrace/sdk/attribute.h"

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
  EXPECT_EQ(list.Find("k3"), nullptr);
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
  const char* storage = std::get<std::string>(list.Find("a")->value).data();
  list.Clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.dropped(), 0u);
  EXPECT_EQ(list.Find("a"), nullptr);
  list.Set("c", std::string(50, 'y'));  // reuses the slot and its string buffer
  EXPECT_EQ(std::get<std::string>(list.Find("c")->value).data(), storage);
}

// storage() is what the pool asks the cache for before a refill: the spare
// slots past size() with their kept keys and values, not only the live ones.
TEST(AttributeListTest, StorageShowsTheSpareSlotsAClearKept) {
  AttributeList list;
  list.Set("http.request.method", "GET");
  list.Set("url.path", "/api/v1/projects/42");
  list.Clear();
  EXPECT_TRUE(list.items().empty());
  ASSERT_EQ(list.storage().size(), 2u);
  EXPECT_EQ(list.storage()[0].key, "http.request.method");
  EXPECT_EQ(std::get<std::string>(list.storage()[1].value), "/api/v1/projects/42");
  list.Set("http.request.method", "POST");
  EXPECT_EQ(list.items().size(), 1u);
  EXPECT_EQ(list.storage().size(), 2u);
}

}  // namespace
}  // namespace qtrace
