#include "qtrace/sdk/jaeger_remote_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/time/clock.h"
#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/thread_name.h"

namespace qtrace {
namespace {

constexpr double kMaxNanos = 1e15;  // about 11 days: keeps the limiter's sums far from overflow

// A probability or rate as Jaeger sent it, with NaN and negatives read as 0.
double Sanitized(double value) { return std::isfinite(value) && value > 0 ? value : 0.0; }

// What a server sent, with every probability in [0, 1] and every rate at
// least 0, so that nonsense compares equal to itself (NaN does not) and
// logs as what is applied.
SamplingStrategy Normalized(SamplingStrategy s) {
  s.probability = std::min(Sanitized(s.probability), 1.0);
  s.max_traces_per_second = Sanitized(s.max_traces_per_second);
  s.lower_bound_traces_per_second = Sanitized(s.lower_bound_traces_per_second);
  for (SamplingStrategy::Operation& op : s.operations) op.probability = std::min(Sanitized(op.probability), 1.0);
  return s;
}

std::string FormatNumber(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

// Process-wide, so that a thread's cached strategy can never be mistaken for
// another sampler's (see Current()).
std::uint64_t NextVersion() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

std::string Describe(const SamplingStrategy& s) {
  switch (s.type) {
    case SamplingStrategy::Type::kProbabilistic:
      return StrCat("probabilistic ", FormatNumber(s.probability));
    case SamplingStrategy::Type::kRateLimiting:
      return StrCat("rate limiting ", FormatNumber(s.max_traces_per_second), "/s");
    case SamplingStrategy::Type::kPerOperation:
      return StrCat("per operation (", s.operations.size(), " listed; default probabilistic ",
                    FormatNumber(s.probability), ", at least ", FormatNumber(s.lower_bound_traces_per_second),
                    "/s each)");
  }
  return "unknown";
}

RateLimiter::RateLimiter(double rate, double burst)
    : interval_ns_(Sanitized(rate) == 0
                       ? 0
                       : static_cast<std::int64_t>(std::clamp(std::round(1e9 / rate), 1.0, kMaxNanos))),
      tolerance_ns_(static_cast<std::int64_t>(
          std::min((std::max(Sanitized(burst), 1.0) - 1.0) * static_cast<double>(interval_ns_), kMaxNanos))) {}

bool RateLimiter::TryAcquire(std::int64_t now_ns) {
  if (interval_ns_ == 0) return false;
  std::int64_t next_free = next_free_ns_.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t start = std::max(next_free, now_ns);
    if (start - now_ns > tolerance_ns_) return false;
    // Relaxed: the word orders nothing else; the CAS alone makes each slot
    // go to one caller.
    if (next_free_ns_.compare_exchange_weak(next_free, start + interval_ns_, std::memory_order_relaxed)) {
      return true;
    }
  }
}

// A strategy ready for ShouldSample: probability bounds precomputed, one rate
// limiter per rule, operations sorted for binary search. Immutable but for
// the limiters' atomics.
class JaegerRemoteSampler::Compiled {
 public:
  // strategy nullopt: the initial TraceIdRatioBased(initial_rate).
  Compiled(std::optional<SamplingStrategy> strategy, double initial_rate, std::function<std::int64_t()> clock)
      : strategy_(std::move(strategy)), version_(NextVersion()), clock_(std::move(clock)) {
    if (!strategy_) {
      default_rule_.upper_bound = TraceIdRatioUpperBound(Sanitized(initial_rate));
      return;
    }
    const SamplingStrategy& s = *strategy_;
    switch (s.type) {
      case SamplingStrategy::Type::kProbabilistic:
        default_rule_.upper_bound = TraceIdRatioUpperBound(Sanitized(s.probability));
        break;
      case SamplingStrategy::Type::kRateLimiting:
        default_rule_.upper_bound = 0;
        default_rule_.limiter = MakeLimiter(s.max_traces_per_second);
        break;
      case SamplingStrategy::Type::kPerOperation:
        default_rule_ = PerOperationRule(s.probability, s.lower_bound_traces_per_second);
        for (const SamplingStrategy::Operation& op : s.operations) {
          operations_.emplace_back(op.name, PerOperationRule(op.probability, s.lower_bound_traces_per_second));
        }
        // Sorted for binary search; of two entries for one name the later
        // wins, as in Jaeger's own clients.
        std::stable_sort(operations_.begin(), operations_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t i = 0; i + 1 < operations_.size();) {
          if (operations_[i].first == operations_[i + 1].first) {
            operations_.erase(operations_.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            ++i;
          }
        }
        break;
    }
  }

  SamplingDecision Decide(const TraceId& trace_id, std::string_view name) const {
    const Rule& rule = RuleFor(name);
    const bool by_probability = TraceIdUnderBound(trace_id, rule.upper_bound);
    // A trace sampled by probability uses up the floor too (the floor is a
    // minimum, not an addition), so the limiter is asked either way.
    const bool by_floor = rule.limiter != nullptr && rule.limiter->TryAcquire(clock_());
    return by_probability || by_floor ? SamplingDecision::kRecordAndSample : SamplingDecision::kDropByRatio;
  }

  const std::optional<SamplingStrategy>& strategy() const { return strategy_; }
  std::uint64_t version() const { return version_; }

 private:
  struct Rule {
    std::uint64_t upper_bound = 0;
    std::unique_ptr<RateLimiter> limiter;  // null: no rate rule
  };

  static std::unique_ptr<RateLimiter> MakeLimiter(double rate) {
    return std::make_unique<RateLimiter>(rate, std::max(Sanitized(rate), 1.0));
  }
  static Rule PerOperationRule(double probability, double lower_bound) {
    Rule rule;
    rule.upper_bound = TraceIdRatioUpperBound(Sanitized(probability));
    if (Sanitized(lower_bound) > 0) rule.limiter = MakeLimiter(lower_bound);
    return rule;
  }

  const Rule& RuleFor(std::string_view name) const {
    if (operations_.empty()) return default_rule_;
    auto it = std::lower_bound(operations_.begin(), operations_.end(), name,
                               [](const auto& entry, std::string_view n) { return entry.first < n; });
    return it != operations_.end() && it->first == name ? it->second : default_rule_;
  }

  const std::optional<SamplingStrategy> strategy_;
  const std::uint64_t version_;
  const std::function<std::int64_t()> clock_;
  Rule default_rule_;
  std::vector<std::pair<std::string, Rule>> operations_;
};

JaegerRemoteSampler::JaegerRemoteSampler(JaegerRemoteSamplerOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = &MonotonicNanos;
  Publish(std::make_shared<const Compiled>(std::nullopt, options_.initial_sampling_rate, options_.clock));
  if (options_.start_poller) poller_ = std::thread([this] { Poll(); });
}

JaegerRemoteSampler::~JaegerRemoteSampler() {
  {
    std::lock_guard<std::mutex> lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  options_.source->Cancel();
  if (poller_.joinable()) poller_.join();
}

void JaegerRemoteSampler::Publish(std::shared_ptr<const Compiled> compiled) {
  const std::uint64_t version = compiled->version();
  {
    std::lock_guard<std::mutex> lock(publish_mu_);
    compiled_ = std::move(compiled);
  }
  // Release: a reader that sees the new version finds the new strategy under
  // the mutex (it was stored before).
  version_.store(version, std::memory_order_release);
}

const JaegerRemoteSampler::Compiled& JaegerRemoteSampler::Current() const {
  // Each thread holds the last strategy it used. Versions are unique across
  // samplers, so a hit is always this sampler's current strategy; a miss
  // (once per thread after a change, or when a thread alternates between
  // samplers) takes the mutex once. A cached strategy of a destroyed
  // sampler stays alive until its thread next misses or exits: it owns
  // nothing of the sampler.
  struct Cache {
    std::uint64_t version = 0;
    std::shared_ptr<const Compiled> compiled;
  };
  thread_local Cache cache;
  if (cache.version != version_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(publish_mu_);
    cache.compiled = compiled_;
    cache.version = cache.compiled->version();
  }
  return *cache.compiled;
}

SamplingResult JaegerRemoteSampler::ShouldSample(const SamplingParameters& params) const {
  return {Current().Decide(params.trace_id, params.name)};
}

std::optional<SamplingStrategy> JaegerRemoteSampler::current_strategy() const {
  std::lock_guard<std::mutex> lock(publish_mu_);
  return compiled_->strategy();
}

std::string JaegerRemoteSampler::Description() const {
  const std::optional<SamplingStrategy> strategy = current_strategy();
  if (!strategy) {
    return StrCat("JaegerRemoteSampler{initial TraceIdRatioBased ", FormatNumber(options_.initial_sampling_rate), "}");
  }
  return StrCat("JaegerRemoteSampler{", Describe(*strategy), "}");
}

absl::Status JaegerRemoteSampler::Refresh() {
  const absl::Duration timeout = std::min(options_.fetch_timeout, std::max(options_.polling_interval, absl::Seconds(1)));
  absl::StatusOr<SamplingStrategy> fetched = options_.source->Fetch(absl::Now() + timeout);
  if (!fetched.ok()) {
    if (!failing_ && !Stopping()) {
      const std::optional<SamplingStrategy> kept = current_strategy();
      Diagnose(LogLevel::kWarn,
               StrCat("jaeger_remote sampler: no sampling strategy from ", options_.source->Describe(), ": ",
                      std::string(fetched.status().message()), "; keeping ",
                      kept ? Describe(*kept)
                           : StrCat("the initial rate ", FormatNumber(options_.initial_sampling_rate)),
                      " until it answers"));
      failing_ = true;
    }
    return fetched.status();
  }
  if (failing_) {
    Diagnose(LogLevel::kInfo, StrCat("jaeger_remote sampler: ", options_.source->Describe(), " answers again"));
    failing_ = false;
  }
  *fetched = Normalized(*std::move(fetched));
  if (current_strategy() == *fetched) return absl::OkStatus();
  Diagnose(LogLevel::kInfo, StrCat("jaeger_remote sampler: applying ", Describe(*fetched), " from ",
                                   options_.source->Describe()));
  Publish(std::make_shared<const Compiled>(std::move(*fetched), options_.initial_sampling_rate, options_.clock));
  return absl::OkStatus();
}

bool JaegerRemoteSampler::Stopping() {
  std::lock_guard<std::mutex> lock(poll_mu_);
  return stopping_;
}

void JaegerRemoteSampler::Poll() {
  NameCurrentThread("qtrace-sampling");
  std::unique_lock<std::mutex> lock(poll_mu_);
  while (!stopping_) {
    lock.unlock();
    (void)Refresh();  // a failure was reported inside and the last good strategy stays
    lock.lock();
    poll_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.polling_interval), [this] { return stopping_; });
  }
}

}  // namespace qtrace
