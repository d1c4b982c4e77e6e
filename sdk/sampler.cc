#include "qtrace/sdk/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "qtrace/sdk/ot_trace_state.h"
#include "qtrace/sdk/probability_sampler.h"

namespace qtrace {
namespace {

class AlwaysOnSampler final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParameters&) const override {
    return {SamplingDecision::kRecordAndSample};
  }
  std::string Description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOffSampler final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParameters&) const override {
    return {SamplingDecision::kDrop};
  }
  std::string Description() const override { return "AlwaysOffSampler"; }
};

// The bound below which the 63-bit value of a trace id is sampled. Computed
// once: ShouldSample is then one load, one shift and one compare.
std::uint64_t UpperBound(double ratio) {
  if (ratio >= 1.0) return std::uint64_t{1} << 63;
  if (ratio <= 0.0) return 0;
  return static_cast<std::uint64_t>(std::ldexp(ratio, 63));
}

std::uint64_t Random63Bits(const TraceId& trace_id) {
  std::uint64_t x = 0;
  for (int i = 8; i < 16; ++i) x = (x << 8) | trace_id.bytes()[i];
  return x >> 1;
}

class TraceIdRatioSampler final : public Sampler {
 public:
  explicit TraceIdRatioSampler(double ratio)
      : ratio_(std::clamp(ratio, 0.0, 1.0)), upper_bound_(UpperBound(ratio_)) {}

  SamplingResult ShouldSample(const SamplingParameters& params) const override {
    return {Random63Bits(params.trace_id) < upper_bound_ ? SamplingDecision::kRecordAndSample
                                                         : SamplingDecision::kDropByRatio};
  }
  std::string Description() const override {
    char buf[64];
    std::snprintf(buf, sizeof buf, "TraceIdRatioBased{%f}", ratio_);
    return buf;
  }

 private:
  double ratio_;
  std::uint64_t upper_bound_;
};

// The parent's tracestate with its "ot" threshold erased when the threshold
// contradicts the trace's randomness; null (keep the parent's) otherwise.
TraceStatePtr WithoutInconsistentThreshold(const SamplingParameters& params) {
  const TraceStatePtr& state = params.parent.trace_state_ptr();
  if (state == nullptr || !state->Get(kOtTraceStateKey)) return nullptr;
  OtTraceState ot = OtMemberOf(*state);
  if (!ot.threshold || RandomnessOf(ot, params.trace_id) >= *ot.threshold) return nullptr;
  return WithoutThreshold(*state, std::move(ot));
}

class ParentBasedSampler final : public Sampler {
 public:
  explicit ParentBasedSampler(std::unique_ptr<Sampler> root) : root_(std::move(root)) {}

  SamplingResult ShouldSample(const SamplingParameters& params) const override {
    if (!params.parent.IsValid()) return root_->ShouldSample(params);
    if (!params.parent.IsSampled()) return {SamplingDecision::kDropByParent};
    SamplingResult result(SamplingDecision::kRecordAndSample);
    // A sampled remote parent's threshold passes on unless it is plainly
    // wrong (R < th: the parent could not have been sampled with it); the
    // specification then asks to erase it rather than pass on a false weight.
    // In-process parents got theirs from our own samplers and need no check.
    if (params.parent.is_remote()) result.trace_state = WithoutInconsistentThreshold(params);
    return result;
  }
  std::string Description() const override {
    return "ParentBased{root=" + root_->Description() + "}";
  }

 private:
  std::unique_ptr<Sampler> root_;
};

}  // namespace

bool TraceIdUnderRatio(const TraceId& trace_id, double ratio) {
  return TraceIdUnderBound(trace_id, TraceIdRatioUpperBound(ratio));
}
std::uint64_t TraceIdRatioUpperBound(double ratio) { return UpperBound(std::clamp(ratio, 0.0, 1.0)); }
bool TraceIdUnderBound(const TraceId& trace_id, std::uint64_t upper_bound) {
  return Random63Bits(trace_id) < upper_bound;
}

std::unique_ptr<Sampler> MakeAlwaysOnSampler() { return std::make_unique<AlwaysOnSampler>(); }
std::unique_ptr<Sampler> MakeAlwaysOffSampler() { return std::make_unique<AlwaysOffSampler>(); }
std::unique_ptr<Sampler> MakeTraceIdRatioSampler(double ratio) {
  return std::make_unique<TraceIdRatioSampler>(ratio);
}
std::unique_ptr<Sampler> MakeParentBasedSampler(std::unique_ptr<Sampler> root) {
  return std::make_unique<ParentBasedSampler>(std::move(root));
}

std::unique_ptr<Sampler> MakeSampler(SamplerKind kind, double ratio, std::unique_ptr<Sampler> remote) {
  if (IsJaegerRemoteKind(kind) && remote == nullptr) remote = MakeTraceIdRatioSampler(ratio);
  switch (kind) {
    case SamplerKind::kAlwaysOn:
      return MakeAlwaysOnSampler();
    case SamplerKind::kAlwaysOff:
      return MakeAlwaysOffSampler();
    case SamplerKind::kTraceIdRatio:
      return MakeTraceIdRatioSampler(ratio);
    case SamplerKind::kParentBasedAlwaysOn:
      return MakeParentBasedSampler(MakeAlwaysOnSampler());
    case SamplerKind::kParentBasedAlwaysOff:
      return MakeParentBasedSampler(MakeAlwaysOffSampler());
    case SamplerKind::kParentBasedTraceIdRatio:
      return MakeParentBasedSampler(MakeTraceIdRatioSampler(ratio));
    case SamplerKind::kProbability:
      return MakeProbabilitySampler(ratio);
    case SamplerKind::kParentBasedProbability:
      return MakeParentBasedSampler(MakeProbabilitySampler(ratio));
    case SamplerKind::kJaegerRemote:
      return remote;
    case SamplerKind::kParentBasedJaegerRemote:
      return MakeParentBasedSampler(std::move(remote));
  }
  return MakeParentBasedSampler(MakeAlwaysOnSampler());
}

}  // namespace qtrace
