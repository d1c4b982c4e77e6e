// Tests for RingBuffer (sdk/ring_buffer.h), after rigtorp/MPMCQueue's tests:
// single-thread behaviour, object lifetimes, and multi-threaded stress with
// several producers and one (or two) consumers.
//
// Every multi-threaded loop is bounded in count and in time: a test that
// stops making progress fails after kTimeLimit instead of hanging, and every
// test runs under a watchdog that aborts the process if a thread is stuck
// inside the queue itself (where no loop of ours can check the time).
#include "qtrace/sdk/ring_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace qtrace {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kTimeLimit = std::chrono::seconds(60);
// Hard limit for a thread stuck inside TryPush/TryPop (no cooperative check
// can run there): abort the whole binary rather than hang.
constexpr auto kWatchdogLimit = std::chrono::seconds(90);

// Aborts the process if a test has not finished within the limit.
class Watchdog {
 public:
  explicit Watchdog(std::string name) : name_(std::move(name)), thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, kWatchdogLimit, [this] { return done_; })) {
      std::fprintf(stderr, "watchdog: %s did not finish within %lld s; aborting\n", name_.c_str(),
                   static_cast<long long>(kWatchdogLimit.count()));
      std::abort();
    }
  }

  std::string name_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Every test, including the buffer's destructor at its end, runs under a
// watchdog: a queue that livelocks fails the binary instead of hanging it.
class WatchdogListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& info) override {
    watchdog_ = std::make_unique<Watchdog>(std::string(info.test_suite_name()) + "." + info.name());
  }
  void OnTestEnd(const ::testing::TestInfo&) override { watchdog_.reset(); }

 private:
  std::unique_ptr<Watchdog> watchdog_;
};
[[maybe_unused]] const bool kWatchdogInstalled = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new WatchdogListener);
  return true;
}();

// ---------------------------------------------------------------------------
// Single-thread basics
// ---------------------------------------------------------------------------

// The capacity a buffer constructed with `requested` must have: exactly that,
// a single slot included (guarantee 4 of ring_buffer.h).
constexpr std::size_t EffectiveCapacity(std::size_t requested) { return requested; }

TEST(RingBufferTest, PopOnEmptyFailsAndLeavesOutputAlone) {
  RingBuffer<int> buffer(4);
  int out = 42;
  EXPECT_FALSE(buffer.TryPop(out));
  EXPECT_EQ(out, 42);
  EXPECT_EQ(buffer.SizeApprox(), 0u);
}

class RingBufferCapacityTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RingBufferCapacityTest, HoldsExactlyCapacityValuesInFifoOrder) {
  const std::size_t capacity = EffectiveCapacity(GetParam());
  RingBuffer<std::size_t> buffer(GetParam());
  ASSERT_EQ(buffer.capacity(), capacity);

  std::size_t pushed = 0;
  while (pushed <= capacity) {  // one more than capacity at most
    std::size_t value = pushed;
    if (!buffer.TryPush(value)) break;
    ++pushed;
    EXPECT_EQ(buffer.SizeApprox(), pushed);
  }
  ASSERT_EQ(pushed, capacity) << "capacity must be exact, not rounded";

  std::size_t rejected = 12345;
  EXPECT_FALSE(buffer.TryPush(rejected));
  EXPECT_EQ(rejected, 12345u);
  EXPECT_EQ(buffer.SizeApprox(), capacity);

  for (std::size_t i = 0; i < capacity; ++i) {
    std::size_t out = ~std::size_t{0};
    ASSERT_TRUE(buffer.TryPop(out)) << "i=" << i;
    EXPECT_EQ(out, i);
    EXPECT_EQ(buffer.SizeApprox(), capacity - i - 1);
  }
  std::size_t out = 0;
  EXPECT_FALSE(buffer.TryPop(out));
}

