#include "qtrace/sdk/batch_span_processor.h"

#include <algorithm>
#include <optional>

#include "absl/time/clock.h"
#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/deferred_trace.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/thread_name.h"

namespace qtrace {
namespace {

// Drops are reported at most this often after the first warning.
constexpr absl::Duration kDropReportInterval = absl::Seconds(10);

}  // namespace

BatchOptions EffectiveBatchOptions(BatchOptions options) {
  options.max_queue_size = std::max<std::size_t>(1, options.max_queue_size);
  options.max_export_batch_size = std::clamp<std::size_t>(options.max_export_batch_size, 1, options.max_queue_size);
  options.schedule_delay = std::max(options.schedule_delay, absl::Milliseconds(1));
  return options;
}

std::unique_ptr<SpanProcessor> MakeBatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                                                      std::shared_ptr<PipelineMetrics> metrics) {
  return std::make_unique<BatchSpanProcessor>(std::move(exporter), options, std::move(metrics));
}

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                                       std::shared_ptr<PipelineMetrics> metrics)
    : exporter_(std::move(exporter)),
      options_(EffectiveBatchOptions(options)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<PipelineMetrics>()),
      queue_(options_.max_queue_size),
      // Room for one more batch past this before the queue is full (or, for
      // a queue of less than two batches, one batch).
      urgent_waiting_(std::max(options_.max_export_batch_size,
                               options_.max_queue_size - options_.max_export_batch_size)),
      pacer_(options_.max_export_batch_size) {
  batch_.reserve(options_.max_export_batch_size);
  metrics_->queue_capacity.store(queue_.capacity(), std::memory_order_relaxed);
  thread_ = std::thread([this] { Run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() {
  if (!shutting_down_.load(std::memory_order_acquire)) (void)Shutdown(absl::Seconds(5));
  if (thread_.joinable()) thread_.join();
}

void BatchSpanProcessor::OnEnd(SpanRecordPtr record) {
  metrics_->spans_processed.Add();
  if (shutting_down_.load(std::memory_order_acquire)) {
    metrics_->spans_dropped_shutdown.fetch_add(1, std::memory_order_relaxed);
    return;  // the record goes back to its pool here
  }
  std::size_t position = 0;
  if (!queue_.TryPush(record, &position)) {
    metrics_->spans_dropped_queue_full.Add();
    return;
  }
  // Wake the exporter once a batch waits (WakeExporter says when it is
  // needed: not while it paces itself, unless the queue nears full). "Waiting" counts
  // from the pushes (this one's position) and the exporter's count of spans
  // it is done with, a line it writes once per batch; the queue's own size
  // would read the line the exporter writes on every pop.
  // (A push whose thread was preempted may see a count past its position.)
  const std::size_t done = done_count_.load(std::memory_order_relaxed);
  const std::size_t waiting = position + 1 > done ? position + 1 - done : 0;
  if (waiting >= options_.max_export_batch_size) WakeExporter(waiting);
}

void BatchSpanProcessor::WakeExporter(std::size_t waiting) {
  // Relaxed loads first: once a wake-up is on its way, the pushes after it
  // read a line no one writes instead of each writing the flag's line.
  const bool wake = !wake_pending_.load(std::memory_order_relaxed) &&
                    !wake_pending_.exchange(true, std::memory_order_acq_rel);
  const bool urgent = !wake && waiting >= urgent_waiting_ && !urgent_pending_.load(std::memory_order_relaxed) &&
                      !urgent_pending_.exchange(true, std::memory_order_acq_rel);
  if (!wake && !urgent) return;
  producer_signals_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  wake_.notify_one();
}

std::size_t BatchSpanProcessor::FillBatch() {
  SpanRecordPtr record;
  while (batch_.size() < options_.max_export_batch_size && queue_.TryPop(record)) batch_.push_back(std::move(record));
  metrics_->queue_size.store(queue_.SizeApprox(), std::memory_order_relaxed);
  return batch_.size();
}

// The specification asks that what a span limit discards be logged, but not
// once per discarded item: at most one line per span, here on the exporter
// thread (never on the request path), and those rate-limited overall.
void BatchSpanProcessor::ReportLimitDrops() {
  for (const SpanRecordPtr& r : batch_) {
    const std::uint32_t attributes = r->attributes.dropped();
    if (attributes == 0 && r->dropped_events == 0 && r->dropped_links == 0) continue;
    limit_log_.Report(LogLevel::kWarn,
                      StrCat("span '", r->name, "' went over its limits: ", attributes, " attributes, ",
                             r->dropped_events, " events and ", r->dropped_links,
                             " links discarded (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, "
                             "OTEL_SPAN_LINK_COUNT_LIMIT); the counts are exported with the span"));
  }
}

void BatchSpanProcessor::KeepFirstFailure(absl::Status status) {
  if (!status.ok() && cycle_status_.ok()) cycle_status_ = std::move(status);
}

void BatchSpanProcessor::ExportBatch() {
  if (batch_.empty()) return;
  ReportLimitDrops();
  KeepFirstFailure(exporter_->Export(batch_));
  done_count_.store(done_count_.load(std::memory_order_relaxed) + batch_.size(), std::memory_order_relaxed);
  batch_.clear();  // records return to the pool (reset by the thread that reuses them)
}

void BatchSpanProcessor::ReportErrorBufferDrops(bool final_report) {
  const std::uint64_t drops = metrics_->spans_dropped_error_buffer_full.load(std::memory_order_relaxed);
  if (drops == reported_error_buffer_drops_) return;
  if (final_report) {
    Diagnose(LogLevel::kWarn, StrCat("errors-always-kept buffer: ", drops,
                                     " spans dropped in total because a request waiting for its outcome "
                                     "had more than ", DeferredTrace::kMaxBufferedSpans, " spans"));
  } else if (reported_error_buffer_drops_ == 0) {
    Diagnose(LogLevel::kWarn,
             StrCat("errors-always-kept buffer full: a request that head sampling dropped made more than ",
                    DeferredTrace::kMaxBufferedSpans,
                    " spans while waiting for its outcome; the extra spans are dropped. The limit is per "
                    "request: sample such requests (OTEL_TRACES_SAMPLER_ARG) or turn the buffer off "
                    "(QTRACE_KEEP_ERROR_TRACES=false). The total is reported at shutdown"));
  }
  reported_error_buffer_drops_ = drops;
}

void BatchSpanProcessor::ReportDrops(bool final_report) {
  ReportErrorBufferDrops(final_report);
  const std::uint64_t drops = metrics_->spans_dropped_queue_full.Load();
  const absl::Time now = absl::Now();
  if (final_report) {
    if (drops > 0) {
      Diagnose(LogLevel::kWarn, StrCat("span queue: ", drops, " spans dropped in total because the queue (",
                                       queue_.capacity(), ") was full"));
    }
    return;
  }
  if (drops == reported_drops_) return;
  if (reported_drops_ == 0) {
    Diagnose(LogLevel::kWarn, StrCat("span queue full (", queue_.capacity(),
                                     "): dropping spans; raise OTEL_BSP_MAX_QUEUE_SIZE or check the exporter. "
                                     "Further drops are reported every 10 s"));
  } else if (now - last_drop_report_ < kDropReportInterval) {
    return;
  } else {
    Diagnose(LogLevel::kWarn, StrCat("span queue full: ", drops - reported_drops_, " more spans dropped (", drops,
                                     " in total)"));
  }
  reported_drops_ = drops;
  last_drop_report_ = now;
}

void BatchSpanProcessor::Run() {
  NameCurrentThread("qtrace-export");
  auto next_export = absl::Now() + options_.schedule_delay;
  std::optional<absl::Duration> poll;  // set: wait on the pacer's timer (see export_pacer.h)
  bool just_parked = false;            // the last cycle stopped pacing
  while (true) {
    std::uint64_t flush_target = 0;
    bool flush_pending = false;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto asked = [&] {
        return flush_requested_ > flush_done_ || shutting_down_.load(std::memory_order_acquire);
      };
      if (poll) {
        // Producers skip their batch signal (wake_pending_ stays true); a
        // burst that nears a full queue still wakes this early. A relative
        // wait (on the monotonic clock): a wall-clock step back must not
        // stretch it while the producers stay silent.
        wake_.wait_for(lock, absl::ToChronoNanoseconds(std::min(next_export - absl::Now(), *poll)), [&] {
          return urgent_pending_.load(std::memory_order_acquire) || asked();
        });
      } else {
        // Right after pacing stops, look once more within the longest
        // pacing wait: a push that filled a batch may have read the flag as
        // still set just before it was cleared below (possible where stores
        // and later loads are reordered), and then it sent no signal.
        const absl::Time until =
            just_parked ? std::min(next_export, absl::Now() + ExportPacer::kMaxPollInterval) : next_export;
        wake_.wait_until(lock, absl::ToChronoTime(until), [&] {
          return wake_pending_.load(std::memory_order_acquire) || asked() ||
                 batch_.size() + queue_.SizeApprox() >= options_.max_export_batch_size;
        });
      }
      flush_target = flush_requested_;
      flush_pending = flush_target > flush_done_;  // a ForceFlush waits on this cycle
      stopping = shutting_down_.load(std::memory_order_acquire);
    }
    // Kept true across the cycle: pushes meanwhile need not signal, this
    // cycle drains them. Cleared below when the exporter parks.
    if (!wake_pending_.load(std::memory_order_relaxed)) wake_pending_.store(true, std::memory_order_release);
    if (urgent_pending_.load(std::memory_order_relaxed)) urgent_pending_.store(false, std::memory_order_release);
    RefreshClockAnchor();  // the mapping of span ticks to wall time, for this cycle's encoding (clock.h)
    const bool timer_due = absl::Now() >= next_export;
    const bool drain_all = timer_due || stopping || flush_pending;

    // Full batches always; the last partial one only when the timer is due or
    // someone asked for everything.
    while (FillBatch() > 0) {
      if (batch_.size() < options_.max_export_batch_size && !drain_all) break;
      ExportBatch();
    }
    if (drain_all) next_export = absl::Now() + options_.schedule_delay;
    // A flush waits for the batches an exporter still sends on a thread of
    // its own, and for how they went (each send is bounded by the export
    // timeout, and Shutdown interrupts them). A shutdown waits after its
    // last drain, below.
    if (flush_pending) KeepFirstFailure(exporter_->Flush(absl::InfiniteDuration()));
    ReportDrops(false);
    const bool was_pacing = poll.has_value();
    poll = pacer_.NextWait(
        queue_.PushCount() + metrics_->spans_dropped_queue_full.Load(), absl::Now());
    just_parked = was_pacing && !poll;
    // Parking: from here a producer signals the next full batch. A push that
    // read the flag still set just before this is caught by the wait's own
    // check of the queue, or by the look that follows a stop of pacing.
    if (!poll) wake_pending_.store(false, std::memory_order_seq_cst);

    std::lock_guard<std::mutex> lock(mu_);
    if (flush_target > flush_done_) {
      flush_done_ = flush_target;
      flush_status_ = cycle_status_;
      cycle_status_ = absl::OkStatus();
      progress_.notify_all();
    }
    if (stopping) break;
  }
  // The queue is closed (shutting_down_ set before this loop's last drain);
  // spans pushed by a racing OnEnd between the check and the drain are
  // exported here.
  while (FillBatch() > 0) ExportBatch();
  KeepFirstFailure(exporter_->Flush(absl::InfiniteDuration()));
  ReportDrops(true);
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  shutdown_status_ = cycle_status_;
  progress_.notify_all();
}

absl::Status BatchSpanProcessor::ForceFlush(absl::Duration timeout) {
  if (shutting_down_.load(std::memory_order_acquire)) return absl::FailedPreconditionError("processor is shut down");
  std::unique_lock<std::mutex> lock(mu_);
  const std::uint64_t generation = ++flush_requested_;
  wake_.notify_one();
  if (!progress_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] { return flush_done_ >= generation || stopped_; })) {
    return absl::DeadlineExceededError("flush did not finish within its timeout");
  }
  return stopped_ ? shutdown_status_ : flush_status_;
}

absl::Status BatchSpanProcessor::Shutdown(absl::Duration timeout) {
  if (shutting_down_.exchange(true, std::memory_order_acq_rel)) {
    return absl::FailedPreconditionError("processor already shut down");
  }
  const auto deadline = absl::Now() + timeout;
  bool finished = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    wake_.notify_one();
    finished = progress_.wait_until(lock, absl::ToChronoTime(deadline), [&] { return stopped_; });
  }
  if (!finished) {
    // The deadline wins over the remaining work: cut back-off sleeps and sends
    // short; the thread then drains quickly (each Export fails fast).
    exporter_->Interrupt();
  }
  thread_.join();
  absl::Status status = finished ? shutdown_status_ : absl::DeadlineExceededError("shutdown timed out; export interrupted");
  const absl::Duration left = std::max(absl::ZeroDuration(), deadline - absl::Now());
  absl::Status exporter_status = exporter_->Shutdown(left);
  if (status.ok()) status = exporter_status;
  return status;
}

}  // namespace qtrace
