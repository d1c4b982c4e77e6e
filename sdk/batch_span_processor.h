// BatchSpanProcessor: where ended spans wait. OnEnd (request thread) pushes
// the record into a bounded lock-free RingBuffer and returns; one exporter
// thread pops batches and calls the SpanExporter. A full queue drops the span
// and counts it; the request thread never waits for the exporter.
//
// The exporter thread wakes when max_export_batch_size spans wait, when
// schedule_delay has passed since the last export, on ForceFlush and on
// Shutdown (OTEL_BSP_* in the specification). While spans flow fast and
// steadily it wakes on its own timer, when about one and a half batches have
// come (ExportPacer), and the request threads do not signal it unless the
// queue nears full.
//
// Thread safety: OnEnd from any thread, lock-free except when it signals the
// exporter: at most once per batch, and not at all while the exporter paces
// itself; the signal takes the wake-up mutex for a moment (the exporter holds
// it only to check its wake condition).
// OnEnd reads no line that the exporter writes per span: only the queue slot
// it pushes into and a count the exporter updates once per batch.
// ForceFlush and Shutdown from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "qtrace/sdk/batch_processing.h"
#include "qtrace/sdk/cache_line.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/export_pacer.h"
#include "qtrace/sdk/pipeline_metrics.h"
#include "qtrace/sdk/ring_buffer.h"
#include "qtrace/sdk/span_processor.h"

namespace qtrace {

class BatchSpanProcessor final : public SpanProcessor {
 public:
  // REQUIRES: options.max_export_batch_size <= options.max_queue_size.
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                     std::shared_ptr<PipelineMetrics> metrics);
  // Shuts down with a 5 s timeout if Shutdown was not called.
  ~BatchSpanProcessor() override;
  // After EffectiveBatchOptions.
  const BatchOptions& options() const { return options_; }

  void OnEnd(SpanRecordPtr record) override;
  // Exports every span ended before the call. OK when all of them were
  // exported; DeadlineExceeded when the timeout ran out first; otherwise the
  // export error.
  absl::Status ForceFlush(absl::Duration timeout) override;
  // Exports what is queued, then shuts the exporter down, all within timeout:
  // when the deadline comes the exporter is interrupted (its back-off sleeps and
  // sends in flight end). Spans ended afterwards are dropped and counted.
  absl::Status Shutdown(absl::Duration timeout) override;

  std::size_t queue_size() const { return queue_.SizeApprox(); }
  // Times a request thread signalled the exporter (a system call on its path
  // when the exporter was waiting).
  std::uint64_t producer_signals() const { return producer_signals_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // OnEnd's part when a batch or more waits: signals the exporter unless a
  // wake-up is already on its way.
  void WakeExporter(std::size_t waiting);
  // Pops up to one batch into batch_; returns how many.
  std::size_t FillBatch();
  // Exports batch_ and records the outcome; clears batch_.
  void ExportBatch();
  // Keeps status in cycle_status_ unless a failure is already there.
  void KeepFirstFailure(absl::Status status);
  void ReportDrops(bool final_report);
  void ReportErrorBufferDrops(bool final_report);
  void ReportLimitDrops();

  std::unique_ptr<SpanExporter> exporter_;
  const BatchOptions options_;
  const std::shared_ptr<PipelineMetrics> metrics_;
  RingBuffer<SpanRecordPtr> queue_;
  std::atomic<bool> shutting_down_{false};
  // True while a wake-up is already on its way: a producer signalled, or the
  // exporter waits on its own timer (ExportPacer). Producers then signal
  // only at urgent_waiting_, once (urgent_pending_).
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> urgent_pending_{false};
  const std::size_t urgent_waiting_;
  std::atomic<std::uint64_t> producer_signals_{0};
  // Spans taken from the queue and exported (or failed): written by the
  // exporter thread once per batch, read by OnEnd to tell when a batch waits.
  alignas(kCacheLineSize) std::atomic<std::size_t> done_count_{0};

  std::mutex mu_;
  std::condition_variable wake_;      // exporter thread waits here
  std::condition_variable progress_;  // ForceFlush and Shutdown wait here
  // Guarded by mu_:
  std::uint64_t flush_requested_ = 0;  // generations asked for
  std::uint64_t flush_done_ = 0;       // generations completed
  absl::Status flush_status_;          // of the last completed flush
  bool stopped_ = false;               // the exporter thread finished
  absl::Status shutdown_status_;

  // Exporter thread only:
  ExportPacer pacer_;
  std::vector<SpanRecordPtr> batch_;
  absl::Status cycle_status_;  // first export error since the last flush
  std::uint64_t reported_drops_ = 0;
  std::uint64_t reported_error_buffer_drops_ = 0;
  RateLimitedDiagnostic limit_log_;  // span-limit discards, exporter thread only
  absl::Time last_drop_report_ = absl::InfinitePast();

  std::thread thread_;
};

}  // namespace qtrace
