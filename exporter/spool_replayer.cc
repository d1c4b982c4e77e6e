#include "qtrace/exporter/spool_replayer.h"

#include <algorithm>
#include <mutex>

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

void SpoolReplayer::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  sender_->Cancel();
}

void SpoolReplayer::Stop() {
  RequestStop();
  std::call_once(joined_, [this] { thread_.join(); });
}

bool SpoolReplayer::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
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
      // The backend is down: the next try after a back-off, or what it asked
      // for when that is longer (at most kMaxRetryAfter). A Wake (a new batch
      // spooled) does not shorten it.
      const absl::Duration backoff = BackoffDelay(options_.backoff, failures_, random_);
      const absl::Time until =
          absl::Now() + std::clamp(retry_after_.value_or(backoff), backoff, std::max(backoff, kMaxRetryAfter));
      while (absl::Now() < until) {
        if (!WaitFor(until - absl::Now())) return;
      }
    }
    if (stopping()) return;
    std::optional<SpoolRecord> record = spool_.Oldest();
    if (!record) {
      // Nothing to replay, so nothing to probe the backend with: the live
      // path tries it again (and spools and reports if it is still down).
      // Then wait for the exporter to spool something (the timed wake-up
      // also applies the spool's age limit).
      collector_down_.store(false, std::memory_order_release);
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
  const std::string_view payload = PayloadOf(record.body, options_.gzip_body, compressed);
  metrics_->export_batches.fetch_add(1, std::memory_order_relaxed);
  metrics_->export_bytes.fetch_add(payload.size(), std::memory_order_relaxed);
  if (failures_ > 0) metrics_->export_retries.fetch_add(1, std::memory_order_relaxed);
  const SendOutcome outcome = sender_->Send(payload, absl::Now() + options_.send_timeout);
  switch (outcome.kind) {
    case SendOutcome::Kind::kOk: {
      const std::uint64_t rejected = outcome.RejectedOf(record.spans);
      metrics_->spans_exported.fetch_add(record.spans - rejected, std::memory_order_relaxed);
      metrics_->spans_replayed.fetch_add(record.spans - rejected, std::memory_order_relaxed);
      if (rejected > 0) metrics_->AddFailed(ExportFailure::kPartialSuccess, rejected);
      spool_.Acknowledge(record);
      refusals_ = 0;
      if (failures_ > 0) {
        Diagnose(LogLevel::kInfo, StrCat("span spool: ", sender_->Describe(), " answers again after ", failures_,
                                         " failed attempts; replaying what was spooled, oldest first"));
      }
      failures_ = 0;
      collector_down_.store(false, std::memory_order_release);
      return true;
    }
    case SendOutcome::Kind::kPermanent:
      // One refusal may be a gateway or an auth layer in front of the
      // backend during a deploy, not a verdict on this batch: the batch is
      // dropped only after kPermanentRefusals in a row, with back-off between.
      if (++refusals_ >= kPermanentRefusals) {
        metrics_->AddSpoolDropped(SpoolDrop::kRejected, record.spans);
        log_.Report(LogLevel::kWarn, StrCat("span spool: ", sender_->Describe(), " refused ", record.spans,
                                            " spooled spans ", refusals_, " times: ", outcome.reason, "; dropped"));
        spool_.Acknowledge(record);
        refusals_ = 0;
        return true;
      }
      break;
    case SendOutcome::Kind::kRetryable:
      break;
  }
  if (stopping()) return false;  // cancelled by Stop: not an outage
  ++failures_;
  retry_after_ = outcome.retry_after;
  collector_down_.store(true, std::memory_order_release);
  log_.Report(LogLevel::kWarn, StrCat("span spool: replay to ", sender_->Describe(), " failed: ", outcome.reason, "; ",
                                      spool_.pending_spans(), " spans wait in the spool"));
  return false;
}

}  // namespace qtrace
