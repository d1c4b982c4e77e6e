// RingBuffer (sdk/ring_buffer.h) against a mutex + std::deque queue of the
// same capacity, on the same workloads:
//
//   PushPop/<queue>           one thread pushes a pointer-sized value and pops
//                             it again: the uncontended cost of push+pop.
//   ProducerConsumer/<queue>  the benchmark threads (1 and 2) are producers
//                             and push as fast as they can (retrying when the
//                             queue is full); one background consumer pops.
//                             items/s counts values pushed by all producers.
//
// After the usual table the program prints each RingBuffer/mutex ratio (from
// the medians when run with --benchmark_repetitions).
//
//   build (from the repository root):
//     g++ -std=c++20 -O2 -DNDEBUG -I. bench/ring_buffer_benchmark.cc -lbenchmark -lpthread -o ring_buffer_benchmark
//   run:
//     ./ring_buffer_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "qtrace/sdk/ring_buffer.h"

namespace {

constexpr std::size_t kCapacity = 1024;
constexpr double kMinTime = 0.2;  // seconds per run: keeps the default run short

// Pointer-sized, like the SDK's RingBuffer<SpanRecord*>.
using Item = void*;

// The baseline: the same interface and capacity, with a lock.
template <class T>
class MutexDequeQueue {
 public:
  explicit MutexDequeQueue(std::size_t capacity) : capacity_(capacity) {}

  [[nodiscard]] bool TryPush(T& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() == capacity_) return false;
    queue_.push_back(std::move(value));
    return true;
  }