TEST_P(RingBufferCapacityTest, WrapsAroundManyLaps) {
  const std::size_t capacity = EffectiveCapacity(GetParam());
  RingBuffer<std::uint64_t> buffer(GetParam());
  ASSERT_EQ(buffer.capacity(), capacity);
  // Keep a varying fill level (0..capacity) so that the head and tail cross
  // every slot boundary at different offsets; at least 1000 full laps.
  const std::size_t total = std::max<std::size_t>(capacity * 1000, 20000);
  std::uint64_t next_push = 0;
  std::uint64_t next_pop = 0;
  std::size_t step = 0;
  while (next_pop < total) {
    const std::size_t burst = 1 + (step++ * 7) % (capacity + 1);  // 1..capacity+1
    for (std::size_t i = 0; i < burst && next_push < total; ++i) {
      std::uint64_t value = next_push;
      if (!buffer.TryPush(value)) {
        ASSERT_EQ(next_push - next_pop, capacity) << "push failed below capacity";
        break;
      }
      ++next_push;
    }
    ASSERT_EQ(buffer.SizeApprox(), next_push - next_pop);
    const std::size_t drain = 1 + (step * 5) % (capacity + 1);
    for (std::size_t i = 0; i < drain && next_pop < next_push; ++i) {
      std::uint64_t out = 0;
      ASSERT_TRUE(buffer.TryPop(out));
      ASSERT_EQ(out, next_pop);
      ++next_pop;
    }
    ASSERT_EQ(buffer.SizeApprox(), next_push - next_pop);
  }
  std::uint64_t out = 0;
  EXPECT_FALSE(buffer.TryPop(out));
  EXPECT_EQ(buffer.SizeApprox(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Capacities, RingBufferCapacityTest,
                         ::testing::Values(std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7},
                                           std::size_t{64}, std::size_t{1000}),
                         [](const auto& info) { return "Capacity" + std::to_string(info.param); });

// Capacity 1 once let a second push overwrite the unread value and made the
// following pop spin forever. ASSERTs stop the test before any such pop (the
// watchdog catches the buffer's destructor).
TEST(RingBufferTest, CapacityOneAlternatesFullAndEmpty) {
  RingBuffer<int> buffer(1);
  const int capacity = static_cast<int>(EffectiveCapacity(1));
  ASSERT_EQ(buffer.capacity(), EffectiveCapacity(1));
  int next = 0;
  for (int lap = 0; lap < 100; ++lap) {
    for (int i = 0; i < capacity; ++i) {
      int value = next + i;
      ASSERT_TRUE(buffer.TryPush(value)) << "lap " << lap;
    }
    int extra = -1;
    ASSERT_FALSE(buffer.TryPush(extra)) << "lap " << lap;
    ASSERT_EQ(buffer.SizeApprox(), EffectiveCapacity(1));
    for (int i = 0; i < capacity; ++i) {
      int out = -1;
      ASSERT_TRUE(buffer.TryPop(out));
      EXPECT_EQ(out, next++);
    }
    int out = -1;
    ASSERT_FALSE(buffer.TryPop(out));
    ASSERT_EQ(buffer.SizeApprox(), 0u);
  }
}

TEST(RingBufferTest, FailedPushLeavesMoveOnlyValueWithCaller) {
  RingBuffer<std::unique_ptr<int>> buffer(3);
  for (int i = 0; i < 3; ++i) {
    auto value = std::make_unique<int>(i);
    ASSERT_TRUE(buffer.TryPush(value));
    EXPECT_EQ(value, nullptr) << "a successful push moves the value in";
  }
  auto rejected = std::make_unique<int>(99);
  int* const raw = rejected.get();
  EXPECT_FALSE(buffer.TryPush(rejected));
  ASSERT_NE(rejected, nullptr) << "a failed push must leave the value with the caller";
  EXPECT_EQ(rejected.get(), raw);
  EXPECT_EQ(*rejected, 99);

  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<int> out;
    ASSERT_TRUE(buffer.TryPop(out));
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(*out, i);
  }
  // Room again: the rejected value goes in now.
  EXPECT_TRUE(buffer.TryPush(rejected));
  EXPECT_EQ(rejected, nullptr);
}

TEST(RingBufferTest, InterleavedPushPopKeepsFifoOrder) {
  RingBuffer<int> buffer(5);
  int next_push = 0;
  int next_pop = 0;
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < 3; ++i) {
      int value = next_push;
      if (buffer.TryPush(value)) ++next_push;
    }
    for (int i = 0; i < 2; ++i) {
      int out = -1;
      if (buffer.TryPop(out)) {
        ASSERT_EQ(out, next_pop);
        ++next_pop;
      }
    }
    ASSERT_LE(next_push - next_pop, 5);
  }
  int out = -1;
  while (buffer.TryPop(out)) {
    ASSERT_EQ(out, next_pop);
    ++next_pop;
  }
  EXPECT_EQ(next_pop, next_push);
}

