#include "qtrace/sdk/tracer_provider.h"

#include <algorithm>

#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/span_record_pool.h"

namespace qtrace {

TracerProvider::TracerProvider(TracerProviderOptions options) {
  state_.resource = std::move(options.resource);
  state_.metrics = options.metrics ? std::move(options.metrics) : std::make_shared<PipelineMetrics>();
  state_.sampler = options.sampler ? std::move(options.sampler)
                                   : MakeParentBasedSampler(MakeAlwaysOnSampler());
  state_.id_generator = options.id_generator ? std::move(options.id_generator) : MakeRandomIdGenerator();
  state_.root_flags = state_.id_generator->RandomTraceIds() ? TraceFlags::kRandom : 0;
  state_.pool = std::make_unique<SpanRecordPool>(std::max<std::size_t>(1, options.record_pool_size));
  state_.processor = std::move(options.processor);
  state_.limits = options.limits;
  state_.enabled = options.enabled;
  state_.keep_error_traces = options.keep_error_traces;
  state_.keep_error_traces_under_unsampled_parent = options.keep_error_traces_under_unsampled_parent;
  // Calibrates the span clock (a 2 ms measurement, once per process) here
  // rather than on the first request.
  RefreshClockAnchor();
}

TracerProvider::~TracerProvider() {
  if (!shut_down_.load(std::memory_order_acquire)) (void)Shutdown(absl::Seconds(5));
}

Tracer& TracerProvider::GetTracer(std::string_view name, std::string_view version) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Tracer& tracer : tracers_) {
    if (tracer.scope().name == name && tracer.scope().version == version) return tracer;
  }
  return tracers_.emplace_back(&state_, InstrumentationScope{std::string(name), std::string(version)});
}

absl::Status TracerProvider::ForceFlush(absl::Duration timeout) {
  if (shut_down_.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError("tracer provider is shut down");
  }
  return state_.processor ? state_.processor->ForceFlush(timeout) : absl::OkStatus();
}

absl::Status TracerProvider::Shutdown(absl::Duration timeout) {
  if (shut_down_.exchange(true, std::memory_order_acq_rel)) {
    return absl::FailedPreconditionError("tracer provider already shut down");
  }
  return state_.processor ? state_.processor->Shutdown(timeout) : absl::OkStatus();
}

}  // namespace qtrace
