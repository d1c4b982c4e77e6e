// ShardedCounter: a counter that many threads increment at once without
// fighting over one cache line, and, for the first kOwnedShards threads of
// the process, without a locked instruction either.
//
// Each of those threads owns one padded slot for good and adds to it with a
// relaxed load and store: no other thread writes it, so nothing is lost, and
// the `lock add` a fetch_add costs (it drains the store buffer: it was the
// costliest instruction of an unsampled span start) is gone. Threads beyond
// those share kSharedShards slots with fetch_add. Slots are not handed back
// when a thread ends; a process that keeps making new threads moves to the
// shared slots, which are still correct, only slower. Readers sum the slots:
// the total is exact once the writers are done, and a monotonic
// approximation meanwhile.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "qtrace/sdk/cache_line.h"

namespace qtrace {

class ShardedCounter {
 public:
  static constexpr std::size_t kOwnedShards = 16;
  static constexpr std::size_t kSharedShards = 8;

  void Add(std::uint64_t n = 1) noexcept {
    const std::size_t slot = ThreadSlot();
    if (slot < kOwnedShards) {
      std::atomic<std::uint64_t>& value = owned_[slot].value;
      value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    } else {
      shared_[slot % kSharedShards].value.fetch_add(n, std::memory_order_relaxed);
    }
  }

  std::uint64_t Load() const noexcept {
    std::uint64_t sum = 0;
    for (const Shard& s : owned_) sum += s.value.load(std::memory_order_relaxed);
    for (const Shard& s : shared_) sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(kCacheLineSize) Shard {
    std::atomic<std::uint64_t> value{0};
  };
  static_assert(sizeof(Shard) == kCacheLineSize, "one shard per cache line");

  // The same slot number in every counter: the n-th thread of the process to
  // add to any counter gets n.
  static std::size_t ThreadSlot() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t slot = next.fetch_add(1, std::memory_order_relaxed);
    return slot;
  }

  Shard owned_[kOwnedShards];
  Shard shared_[kSharedShards];
};

}  // namespace qtrace