// ---------------------------------------------------------------------------
// Object lifetimes
// ---------------------------------------------------------------------------

// Counts live instances. A destructor that runs twice on the same object, or
// on storage that never held one, trips the magic check (address sanitizer
// cannot see that: the slot storage stays allocated).
class Counted {
 public:
  static std::atomic<int> live;
  static std::atomic<int> bad_destructions;

  Counted() noexcept : Counted(-1) {}
  explicit Counted(int value) noexcept : value_(value) { live.fetch_add(1, std::memory_order_relaxed); }
  Counted(const Counted& other) noexcept : Counted(other.value_) {}
  Counted(Counted&& other) noexcept : Counted(other.value_) { other.value_ = kMovedFrom; }
  Counted& operator=(const Counted& other) noexcept {
    value_ = other.value_;
    return *this;
  }
  Counted& operator=(Counted&& other) noexcept {
    value_ = other.value_;
    other.value_ = kMovedFrom;
    return *this;
  }
  ~Counted() {
    if (magic_ != kAlive) bad_destructions.fetch_add(1, std::memory_order_relaxed);
    magic_ = kDead;
    live.fetch_sub(1, std::memory_order_relaxed);
  }

  int value() const { return value_; }
  static constexpr int kMovedFrom = -2;

 private:
  static constexpr std::uint32_t kAlive = 0xA11FEu;
  static constexpr std::uint32_t kDead = 0xDEADu;
  std::uint32_t magic_ = kAlive;
  int value_;
};
std::atomic<int> Counted::live{0};
std::atomic<int> Counted::bad_destructions{0};

class RingBufferLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Counted::live = 0;
    Counted::bad_destructions = 0;
  }
  void TearDown() override {
    EXPECT_EQ(Counted::live.load(), 0) << "leaked or double-destroyed objects";
    EXPECT_EQ(Counted::bad_destructions.load(), 0);
  }
};

TEST_F(RingBufferLifetimeTest, DestroyingBufferDestroysQueuedValues) {
  {
    RingBuffer<Counted> buffer(10);
    for (int i = 0; i < 7; ++i) {
      Counted value(i);
      ASSERT_TRUE(buffer.TryPush(value));
      EXPECT_EQ(value.value(), Counted::kMovedFrom);
    }
    EXPECT_EQ(Counted::live.load(), 7);  // the moved-from locals are gone
    Counted out;
    ASSERT_TRUE(buffer.TryPop(out));
    EXPECT_EQ(out.value(), 0);
    EXPECT_EQ(Counted::live.load(), 7);  // 6 queued + out
  }
  EXPECT_EQ(Counted::live.load(), 0);
}

TEST_F(RingBufferLifetimeTest, FullBufferAcrossLapsThenDestroyed) {
  {
    RingBuffer<Counted> buffer(3);
    int next_pop = 0;
    for (int i = 0; i < 1000; ++i) {
      Counted value(i);
      if (!buffer.TryPush(value)) {
        EXPECT_EQ(value.value(), i) << "a failed push must not move from the value";
        Counted out;
        ASSERT_TRUE(buffer.TryPop(out));
        EXPECT_EQ(out.value(), next_pop++);
        ASSERT_TRUE(buffer.TryPush(value));
      }
      ASSERT_EQ(Counted::live.load(), static_cast<int>(buffer.SizeApprox()) + 1);  // + value
    }
    EXPECT_EQ(buffer.SizeApprox(), 3u);
  }
}

TEST_F(RingBufferLifetimeTest, EmptyAndFullyDrainedBuffersLeaveNothing) {
  { RingBuffer<Counted> never_used(5); }
  EXPECT_EQ(Counted::live.load(), 0);
  {
    RingBuffer<Counted> buffer(1);
    for (int i = 0; i < 10; ++i) {
      Counted value(i);
      ASSERT_TRUE(buffer.TryPush(value));
      Counted out;
      ASSERT_TRUE(buffer.TryPop(out));
      EXPECT_EQ(out.value(), i);
    }
  }
}

TEST_F(RingBufferLifetimeTest, MoveOnlyValuesAreFreedWithTheBuffer) {
  // Leaks here show up under the address sanitizer's leak checker.
  RingBuffer<std::unique_ptr<Counted>> buffer(4);
  for (int i = 0; i < 4; ++i) {
    auto value = std::make_unique<Counted>(i);
    ASSERT_TRUE(buffer.TryPush(value));
  }
  EXPECT_EQ(Counted::live.load(), 4);
}

