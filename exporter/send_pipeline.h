// SendPipeline: the sending half of an export on a thread of its own
// ("qtrace-send"), so that the exporter thread goes back to draining the span
// queue while a request waits for its answer.
//
// With one thread doing both, every span that ends while a request is in
// flight waits in the queue, and a backend that answers late (a collector
// busy decoding, a stall of its process) lets the queue fill: at 600 000
// spans/s over loopback that lost 0.01-0.5 % of the spans in most runs. Here
// the exporter thread encodes a batch, hands the bytes over and takes the
// next batch, until max_pending batches are handed over and not yet
// answered; only then does it wait, as it waited for every request before.
//
//  1. Batches are sent one at a time, in the order they were submitted (one
//     request on the wire: the backend sees what it saw before, sooner).
//  2. Bodies are recycled: a sent body's buffer comes back to the exporter
//     thread (TakeBuffer), so that steady state allocates nothing.
//  3. A batch's send starts its own clock: the send function is called when
//     the thread takes the batch, not when it was submitted, so a batch that
//     waited behind slow answers still gets its whole export timeout.
//  4. Flush waits until everything submitted has been answered and returns
//     the first failure since the last Flush; Stop sends what is pending,
//     then ends the thread. Both are bounded by the send function's own
//     deadlines (and by whatever interrupts it). After Stop, Submit refuses.
//
// Thread safety: Submit, TakeBuffer and Flush from one thread (the exporter
// thread); Stop from any thread, also from several at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace qtrace {

class SendPipeline {
 public:
  // Sends one encoded batch of `spans` spans, retries and accounting
  // included, on the pipeline's thread; returns its outcome.
  using SendFunction = std::function<absl::Status(const std::string& body, std::uint64_t spans)>;

  // REQUIRES: max_pending >= 1. Starts the thread.
  SendPipeline(std::size_t max_pending, SendFunction send);
  // Stop().
  ~SendPipeline();
  SendPipeline(const SendPipeline&) = delete;
  SendPipeline& operator=(const SendPipeline&) = delete;

  // A buffer to encode into: a body sent earlier, its bytes still in it, when
  // one is back (encoders overwrite it: see TakeBuffer's comment), else empty.
  std::string TakeBuffer();
  // Hands body over for sending; first waits while max_pending batches are
  // pending (submitted and not yet answered). False, with body untouched,
  // once Stop has been asked: the caller sends it itself.
  [[nodiscard]] bool Submit(std::string& body, std::uint64_t spans);
  // Waits until every batch submitted has been answered, at most until
  // deadline (DeadlineExceeded then). Returns the first failure since the
  // last Flush, or OK.
  absl::Status Flush(absl::Time deadline);
  // Sends what is pending, then ends the thread. Later Submits are not
  // allowed.
  void Stop();

  // Batches submitted and not yet answered.
  std::size_t pending() const;

 private:
  struct Job {
    std::string body;
    std::uint64_t spans = 0;
  };
  void Run();
  // pending(), with mu_ held.
  std::size_t PendingLocked() const;

  const std::size_t max_pending_;
  const SendFunction send_;
  mutable std::mutex mu_;
  std::condition_variable job_ready_;  // the thread waits here
  std::condition_variable answered_;   // Submit and Flush wait here
  // Guarded by mu_:
  std::deque<Job> jobs_;               // submitted, not yet taken by the thread
  bool sending_ = false;               // the thread holds a job
  bool stopping_ = false;
  absl::Status first_failure_;         // since the last Flush
  std::vector<std::string> spare_;     // sent bodies' buffers
  std::mutex join_mu_;                 // one Stop joins, the others wait for it
  std::thread thread_;
};

}  // namespace qtrace
