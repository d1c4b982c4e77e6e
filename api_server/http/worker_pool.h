// WorkerPool: a fixed set of threads that run handlers which may block
// (database, outgoing HTTP), so that the event loops never wait on them.
//
// Thread safety: TrySubmit may be called from any thread. The queue is bounded:
// when it is full TrySubmit refuses, and the caller answers 503 instead of
// letting memory grow without limit under overload.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include <condition_variable>
#include <mutex>

namespace qtrace::http {

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t max_queued);
  // Runs the tasks already queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues task; false when the queue is full or the pool is stopping.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  const std::size_t max_queued_;
  std::vector<std::thread> threads_;
};

}  // namespace qtrace::http
