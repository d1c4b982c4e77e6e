#include "qtrace/sdk/sharded_counter.h"

#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

// More threads than there are owned and shared slots together, so that some
// threads own a slot and others share one: every increment must count.
TEST(ShardedCounterTest, ManyThreadsCountExactly) {
  constexpr int kThreads = static_cast<int>(ShardedCounter::kOwnedShards + 3 * ShardedCounter::kSharedShards);
  constexpr std::uint64_t kAddsPerThread = 20000;
  ShardedCounter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counter] {
      for (std::uint64_t i = 0; i < kAddsPerThread; ++i) counter.Add();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter.Load(), kThreads * kAddsPerThread);
}

TEST(ShardedCounterTest, AddsLargerSteps) {
  ShardedCounter counter;
  counter.Add(5);
  counter.Add(7);
  std::thread([&counter] { counter.Add(30); }).join();
  EXPECT_EQ(counter.Load(), 42u);
}

}  // namespace
}  // namespace qtrace
