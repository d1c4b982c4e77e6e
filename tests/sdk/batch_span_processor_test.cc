#include "qtrace/sdk/batch_span_processor.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/diagnostics.h"

namespace qtrace {
namespace {

using namespace std::chrono_literals;

// Records what it was asked to export; can be told to block or fail.
class FakeExporter final : public SpanExporter {
 public:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> names;
    std::vector<std::size_t> batch_sizes;
    std::vector<SpanRecord::WallTimes> times;  // as Export saw them
    bool block = false;        // Export waits until unblocked or interrupted
    bool fail = false;
    bool flush_fails = false;  // Flush reports a send that failed after Export returned
    int flushes = 0;
    bool interrupted = false;
    bool shut_down = false;
  };

  explicit FakeExporter(std::shared_ptr<State> state) : state_(std::move(state)) {}

  absl::Status Export(std::span<const SpanRecordPtr> batch) override {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->cv.wait(lock, [&] { return !state_->block || state_->interrupted; });
    if (state_->interrupted) return absl::CancelledError("interrupted");
    state_->batch_sizes.push_back(batch.size());
    for (const SpanRecordPtr& r : batch) {
      state_->names.push_back(r->name);
      state_->times.push_back(r->Times());
    }
    return state_->fail ? absl::UnavailableError("down") : absl::OkStatus();
  }
  absl::Status Flush(absl::Duration) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    ++state_->flushes;
    return state_->flush_fails ? absl::UnavailableError("a send failed after Export returned") : absl::OkStatus();
  }
  absl::Status Shutdown(absl::Duration) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->shut_down = true;
    return absl::OkStatus();
  }
  void Interrupt() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->interrupted = true;
    state_->cv.notify_all();
  }

 private:
  std::shared_ptr<State> state_;
};

SpanRecordPtr Record(std::string name) {
  SpanRecordPtr r = MakeSpanRecord();
  r->name = std::move(name);
  return r;
}

struct Fixture {
  explicit Fixture(BatchOptions options)
      : state(std::make_shared<FakeExporter::State>()),
        metrics(std::make_shared<PipelineMetrics>()),
        processor(std::make_unique<FakeExporter>(state), options, metrics) {}

  std::size_t Exported() {
    std::lock_guard<std::mutex> lock(state->mu);
    return state->names.size();
  }

  std::shared_ptr<FakeExporter::State> state;
  std::shared_ptr<PipelineMetrics> metrics;
  BatchSpanProcessor processor;
};

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

