// Samplers decide, when a span starts, whether it is recorded and exported.
// Our samplers use only the parent context and the trace id, so they are
// cheap (no lock, and no allocation for a root or an in-process child) and,
// for the ratio samplers, decide the same in every process that sees the
// same trace id.
//
//   AlwaysOn / AlwaysOff      record and sample everything / nothing
//   TraceIdRatioBased(r)      sample when the trace id's low 63 random bits,
//                             read big-endian from bytes 8..15, fall below r * 2^63
//                             (a drop is kDropByRatio)
//   Probability(p)            the specification's consistent probability
//                             sampler (probability_sampler.h): 56 bits of
//                             randomness against a threshold it writes to
//                             tracestate as "ot=th:..." (a drop is kDropByRatio)
//   ParentBased(root, ...)    follow a valid parent's sampled flag (a drop is
//                             kDropByParent); use root for spans without a
//                             parent; erase a remote parent's "ot" threshold
//                             that contradicts the trace's randomness
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/sdk/attribute.h"
#include "qtrace/sdk/span_context.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

// Every drop says why, because "errors always kept" (deferred_trace.h) may
// override only a drop that came from chance, never an explicit decision.
enum class SamplingDecision : std::uint8_t {
  kDrop,             // not recorded, by an explicit decision (AlwaysOff): never overridden
  kDropByRatio,      // not recorded: the trace id fell outside a ratio (chance)
  kDropByParent,     // not recorded: the parent said "unsampled"
  kRecordOnly,       // recorded for in-process use, never handed to the exporter
  kRecordAndSample,  // recorded and exported, sampled flag set
};

// True for the three kinds of drop.
inline bool IsDrop(SamplingDecision d) {
  return d == SamplingDecision::kDrop || d == SamplingDecision::kDropByRatio ||
         d == SamplingDecision::kDropByParent;
}

// A link known when the span starts (the sampler sees it; a recording span
// keeps it).
struct StartLink {
  SpanContext context;
  std::vector<Attribute> attributes;
};

// What ShouldSample sees: the specification's parameters.
struct SamplingParameters {
  const SpanContext& parent;  // invalid for a root span
  const TraceId& trace_id;
  std::string_view name;
  SpanKind kind;
  std::span<const Attribute> attributes;  // those given at span start
  std::span<const StartLink> links;
};

struct SamplingResult {
  SamplingResult() = default;
  // A decision alone: what most samplers return.
  SamplingResult(SamplingDecision d) : decision(d) {}  // NOLINT(google-explicit-constructor)

  SamplingDecision decision = SamplingDecision::kDrop;
  // Added to the span when it records. Empty (no allocation) for our samplers
  // but a custom one may say why it decided.
  std::vector<Attribute> attributes;
  // The span's tracestate; null keeps the parent's.
  TraceStatePtr trace_state;
};

// Thread safety: one Sampler serves every request thread at once, so
// ShouldSample must be safe to call concurrently from any number of threads
// and must not wait on I/O or on a lock held for long: it runs on the request
// path for every span start. Ours read only state fixed at construction; the
// Jaeger remote sampler adds an atomic rate limiter and, once per thread
// after each new strategy, a mutex held for a pointer copy.
// Description() may be called from any thread at any time.
class Sampler {
 public:
  virtual ~Sampler() = default;
  // REQUIRES: thread-safe and non-blocking (see above).
  virtual SamplingResult ShouldSample(const SamplingParameters& params) const = 0;
  // As the specification asks, e.g. "ParentBased{root=TraceIdRatioBased{0.100000}}".
  virtual std::string Description() const = 0;
};

std::unique_ptr<Sampler> MakeAlwaysOnSampler();
std::unique_ptr<Sampler> MakeAlwaysOffSampler();
// ratio is clamped to [0, 1].
std::unique_ptr<Sampler> MakeTraceIdRatioSampler(double ratio);
// root decides for spans without a parent; the four others default to the
// specification's choices (follow the parent's flag).
std::unique_ptr<Sampler> MakeParentBasedSampler(std::unique_ptr<Sampler> root);

// The samplers OTEL_TRACES_SAMPLER names.
enum class SamplerKind : std::uint8_t {
  kAlwaysOn,
  kAlwaysOff,
  kTraceIdRatio,
  kParentBasedAlwaysOn,
  kParentBasedAlwaysOff,
  kParentBasedTraceIdRatio,
  kProbability,
  kParentBasedProbability,
  kJaegerRemote,              // sdk/jaeger_remote_sampler.h
  kParentBasedJaegerRemote,
};
// The sampler of that kind; ratio matters only for the ratio kinds. remote
// is the Jaeger remote sampler the two jaeger kinds use (alone, or as the
// root of ParentBased), built by the caller because it needs a transport;
// REQUIRES: remote is not null for those kinds (without it they fall back
// to TraceIdRatioBased(ratio)).
std::unique_ptr<Sampler> MakeSampler(SamplerKind kind, double ratio, std::unique_ptr<Sampler> remote = nullptr);
// True for the two kinds that fetch their strategy from Jaeger.
inline bool IsJaegerRemoteKind(SamplerKind kind) {
  return kind == SamplerKind::kJaegerRemote || kind == SamplerKind::kParentBasedJaegerRemote;
}

// True when the trace id falls under ratio (the TraceIdRatioBased rule).
bool TraceIdUnderRatio(const TraceId& trace_id, double ratio);
// The same rule in two steps, for a sampler that fixes its ratio once: the
// bound for a ratio (clamped to [0, 1]), then one compare per trace id.
std::uint64_t TraceIdRatioUpperBound(double ratio);
bool TraceIdUnderBound(const TraceId& trace_id, std::uint64_t upper_bound);

}  // namespace qtrace
