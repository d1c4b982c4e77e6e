#include "qtrace/exporter/retry.h"

#include <algorithm>
#include <cmath>

namespace qtrace {

bool InterruptibleSleep::SleepFor(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(d), [this] { return interrupted_; });
  return !interrupted_;
}

void InterruptibleSleep::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

bool InterruptibleSleep::interrupted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return interrupted_;
}

absl::Duration BackoffDelay(const RetryPolicy& policy, int retry, std::mt19937_64& random) {
  const double base = absl::ToDoubleSeconds(policy.initial_backoff) * std::pow(policy.multiplier, retry - 1);
  const double capped = std::min(base, absl::ToDoubleSeconds(policy.max_backoff));
  std::uniform_real_distribution<double> jitter(1.0 - policy.jitter, 1.0 + policy.jitter);
  return absl::Seconds(capped * jitter(random));
}

RetryResult SendWithRetry(Sender& sender, std::string_view body, absl::Time deadline, const RetryPolicy& policy,
                          InterruptibleSleep& sleep, std::mt19937_64& random, RetryObserver* observer) {
  RetryResult result;
  while (true) {
    if (sleep.interrupted()) {
      result.interrupted = true;
      if (result.attempts == 0) result.last = SendOutcome::Retryable("interrupted before sending");
      return result;
    }
    ++result.attempts;
    if (observer != nullptr) observer->OnAttempt(result.attempts);
    result.last = sender.Send(body, deadline);
    if (result.last.kind != SendOutcome::Kind::kRetryable) return result;
    if (policy.max_attempts > 0 && result.attempts >= policy.max_attempts) return result;
    // The server's announced delay wins over our back-off.
    const absl::Duration wait = result.last.retry_after.value_or(BackoffDelay(policy, result.attempts, random));
    if (absl::Now() + wait >= deadline) {
      result.timed_out = true;
      return result;
    }
    if (observer != nullptr) observer->OnRetryScheduled(result.last, wait);
    if (!sleep.SleepFor(wait)) {
      result.interrupted = true;
      return result;
    }
  }
}

}  // namespace qtrace