// The names of this process's threads, from /proc.
std::multiset<std::string> ThreadNames() {
  std::multiset<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

// Spans timed by the span clock reach the exporter with tick readings that
// map to wall-clock times (SpanRecord::Times), mapped by the exporter.
TEST(BatchSpanProcessorTest, ExporterSeesWallClockTimesOfClockTimedSpans) {
  Fixture f({100, 10, absl::Seconds(60)});
  const std::int64_t before = WallNanos();
  SpanRecordPtr r = Record("timed");
  r->start_ticks = SpanTicks();
  std::this_thread::sleep_for(2ms);
  r->end_ticks = SpanTicks();
  f.processor.OnEnd(std::move(r));
  const std::int64_t after = WallNanos();
  ASSERT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  std::lock_guard<std::mutex> lock(f.state->mu);
  ASSERT_EQ(f.state->times.size(), 1u);
  const SpanRecord::WallTimes& t = f.state->times[0];
  // The anchor maps to well within a millisecond (see SpanTest).
  EXPECT_GE(t.start_unix_ns, before - 1'000'000);
  EXPECT_LE(t.start_unix_ns, after + 1'000'000);
  EXPECT_GE(t.end_unix_ns - t.start_unix_ns, 2'000'000 - 100'000);  // slept 2 ms
  EXPECT_LE(t.end_unix_ns - t.start_unix_ns, after - before + 100'000);
}

// The exporter thread is named, so that top -H, perf and bench/overhead.sh
// can tell it from the request threads.
TEST(BatchSpanProcessorTest, TheExporterThreadIsNamed) {
  const std::size_t before = ThreadNames().count("qtrace-export");
  {
    Fixture f({100, 10, absl::Seconds(60)});
    EXPECT_TRUE(WaitFor([&] { return ThreadNames().count("qtrace-export") == before + 1; }));
  }
  EXPECT_EQ(ThreadNames().count("qtrace-export"), before);
}

TEST(BatchSpanProcessorTest, ExportsAFullBatchWithoutWaitingForTheTimer) {
  Fixture f({/*max_queue_size=*/100, /*max_export_batch_size=*/10, /*schedule_delay=*/absl::Seconds(60)});
  for (int i = 0; i < 10; ++i) f.processor.OnEnd(Record("s" + std::to_string(i)));
  EXPECT_TRUE(WaitFor([&] { return f.Exported() == 10; }));
  std::lock_guard<std::mutex> lock(f.state->mu);
  EXPECT_EQ(f.state->batch_sizes, std::vector<std::size_t>{10});
  EXPECT_EQ(f.state->names.front(), "s0");
}

// The wake-up counts the spans waiting, not pushes since the start: after a
// flush took a partial batch, the next full batch still goes out at once.
TEST(BatchSpanProcessorTest, FullBatchAfterAFlushGoesWithoutTheTimer) {
  Fixture f({100, 10, absl::Seconds(60)});
  for (int i = 0; i < 3; ++i) f.processor.OnEnd(Record("early"));
  ASSERT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  for (int round = 1; round <= 3; ++round) {
    // In two steps, so that a wake-up counted from the start (at the 7th
    // span) finds a partial batch and the last three spans must wake it again.
    for (int i = 0; i < 7; ++i) f.processor.OnEnd(Record("later"));
    std::this_thread::sleep_for(50ms);
    for (int i = 0; i < 3; ++i) f.processor.OnEnd(Record("later"));
    EXPECT_TRUE(WaitFor([&] { return f.Exported() == 3u + 10u * round; })) << "round " << round;
  }
  std::lock_guard<std::mutex> lock(f.state->mu);
  EXPECT_EQ(f.state->batch_sizes, (std::vector<std::size_t>{3, 10, 10, 10}));
}

// While spans come fast and steadily the exporter paces itself on its own
// timer (ExportPacer) and the request threads stop signalling it: 100 bursts
// of a batch, 300 µs apart, took a signal each before. The exporter's own
// timing makes it park now and then, and a stall of this thread (a sleep
// that overran by a millisecond) can cost up to two signals more, so the
// bound counts the stalls; a machine too busy to keep the bursts near
// 300 µs apart, or that starves the exporter thread until the queue fills,
// makes no steady flow, and the test skips.
TEST(BatchSpanProcessorTest, SteadyFlowDoesNotMakeRequestThreadsSignal) {
  Fixture f({100, 10, absl::Seconds(60)});
  constexpr int kRounds = 100;
  int stalls = 0;
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < 10; ++i) f.processor.OnEnd(Record("steady"));
    std::this_thread::sleep_for(300us);
    const auto now = std::chrono::steady_clock::now();
    if (now - last > 1300us) ++stalls;
    last = now;
  }
  // Every span is exported, or dropped and counted: a queue of 100 fills
  // only when the exporter thread got no CPU for ten rounds, and then the
  // machine made no steady flow either (with two busy loops beside it, half
  // the runs here), so the test skips. Without a drop, all are exported.
  const auto dropped = [&] { return f.metrics->spans_dropped_queue_full.Load(); };
  ASSERT_TRUE(WaitFor([&] { return f.Exported() + dropped() == 10u * kRounds; }));
  if (dropped() != 0) GTEST_SKIP() << "the exporter thread was starved: " << dropped() << " spans dropped";
  if (last - start > kRounds * 600us) GTEST_SKIP() << "bursts came " << (last - start) / kRounds / 1us << " µs apart";
  // 2-15 signals with no stall in repeated runs here, beside two busy loops too.
  EXPECT_LE(f.processor.producer_signals(), 30u + 2u * static_cast<unsigned>(stalls)) << stalls << " stalls";
  EXPECT_GE(f.processor.producer_signals(), 1u);  // the first batch found the exporter parked
}

// While the exporter is busy (or pacing itself) a request thread signals
// only when the queue nears full, one batch of room left, and only once.
TEST(BatchSpanProcessorTest, BusyExporterIsSignalledOnlyWhenTheQueueNearsFull) {
  Fixture f({100, 10, absl::Seconds(60)});
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    f.state->block = true;
  }
  for (int i = 0; i < 10; ++i) f.processor.OnEnd(Record("first"));
  ASSERT_TRUE(WaitFor([&] { return f.processor.queue_size() == 0; }));  // the batch is in Export
  EXPECT_EQ(f.processor.producer_signals(), 1u);
  for (int i = 0; i < 79; ++i) f.processor.OnEnd(Record("more"));  // 89 waiting: no signal
  EXPECT_EQ(f.processor.producer_signals(), 1u);
  f.processor.OnEnd(Record("urgent"));  // 90: room for one batch left
  EXPECT_EQ(f.processor.producer_signals(), 2u);
  for (int i = 0; i < 5; ++i) f.processor.OnEnd(Record("after"));
  EXPECT_EQ(f.processor.producer_signals(), 2u);
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    f.state->block = false;
    f.state->cv.notify_all();
  }
  EXPECT_TRUE(WaitFor([&] { return f.Exported() == 90; }));  // full batches; the tail of 5 waits for the timer
}

