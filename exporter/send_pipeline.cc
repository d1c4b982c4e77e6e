#include "qtrace/exporter/send_pipeline.h"

#include <algorithm>
#include <utility>

#include "qtrace/sdk/thread_name.h"

namespace qtrace {

SendPipeline::SendPipeline(std::size_t max_pending, SendFunction send)
    : max_pending_(std::max<std::size_t>(1, max_pending)), send_(std::move(send)) {
  thread_ = std::thread([this] { Run(); });
}

SendPipeline::~SendPipeline() { Stop(); }

std::size_t SendPipeline::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return PendingLocked();
}

std::size_t SendPipeline::PendingLocked() const { return jobs_.size() + (sending_ ? 1 : 0); }

std::string SendPipeline::TakeBuffer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (spare_.empty()) return std::string();
  std::string buffer = std::move(spare_.back());
  spare_.pop_back();
  // Not cleared: the encoders write over a buffer's old bytes
  // (OutputBuffer::kOverwrite) and trim it to what they wrote, while a
  // cleared one has every byte zeroed again as it grows back (resize), a
  // store per byte of every batch on the exporter's thread.
  return buffer;
}

bool SendPipeline::Submit(std::string& body, std::uint64_t spans) {
  std::unique_lock<std::mutex> lock(mu_);
  answered_.wait(lock, [&] { return stopping_ || PendingLocked() < max_pending_; });
  if (stopping_) return false;
  jobs_.push_back(Job{std::move(body), spans});
  job_ready_.notify_one();
  return true;
}

absl::Status SendPipeline::Flush(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto all_answered = [&] { return PendingLocked() == 0; };
  bool answered = true;
  if (deadline == absl::InfiniteFuture()) {
    answered_.wait(lock, all_answered);  // bounded by the sends' own deadlines
  } else {
    answered = answered_.wait_until(lock, absl::ToChronoTime(deadline), all_answered);
  }
  if (!answered) return absl::DeadlineExceededError("batches handed to the sending thread are still unanswered");
  return std::exchange(first_failure_, absl::OkStatus());
}

void SendPipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    job_ready_.notify_one();
    answered_.notify_all();  // a Submit waiting for room refuses now
  }
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void SendPipeline::Run() {
  NameCurrentThread("qtrace-send");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    job_ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything was sent
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    sending_ = true;
    lock.unlock();
    absl::Status status = send_(job.body, job.spans);
    lock.lock();
    sending_ = false;
    if (!status.ok() && first_failure_.ok()) first_failure_ = std::move(status);
    // At most one spare per pending batch: the buffers a full pipeline uses.
    if (spare_.size() < max_pending_) spare_.push_back(std::move(job.body));
    answered_.notify_all();
  }
}

}  // namespace qtrace
