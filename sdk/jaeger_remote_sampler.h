// JaegerRemoteSampler: the sampling strategy a Jaeger server serves for this
// service (OTEL_TRACES_SAMPLER=jaeger_remote), fetched in the background and
// applied to every root span.
//
// Strategies, as Jaeger defines them:
//   probabilistic   sample a share of traces: the TraceIdRatioBased rule on
//                   the trace id, so every process that sees the same trace
//                   id and rate decides the same
//   rate limiting   sample at most N traces per second (a burst of
//                   max(N, 1), then one every 1/N s)
//   per operation   a probability for each listed span name and a default
//                   for the others, each with a lower bound of traces per
//                   second that are sampled even when the probability says
//                   no (traces sampled by probability use up that floor)
// A drop is kDropByRatio: it came from chance or load, not from an explicit
// decision, so "errors always kept" may still export the trace.
//
// Fetching. A poller thread owned by the sampler asks its StrategySource at
// once and then every polling interval, off the request path. A failed fetch
// keeps the last good strategy (one warning per outage, one line when it
// answers again); before the first good answer the sampler applies
// TraceIdRatioBased(initial_sampling_rate). An answer equal to the current
// strategy changes nothing, so a rate limiter keeps its state across polls.
//
// Thread safety and cost. ShouldSample may be called from any thread. The
// current strategy is an immutable object published by the poller; a request
// thread keeps a reference to it in a thread-local cache and revalidates it
// with one acquire load of the sampler's strategy version, so the steady
// state takes no lock and touches no shared reference count. A rate limiter
// is one atomic word (compare-and-swap per sampled decision).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "qtrace/sdk/sampler.h"

namespace qtrace {

// What a Jaeger sampling server answers for one service.
struct SamplingStrategy {
  enum class Type : std::uint8_t { kProbabilistic, kRateLimiting, kPerOperation };

  struct Operation {
    std::string name;  // a span name
    double probability = 0;
    bool operator==(const Operation&) const = default;
  };

  Type type = Type::kProbabilistic;
  // kProbabilistic: the share sampled. kPerOperation: the default
  // probability of operations not listed.
  double probability = 0;
  // kRateLimiting: the most traces sampled per second.
  double max_traces_per_second = 0;
  // kPerOperation: the floor of traces per second for each operation.
  double lower_bound_traces_per_second = 0;
  std::vector<Operation> operations;  // kPerOperation

  bool operator==(const SamplingStrategy&) const = default;
};

// A short text for logs, e.g. "probabilistic 0.25" or "rate limiting 5/s".
std::string Describe(const SamplingStrategy& strategy);

// Where strategies come from (the exporter's gRPC client in the service, a
// fake in tests). Fetch is called from the poller thread only.
class StrategySource {
 public:
  virtual ~StrategySource() = default;
  // The current strategy, or why there is none, by deadline.
  virtual absl::StatusOr<SamplingStrategy> Fetch(absl::Time deadline) = 0;
  // Ends a Fetch in progress early (it then fails); later fetches fail at
  // once. Called from any thread, at shutdown.
  virtual void Cancel() = 0;
  // Where it fetches from, for logs.
  virtual std::string Describe() const = 0;
};

// A rate limiter: at most rate decisions per second after a burst, lock-free.
// The generic cell rate algorithm on one atomic word: the theoretical time of
// the next free slot.
class RateLimiter {
 public:
  // rate: decisions per second; zero or less admits nothing. burst: how many
  // may pass at once after a quiet period (at least 1).
  RateLimiter(double rate, double burst);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // True when one more decision fits at now_ns (monotonic nanoseconds).
  bool TryAcquire(std::int64_t now_ns);

 private:
  const std::int64_t interval_ns_;  // nanoseconds per decision; 0 admits nothing
  const std::int64_t tolerance_ns_;  // how far the next slot may run ahead of now
  std::atomic<std::int64_t> next_free_ns_{INT64_MIN / 2};
};

struct JaegerRemoteSamplerOptions {
  std::unique_ptr<StrategySource> source;
  absl::Duration polling_interval = absl::Seconds(60);
  // TraceIdRatioBased(initial_sampling_rate) until the first good fetch.
  double initial_sampling_rate = 0.001;
  // How long one fetch may take; also never longer than the polling
  // interval, or 1 s when the interval is shorter.
  absl::Duration fetch_timeout = absl::Seconds(10);
  // The rate limiters' clock, monotonic nanoseconds (tests pass a fake).
  std::function<std::int64_t()> clock;  // default: CLOCK_MONOTONIC
  // False: no poller thread; strategies change only through Refresh() (tests).
  bool start_poller = true;
};

class JaegerRemoteSampler final : public Sampler {
 public:
  // REQUIRES: options.source is not null.
  explicit JaegerRemoteSampler(JaegerRemoteSamplerOptions options);
  // Stops the poller: cancels a fetch in progress and joins the thread.
  ~JaegerRemoteSampler() override;
  JaegerRemoteSampler(const JaegerRemoteSampler&) = delete;
  JaegerRemoteSampler& operator=(const JaegerRemoteSampler&) = delete;

  SamplingResult ShouldSample(const SamplingParameters& params) const override;
  // "JaegerRemoteSampler{<strategy>}", naming the strategy now applied.
  std::string Description() const override;

  // Fetches once and applies the answer: what the poller does each interval.
  // The error of a failed fetch (the last good strategy stays).
  // REQUIRES: no other Refresh() at the same time (with start_poller, none
  // but the poller's).
  absl::Status Refresh();
  // The strategy now applied; nullopt before the first good fetch.
  std::optional<SamplingStrategy> current_strategy() const;

  class Compiled;  // a strategy ready for ShouldSample (jaeger_remote_sampler.cc)

 private:
  void Publish(std::shared_ptr<const Compiled> compiled);
  const Compiled& Current() const;
  void Poll();
  bool Stopping();  // the destructor has begun: a failed fetch is no outage

  JaegerRemoteSamplerOptions options_;
  // The strategy now applied, and its process-wide unique version. A reader
  // compares the version lock-free and takes the mutex only when it changed.
  mutable std::mutex publish_mu_;
  std::shared_ptr<const Compiled> compiled_;  // guarded by publish_mu_
  std::atomic<std::uint64_t> version_{0};

  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;  // guarded by poll_mu_
  bool failing_ = false;   // poller thread only: a warning was given for this outage
  std::thread poller_;
};

}  // namespace qtrace
