// PipelineMetrics: what the tracing pipeline counts about itself, so that a
// lost span is never silent. Names follow the OpenTelemetry SDK
// self-observability conventions; the service exposes them on /metrics.
//
//   otel.sdk.span.started{otel.span.sampling_result=RECORD_AND_SAMPLE|DROP}
//   otel.sdk.processor.span.processed{error.type=""|queue_full|shutdown}
//   otel.sdk.processor.span.queue.size / .capacity            (read from the processor)
//   otel.sdk.exporter.span.exported{error.type=""|<reason>}
//   otel.sdk.exporter.retries, .batches, .bytes               (ours: attempts retried, requests, bytes sent)
//   qtrace.spool.spans.{spooled,replayed,dropped{error.type}}, .corrupt_records, .bytes  (ours: the spool)
//
// Thread safety: every field may be updated and read from any thread. The
// counters touched per span are sharded (see ShardedCounter).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "qtrace/sdk/sharded_counter.h"

namespace qtrace {

// Why spans failed to export, as the error.type attribute.
enum class ExportFailure : std::uint8_t {
  kUnavailable,     // retryable failures until the export timeout ran out
  kRejected,        // a permanent (non-retryable) answer from the backend
  kPartialSuccess,  // the backend accepted the batch but rejected some spans
  kTooLarge,        // a single span larger than the 64 MiB request limit
  kShutdown,        // the exporter was shut down or interrupted
  kCount,
};

std::string_view ToString(ExportFailure failure);

// Why spans left the on-disk spool (exporter/spool.h) without being sent, as
// the error.type attribute.
enum class SpoolDrop : std::uint8_t {
  kQuota,         // the spool was full (QTRACE_SPOOL_MAX_BYTES): its oldest segment went
  kAge,           // older than QTRACE_SPOOL_MAX_AGE
  kWriteFailed,   // the disk refused the write (full, unwritable)
  kRejected,      // replayed, and the backend refused it for good
  kUnreplayable,  // written by an exporter of another encoding
  kCorrupt,       // in a record found damaged (when its span count is known)
  kCount,
};

std::string_view ToString(SpoolDrop drop);

struct PipelineMetrics {
  ShardedCounter spans_started_sampled;
  ShardedCounter spans_started_unsampled;
  ShardedCounter spans_processed;           // handed to the processor
  // Sharded too: under overload most spans end here, and a shared counter's
  // locked add would make each of them wait for its own stores.
  ShardedCounter spans_dropped_queue_full;
  std::atomic<std::uint64_t> spans_dropped_shutdown{0};
  // Spans exported although head sampling dropped them: their local root
  // ended in error (deferred_trace.h).
  std::atomic<std::uint64_t> spans_kept_for_error{0};
  // Spans lost because one request's error buffer (DeferredTrace::
  // kMaxBufferedSpans) was full while it waited for its outcome; they never
  // reached the processor, so they are not part of spans_processed.
  std::atomic<std::uint64_t> spans_dropped_error_buffer_full{0};
  std::atomic<std::uint64_t> spans_exported{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(ExportFailure::kCount)> spans_failed{};
  std::atomic<std::uint64_t> export_retries{0};
  std::atomic<std::uint64_t> export_batches{0};
  std::atomic<std::uint64_t> export_bytes{0};
  // Set by the batch processor.
  std::atomic<std::uint64_t> queue_size{0};
  std::atomic<std::uint64_t> queue_capacity{0};
  // The on-disk spool, when one is configured: spans written to it (instead
  // of being dropped), sent from it and acknowledged (also in
  // spans_exported), dropped from it, records found corrupt, its size.
  std::atomic<std::uint64_t> spans_spooled{0};
  std::atomic<std::uint64_t> spans_replayed{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(SpoolDrop::kCount)> spans_dropped_from_spool{};
  std::atomic<std::uint64_t> spool_corrupt_records{0};
  std::atomic<std::uint64_t> spool_bytes{0};

  void AddFailed(ExportFailure failure, std::uint64_t spans) {
    spans_failed[static_cast<std::size_t>(failure)].fetch_add(spans, std::memory_order_relaxed);
  }
  std::uint64_t Failed(ExportFailure failure) const {
    return spans_failed[static_cast<std::size_t>(failure)].load(std::memory_order_relaxed);
  }
  std::uint64_t FailedTotal() const;
  void AddSpoolDropped(SpoolDrop reason, std::uint64_t spans) {
    spans_dropped_from_spool[static_cast<std::size_t>(reason)].fetch_add(spans, std::memory_order_relaxed);
  }
  std::uint64_t SpoolDropped(SpoolDrop reason) const {
    return spans_dropped_from_spool[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }
};

}  // namespace qtrace
