#include "qtrace/exporter/otlp_exporter.h"

#include "absl/time/clock.h"
#include "qtrace/exporter/gzip.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {

OtlpExporter::OtlpExporter(const Resource& resource, std::unique_ptr<Sender> sender, OtlpExporterOptions options,
                           std::shared_ptr<PipelineMetrics> metrics, SpoolSetup spool)
    : encoder_(resource),
      sender_(std::move(sender)),
      options_(options),
      metrics_(metrics ? std::move(metrics) : std::make_shared<PipelineMetrics>()),
      random_(std::random_device{}()),
      spool_(std::move(spool.spool)) {
  if (spool_ != nullptr && spool.replay_sender != nullptr) {
    spool.replay.encoding = Encoding();
    spool.replay.gzip_body = options_.gzip_body;
    // What an earlier process left is replayed from the start.
    replayer_ = std::make_unique<SpoolReplayer>(*spool_, std::move(spool.replay_sender), spool.replay, metrics_);
  } else {
    spool_.reset();
  }
  if (options_.max_pending_batches > 1) {
    // Each batch's export timeout runs from when its send starts, as it did
    // when Export sent it: not from when it was handed over.
    pipeline_ = std::make_unique<SendPipeline>(
        options_.max_pending_batches, [this](const std::string& body, std::uint64_t spans) {
          return SendBody(body, spans, absl::Now() + options_.export_timeout);
        });
  }
}

OtlpExporter::~OtlpExporter() {
  if (pipeline_ != nullptr) {
    // Without a Shutdown first nothing waits for the backend here: batches
    // still pending fail at once (or go to the spool).
    Interrupt();
    pipeline_->Stop();
  }
  if (replayer_ != nullptr) replayer_->Stop();
}

SpoolEncoding OtlpExporter::Encoding() const {
  if (options_.encode) return SpoolEncoding::kZipkinJson;
  return options_.encoding == OtlpEncoding::kJson ? SpoolEncoding::kOtlpJson : SpoolEncoding::kOtlpProtobuf;
}

absl::Status OtlpExporter::SpoolBody(const std::string& body, std::uint64_t spans) {
  absl::Status written = spool_->Append(Encoding(), static_cast<std::uint32_t>(spans), body);
  spool_failing_ = !written.ok();
  if (!written.ok()) return written;  // counted by the spool as write_failed
  replayer_->Wake();
  return absl::OkStatus();
}

void OtlpExporter::Encode(std::span<const SpanRecordPtr> part, std::string& out) const {
  if (options_.encode) {
    options_.encode(part, out);
  } else if (options_.encoding == OtlpEncoding::kJson) {
    encoder_.EncodeJson(part, out);
  } else {
    encoder_.EncodeProtobuf(part, out);
  }
}

absl::Status OtlpExporter::Export(std::span<const SpanRecordPtr> batch) {
  if (spool_ == nullptr && (shut_down_ || sleep_.interrupted())) {
    metrics_->AddFailed(ExportFailure::kShutdown, batch.size());
    return absl::FailedPreconditionError("exporter is shut down");
  }
  return ExportPart(batch, absl::Now() + options_.export_timeout);
}

absl::Status OtlpExporter::ExportPart(std::span<const SpanRecordPtr> part, absl::Time deadline) {
  if (part.empty()) return absl::OkStatus();
  std::string body = pipeline_ != nullptr ? pipeline_->TakeBuffer() : std::move(body_);
  Encode(part, body);
  if (body.size() > options_.max_request_bytes) {
    const std::size_t size = body.size();
    if (pipeline_ == nullptr) body_ = std::move(body);
    if (part.size() == 1) {
      metrics_->AddFailed(ExportFailure::kTooLarge, 1);
      // The failure log belongs to the sending thread when there is one.
      RateLimitedDiagnostic& log = pipeline_ != nullptr ? too_large_log_ : failure_log_;
      log.Report(LogLevel::kWarn, StrCat("dropping a span of ", size, " encoded bytes: over the ",
                                         options_.max_request_bytes, "-byte request limit"));
      return absl::ResourceExhaustedError("span too large to export");
    }
    const std::size_t half = part.size() / 2;
    absl::Status first = ExportPart(part.first(half), deadline);
    absl::Status second = ExportPart(part.subspan(half), deadline);
    return first.ok() ? second : first;
  }
  if (pipeline_ != nullptr) {
    // The records go back to the pool as soon as this returns; the bytes
    // wait for the sending thread.
    if (pipeline_->Submit(body, part.size())) return absl::OkStatus();
    // Stopped (an Export after Shutdown): send here, now that the sending
    // thread has ended, so the batch is still spooled or counted.
    pipeline_->Stop();
    return SendBody(body, part.size(), deadline);
  }
  absl::Status status = SendBody(body, part.size(), deadline);
  body_ = std::move(body);
  return status;
}