// ---------------------------------------------------------------------------
// Multi-threaded stress
// ---------------------------------------------------------------------------

// About 5 s for the whole binary under ThreadSanitizer on 2 cores.
constexpr std::uint32_t kTotalItems = 200'000;
// With capacity 1 every value is a hand-off between threads (a context switch
// on 2 cores), so those runs move fewer values.
constexpr std::uint32_t kCapacityOneItems = kTotalItems / 20;

// A shared deadline that loops poll when they are not making progress.
class Deadline {
 public:
  Deadline() : end_(Clock::now() + kTimeLimit) {}
  bool Expired() {
    if (expired_.load(std::memory_order_relaxed)) return true;
    if (Clock::now() < end_) return false;
    expired_.store(true, std::memory_order_relaxed);
    return true;
  }
  bool expired() const { return expired_.load(std::memory_order_relaxed); }

 private:
  const Clock::time_point end_;
  std::atomic<bool> expired_{false};
};

// A value names its producer and that producer's sequence number.
std::uint64_t Encode(std::uint32_t producer, std::uint32_t sequence) {
  return (std::uint64_t{producer} << 32) | sequence;
}
std::uint32_t ProducerOf(std::uint64_t value) { return static_cast<std::uint32_t>(value >> 32); }
std::uint32_t SequenceOf(std::uint64_t value) { return static_cast<std::uint32_t>(value); }

class RingBufferStressTest : public ::testing::TestWithParam<std::tuple<std::uint32_t, std::size_t>> {
 protected:
  std::uint32_t producers() const { return std::get<0>(GetParam()); }
  std::size_t capacity() const { return std::get<1>(GetParam()); }
  std::uint32_t items_per_producer() const {
    return (capacity() == 1 ? kCapacityOneItems : kTotalItems) / producers();
  }
};

// Producers retry on full until their value is in; one consumer keeps up.
// Every value arrives exactly once and each producer's values in order.
TEST_P(RingBufferStressTest, RetryingProducersOneConsumerLoseNothing) {
  Deadline deadline;
  const std::uint32_t num_producers = producers();
  const std::uint32_t per_producer = items_per_producer();
  const std::uint64_t total = std::uint64_t{num_producers} * per_producer;
  RingBuffer<std::uint64_t> buffer(capacity());

  std::atomic<bool> start{false};
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < num_producers; ++p) {
    threads.emplace_back([&, p] {
      while (!start.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint32_t seq = 0; seq < per_producer; ++seq) {
        std::uint64_t value = Encode(p, seq);
        while (!buffer.TryPush(value)) {
          if (deadline.Expired()) return;
          std::this_thread::yield();
        }
      }
    });
  }

  // The consumer runs on this thread.
  std::vector<std::uint32_t> next(num_producers, 0);
  std::uint64_t received = 0;
  std::uint64_t bad_producer = 0;
  std::uint64_t out_of_order = 0;
  std::string first_error;
  start.store(true, std::memory_order_release);
  while (received < total) {
    std::uint64_t value = 0;
    if (!buffer.TryPop(value)) {
      if (deadline.Expired()) break;
      std::this_thread::yield();
      continue;
    }
    ++received;
    const std::uint32_t p = ProducerOf(value);
    if (p >= num_producers) {
      if (bad_producer++ == 0) first_error = "bad producer id in value " + std::to_string(value);
      continue;
    }
    if (SequenceOf(value) != next[p]) {
      if (out_of_order++ == 0) {
        first_error = "producer " + std::to_string(p) + ": expected sequence " + std::to_string(next[p]) +
                      ", got " + std::to_string(SequenceOf(value));
      }
      next[p] = SequenceOf(value);
    }
    ++next[p];
  }
  for (auto& t : threads) t.join();

  ASSERT_FALSE(deadline.expired()) << "no progress within " << kTimeLimit.count() << " s; received " << received
                                   << " of " << total;
  EXPECT_EQ(received, total);
  EXPECT_EQ(bad_producer, 0u) << first_error;
  EXPECT_EQ(out_of_order, 0u) << first_error;
  for (std::uint32_t p = 0; p < num_producers; ++p) EXPECT_EQ(next[p], per_producer) << "producer " << p;
  std::uint64_t leftover = 0;
  EXPECT_FALSE(buffer.TryPop(leftover)) << "extra value " << leftover;
  EXPECT_EQ(buffer.SizeApprox(), 0u);
}

