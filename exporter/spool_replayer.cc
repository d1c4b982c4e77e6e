#include "qtrace/exporter/spool_replayer.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "qtrace/exporter/gzip.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/thread_name.h"

namespace qtrace {

SpoolReplayer::SpoolReplayer(Spool& spool, std::unique_ptr<Sender> sender, SpoolReplayerOptions options,
                             std::shared_ptr<PipelineMetrics> metrics)
    : spool_(spool),
      sender_(std::move(sender)),
      options_(options),
      metrics_(metrics ? std::move(metrics) : std::make_shared<PipelineMetrics>()),
      random_(std::random_device{}()),
      thread_([this] { Run(); }) {}

SpoolReplayer::~SpoolReplayer() { Stop(); }

void SpoolReplayer::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void SpoolReplayer::ReportOutage() { collector_down_.store(true, std::memory_order_release); }

void SpoolReplayer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  sender_->Cancel();
  if (thread_.joinable()) thread_.join();
}

bool SpoolReplayer::WaitFor(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_ || woken_; });
  woken_ = false;
  return !stopping_;
}

void SpoolReplayer::Run() {
  NameCurrentThread("qtrace-replay");
  while (true) {
    if (failures_ > 0) {
      // The backend is down: the next try after what it asked for, or a
      // back-off. A Wake (a new batch spooled) does not shorten it.
      const absl::Time until = absl::Now() + retry_after_.value_or(BackoffDelay(options_.backoff, failures_, random_));
      while (absl::Now() < until) {
        if (!WaitFor(until - absl::Now())) return;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    std::optional<SpoolRecord> record = spool_.Oldest();
    if (!record) {
      // Nothing to replay: wait for the exporter to spool something (the
      // timed wake-up also applies the spool's age limit).
      if (!WaitFor(absl::Seconds(60))) return;
      continue;
    }
    const absl::Time started = absl::Now();
    if (!Replay(*record)) continue;
    // Paced: pause as long as the send took, so live batches keep flowing.
    if (!WaitFor(std::min(absl::Now() - started, absl::Milliseconds(100)))) return;
  }
}

bool SpoolReplayer::Replay(const SpoolRecord& record) {
  if (record.encoding != options_.encoding) {
    metrics_->AddSpoolDropped(SpoolDrop::kUnreplayable, record.spans);
    log_.Report(LogLevel::kWarn, StrCat("span spool: dropping ", record.spans,
                                        " spans spooled in another encoding than this exporter's"));
    spool_.Acknowledge(record);
    return true;
  }
  std::string compressed;
  std::string_view payload = record.body;
  if (options_.gzip_body) {
    absl::StatusOr<std::string> gz = GzipCompress(record.body);
    if (gz.ok()) {
      compressed = std::move(*gz);
      payload = compressed;
    }
  }
  metrics_->export_batches.fetch_add(1, std::memory_order_relaxed);
  metrics_->export_bytes.fetch_add(payload.size(), std::memory_order_relaxed);
  if (failures_ > 0) metrics_->export_retries.fetch_add(1, std::memory_order_relaxed);
  const SendOutcome outcome = sender_->Send(payload, absl::Now() + options_.send_timeout);
  switch (outcome.kind) {
    case SendOutcome::Kind::kOk: {
      const std::uint64_t rejected = std::min<std::uint64_t>(
          record.spans, static_cast<std::uint64_t>(std::max<std::int64_t>(0, outcome.rejected_spans)));
      metrics_->spans_exported.fetch_add(record.spans - rejected, std::memory_order_relaxed);
      metrics_->spans_replayed.fetch_add(record.spans - rejected, std::memory_order_relaxed);
      if (rejected > 0) metrics_->AddFailed(ExportFailure::kPartialSuccess, rejected);
      spool_.Acknowledge(record);
      if (failures_ > 0) {
        Diagnose(LogLevel::kInfo, StrCat("span spool: ", sender_->Describe(), " answers again after ", failures_,
                                         " failed attempts; replaying what was spooled, oldest first"));
      }
      failures_ = 0;
      collector_down_.store(false, std::memory_order_release);
      return true;
    }
    case SendOutcome::Kind::kPermanent:
      metrics_->AddSpoolDropped(SpoolDrop::kRejected, record.spans);
      log_.Report(LogLevel::kWarn, StrCat("span spool: ", sender_->Describe(), " refused ", record.spans,
                                          " spooled spans for good: ", outcome.reason, "; dropped"));
      spool_.Acknowledge(record);
      failures_ = 0;
      collector_down_.store(false, std::memory_order_release);
      return true;
    case SendOutcome::Kind::kRetryable:
      break;
  }
  ++failures_;
  retry_after_ = outcome.retry_after;
  collector_down_.store(true, std::memory_order_release);
  log_.Report(LogLevel::kWarn, StrCat("span spool: replay to ", sender_->Describe(), " failed: ", outcome.reason, "; ",
                                      spool_.pending_spans(), " spans wait in the spool"));
  return false;
}

}  // namespace qtrace
