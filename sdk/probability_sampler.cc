#include "qtrace/sdk/probability_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "qtrace/sdk/no_destructor.h"
#include "qtrace/sdk/ot_trace_state.h"

namespace qtrace {
namespace {

constexpr int kHexDigits = 14;

// The tracestate of a root sampled with this threshold, "ot=th:...": one per
// threshold for the whole process, never destroyed, and handed out as a
// pointer without a reference count (a shared_ptr aliasing no owner). A
// counted pointer would be incremented on the request thread and decremented
// on the exporter thread, which releases the record, for every span: one cache
// line bouncing between the cores, which made a sampled span cost about 1.6
// times as much (bench/span_benchmark, BM_SpanSampledByProbability).
TraceStatePtr RootTraceState(std::uint64_t threshold) {
  struct RootStates {
    std::mutex mu;
    std::map<std::uint64_t, TraceState> by_threshold;  // nodes never move
  };
  static NoDestructor<RootStates> states;
  std::lock_guard<std::mutex> lock(states->mu);
  auto [it, inserted] = states->by_threshold.try_emplace(threshold);
  if (inserted) {
    OtTraceState ot;
    ot.threshold = threshold;
    it->second = WithOtMember(TraceState(), ot);
  }
  return TraceStatePtr(TraceStatePtr(), &it->second);
}

class ProbabilitySampler final : public Sampler {
 public:
  explicit ProbabilitySampler(double ratio)
      : ratio_(std::clamp(ratio, 0.0, 1.0)), threshold_(ThresholdForRatio(ratio_)) {
    // A root's tracestate is always the same: look it up once, so that a root
    // span costs neither an allocation nor a shared reference count.
    if (threshold_) root_trace_state_ = RootTraceState(*threshold_);
  }

  SamplingResult ShouldSample(const SamplingParameters& params) const override {
    const TraceStatePtr& parent_state = params.parent.IsValid() ? params.parent.trace_state_ptr() : kNoTraceState;
    if (parent_state == nullptr || parent_state->Get(kOtTraceStateKey) == std::nullopt) {
      // Nothing to keep from the parent: R is the trace id's.
      if (!threshold_ || TraceIdRandomness(params.trace_id) < *threshold_) return Dropped(nullptr);
      SamplingResult result(SamplingDecision::kRecordAndSample);
      result.trace_state = parent_state == nullptr || parent_state->empty()
                               ? root_trace_state_
                               : std::make_shared<const TraceState>(WithThreshold(*parent_state, OtTraceState{}));
      return result;
    }
    OtTraceState ot = OtMemberOf(*parent_state);
    if (!threshold_ || RandomnessOf(ot, params.trace_id) < *threshold_) {
      if (!ot.threshold) return Dropped(nullptr);  // nothing to erase
      // An unsampled span claims no threshold.
      return Dropped(WithoutThreshold(*parent_state, std::move(ot)));
    }
    SamplingResult result(SamplingDecision::kRecordAndSample);
    // In-process children sampled the same way as their parent share its
    // tracestate instead of copying it.
    result.trace_state = ot.threshold == threshold_
                             ? parent_state
                             : std::make_shared<const TraceState>(WithThreshold(*parent_state, std::move(ot)));
    return result;
  }

  std::string Description() const override {
    char buf[64];
    std::snprintf(buf, sizeof buf, "ProbabilitySampler{%f}", ratio_);
    return buf;
  }

 private:
  static SamplingResult Dropped(TraceStatePtr trace_state) {
    SamplingResult result(SamplingDecision::kDropByRatio);
    result.trace_state = std::move(trace_state);
    return result;
  }

  TraceState WithThreshold(const TraceState& parent_state, OtTraceState ot) const {
    ot.threshold = threshold_;
    return WithOtMember(parent_state, ot);
  }

  static inline const TraceStatePtr kNoTraceState;

  double ratio_;
  std::optional<std::uint64_t> threshold_;  // nullopt: never sample
  TraceStatePtr root_trace_state_;
};

}  // namespace

std::optional<std::uint64_t> ThresholdForRatio(double ratio, int precision) {
  if (!(ratio > 0.0)) return std::nullopt;  // also NaN
  if (ratio >= 1.0) return 0;
  // One more digit for every four binary orders of magnitude p lies below
  // 1, so that 0.001 keeps as many significant digits as 0.1 (the
  // specification's rule; it caps the digits at 12).
  int exponent = 0;
  std::frexp(ratio, &exponent);
  const int digits = std::clamp(precision + (-exponent) / 4, 1, 12);

  const auto kept = static_cast<std::uint64_t>(std::llround(std::ldexp(ratio, 56)));  // R values sampled
  if (kept == 0) return std::nullopt;
  std::uint64_t threshold = kRandomnessRange - kept;
  if (const int shift = 4 * (kHexDigits - digits); shift > 0) {
    threshold = ((threshold + (std::uint64_t{1} << (shift - 1))) >> shift) << shift;
  }
  // Rounding up may reach 2^56 ("sample nothing"), which th cannot express;
  // the largest threshold that still samples is the closest choice.
  return std::min(threshold, kRandomnessRange - 1);
}

std::unique_ptr<Sampler> MakeProbabilitySampler(double ratio) {
  return std::make_unique<ProbabilitySampler>(ratio);
}

}  // namespace qtrace
