#include "qtrace/sdk/tracer.h"

#include <memory>

#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/deferred_trace.h"
#include "qtrace/sdk/span_record_pool.h"
#include "qtrace/sdk/tracer_provider.h"

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

// A deny is explicit (never overridden by "errors always kept"); an accept
// or debug samples the root whatever the sampler said.
// A hint overrides the sampler, so whatever tracestate the sampler wrote for
// its own decision (a probability threshold) no longer describes the span.
void ApplySamplingHint(SamplingHint hint, SamplingResult& sampling) {
  switch (hint) {
    case SamplingHint::kDeny:
      sampling.decision = SamplingDecision::kDrop;
      sampling.trace_state = nullptr;
      break;
    case SamplingHint::kAccept:
    case SamplingHint::kDebug:
      sampling.decision = SamplingDecision::kRecordAndSample;
      sampling.trace_state = nullptr;
      break;
    case SamplingHint::kNone:
    case SamplingHint::kDefer:  // applies to a parent, not to a new root
      break;
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

  // A new trace gets its id from the generator, and the W3C Level 2 random
  // flag when the generator's ids are random; a continued trace keeps the
  // parent's random flag as it came, never inventing one.
  const bool continues = parent.IsValid();
  const TraceId trace_id = continues ? parent.trace_id() : state_->id_generator->NewTraceId();
  const std::uint8_t inherited_flags =
      continues ? static_cast<std::uint8_t>(parent.flags() & TraceFlags::kRandom) : state_->root_flags;
  // A remote parent that left the decision to us is sampled as a root would
  // be, on its trace id.
  const bool decision_deferred = continues && parent.is_remote() && !options.new_root &&
                                 parent_context.sampling_hint() == SamplingHint::kDefer;
  SamplingResult sampling = state_->sampler->ShouldSample(SamplingParameters{
      decision_deferred ? kNoParent : parent, trace_id, name, kind, options.attributes, options.links});
  // A decision that came without ids (B3 "b3: 0" / "b3: 1" / "b3: d") binds
  // the new root it applies to, as the caller asked.
  if (!continues && !options.new_root) ApplySamplingHint(parent_context.sampling_hint(), sampling);
  const SamplingDecision decision = sampling.decision;
  const std::uint8_t flags = static_cast<std::uint8_t>(
      inherited_flags | (decision == SamplingDecision::kRecordAndSample ? TraceFlags::kSampled : 0));
  TraceStatePtr trace_state = sampling.trace_state ? std::move(sampling.trace_state) : parent.trace_state_ptr();
  SpanContext context(trace_id, state_->id_generator->NewSpanId(), flags, /*is_remote=*/false,
                      std::move(trace_state));
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
  if (!SameBytes(record->name, name)) record->name.assign(name);  // a kept name stays clean (Reset)
  record->kind = kind;
  record->start_ticks = SpanTicks();
  record->start_unix_ns = options.start_unix_ns;  // 0: from the ticks when encoded (SpanRecord::Times)
  record->attributes.SetLimits(state_->limits.attribute_count, state_->limits.attribute_value_length);
  for (const Attribute& attribute : options.attributes) record->attributes.Set(attribute.key, attribute.value);
  for (Attribute& attribute : sampling.attributes) record->attributes.Set(attribute.key, std::move(attribute.value));
  record->scope = &scope_;
  record->deferred = std::move(deferred);
  // Built in the caller's object where there are no links (guaranteed
  // elision). Moving a just-built Span out cost about 8 ns a span here when
  // the handle copied the context at the start (its context read back in
  // wider loads than had stored it, which the store buffer cannot forward),
  // and still about 10 ns once it no longer did (measured A/B each time).
  if (options.links.empty()) return Span(std::move(record), state_->processor.get(), &state_->limits);
  Span span(std::move(record), state_->processor.get(), &state_->limits);
  for (const StartLink& link : options.links) span.AddLink(link.context, link.attributes);
  return span;
}

}  // namespace qtrace
