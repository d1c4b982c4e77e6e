#include "api_server/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "api_server/http/event_loop.h"
#include "api_server/http/worker_pool.h"
#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::http {
namespace {

absl::Status Errno(std::string_view what) { return absl::UnavailableError(StrCat(what, ": ", std::strerror(errno))); }

// A listening socket on address:port (IPv4 or IPv6 literal, or "localhost").
absl::StatusOr<UniqueFd> Listen(const std::string& address, std::uint16_t port) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  const std::string host = address == "localhost" ? "127.0.0.1" : address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    return absl::InvalidArgumentError(StrCat("listen address '", address, "' is not an IP address"));
  }
  UniqueFd fd(socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket");
  const int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return Errno(StrCat("bind ", address, ":", static_cast<int>(port)));
  }
  if (listen(fd.get(), SOMAXCONN) != 0) return Errno("listen");
  return fd;
}

std::uint16_t BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, const Router& router) {
  shared_.options = std::move(options);
  shared_.router = &router;
}

HttpServer::~HttpServer() {
  if (running_) Stop(absl::ZeroDuration());
}

absl::Status HttpServer::Start() {
  if (running_) return absl::FailedPreconditionError("server already started");
  absl::StatusOr<UniqueFd> fd = Listen(shared_.options.address, shared_.options.port);
  if (!fd.ok()) return fd.status();
  shared_.listen_fd = std::move(*fd);
  shared_.port = BoundPort(shared_.listen_fd.get());
  pool_ = std::make_unique<WorkerPool>(shared_.options.worker_threads, shared_.options.max_queued_requests);
  shared_.pool = pool_.get();
  const int loops = std::max(1, shared_.options.io_threads);
  for (int i = 0; i < loops; ++i) {
    absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create(shared_);
    if (!loop.ok()) {
      loops_.clear();
      pool_.reset();
      shared_.pool = nullptr;
      shared_.listen_fd.Reset();
      return loop.status();
    }
    loops_.push_back(std::move(*loop));
  }
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->Run(); });
  running_ = true;
  return absl::OkStatus();
}

bool HttpServer::Stop(absl::Duration drain_timeout) {
  if (!running_) return true;
  running_ = false;
  for (auto& loop : loops_) loop->BeginDrain();
  const std::int64_t deadline = MonotonicNanos() + absl::ToInt64Nanoseconds(drain_timeout);
  bool drained = false;
  while (true) {
    drained = shared_.open_connections.load(std::memory_order_relaxed) == 0;
    if (drained || MonotonicNanos() >= deadline) break;
    usleep(5000);
  }
  for (auto& loop : loops_) loop->Shutdown();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // Handlers still running finish here; their answers have nowhere to go.
  pool_.reset();
  shared_.pool = nullptr;
  loops_.clear();
  shared_.listen_fd.Reset();
  return drained;
}

ServerStats HttpServer::stats() const {
  ServerStats s;
  s.accepted = shared_.accepted.load(std::memory_order_relaxed);
  s.refused_over_limit = shared_.refused_over_limit.load(std::memory_order_relaxed);
  s.refused_no_descriptors = shared_.refused_no_descriptors.load(std::memory_order_relaxed);
  s.requests = shared_.requests.load(std::memory_order_relaxed);
  s.bad_requests = shared_.bad_requests.load(std::memory_order_relaxed);
  s.timeouts = shared_.timeouts.load(std::memory_order_relaxed);
  s.open_connections = static_cast<std::uint64_t>(std::max<std::int64_t>(0, shared_.open_connections.load()));
  return s;
}

}  // namespace qtrace::http
