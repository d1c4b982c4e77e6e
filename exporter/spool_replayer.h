// SpoolReplayer: the thread that empties the spool. It sends the oldest
// spooled batch through a Sender of its own (the exporter thread keeps its
// sender for live batches), acknowledges it once the backend accepted it,
// and goes on with the next. While the backend fails it waits an exponential
// back-off (or what the backend asked for) and tries the same batch again;
// it never gives a batch up for failing, only the spool's bounds drop it.
//
// It also says whether the backend is down (collector_down): the exporter
// then writes live batches straight to the spool instead of trying them, so
// the exporter thread keeps draining the queue during an outage and the
// request path never drops for it. The first batch the backend accepts ends
// the outage.
//
// Pacing: after each batch sent it pauses as long as the send took (at most
// 100 ms), so replaying a backlog takes at most half of one connection and
// live batches keep flowing beside it.
//
// A permanent refusal (not retryable) drops a batch only after three in a
// row with back-off between them: during a deploy a gateway or an auth layer
// may refuse everything for a while, and that must not empty the spool.
//
// Thread safety: Wake, ReportOutage, RequestStop, Stop and collector_down
// from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "qtrace/exporter/retry.h"
#include "qtrace/exporter/sender.h"
#include "qtrace/exporter/spool.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/pipeline_metrics.h"

namespace qtrace {

struct SpoolReplayerOptions {
  SpoolEncoding encoding = SpoolEncoding::kOtlpProtobuf;  // what the sender speaks
  bool gzip_body = false;                                 // compress each body before sending (HTTP)
  absl::Duration send_timeout = absl::Seconds(10);        // one attempt
  RetryPolicy backoff{absl::Seconds(1), absl::Seconds(30), 2.0, 0.2};
};

class SpoolReplayer {
 public:
  // Starts the thread. REQUIRES: spool outlives the replayer.
  SpoolReplayer(Spool& spool, std::unique_ptr<Sender> sender, SpoolReplayerOptions options,
                std::shared_ptr<PipelineMetrics> metrics);
  ~SpoolReplayer();  // Stop()
  SpoolReplayer(const SpoolReplayer&) = delete;
  SpoolReplayer& operator=(const SpoolReplayer&) = delete;

  // A batch was spooled: look at the spool again (after the current back-off,
  // when the backend is down).
  void Wake();
  // The live path found the backend down (a retryable failure).
  void ReportOutage();
  bool collector_down() const { return collector_down_.load(std::memory_order_acquire); }
  // Asks the thread to end and cancels a send in flight, without waiting
  // (for a shutdown deadline). Any thread, any number of times.
  void RequestStop();
  // RequestStop, then waits for the thread to end. Idempotent.
  void Stop();

 private:
  void Run();
  // Sends one record; true when the backend took it (or refused it for good).
  bool Replay(const SpoolRecord& record);
  // Waits for a Wake (or Stop) or until d has passed; false when stopping.
  bool WaitFor(absl::Duration d);
  bool stopping();

  // A permanent refusal drops a batch only the third time in a row.
  static constexpr int kPermanentRefusals = 3;
  // The longest wait a Retry-After or RetryInfo can ask for.
  static constexpr absl::Duration kMaxRetryAfter = absl::Minutes(5);

  Spool& spool_;
  const std::unique_ptr<Sender> sender_;
  const SpoolReplayerOptions options_;
  const std::shared_ptr<PipelineMetrics> metrics_;
  std::atomic<bool> collector_down_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  int failures_ = 0;       // replay thread only: consecutive failed sends
  std::optional<absl::Duration> retry_after_;  // replay thread only: what the backend last asked for
  int refusals_ = 0;                           // replay thread only: permanent refusals of the current batch
  std::once_flag joined_;
  std::mt19937_64 random_;
  RateLimitedDiagnostic log_;
  std::thread thread_;
};

}  // namespace qtrace
