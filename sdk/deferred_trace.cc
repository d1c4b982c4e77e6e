#include "qtrace/sdk/deferred_trace.h"

namespace qtrace {

void DeferredTrace::Export(SpanRecordPtr record) {
  // Exported, so sampled: backends and the sink see a normal sampled trace.
  const SpanContext& c = record->context;
  record->context = SpanContext(c.trace_id(), c.span_id(), c.flags() | TraceFlags::kSampled, c.is_remote(),
                                c.trace_state_ptr());
  record->deferred.reset();
  if (record->pending_attributes) record->pending_attributes.Run(record->attributes);
  metrics_->spans_kept_for_error.fetch_add(1, std::memory_order_relaxed);
  processor_->OnEnd(std::move(record));
}

void DeferredTrace::OnEnd(SpanRecordPtr record) {
  Records to_export;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == State::kDropped) return;  // the record goes back to its pool
    if (state_ == State::kKept) {
      to_export.push_back(std::move(record));
    } else if (record->context.span_id() == root_) {
      const bool keep = record->status == StatusCode::kError;
      state_ = keep ? State::kKept : State::kDropped;
      if (keep) {
        to_export = std::move(buffered_);
        to_export.push_back(std::move(record));
      }
      buffered_.clear();
    } else if (buffered_.size() < kMaxBufferedSpans) {
      buffered_.push_back(std::move(record));
    } else {
      metrics_->spans_dropped_error_buffer_full.fetch_add(1, std::memory_order_relaxed);
    }
  }
  for (SpanRecordPtr& r : to_export) Export(std::move(r));
}

}  // namespace qtrace