// Review item 10: a flush drains the partial tail once; later wake-ups for
// a full batch leave the next partial one to the timer.
TEST(BatchSpanProcessorTest, PartialTailAfterAFlushStillWaitsForTheTimer) {
  Fixture f({100, 10, absl::Seconds(60)});
  f.processor.OnEnd(Record("early"));
  ASSERT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    f.state->block = true;  // the full batch waits in Export while the tail arrives
  }
  for (int i = 0; i < 13; ++i) f.processor.OnEnd(Record("later"));
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    f.state->block = false;
    f.state->cv.notify_all();
  }
  EXPECT_TRUE(WaitFor([&] { return f.Exported() == 11u; }));
  // The old rule exported the tail of 3 microseconds after the full batch.
  std::this_thread::sleep_for(100ms);
  std::lock_guard<std::mutex> lock(f.state->mu);
  EXPECT_EQ(f.state->batch_sizes, (std::vector<std::size_t>{1, 10})) << "the tail of 3 waits for the 60 s timer";
}

// Review item 6: options given in code that would spin the exporter thread
// are raised to the smallest that do not.
TEST(BatchSpanProcessorTest, SpinningOptionsAreRaised) {
  Fixture f({100, 0, absl::ZeroDuration()});
  EXPECT_EQ(f.processor.options().max_export_batch_size, 1u);
  EXPECT_EQ(f.processor.options().schedule_delay, absl::Milliseconds(1));
  f.processor.OnEnd(Record("one"));
  EXPECT_TRUE(WaitFor([&] { return f.Exported() == 1; }));
  EXPECT_EQ(EffectiveBatchOptions({10, 50, absl::Seconds(1)}).max_export_batch_size, 10u);
}

// Review item 17: what span limits discard is logged from the exporter
// thread, at most once per span and rate-limited overall (here: three spans
// over their limits in one batch give one line, not one per discarded item).
TEST(BatchSpanProcessorTest, LimitDiscardsAreLoggedOncePerSpanAndRateLimited) {
  static std::mutex mu;
  static std::vector<std::string> lines;
  SetDiagnosticHandler([](LogLevel, std::string_view m) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(m);
  });
  {
    Fixture f({100, 10, absl::Seconds(60)});
    for (int i = 0; i < 3; ++i) {
      SpanRecordPtr r = Record("over-" + std::to_string(i));
      r->attributes.SetLimits(1, AttributeList::kUnlimited);
      for (const char* key : {"a", "b", "c", "d"}) r->attributes.Set(key, std::int64_t{1});
      r->dropped_events = 2;
      f.processor.OnEnd(std::move(r));
    }
    f.processor.OnEnd(Record("within"));
    ASSERT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  }
  SetDiagnosticHandler(nullptr);
  std::lock_guard<std::mutex> lock(mu);
  int limit_lines = 0;
  for (const std::string& line : lines) {
    if (line.find("went over its limits") == std::string::npos) continue;
    ++limit_lines;
    EXPECT_NE(line.find("'over-0'"), std::string::npos) << line;
    EXPECT_NE(line.find("3 attributes, 2 events"), std::string::npos) << line;
  }
  EXPECT_EQ(limit_lines, 1);
}

