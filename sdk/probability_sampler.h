// ProbabilitySampler: the OpenTelemetry specification's consistent
// probability sampler, which replaces TraceIdRatioBased.
//
// Each trace carries 56 bits of randomness R: an explicit "rv" in the "ot"
// tracestate member, or else the trace id's low 56 bits (random in every id
// with the W3C Level 2 random flag, and in every id we generate). A ratio p
// becomes a rejection threshold T = (1 - p) * 2^56, rounded to a few hex
// digits; the span is sampled when R >= T and then says so downstream as
// "ot=th:T" in its tracestate. Every participant that compares the same R
// with its own T decides consistently: one sampling at p keeps a subset of
// what one at a larger p keeps, and a backend can weigh each span by
// 2^56 / (2^56 - T).
//
// Differences from TraceIdRatioBased (kept, as "traceidratio"): that one
// compares bytes 8..15 (63 bits) against p * 2^63 and writes nothing to
// tracestate, so the two give different answers for the same trace id and
// only the ProbabilitySampler's can be checked and re-weighed downstream.
//
// Like TraceIdRatioBased it ignores the parent's sampled flag: wrap it in
// ParentBased (sampler.h) to follow the parent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "qtrace/sdk/sampler.h"

namespace qtrace {

// The threshold for ratio p, rounded to precision hex digits (more for small
// ratios, so that their digits are not all rounded away, as the
// specification's table shows: 0.1 gives e666, 0.01 gives fd70a). nullopt
// when nothing is sampled (p <= 0 or below 2^-57); 0 for p >= 1.
std::optional<std::uint64_t> ThresholdForRatio(double ratio, int precision = 4);

// ratio is clamped to [0, 1].
std::unique_ptr<Sampler> MakeProbabilitySampler(double ratio);

}  // namespace qtrace
