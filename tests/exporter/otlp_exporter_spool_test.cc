// The exporter with a spool: during an outage batches go to disk after one
// try (the exporter thread never waits the outage out), the replay thread
// sends them oldest first once the backend answers, a new process replays
// what the last one left, and batches that shutdown interrupts are spooled.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/file_size_limit.h"
#include "tests/temp_dir.h"
#include "qtrace/exporter/otlp_exporter.h"

namespace qtrace {
namespace {

// A backend both senders of one exporter reach: up or down, and what it got.
struct FakeBackend {
  std::atomic<bool> up{false};
  std::atomic<bool> refuse{false};  // while up: answer with a permanent error
  std::atomic<int> live_attempts{0};  // through the exporter's own sender
  std::atomic<int> replay_attempts{0};
  std::mutex mu;
  std::vector<std::string> accepted;  // guarded by mu

  std::size_t accepted_count() {
    std::lock_guard<std::mutex> lock(mu);
    return accepted.size();
  }
};

class FakeSender final : public Sender {
 public:
  FakeSender(FakeBackend& backend, bool replay) : backend_(backend), replay_(replay) {}
  SendOutcome Send(std::string_view body, absl::Time) override {
    (replay_ ? backend_.replay_attempts : backend_.live_attempts).fetch_add(1);
    if (!backend_.up.load()) return SendOutcome::Retryable("connection refused");
    if (backend_.refuse.load()) return SendOutcome::Permanent("HTTP 401");
    std::lock_guard<std::mutex> lock(backend_.mu);
    backend_.accepted.emplace_back(body);
    return SendOutcome::Ok();
  }
  void Cancel() override {}
  std::string Describe() const override { return "fake"; }

