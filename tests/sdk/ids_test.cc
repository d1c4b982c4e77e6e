#include "qtrace/sdk/ids.h"

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(IdsTest, DefaultIdsAreInvalid) {
  EXPECT_FALSE(TraceId().IsValid());
  EXPECT_FALSE(SpanId().IsValid());
}

TEST(IdsTest, RandomIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const TraceId t = RandomTraceId();
    const SpanId s = RandomSpanId();
    ASSERT_TRUE(t.IsValid());
    ASSERT_TRUE(s.IsValid());
    ASSERT_TRUE(seen.insert(t.ToHex()).second) << "repeated trace id " << t.ToHex();
  }
}

TEST(IdsTest, HexRoundTrip) {
  const TraceId t = RandomTraceId();
  const std::string hex = t.ToHex();
  ASSERT_EQ(hex.size(), 32u);
  EXPECT_EQ(TraceId::FromHex(hex), t);
  const auto s = SpanId::FromHex("00f067aa0ba902b7");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ToHex(), "00f067aa0ba902b7");
  EXPECT_EQ(s->bytes()[1], 0xf0);
}

TEST(IdsTest, HexParsingIsStrict) {
  EXPECT_FALSE(SpanId::FromHex("00F067AA0BA902B7").has_value()) << "upper case";
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902b").has_value()) << "short";
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902b77").has_value()) << "long";
  EXPECT_FALSE(SpanId::FromHex("00f067aa0ba902bg").has_value()) << "non-hex";
  ASSERT_TRUE(SpanId::FromHex("0000000000000000").has_value());
  EXPECT_FALSE(SpanId::FromHex("0000000000000000")->IsValid());
}

TEST(IdsTest, UuidV4HasVersionAndVariant) {
  const std::string a = RandomUuidV4();
  ASSERT_EQ(a.size(), 36u);
  for (std::size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(a[i], '-') << a;
  EXPECT_EQ(a[14], '4') << a;
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos) << a;
  EXPECT_NE(a, RandomUuidV4());
}

TEST(IdsTest, ThreadsGetDifferentSequences) {
  std::vector<std::string> a, b;
  std::thread ta([&] { for (int i = 0; i < 100; ++i) a.push_back(RandomSpanId().ToHex()); });
  std::thread tb([&] { for (int i = 0; i < 100; ++i) b.push_back(RandomSpanId().ToHex()); });
  ta.join();
  tb.join();
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 200u);
}

// A forked child must not repeat the parent's sequence: both would otherwise
// hand out the same span ids after fork().
TEST(IdsTest, ForkedChildReseeds) {
  (void)RandomSpanId();  // seed this thread before forking
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string hex = RandomSpanId().ToHex();
    ssize_t written = write(fds[1], hex.data(), hex.size());
    _exit(written == static_cast<ssize_t>(hex.size()) ? 0 : 1);
  }
  const std::string parent_hex = RandomSpanId().ToHex();
  char buf[16];
  ASSERT_EQ(read(fds[0], buf, sizeof buf), 16);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(std::string(buf, 16), parent_hex);
}

}  // namespace
}  // namespace qtrace
