// ShardedCounter: a counter that many threads increment at once without
// fighting over one cache line. Each thread adds to one of kShards padded
// slots (chosen once per thread); readers sum the slots. Increments are
// relaxed: the total is exact once the writers are done, and a monotonic
// approximation meanwhile.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace qtrace {

class ShardedCounter {
 public:
  static constexpr std::size_t kShards = 16;

  void Add(std::uint64_t n = 1) noexcept { shards_[ThreadShard()].value.fetch_add(n, std::memory_order_relaxed); }

  std::uint64_t Load() const noexcept {
    std::uint64_t sum = 0;
    for (const Shard& s : shards_) sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> value{0};
  };
  static_assert(sizeof(Shard) == 64, "one shard per cache line");

  static std::size_t ThreadShard() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return shard;
  }

  Shard shards_[kShards];
};

}  // namespace qtrace
