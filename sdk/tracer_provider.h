// TracerProvider: owns the pipeline (sampler, processor, limits, resource) and
// hands out Tracers. One per process, built from the configuration in main(),
// and shut down last.
//
// Thread safety: GetTracer takes a mutex (call it at set-up, keep the
// reference); spans never touch that mutex. ForceFlush and Shutdown may be
// called from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include <mutex>
#include "absl/time/time.h"
#include "qtrace/sdk/id_generator.h"
#include "qtrace/sdk/pipeline_metrics.h"
#include "qtrace/sdk/resource.h"
#include "qtrace/sdk/sampler.h"
#include "qtrace/sdk/span_limits.h"
#include "qtrace/sdk/span_processor.h"
#include "qtrace/sdk/tracer.h"

namespace qtrace {

class SpanRecordPool;  // sdk/span_record_pool.h, inside the build

struct TracerProviderOptions {
  Resource resource;
  std::unique_ptr<Sampler> sampler;          // null means ParentBased(AlwaysOn)
  std::unique_ptr<IdGenerator> id_generator;  // null means random ids
  std::unique_ptr<SpanProcessor> processor;  // null means spans are not recorded
  SpanLimits limits;
  bool enabled = true;  // false: OTEL_SDK_DISABLED; spans pass the parent context through
  // Record the local subtrees that head sampling drops, and export them when
  // their root ends in error (deferred_trace.h).
  bool keep_error_traces = false;
  // Also under a remote parent that said "unsampled": the kept subtree then
  // reaches the backend without its parent (an orphan). Off by default.
  bool keep_error_traces_under_unsampled_parent = false;
  // Shared with the processor and the exporter; null: the provider makes one.
  std::shared_ptr<PipelineMetrics> metrics;
  // Idle span records kept for reuse; size it with the processor's queue
  // (queue + one batch + the spans alive at once).
  std::size_t record_pool_size = 2048 + 512 + 256;
};

// What every Tracer of a provider reads on the span path; immutable after
// construction.
struct TracerState {
  Resource resource;
  std::shared_ptr<PipelineMetrics> metrics;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<IdGenerator> id_generator;
  // W3C Level 2 trace flags a new root gets besides "sampled": kRandom when
  // the generator's trace ids are random.
  std::uint8_t root_flags = 0;
  // Declared before the processor: records queued in the processor go back to
  // the pool when the processor is destroyed, so the pool must outlive it.
  std::unique_ptr<SpanRecordPool> pool;
  std::unique_ptr<SpanProcessor> processor;
  SpanLimits limits;
  bool enabled = true;
  bool keep_error_traces = false;
  bool keep_error_traces_under_unsampled_parent = false;
};

class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options);
  // Shuts down with a 5 s timeout if Shutdown was not called.
  ~TracerProvider();
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  // The tracer for (name, version), made on first request. The reference stays
  // valid for the provider's lifetime.
  Tracer& GetTracer(std::string_view name, std::string_view version = {});

  // Exports every span ended before the call; see SpanProcessor.
  absl::Status ForceFlush(absl::Duration timeout);
  // Flushes and stops the pipeline within timeout. Later calls fail.
  absl::Status Shutdown(absl::Duration timeout);

  const Resource& resource() const { return state_.resource; }
  const Sampler& sampler() const { return *state_.sampler; }
  const IdGenerator& id_generator() const { return *state_.id_generator; }
  // The pipeline's own counters (see pipeline_metrics.h).
  const PipelineMetrics& metrics() const { return *state_.metrics; }
  const SpanRecordPool& record_pool() const { return *state_.pool; }

 private:
  TracerState state_;
  std::atomic<bool> shut_down_{false};
  std::mutex mu_;
  std::deque<Tracer> tracers_;  // guarded by mu_
};

}  // namespace qtrace