  [[nodiscard]] bool TryPop(T& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::deque<T> queue_;
};

using LockFree = qtrace::RingBuffer<Item>;
using Locked = MutexDequeQueue<Item>;

Item SomePointer() {
  static int target = 0;
  return &target;
}

// ---------------------------------------------------------------------------
// Single thread: push then pop.

template <class Queue>
void BM_PushPop(benchmark::State& state) {
  Queue queue(kCapacity);
  const Item item = SomePointer();
  Item out = nullptr;
  for (auto _ : state) {
    Item value = item;
    benchmark::DoNotOptimize(value);
    if (!queue.TryPush(value)) {
      state.SkipWithError("push failed on an empty queue");
      break;
    }
    if (!queue.TryPop(out)) {
      state.SkipWithError("pop failed after a push");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---------------------------------------------------------------------------
// Producers (the benchmark threads) and one background consumer.

template <class Queue>
struct Pipeline {
  static inline std::unique_ptr<Queue> queue;
  static inline std::thread consumer;
  static inline std::atomic<bool> stop{false};
  static inline std::atomic<std::uint64_t> consumed{0};

  // Runs once before the producer threads start (per run).
  static void Start(const benchmark::State&) {
    queue = std::make_unique<Queue>(kCapacity);
    stop.store(false);
    consumed.store(0);
    consumer = std::thread([] {
      Queue& q = *queue;
      std::uint64_t count = 0;
      Item out = nullptr;
      while (true) {
        if (q.TryPop(out)) {
          benchmark::DoNotOptimize(out);
          ++count;
        } else if (stop.load(std::memory_order_acquire)) {
          if (!q.TryPop(out)) break;  // drained: producers finished before stop
          ++count;
        } else {
          std::this_thread::yield();
        }
      }
      consumed.store(count, std::memory_order_relaxed);
    });
  }

  // Runs once after every producer thread has finished (per run).
  static void Stop(const benchmark::State&) {
    stop.store(true, std::memory_order_release);
    consumer.join();
    queue.reset();
  }
};

template <class Queue>
void BM_ProducerConsumer(benchmark::State& state) {
  Queue& queue = *Pipeline<Queue>::queue;
  const Item item = SomePointer();
  std::int64_t full = 0;
  for (auto _ : state) {
    Item value = item;
    while (!queue.TryPush(value)) {  // full: let the consumer run
      ++full;
      std::this_thread::yield();
    }
  }
  state.SetItemsProcessed(state.iterations());
  // Failed pushes per pushed value (how often producers outran the consumer).
  state.counters["full/push"] =
      benchmark::Counter(static_cast<double>(full) / static_cast<double>(state.iterations()),
                         benchmark::Counter::kAvgThreads);
}

// ---------------------------------------------------------------------------
// Console output plus a RingBuffer-vs-mutex summary.

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal (a custom display reporter does not follow
  // --benchmark_color).
  RatioReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration;
      if (!median && !single) continue;
      // function_name is "<workload>/<queue>".
      const std::string& name = run.run_name.function_name;
      const auto slash = name.find('/');
      if (slash == std::string::npos) continue;
      const std::string workload = name.substr(0, slash) + " " + run.run_name.threads;
      const std::string queue = name.substr(slash + 1);
      Result& result = results_[workload][queue];
      if (result.median && !median) continue;  // keep the median once seen
      const auto items = run.counters.find("items_per_second");
      result.median = median;
      result.cpu_ns_per_op = run.GetAdjustedCPUTime();
      result.items_per_second = items == run.counters.end() ? 0 : items->second.value;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto& out = GetOutputStream();
    char line[256];
    out << "\nRingBuffer vs MutexDeque (" << (AnyMedian() ? "medians" : "single runs")
        << "; ratio > 1: RingBuffer faster)\n";
    // ns/item is wall time per value through the queue (1e9 / items/s); for
    // PushPop it equals the time of one push+pop. cpu ns/op is the CPU time of
    // the (first) benchmark thread per iteration: on a loaded machine it shows
    // the cost without time spent descheduled.
    std::snprintf(line, sizeof line, "%-27s %10s %10s %10s %10s %13s %13s %7s\n", "workload", "ring", "mutex",
                  "ring cpu", "mutex cpu", "ring", "mutex", "ratio");
    out << line;
    std::snprintf(line, sizeof line, "%-27s %10s %10s %10s %10s %13s %13s %7s\n", "", "ns/item", "ns/item",
                  "ns/op", "ns/op", "items/s", "items/s", "");
    out << line;
    for (const auto& [workload, queues] : results_) {
      const auto ring = queues.find("RingBuffer");
      const auto mutex = queues.find("MutexDeque");
      if (ring == queues.end() || mutex == queues.end()) continue;
      if (ring->second.items_per_second <= 0 || mutex->second.items_per_second <= 0) continue;
      const double ratio = ring->second.items_per_second / mutex->second.items_per_second;
      std::snprintf(line, sizeof line, "%-27s %10.2f %10.2f %10.2f %10.2f %13.4g %13.4g %6.2fx\n", workload.c_str(),
                    1e9 / ring->second.items_per_second, 1e9 / mutex->second.items_per_second,
                    ring->second.cpu_ns_per_op, mutex->second.cpu_ns_per_op, ring->second.items_per_second,
                    mutex->second.items_per_second, ratio);
      out << line;
    }
  }

 private:
  struct Result {
    bool median = false;
    double cpu_ns_per_op = 0;
    double items_per_second = 0;
  };

  bool AnyMedian() const {
    for (const auto& [workload, queues] : results_) {
      for (const auto& [queue, result] : queues) {
        if (result.median) return true;
      }
    }
    return false;
  }

  std::map<std::string, std::map<std::string, Result>> results_;
};

void RegisterAll() {
  benchmark::RegisterBenchmark("PushPop/RingBuffer", BM_PushPop<LockFree>)->UseRealTime()->MinTime(kMinTime);
  benchmark::RegisterBenchmark("PushPop/MutexDeque", BM_PushPop<Locked>)->UseRealTime()->MinTime(kMinTime);
  benchmark::RegisterBenchmark("ProducerConsumer/RingBuffer", BM_ProducerConsumer<LockFree>)
      ->Setup(Pipeline<LockFree>::Start)
      ->Teardown(Pipeline<LockFree>::Stop)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime()
      ->MinTime(kMinTime);
  benchmark::RegisterBenchmark("ProducerConsumer/MutexDeque", BM_ProducerConsumer<Locked>)
      ->Setup(Pipeline<Locked>::Start)
      ->Teardown(Pipeline<Locked>::Stop)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime()
      ->MinTime(kMinTime);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RegisterAll();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
