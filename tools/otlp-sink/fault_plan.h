// FaultPlan: the misbehaviour asked for on the command line, applied to
// requests in arrival order across both transports: the first --fail-first
// requests fail as unavailable, the next --throttle-first are throttled with a
// retry delay, the next --bad-request-first get a permanent (non-retryable)
// error, the rest are accepted (after --delay-ms, with --reject-spans
// reported as rejected).
//
// Thread safety: Next() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace qtrace::sink {

struct FaultOptions {
  std::int64_t fail_first = 0;
  std::int64_t throttle_first = 0;
  std::int64_t bad_request_first = 0;
  std::int64_t retry_after_seconds = 1;
  std::int64_t delay_ms = 0;
  std::int64_t reject_spans = 0;
};

enum class FaultAction { kAccept, kUnavailable, kThrottle, kBadRequest };

class FaultPlan {
 public:
  explicit FaultPlan(FaultOptions options) : options_(options) {}

  FaultAction Next() {
    const std::int64_t n = requests_.fetch_add(1, std::memory_order_relaxed);
    if (n < options_.fail_first) return FaultAction::kUnavailable;
    if (n < options_.fail_first + options_.throttle_first) return FaultAction::kThrottle;
    if (n < options_.fail_first + options_.throttle_first + options_.bad_request_first) return FaultAction::kBadRequest;
    return FaultAction::kAccept;
  }

  const FaultOptions& options() const { return options_; }

 private:
  const FaultOptions options_;
  std::atomic<std::int64_t> requests_{0};
};

}  // namespace qtrace::sink