absl::Status OtlpExporter::SendBody(const std::string& body, std::uint64_t n, absl::Time deadline) {
  // Shutdown ran out of time (what is still queued goes to the spool, for
  // the next start, instead of being dropped), or the backend is down: no
  // try, straight to the spool. While the spool refuses writes (a full
  // disk), batches are tried live all the same: the backend may be back, and
  // with nothing in the spool no replay would find out.
  if (spool_ != nullptr &&
      (shut_down_ || sleep_.interrupted() || (replayer_->collector_down() && !spool_failing_))) {
    return SpoolBody(body, n);
  }

  std::string compressed;
  const std::string_view payload = PayloadOf(body, options_.gzip_body, compressed);

  payload_size_ = payload.size();
  // With a spool, one try: a retry would hold the exporter thread while the
  // queue fills; the spool's replay retries instead.
  RetryPolicy policy = options_.retry;
  if (spool_ != nullptr) policy.max_attempts = 1;
  const RetryResult result = SendWithRetry(*sender_, payload, deadline, policy, sleep_, random_, this);

  const SendOutcome& last = result.last;
  if (last.kind == SendOutcome::Kind::kOk) {
    const std::uint64_t rejected = last.RejectedOf(n);
    metrics_->spans_exported.fetch_add(n - rejected, std::memory_order_relaxed);
    if (rejected > 0 || !last.partial_message.empty()) {
      metrics_->AddFailed(ExportFailure::kPartialSuccess, rejected);
      partial_log_.Report(LogLevel::kWarn, StrCat("partial success from ", sender_->Describe(), ": ", rejected,
                                                  " of ", n, " spans rejected: ", last.partial_message));
    }
    return absl::OkStatus();
  }
  if (spool_ != nullptr && (last.kind == SendOutcome::Kind::kRetryable || result.interrupted)) {
    absl::Status spooled = SpoolBody(body, n);
    // The outage is reported once the batch is in the spool: a replay thread
    // that finds the spool empty takes the outage for over.
    if (!result.interrupted && spooled.ok()) {
      replayer_->ReportOutage();
      retry_log_.Report(LogLevel::kWarn, StrCat("export to ", sender_->Describe(), " failed: ", last.reason,
                                                "; spooling batches to disk until it answers again"));
    }
    return spooled;
  }
  ExportFailure failure = ExportFailure::kUnavailable;
  std::string why;
  if (result.interrupted) {
    failure = ExportFailure::kShutdown;
    why = "interrupted by shutdown";
  } else if (last.kind == SendOutcome::Kind::kPermanent) {
    failure = ExportFailure::kRejected;
    why = "not retryable";
  } else {
    why = StrCat("gave up after ", result.attempts, " attempts within the export timeout");
  }
  metrics_->AddFailed(failure, n);
  const std::string message =
      StrCat("dropping ", n, " spans: export to ", sender_->Describe(), " failed: ", last.reason, " (", why, ")");
  failure_log_.Report(LogLevel::kWarn, message);
  return absl::UnavailableError(message);
}

void OtlpExporter::OnAttempt(int attempt) {
  metrics_->export_batches.fetch_add(1, std::memory_order_relaxed);
  metrics_->export_bytes.fetch_add(payload_size_, std::memory_order_relaxed);
  if (attempt > 1) metrics_->export_retries.fetch_add(1, std::memory_order_relaxed);
}

void OtlpExporter::OnRetryScheduled(const SendOutcome& failed, absl::Duration wait) {
  // An outage can outlast one export timeout (30 s by default): say so at its
  // start, not only when the batch is finally given up, and with what the
  // full queue has dropped meanwhile (the processor reports that only between
  // exports).
  const std::uint64_t dropped = metrics_->spans_dropped_queue_full.Load();
  retry_log_.Report(LogLevel::kWarn, StrCat("export to ", sender_->Describe(), " failed: ", failed.reason,
                                            "; retrying in ", absl::FormatDuration(wait), "; ", dropped,
                                            " spans dropped so far because the queue was full"));
}

absl::Status OtlpExporter::Flush(absl::Duration timeout) {
  if (pipeline_ == nullptr) return absl::OkStatus();  // every Export returned its own outcome
  return pipeline_->Flush(absl::Now() + timeout);
}

absl::Status OtlpExporter::Shutdown(absl::Duration timeout) {
  // What was handed over is sent first, within timeout; past it the sends
  // are cut short (those batches fail, or go to the spool), and the sending
  // thread ends.
  absl::Status status = Flush(timeout);
  if (absl::IsDeadlineExceeded(status)) Interrupt();
  if (pipeline_ != nullptr) pipeline_->Stop();
  shut_down_ = true;
  if (replayer_ != nullptr) {
    replayer_->Stop();
    spool_->Flush();
    if (const std::uint64_t waiting = spool_->pending_spans(); waiting > 0) {
      Diagnose(LogLevel::kInfo, StrCat("span spool: ", waiting, " spans wait on disk for the next start"));
    }
  }
  return status;
}

void OtlpExporter::Interrupt() {
  sleep_.Interrupt();
  sender_->Cancel();
  if (replayer_ != nullptr) replayer_->RequestStop();  // joined in Shutdown
}

}  // namespace qtrace
