// EventLoop: one epoll thread of the HttpServer. It accepts (all loops share
// the listening socket, registered with EPOLLEXCLUSIVE), reads, parses,
// dispatches and writes for the connections it accepted, and enforces their
// timeouts.
//
// Thread safety: everything runs on the loop's own thread except
// PostCompletion, BeginDrain and Shutdown, which other threads call; they
// hand work over through a mutex-guarded queue and an eventfd wake-up.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <mutex>
#include "api_server/http/connection.h"
#include "absl/status/statusor.h"
#include "api_server/http/http_server.h"
#include "qtrace/sdk/common/unique_fd.h"
#include "qtrace/sdk/diagnostics.h"

namespace qtrace::http {

class EventLoop {
 public:
  // Fails when the kernel refuses its epoll instance, eventfd, reserve
  // descriptor or the listening socket's registration.
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create(ServerShared& shared);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The thread body; returns after Shutdown.
  void Run();

  // A worker finished the request of connection id.
  void PostCompletion(std::uint64_t id, HttpResponse response);
  // Stop accepting; close idle connections; close the others after their answer.
  void BeginDrain();
  // Close everything and make Run return.
  void Shutdown();

 private:
  struct Completion {
    std::uint64_t id;
    HttpResponse response;
  };

  explicit EventLoop(ServerShared& shared);
  void Wake();
  void AcceptAll();
  void OutOfDescriptors(int error);
  bool WatchListener();
  void OnEvent(Connection& c, std::uint32_t events);
  void ProcessInput(Connection& c);
  void HandleRequest(Connection& c);
  void QueueResponse(Connection& c, const HttpResponse& response, bool keep_alive, bool head_request);
  void FlushOutput(Connection& c);
  void UpdateInterest(Connection& c);
  // Closes once the answer is written (see the .cc for the lingering part).
  void CloseAfterAnswer(Connection& c);
  void Close(Connection& c);
  void TakeCompletions();
  void CheckTimeouts();
  bool IsIdle(const Connection& c) const;
  void RemoveClosed();

  ServerShared& shared_;
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  UniqueFd reserve_fd_;          // given up to accept-and-close when descriptors run out
  bool accept_paused_ = false;   // the listener is unwatched until the next timeout check
  RateLimitedDiagnostic descriptor_log_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<std::uint64_t> closed_;  // closed during this iteration; erased at its end
  std::uint64_t next_id_;
  bool draining_ = false;
  std::atomic<bool> drain_requested_{false};
  std::atomic<bool> shutdown_requested_{false};
  std::int64_t last_timeout_check_ns_ = 0;

  std::mutex mu_;
  std::vector<Completion> completions_;  // guarded by mu_
};

}  // namespace qtrace::http
