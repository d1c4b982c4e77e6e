#include "sdk/tracer.h"

#include <memory>

#include "sdk/clock.h"
#include "sdk/deferred_trace.h"
#include "sdk/tracer_provider.h"

namespace qtrace {
namespace {

// Whether "errors always kept" may override this drop of a span: only for a
// local root (no parent, or a parent in another process), only when the
// drop was chance (a ratio), and under a remote parent that said
// "unsampled" only when the user opted in (the kept subtree then shows in
// backends without its parent). Never for an explicit AlwaysOff.
bool ErrorMayOverride(SamplingDecision decision, const SpanContext& parent, bool under_unsampled_parent) {
  const bool local_root = !parent.IsValid() || parent.is_remote();
  if (!local_root) return false;
  const bool unsampled_remote_parent = parent.IsValid() && !parent.IsSampled();
  switch (decision) {
    case SamplingDecision::kDropByRatio:
      return !unsampled_remote_parent || under_unsampled_parent;
    case SamplingDecision::kDropByParent:
      return unsampled_remote_parent && under_unsampled_parent;
    default:
      return false;
  }
}

}  // namespace

Span Tracer::StartSpan(std::string_view name, SpanKind kind, const StartSpanOptions& options) const {
  static const SpanContext kNoParent;
  static const DeferredTracePtr kNoDeferred;
  const Context& parent_context = options.parent ? *options.parent : CurrentContextRef();
  const SpanContext& parent = options.new_root ? kNoParent : parent_context.span_context();

  // Disabled SDK: behave like the API without an SDK and pass the parent on,
  // so that propagation to downstream services still works.
  if (!state_->enabled) return Span(parent);

  const TraceId trace_id = parent.IsValid() ? parent.trace_id() : RandomTraceId();
  const SamplingDecision decision = state_->sampler->ShouldSample(parent, trace_id, name, kind);
  const std::uint8_t flags = decision == SamplingDecision::kRecordAndSample ? TraceFlags::kSampled : 0;
  SpanContext context(trace_id, RandomSpanId(), flags, /*is_remote=*/false, parent.trace_state_ptr());
  DeferredTracePtr deferred;
  if (IsDrop(decision) || state_->processor == nullptr) {
    state_->metrics->spans_started_unsampled.Add();
    if (!state_->keep_error_traces || state_->processor == nullptr) return Span(std::move(context));
    // Errors are always kept: record the dropped local subtree into a
    // buffer that its root's outcome decides (deferred_trace.h).
    const DeferredTracePtr& inherited = options.new_root ? kNoDeferred : parent_context.deferred();
    if (inherited && parent.IsValid() && !parent.is_remote()) {
      deferred = inherited;
    } else if (ErrorMayOverride(decision, parent, state_->keep_error_traces_under_unsampled_parent)) {
      deferred = std::make_shared<DeferredTrace>(context.span_id(), state_->processor.get(), state_->metrics.get());
    } else {
      return Span(std::move(context));
    }
  } else if (decision == SamplingDecision::kRecordOnly) {
    state_->metrics->spans_started_unsampled.Add();
  } else {
    state_->metrics->spans_started_sampled.Add();
  }

  SpanRecordPtr record = state_->pool->Acquire();
  record->context = context;
  record->parent_span_id = parent.span_id();
  record->parent_is_remote = parent.is_remote();
  record->name.assign(name);
  record->kind = kind;
  record->start_ticks = SpanTicks();
  record->start_unix_ns =
      options.start_unix_ns != 0 ? options.start_unix_ns : WallFromTicks(record->start_ticks);
  record->attributes.SetLimits(state_->limits.attribute_count, state_->limits.attribute_value_length);
  record->scope = &scope_;
  record->deferred = std::move(deferred);
  return Span(std::move(record), state_->processor.get(), &state_->limits);
}

}  // namespace qtrace