// Producers never retry (the SDK's drop-and-count policy); the consumer
// starts only after the first drop, so the buffer is really overrun.
// pushed + dropped == attempted, and the consumer sees exactly the pushed
// values, each once and in per-producer order.
TEST_P(RingBufferStressTest, DroppingProducersAccountForEveryValue) {
  Deadline deadline;
  const std::uint32_t num_producers = producers();
  const std::uint32_t per_producer = items_per_producer();
  ASSERT_GT(per_producer, EffectiveCapacity(capacity())) << "each producer alone must be able to overrun the buffer";
  RingBuffer<std::uint64_t> buffer(capacity());

  std::vector<std::uint64_t> pushed(num_producers, 0);
  std::vector<std::uint64_t> dropped(num_producers, 0);
  std::atomic<bool> first_drop{false};
  std::atomic<std::uint32_t> producers_done{0};
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < num_producers; ++p) {
    threads.emplace_back([&, p] {
      std::uint64_t ok = 0;
      std::uint64_t failed = 0;
      for (std::uint32_t seq = 0; seq < per_producer; ++seq) {
        std::uint64_t value = Encode(p, seq);
        if (buffer.TryPush(value)) {
          ++ok;
        } else {
          EXPECT_EQ(value, Encode(p, seq));
          if (failed++ == 0) first_drop.store(true, std::memory_order_release);
          if ((failed & 1023) == 0 && deadline.Expired()) break;
          // A request thread does other work before its next span; this also
          // lets the consumer run, so pushes keep succeeding concurrently.
          std::this_thread::yield();
        }
      }
      pushed[p] = ok;
      dropped[p] = failed;
      producers_done.fetch_add(1, std::memory_order_acq_rel);
    });
  }

  // The consumer (this thread) waits for the first drop, then drains until
  // every producer has finished and the buffer is empty.
  while (!first_drop.load(std::memory_order_acquire) &&
         producers_done.load(std::memory_order_acquire) < num_producers && !deadline.Expired()) {
    std::this_thread::yield();
  }
  std::vector<std::uint64_t> received(num_producers, 0);
  std::vector<std::int64_t> last_seq(num_producers, -1);
  std::uint64_t errors = 0;
  std::string first_error;
  while (true) {
    // Read "done" before popping: when all were done before an empty pop,
    // nothing can arrive after it.
    const bool all_done = producers_done.load(std::memory_order_acquire) == num_producers;
    std::uint64_t value = 0;
    if (buffer.TryPop(value)) {
      const std::uint32_t p = ProducerOf(value);
      const std::int64_t seq = SequenceOf(value);
      if (p >= num_producers || seq <= last_seq[p] || seq >= per_producer) {
        if (errors++ == 0) first_error = "unexpected value " + std::to_string(value);
        continue;
      }
      last_seq[p] = seq;  // strictly increasing: distinct and in order
      ++received[p];
      continue;
    }
    if (all_done || deadline.Expired()) break;
    std::this_thread::yield();
  }
  for (auto& t : threads) t.join();

  ASSERT_FALSE(deadline.expired()) << "no progress within " << kTimeLimit.count() << " s";
  EXPECT_EQ(errors, 0u) << first_error;
  std::uint64_t total_pushed = 0;
  std::uint64_t total_dropped = 0;
  std::uint64_t total_received = 0;
  for (std::uint32_t p = 0; p < num_producers; ++p) {
    EXPECT_EQ(pushed[p] + dropped[p], per_producer) << "producer " << p;
    EXPECT_EQ(received[p], pushed[p]) << "producer " << p;
    total_pushed += pushed[p];
    total_dropped += dropped[p];
    total_received += received[p];
  }
  EXPECT_EQ(total_pushed + total_dropped, std::uint64_t{num_producers} * per_producer);
  EXPECT_EQ(total_received, total_pushed);
  EXPECT_GT(total_dropped, 0u) << "the buffer was never overrun";
  EXPECT_GE(total_pushed, EffectiveCapacity(capacity()));
  EXPECT_EQ(buffer.SizeApprox(), 0u);
}

