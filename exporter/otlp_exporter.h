// OtlpExporter: a SpanExporter that encodes a batch (otlp_encoder) and hands
// the bytes to a Sender (gRPC or HTTP) with the specification's retries.
// Runs on the exporter thread only.
//
// A request over 64 MiB before compression is never sent: the batch is split
// in halves until each part fits; a single span over the limit is dropped and
// counted (too_large). Every outcome is counted in PipelineMetrics, and
// failures are logged without spam (first at once, then a count every 10 s).
//
// Another wire format over HTTP (Zipkin's JSON) brings its own encode
// function in the options and gets the same retries, splitting and accounting.
//
// With max_pending_batches above 1 the sending (retries, accounting and the
// spool path included) runs on a thread of its own (send_pipeline.h): Export
// encodes, hands the bytes over and returns, and Flush reports how the sends
// went. With 1, Export sends on the calling thread and returns the outcome.
//
// With a spool (spool.h) a batch is tried once: when that fails retryably, or
// while the backend is known to be down, or once shutdown has interrupted
// the exporter, its encoded body goes to the spool instead of being dropped,
// and the replay thread (spool_replayer.h) sends it when the backend answers
// again. The exporter thread thus never waits out an outage: it keeps
// draining the queue.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "qtrace/exporter/otlp_encoder.h"
#include "qtrace/exporter/retry.h"
#include "qtrace/exporter/send_pipeline.h"
#include "qtrace/exporter/sender.h"
#include "qtrace/exporter/spool.h"
#include "qtrace/exporter/spool_replayer.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/pipeline_metrics.h"
#include "qtrace/sdk/resource.h"
#include "qtrace/sdk/span_processor.h"

namespace qtrace {

enum class OtlpEncoding { kProtobuf, kJson };

// Writes one request body for a batch into out, replacing what it held (a
// buffer reused from an earlier batch, its old bytes still in it).
using BatchEncodeFunction = std::function<void(std::span<const SpanRecordPtr>, std::string& out)>;

struct OtlpExporterOptions {
  OtlpEncoding encoding = OtlpEncoding::kProtobuf;
  // When set, used instead of the OTLP encoding above.
  BatchEncodeFunction encode;
  // gzip the body here (HTTP). gRPC compresses in its own layer instead.
  bool gzip_body = false;
  RetryPolicy retry;
  // Bounds one Export call, retries included (OTEL_BSP_EXPORT_TIMEOUT).
  absl::Duration export_timeout = absl::Seconds(30);
  std::size_t max_request_bytes = 64 * 1024 * 1024;
  // Encoded batches handed to the sending thread and not yet answered before
  // Export waits (QTRACE_EXPORT_MAX_PENDING_BATCHES); 1: no sending thread,
  // Export sends and returns the outcome.
  std::size_t max_pending_batches = 1;
};

// A spool and the sender its replay thread sends with; without a spool,
// failed batches are dropped and counted.
struct SpoolSetup {
  std::unique_ptr<Spool> spool;
  std::unique_ptr<Sender> replay_sender;
  SpoolReplayerOptions replay;  // its encoding is set from the exporter's
};

class OtlpExporter final : public SpanExporter, private RetryObserver {
 public:
  OtlpExporter(const Resource& resource, std::unique_ptr<Sender> sender, OtlpExporterOptions options,
               std::shared_ptr<PipelineMetrics> metrics, SpoolSetup spool = {});
  ~OtlpExporter() override;

  absl::Status Export(std::span<const SpanRecordPtr> batch) override;
  absl::Status Flush(absl::Duration timeout) override;
  absl::Status Shutdown(absl::Duration timeout) override;
  void Interrupt() override;

 private:
  absl::Status ExportPart(std::span<const SpanRecordPtr> part, absl::Time deadline);
  void Encode(std::span<const SpanRecordPtr> part, std::string& out) const;
  // The sending half: body (spans spans) to the backend with retries, or to
  // the spool; counts the outcome. On the sending thread when there is one.
  absl::Status SendBody(const std::string& body, std::uint64_t spans, absl::Time deadline);
  // The spool path: body (spans spans) to the spool; OK when written.
  absl::Status SpoolBody(const std::string& body, std::uint64_t spans);
  SpoolEncoding Encoding() const;
  // RetryObserver: requests, bytes and retries are counted as they are sent.
  void OnAttempt(int attempt) override;
  void OnRetryScheduled(const SendOutcome& failed, absl::Duration wait) override;

  const OtlpEncoder encoder_;
  const std::unique_ptr<Sender> sender_;
  const OtlpExporterOptions options_;
  const std::shared_ptr<PipelineMetrics> metrics_;
  InterruptibleSleep sleep_;
  std::mt19937_64 random_;
  std::string body_;        // reused across exports without a sending thread
  std::size_t payload_size_ = 0;  // of the request being sent
  std::atomic<bool> shut_down_{false};
  bool spool_failing_ = false;  // the last spool write was refused (full disk)
  RateLimitedDiagnostic too_large_log_;  // the encoding thread's
  RateLimitedDiagnostic failure_log_;    // the sending thread's (from here on)
  RateLimitedDiagnostic partial_log_;
  RateLimitedDiagnostic retry_log_;
  // Declared last: the replay thread stops before anything it uses goes.
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<SpoolReplayer> replayer_;
  // Last of all: its thread sends through everything above.
  std::unique_ptr<SendPipeline> pipeline_;
};

}  // namespace qtrace
