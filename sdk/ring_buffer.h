// RingBuffer: a bounded, lock-free queue for many producers and consumers
// (used with one consumer: the exporter thread). Request threads push ended
// spans; the exporter pops them.
//
// The algorithm is Dmitry Vyukov's bounded MPMC queue: every slot carries a
// sequence number that says whose turn it is, so a producer and a consumer
// never touch the same slot at once and no lock is taken.
//
// Guarantees:
//  1. TryPush never blocks and never waits for the consumer: on a full buffer
//     it returns false at once and leaves the value with the caller (who drops
//     and counts it). It retries only when another producer won the same slot.
//  2. TryPop never blocks: on an empty buffer it returns false.
//  3. Every value pushed is popped exactly once, and values from one producer
//     come out in the order it pushed them.
//  4. Capacity is exact (any positive size, not rounded to a power of two).
//     A power of two (the default queue's 2 048, the record pool's rings)
//     finds a position's slot with a mask instead of a division.
//
// Progress: lock-free, not wait-free, and not linearizable as a queue when a
// producer is preempted. A producer claims its position (the compare-and-swap)
// before it publishes the slot (the release store); between the two the slot
// is claimed but empty. A consumer that reaches that slot finds it
// unpublished and TryPop returns false, even though later positions may
// already hold published values: they wait until the stalled producer runs
// again. So a false TryPop means "nothing poppable in order right now", not
// "empty"; the exporter only ever retries later (on its next wake-up), and no
// value is lost or reordered. Likewise TryPush may return false while a
// consumer is between claiming and freeing the slot one lap ahead.
//
// Memory ordering: a producer publishes a slot with a release store of its
// sequence; the consumer's acquire load of that sequence makes the value
// visible (and the reverse when the consumer frees the slot). The two
// positions are claimed with relaxed compare-and-swap: the slot sequence, not
// the position, carries the happens-before edge.
//
// Slot sequences count in steps of two: the slot for position p holds 2p while
// free for p's producer, 2p+1 once published for p's consumer, and
// 2(p+capacity) once freed for the next lap. (With the textbook p / p+1 /
// p+capacity, "published for p" and "free for p+1" are the same number when
// capacity is 1: a second push would overwrite the unread value and TryPop
// would then spin forever.)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "qtrace/sdk/cache_line.h"

namespace qtrace {

template <class T>
class RingBuffer {
  static_assert(std::is_nothrow_move_constructible_v<T>, "T must move without throwing");
  static_assert(std::is_nothrow_destructible_v<T>, "T must destroy without throwing");

 public:
  // REQUIRES: capacity > 0.
  explicit RingBuffer(std::size_t capacity)
      : capacity_(capacity),
        power_of_two_((capacity & (capacity - 1)) == 0),
        slots_(std::make_unique<Slot[]>(capacity_)) {
    for (std::size_t i = 0; i < capacity_; ++i) slots_[i].sequence.store(2 * i, std::memory_order_relaxed);
  }

  // Destroys the values still queued.
  ~RingBuffer() {
    T discarded;
    while (TryPop(discarded)) {
    }
  }

  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  // Moves value in and returns true, or returns false (value untouched) when
  // full, or when the slot a lap ahead is still being freed by a consumer.
  // position, when given, receives the value's place in the order of all
  // pushes (0 for the first ever): with a count the consumer publishes, a
  // producer can tell how much waits without reading the consumer's position.
  [[nodiscard]] bool TryPush(T& value, std::size_t* position = nullptr) noexcept {
    std::size_t pos = push_pos_.load(std::memory_order_relaxed);
    while (true) {
      Slot& slot = slots_[SlotIndex(pos)];
      const std::size_t sequence = slot.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(sequence) - static_cast<std::intptr_t>(2 * pos);
      if (diff == 0) {
        if (push_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          new (slot.storage) T(std::move(value));
          slot.sequence.store(2 * pos + 1, std::memory_order_release);
          if (position != nullptr) *position = pos;
          return true;
        }
      } else if (diff < 0) {
        return false;  // the slot still holds a value from one lap ago: full
      } else {
        pos = push_pos_.load(std::memory_order_relaxed);  // another producer took it
      }
    }
  }

  // Moves the oldest value into out and returns true; false when empty, or
  // when the oldest position is claimed by a producer that has not yet
  // published it (see "Progress" above).
  [[nodiscard]] bool TryPop(T& out) noexcept {
    std::size_t pos = pop_pos_.load(std::memory_order_relaxed);
    while (true) {
      Slot& slot = slots_[SlotIndex(pos)];
      const std::size_t sequence = slot.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(sequence) - static_cast<std::intptr_t>(2 * pos + 1);
      if (diff == 0) {
        if (pop_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* value = std::launder(reinterpret_cast<T*>(slot.storage));
          out = std::move(*value);
          value->~T();
          slot.sequence.store(2 * (pos + capacity_), std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // not yet published: empty
      } else {
        pos = pop_pos_.load(std::memory_order_relaxed);
      }
    }
  }

  // The number of values queued; exact when no push or pop is running.
  std::size_t SizeApprox() const noexcept {
    const std::size_t push = push_pos_.load(std::memory_order_relaxed);
    const std::size_t pop = pop_pos_.load(std::memory_order_relaxed);
    return push > pop ? push - pop : 0;
  }

  // Values pushed since construction (a count that only grows).
  std::size_t PushCount() const noexcept { return push_pos_.load(std::memory_order_relaxed); }

  std::size_t capacity() const noexcept { return capacity_; }

 private:
  // One slot per cache line: neighbouring producers do not share a line.
  struct alignas(kCacheLineSize) Slot {
    std::atomic<std::size_t> sequence{0};
    alignas(T) unsigned char storage[sizeof(T)];
  };
  static_assert(sizeof(Slot) % kCacheLineSize == 0, "slots must not share cache lines");

  // The slot of a position. A 64-bit division takes tens of cycles, and
  // the slot's sequence load waits for it on every push and pop (about a
  // seventh of a push's samples on one host): a power-of-two capacity
  // masks instead.
  std::size_t SlotIndex(std::size_t pos) const noexcept {
    return power_of_two_ ? pos & (capacity_ - 1) : pos % capacity_;
  }

  const std::size_t capacity_;
  const bool power_of_two_;
  const std::unique_ptr<Slot[]> slots_;
  // The two positions on separate cache lines: producers and the consumer do
  // not invalidate each other's line on every operation.
  alignas(kCacheLineSize) std::atomic<std::size_t> push_pos_{0};
  alignas(kCacheLineSize) std::atomic<std::size_t> pop_pos_{0};
  char padding_[kCacheLineSize - sizeof(std::atomic<std::size_t>)];
};

}  // namespace qtrace