INSTANTIATE_TEST_SUITE_P(ProducersAndCapacity, RingBufferStressTest,
                         ::testing::Combine(::testing::Values(1u, 2u, 4u, 8u),
                                            ::testing::Values(std::size_t{1}, std::size_t{64}, std::size_t{100})),
                         [](const auto& info) {
                           return std::to_string(std::get<0>(info.param)) + "Producers_Capacity" +
                                  std::to_string(std::get<1>(info.param));
                         });

// The structure is MPMC: two consumers (and two producers) share the work;
// together they receive every value exactly once, and each consumer sees each
// producer's values in increasing order.
TEST(RingBufferMultiConsumerTest, TwoConsumersReceiveEveryValueOnce) {
  Deadline deadline;
  constexpr std::uint32_t kProducers = 2;
  constexpr std::uint32_t kConsumers = 2;
  constexpr std::uint32_t kPerProducer = kTotalItems / kProducers;
  constexpr std::uint64_t kTotal = std::uint64_t{kProducers} * kPerProducer;
  RingBuffer<std::uint64_t> buffer(64);

  std::atomic<std::uint64_t> consumed{0};
  std::vector<std::vector<std::uint64_t>> seen(kConsumers);
  std::vector<std::uint64_t> order_errors(kConsumers, 0);
  std::vector<std::thread> threads;
  for (std::uint32_t c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<std::int64_t> last(kProducers, -1);
      auto& mine = seen[c];
      mine.reserve(kTotal);
      while (consumed.load(std::memory_order_relaxed) < kTotal) {
        std::uint64_t value = 0;
        if (!buffer.TryPop(value)) {
          if (deadline.Expired()) return;
          std::this_thread::yield();
          continue;
        }
        consumed.fetch_add(1, std::memory_order_relaxed);
        mine.push_back(value);
        const std::uint32_t p = ProducerOf(value);
        if (p < kProducers) {
          if (static_cast<std::int64_t>(SequenceOf(value)) <= last[p]) ++order_errors[c];
          last[p] = SequenceOf(value);
        }
      }
    });
  }
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint32_t seq = 0; seq < kPerProducer; ++seq) {
        std::uint64_t value = Encode(p, seq);
        while (!buffer.TryPush(value)) {
          if (deadline.Expired()) return;
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  ASSERT_FALSE(deadline.expired()) << "no progress within " << kTimeLimit.count() << " s";
  std::vector<std::uint64_t> all;
  all.reserve(kTotal);
  for (std::uint32_t c = 0; c < kConsumers; ++c) {
    EXPECT_EQ(order_errors[c], 0u) << "consumer " << c;
    all.insert(all.end(), seen[c].begin(), seen[c].end());
  }
  ASSERT_EQ(all.size(), kTotal);
  std::sort(all.begin(), all.end());
  std::vector<std::uint64_t> expected;
  expected.reserve(kTotal);
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    for (std::uint32_t seq = 0; seq < kPerProducer; ++seq) expected.push_back(Encode(p, seq));
  }
  EXPECT_TRUE(all == expected) << "some value was lost or duplicated";
  std::uint64_t leftover = 0;
  EXPECT_FALSE(buffer.TryPop(leftover));
}

// Values with owned resources crossing threads: nothing leaks, nothing is
// destroyed twice, including values still queued when the buffer dies.
TEST_F(RingBufferLifetimeTest, ConcurrentCountedValuesBalance) {
  Deadline deadline;
  constexpr int kProducers = 2;
  constexpr int kPerProducer = static_cast<int>(kTotalItems / 8);
  std::atomic<int> popped{0};
  {
    RingBuffer<Counted> buffer(16);
    std::atomic<bool> stop{false};
    std::thread consumer([&] {
      Counted out;
      // Stops early on purpose: whatever is left is destroyed with the buffer.
      while (!stop.load(std::memory_order_acquire)) {
        if (buffer.TryPop(out)) {
          popped.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::yield();
        }
      }
    });
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kPerProducer; ++i) {
          Counted value(p * kPerProducer + i);
          while (!buffer.TryPush(value)) {
            if (deadline.Expired()) return;
            std::this_thread::yield();
          }
        }
      });
    }
    for (auto& t : producers) t.join();
    stop.store(true, std::memory_order_release);
    consumer.join();
    ASSERT_FALSE(deadline.expired());
    EXPECT_EQ(popped.load() + static_cast<int>(buffer.SizeApprox()), kProducers * kPerProducer);
    EXPECT_EQ(Counted::live.load(), static_cast<int>(buffer.SizeApprox()));
  }
}

}  // namespace
}  // namespace qtrace