TEST(BatchSpanProcessorTest, PartialBatchWaitsForTheScheduleDelay) {
  Fixture f({100, 10, absl::Milliseconds(300)});
  const auto start = std::chrono::steady_clock::now();
  f.processor.OnEnd(Record("lonely"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(f.Exported(), 0u) << "a partial batch is not sent before the delay";
  EXPECT_TRUE(WaitFor([&] { return f.Exported() == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
}

TEST(BatchSpanProcessorTest, ForceFlushExportsEverythingEndedBefore) {
  Fixture f({1000, 100, absl::Seconds(60)});
  for (int i = 0; i < 250; ++i) f.processor.OnEnd(Record("x"));
  EXPECT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  EXPECT_EQ(f.Exported(), 250u);
  std::lock_guard<std::mutex> lock(f.state->mu);
  for (std::size_t size : f.state->batch_sizes) EXPECT_LE(size, 100u) << "batches never exceed the batch size";
}

TEST(BatchSpanProcessorTest, ForceFlushReportsExportFailure) {
  Fixture f({100, 10, absl::Seconds(60)});
  f.state->fail = true;
  f.processor.OnEnd(Record("x"));
  EXPECT_EQ(f.processor.ForceFlush(absl::Seconds(5)).code(), absl::StatusCode::kUnavailable);
  f.state->fail = false;
  f.processor.OnEnd(Record("y"));
  EXPECT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok()) << "a later clean flush is OK again";
}

// An exporter that sends on a thread of its own returns from Export before
// the batch is sent: ForceFlush and Shutdown ask it (Flush) how the sends
// went, and report a failure it had not returned yet.
TEST(BatchSpanProcessorTest, FlushAndShutdownReportWhatTheExporterSentLater) {
  Fixture f({100, 10, absl::Seconds(60)});
  f.state->flush_fails = true;
  f.processor.OnEnd(Record("x"));
  EXPECT_EQ(f.processor.ForceFlush(absl::Seconds(5)).code(), absl::StatusCode::kUnavailable);
  f.state->flush_fails = false;
  f.processor.OnEnd(Record("y"));
  EXPECT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  f.state->flush_fails = true;
  f.processor.OnEnd(Record("z"));
  EXPECT_EQ(f.processor.Shutdown(absl::Seconds(5)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(f.Exported(), 3u);
}

// The timer's export cycles do not wait for the exporter's sends: only a
// flush or a shutdown does.
TEST(BatchSpanProcessorTest, OnlyFlushesWaitForTheExportersSends) {
  Fixture f({100, 10, absl::Seconds(60)});
  for (int i = 0; i < 30; ++i) f.processor.OnEnd(Record("x"));
  EXPECT_TRUE(WaitFor([&] { return f.Exported() == 30; }));
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    EXPECT_EQ(f.state->flushes, 0);
  }
  ASSERT_TRUE(f.processor.ForceFlush(absl::Seconds(5)).ok());
  std::lock_guard<std::mutex> lock(f.state->mu);
  EXPECT_GE(f.state->flushes, 1);
}

TEST(BatchSpanProcessorTest, ForceFlushNeverRunsPastItsTimeout) {
  Fixture f({100, 10, absl::Seconds(60)});
  f.state->block = true;
  f.processor.OnEnd(Record("stuck"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(f.processor.ForceFlush(absl::Milliseconds(200)).code(), absl::StatusCode::kDeadlineExceeded);
  // The exporter never returns on its own, so any finite wait proves the
  // timeout; 2 s of slack over the 200 ms covers preemption and sanitizers.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2200ms);
  f.processor.Shutdown(absl::Milliseconds(100)).IgnoreError();
}

TEST(BatchSpanProcessorTest, FullQueueDropsAndCountsWithoutBlocking) {
  Fixture f({8, 8, absl::Seconds(60)});
  f.state->block = true;  // the exporter is stuck: nothing leaves the queue
  // The first 8 fill a batch that the exporter thread takes and holds; 8 more
  // fill the queue; the rest are dropped.
  for (int i = 0; i < 8; ++i) f.processor.OnEnd(Record("a"));
  ASSERT_TRUE(WaitFor([&] { return f.processor.queue_size() == 0; }));
  // The exporter is stuck for good: an OnEnd that waited for it would never
  // return, so all 108 returning while it is still stuck proves the point
  // without a time bound that a preempted or sanitized run could miss.
  for (int i = 0; i < 108; ++i) f.processor.OnEnd(Record("b"));
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    EXPECT_TRUE(f.state->names.empty()) << "the exporter was still stuck while OnEnd returned";
  }
  EXPECT_EQ(f.metrics->spans_dropped_queue_full.Load(), 100u);
  EXPECT_EQ(f.processor.queue_size(), 8u);
  {
    std::lock_guard<std::mutex> lock(f.state->mu);
    f.state->block = false;
    f.state->cv.notify_all();
  }
  EXPECT_TRUE(f.processor.Shutdown(absl::Seconds(5)).ok());
  EXPECT_EQ(f.Exported(), 16u);
}

TEST(BatchSpanProcessorTest, ShutdownFlushesThenDropsLaterSpans) {
  Fixture f({100, 50, absl::Seconds(60)});
  for (int i = 0; i < 30; ++i) f.processor.OnEnd(Record("x"));
  EXPECT_TRUE(f.processor.Shutdown(absl::Seconds(5)).ok());
  EXPECT_EQ(f.Exported(), 30u);
  EXPECT_TRUE(f.state->shut_down);
  f.processor.OnEnd(Record("late"));
  EXPECT_EQ(f.metrics->spans_dropped_shutdown.load(), 1u);
  EXPECT_EQ(f.Exported(), 30u);
  EXPECT_FALSE(f.processor.Shutdown(absl::Seconds(1)).ok()) << "a second shutdown is refused";
}

TEST(BatchSpanProcessorTest, ShutdownTimeoutInterruptsAStuckExporter) {
  Fixture f({100, 10, absl::Seconds(60)});
  f.state->block = true;
  for (int i = 0; i < 10; ++i) f.processor.OnEnd(Record("x"));
  ASSERT_TRUE(WaitFor([&] { return f.processor.queue_size() == 0; }));
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = f.processor.Shutdown(absl::Milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(took, 250ms);
  // Without the interrupt the exporter would never return; 1.5 s of slack
  // over the 300 ms timeout covers preemption and sanitizers.
  EXPECT_LT(took, 1800ms);
  EXPECT_TRUE(f.state->interrupted);
}

// Many threads end spans at once; below capacity every span is exported once.
TEST(BatchSpanProcessorTest, ConcurrentProducersLoseNothingBelowCapacity) {
  Fixture f({4096, 256, absl::Milliseconds(20)});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Stay below capacity however slow the exporter runs (sanitizers):
        // wait while the queue is within a margin of full (each of the four
        // threads can add one span past the check).
        while (f.processor.queue_size() > 4096 - 64) std::this_thread::sleep_for(100us);
        f.processor.OnEnd(Record(std::to_string(t) + ":" + std::to_string(i)));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(f.processor.ForceFlush(absl::Seconds(10)).ok());
  EXPECT_EQ(f.metrics->spans_dropped_queue_full.Load(), 0u);
  std::lock_guard<std::mutex> lock(f.state->mu);
  std::set<std::string> unique(f.state->names.begin(), f.state->names.end());
  EXPECT_EQ(f.state->names.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace qtrace
