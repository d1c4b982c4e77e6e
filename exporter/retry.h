// Retry: the OTLP specification's retry behaviour for one export. Retryable
// outcomes are tried again after an exponential back-off with jitter, or
// after the delay the server announced (Retry-After, RetryInfo), never past
// the export deadline. Back-off sleeps end at once when the exporter is
// interrupted (shutdown).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "qtrace/exporter/sender.h"

namespace qtrace {

struct RetryPolicy {
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(5);
  double multiplier = 1.5;
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
  // Tries at most this many times (0: until the deadline). The exporter with
  // a spool tries once: its spool's replay retries instead.
  int max_attempts = 0;
};

// A sleep that another thread can cut short. Once interrupted it stays so:
// every later sleep returns at once.
class InterruptibleSleep {
 public:
  // Sleeps for d; false when interrupted.
  bool SleepFor(absl::Duration d);
  void Interrupt();
  bool interrupted() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ = false;  // guarded by mu_
};

struct RetryResult {
  SendOutcome last;     // the final attempt's outcome
  int attempts = 0;
  bool timed_out = false;     // stopped because the next wait would pass the deadline
  bool interrupted = false;
};

// Told about each attempt as it happens, so that counters and logs are live
// during a long outage rather than when the export finally gives up.
class RetryObserver {
 public:
  virtual ~RetryObserver() = default;
  // Before attempt number `attempt` (1 is the first send, 2 the first retry).
  virtual void OnAttempt(int attempt) = 0;
  // After a retryable failure, before waiting `wait` to try again.
  virtual void OnRetryScheduled(const SendOutcome& failed, absl::Duration wait) = 0;
};

// The delay before retry number `retry` (1 for the first retry), without an
// announced delay. Exposed for tests.
absl::Duration BackoffDelay(const RetryPolicy& policy, int retry, std::mt19937_64& random);

// Sends body through sender until it is accepted, fails permanently, the
// deadline would pass, or sleep is interrupted. observer may be null.
RetryResult SendWithRetry(Sender& sender, std::string_view body, absl::Time deadline, const RetryPolicy& policy,
                          InterruptibleSleep& sleep, std::mt19937_64& random, RetryObserver* observer = nullptr);

}  // namespace qtrace