 private:
  FakeBackend& backend_;
  const bool replay_;
};

std::vector<SpanRecordPtr> Batch(int spans, const std::string& name) {
  std::vector<SpanRecordPtr> batch;
  for (int i = 0; i < spans; ++i) {
    SpanRecordPtr record = MakeSpanRecord();
    record->name = name;
    batch.push_back(std::move(record));
  }
  return batch;
}

// Waits, bounded (30 s covers a loaded machine), until done() holds.
template <class Done>
bool Eventually(Done done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

class ExporterSpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<OtlpExporter> MakeExporter(FakeBackend& backend, std::shared_ptr<PipelineMetrics> metrics) {
    SpoolOptions options;
    options.dir = dir_;
    absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(options, metrics);
    EXPECT_TRUE(spool.ok()) << spool.status();
    SpoolSetup setup;
    setup.spool = std::move(*spool);
    setup.replay_sender = std::make_unique<FakeSender>(backend, /*replay=*/true);
    setup.replay.backoff = RetryPolicy{absl::Milliseconds(5), absl::Milliseconds(20), 2.0, 0.2};
    return std::make_unique<OtlpExporter>(Resource(), std::make_unique<FakeSender>(backend, /*replay=*/false),
                                          OtlpExporterOptions{},
                                          std::move(metrics), std::move(setup));
  }

  testutil::TempDir temp_{"exporter-spool"};
  const std::string dir_ = temp_.path();
};

TEST_F(ExporterSpoolTest, AnOutageFillsTheSpoolAndTheReplayEmptiesItInOrder) {
  FakeBackend backend;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(backend, metrics);
  for (const char* name : {"first", "second", "third"}) {
    const auto batch = Batch(4, name);
    EXPECT_TRUE(exporter->Export(batch).ok()) << "a spooled batch is not a failure";
  }
  EXPECT_EQ(metrics->spans_spooled.load(), 12u);
  EXPECT_EQ(metrics->FailedTotal(), 0u);
  EXPECT_EQ(metrics->spans_exported.load(), 0u);

  backend.up = true;
  ASSERT_TRUE(Eventually([&] { return metrics->spans_replayed.load() == 12; })) << metrics->spans_replayed.load();
  EXPECT_EQ(metrics->spans_exported.load(), 12u);
  std::lock_guard<std::mutex> lock(backend.mu);
  ASSERT_EQ(backend.accepted.size(), 3u);
  // Oldest first: the bodies carry the span names.
  EXPECT_NE(backend.accepted[0].find("first"), std::string::npos);
  EXPECT_NE(backend.accepted[1].find("second"), std::string::npos);
  EXPECT_NE(backend.accepted[2].find("third"), std::string::npos);
}

// While the backend is known to be down the exporter does not try it at
// all: one failed try, then batches go straight to disk.
TEST_F(ExporterSpoolTest, DuringAnOutageLiveBatchesAreNotTried) {
  FakeBackend backend;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(backend, metrics);
  const auto first = Batch(1, "probe");
  ASSERT_TRUE(exporter->Export(first).ok());
  EXPECT_EQ(backend.live_attempts.load(), 1);
  for (int i = 0; i < 100; ++i) {
    const auto batch = Batch(2, "during");
    ASSERT_TRUE(exporter->Export(batch).ok());
  }
  EXPECT_EQ(metrics->spans_spooled.load(), 201u);
  // The replay thread keeps trying (with back-off) until one try gets
  // through; the live path may have tried again only after a replay try
  // briefly ended the outage, which cannot happen while the backend is down.
  EXPECT_EQ(backend.live_attempts.load(), 1);
  EXPECT_EQ(metrics->FailedTotal(), 0u);
}

TEST_F(ExporterSpoolTest, ANewProcessReplaysWhatTheLastOneSpooled) {
  FakeBackend backend;
  {
    auto metrics = std::make_shared<PipelineMetrics>();
    auto exporter = MakeExporter(backend, metrics);
    const auto batch = Batch(5, "left-behind");
    ASSERT_TRUE(exporter->Export(batch).ok());
    ASSERT_TRUE(exporter->Shutdown(absl::Seconds(1)).ok());
    EXPECT_EQ(metrics->spans_spooled.load(), 5u);
  }
  backend.up = true;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(backend, metrics);
  ASSERT_TRUE(Eventually([&] { return metrics->spans_replayed.load() == 5; }));
  EXPECT_EQ(backend.accepted_count(), 1u);
}

// Shutdown ran out of time (the processor interrupted the exporter): the
// batches still queued are spooled for the next start, not dropped.
TEST_F(ExporterSpoolTest, BatchesAfterTheInterruptAreSpooled) {
  FakeBackend backend;
  backend.up = true;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(backend, metrics);
  exporter->Interrupt();
  const auto batch = Batch(3, "late");
  EXPECT_TRUE(exporter->Export(batch).ok());
  EXPECT_EQ(metrics->spans_spooled.load(), 3u);
  EXPECT_EQ(metrics->Failed(ExportFailure::kShutdown), 0u);
}

// A spool that cannot be written must not leave the exporter believing the
// backend is down for good: when the spool refuses a batch, it is tried live.
TEST_F(ExporterSpoolTest, AFullDiskDoesNotKeepTheExporterFromALiveBackend) {
  FakeBackend backend;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(backend, metrics);
  {
    testutil::FileSizeLimit full_disk(0);  // every write to a file fails
    const auto lost = Batch(3, "lost");
    EXPECT_FALSE(exporter->Export(lost).ok());  // down and not spoolable: counted
    backend.up = true;
    const auto delivered = Batch(4, "delivered");
    EXPECT_TRUE(exporter->Export(delivered).ok());
  }
  EXPECT_EQ(metrics->SpoolDropped(SpoolDrop::kWriteFailed), 3u);
  EXPECT_EQ(metrics->spans_exported.load(), 4u);
}

// A refusal during replay drops the batch only the third time in a row.
TEST_F(ExporterSpoolTest, ReplayDropsABatchOnlyAfterThreeRefusals) {
  FakeBackend backend;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(backend, metrics);
  const auto batch = Batch(6, "refused");
  ASSERT_TRUE(exporter->Export(batch).ok());
  backend.refuse = true;
  backend.up = true;
  ASSERT_TRUE(Eventually([&] { return metrics->SpoolDropped(SpoolDrop::kRejected) == 6; }));
  EXPECT_GE(backend.replay_attempts.load(), 3);
  EXPECT_EQ(metrics->spans_replayed.load(), 0u);
}

}  // namespace
}  // namespace qtrace
