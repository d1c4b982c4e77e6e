// The exporter with a sending thread (max_pending_batches > 1): Export hands
// the encoded batch over and returns while the request is still in flight,
// Flush waits for the answers and reports failures, and Shutdown sends what
// is pending, or cuts the sends short at its deadline.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "qtrace/exporter/otlp_exporter.h"
#include "tests/temp_dir.h"

namespace qtrace {
namespace {

struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  bool cancelled = false;
  bool refuse = false;  // answer with a permanent error
  int sends = 0;
};

class GatedSender final : public Sender {
 public:
  explicit GatedSender(Gate& gate) : gate_(gate) {}
  SendOutcome Send(std::string_view, absl::Time) override {
    std::unique_lock<std::mutex> lock(gate_.mu);
    gate_.cv.wait(lock, [&] { return gate_.open || gate_.cancelled; });
    if (gate_.cancelled) return SendOutcome::Retryable("cancelled");
    ++gate_.sends;
    return gate_.refuse ? SendOutcome::Permanent("HTTP 400") : SendOutcome::Ok();
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(gate_.mu);
    gate_.cancelled = true;
    gate_.cv.notify_all();
  }
  std::string Describe() const override { return "gated"; }

 private:
  Gate& gate_;
};

std::vector<SpanRecordPtr> Batch(int spans) {
  std::vector<SpanRecordPtr> batch;
  for (int i = 0; i < spans; ++i) {
    SpanRecordPtr record = MakeSpanRecord();
    record->name = "span";
    batch.push_back(std::move(record));
  }
  return batch;
}

std::unique_ptr<OtlpExporter> MakeExporter(Gate& gate, std::shared_ptr<PipelineMetrics> metrics) {
  OtlpExporterOptions options;
  options.max_pending_batches = 4;
  options.retry.max_attempts = 1;
  return std::make_unique<OtlpExporter>(Resource(), std::make_unique<GatedSender>(gate), options, std::move(metrics));
}

void SetOpen(Gate& gate, bool open) {
  std::lock_guard<std::mutex> lock(gate.mu);
  gate.open = open;
  gate.cv.notify_all();
}

TEST(OtlpExporterPipelineTest, ExportReturnsWhileTheRequestIsInFlight) {
  Gate gate;
  SetOpen(gate, false);
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(gate, metrics);
  // Three batches handed over while the backend has answered none.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(exporter->Export(Batch(5)).ok());
  EXPECT_EQ(metrics->spans_exported.load(), 0u);
  SetOpen(gate, true);
  EXPECT_TRUE(exporter->Flush(absl::Seconds(30)).ok());
  EXPECT_EQ(metrics->spans_exported.load(), 15u);
  EXPECT_EQ(gate.sends, 3);
  EXPECT_TRUE(exporter->Shutdown(absl::Seconds(5)).ok());
}

TEST(OtlpExporterPipelineTest, FlushReportsAFailedSendAndCountsIt) {
  Gate gate;
  gate.refuse = true;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(gate, metrics);
  EXPECT_TRUE(exporter->Export(Batch(5)).ok()) << "the outcome is not known yet";
  EXPECT_EQ(exporter->Flush(absl::Seconds(30)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(metrics->FailedTotal(), 5u);
  EXPECT_TRUE(exporter->Flush(absl::Seconds(30)).ok()) << "reported once";
  EXPECT_TRUE(exporter->Shutdown(absl::Seconds(5)).ok());
}

TEST(OtlpExporterPipelineTest, ShutdownSendsWhatIsPending) {
  Gate gate;
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(gate, metrics);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(exporter->Export(Batch(2)).ok());
  EXPECT_TRUE(exporter->Shutdown(absl::Seconds(30)).ok());
  EXPECT_EQ(metrics->spans_exported.load(), 6u);
}

// A backend that never answers: Shutdown gives up at its deadline, cuts the
// sends short, and the pending batches are counted as failed.
TEST(OtlpExporterPipelineTest, ShutdownCutsSendsShortAtItsDeadline) {
  Gate gate;
  SetOpen(gate, false);
  auto metrics = std::make_shared<PipelineMetrics>();
  auto exporter = MakeExporter(gate, metrics);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(exporter->Export(Batch(2)).ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter->Shutdown(absl::Milliseconds(200)).code(), absl::StatusCode::kDeadlineExceeded);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(5)) << "the sends were not cut short";
  EXPECT_EQ(metrics->spans_exported.load(), 0u);
  EXPECT_EQ(metrics->FailedTotal(), 6u);
}

// A backend that takes 100 ms to answer, a 250 ms export timeout and four
// batches handed over at once: the fourth starts about 300 ms after it was
// handed over, and still gets its whole timeout, because each batch's clock
// starts with its send.
TEST(OtlpExporterPipelineTest, EachBatchGetsItsWholeExportTimeout) {
  class SlowSender final : public Sender {
   public:
    SendOutcome Send(std::string_view, absl::Time deadline) override {
      if (absl::Now() + absl::Milliseconds(100) > deadline) return SendOutcome::Retryable("no time left");
      absl::SleepFor(absl::Milliseconds(100));
      return SendOutcome::Ok();
    }
    void Cancel() override {}
    std::string Describe() const override { return "slow"; }
  };
  auto metrics = std::make_shared<PipelineMetrics>();
  OtlpExporterOptions options;
  options.max_pending_batches = 4;
  options.retry.max_attempts = 1;
  options.export_timeout = absl::Milliseconds(250);
  OtlpExporter exporter(Resource(), std::make_unique<SlowSender>(), options, metrics);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(exporter.Export(Batch(3)).ok());
  EXPECT_TRUE(exporter.Flush(absl::Seconds(30)).ok());
  EXPECT_EQ(metrics->spans_exported.load(), 12u);
  EXPECT_EQ(metrics->FailedTotal(), 0u);
}

// Retries and their back-off run on the sending thread: a batch refused once
// with a retryable error goes through on the second try.
TEST(OtlpExporterPipelineTest, RetriesRunOnTheSendingThread) {
  class FlakySender final : public Sender {
   public:
    SendOutcome Send(std::string_view, absl::Time) override {
      return ++calls_ % 2 == 1 ? SendOutcome::Retryable("HTTP 503") : SendOutcome::Ok();
    }
    void Cancel() override {}
    std::string Describe() const override { return "flaky"; }

   private:
    int calls_ = 0;  // the sending thread's
  };
  auto metrics = std::make_shared<PipelineMetrics>();
  OtlpExporterOptions options;
  options.max_pending_batches = 4;
  options.retry = RetryPolicy{absl::Milliseconds(5), absl::Milliseconds(20), 2.0, 0.2};
  OtlpExporter exporter(Resource(), std::make_unique<FlakySender>(), options, metrics);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(exporter.Export(Batch(2)).ok());
  EXPECT_TRUE(exporter.Flush(absl::Seconds(30)).ok());
  EXPECT_EQ(metrics->spans_exported.load(), 6u);
  EXPECT_EQ(metrics->export_retries.load(), 3u);
}

// With a spool and a backend that is down, the sending thread puts the
// batches on disk (a spooled batch is not a failure), and an Export after
// Shutdown is spooled too rather than lost.
TEST(OtlpExporterPipelineTest, TheSendingThreadSpoolsDuringAnOutage) {
  testutil::TempDir dir("pipeline-spool");
  auto metrics = std::make_shared<PipelineMetrics>();
  SpoolOptions spool_options;
  spool_options.dir = dir.path();
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(spool_options, metrics);
  ASSERT_TRUE(spool.ok()) << spool.status();
  Gate live, replay;
  {
    std::lock_guard<std::mutex> lock(live.mu);
    live.cancelled = true;  // every live send fails at once, retryably: the backend is down
  }
  replay.cancelled = true;
  SpoolSetup setup;
  setup.spool = std::move(*spool);
  setup.replay_sender = std::make_unique<GatedSender>(replay);
  setup.replay.backoff = RetryPolicy{absl::Milliseconds(5), absl::Milliseconds(20), 2.0, 0.2};
  OtlpExporterOptions options;
  options.max_pending_batches = 4;
  OtlpExporter exporter(Resource(), std::make_unique<GatedSender>(live), options, metrics, std::move(setup));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(exporter.Export(Batch(4)).ok());
  EXPECT_TRUE(exporter.Flush(absl::Seconds(30)).ok());
  EXPECT_EQ(metrics->spans_spooled.load(), 12u);
  EXPECT_EQ(metrics->FailedTotal(), 0u);
  EXPECT_TRUE(exporter.Shutdown(absl::Seconds(5)).ok());
  EXPECT_TRUE(exporter.Export(Batch(1)).ok());
  EXPECT_EQ(metrics->spans_spooled.load(), 13u);
}

}  // namespace
}  // namespace qtrace
