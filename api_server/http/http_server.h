// HttpServer: our HTTP/1.1 server. Event loops (epoll, non-blocking sockets)
// read and write; the Router picks the handler; kInline handlers run on the
// loop, kBlocking ones on a WorkerPool so that a slow database call never
// stalls other connections.
//
// Guarantees:
//  * keep-alive, and pipelined requests answered in order (a connection has at
//    most one request being handled; the next is parsed after its answer);
//  * hard limits (see RequestParser) with the right status, then close;
//  * a request must arrive whole within request_timeout of its first byte
//    (408, then close): a slowloris client holds no worker and no loop;
//  * idle keep-alive connections close after idle_timeout;
//  * at most max_connections open; more are refused at accept;
//  * Stop(): stop accepting, finish in-flight requests within the drain
//    timeout, close idle connections, then close whatever is left.
//
// Thread safety: Start and Stop from one controlling thread; stats() from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api_server/http/request_parser.h"
#include "api_server/http/router.h"
#include "qtrace/sdk/common/unique_fd.h"

namespace qtrace::http {

class EventLoop;
class TlsServerContext;
class WorkerPool;

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the kernel picks a free port; see HttpServer::port()
  int io_threads = 1;
  int worker_threads = 8;
  std::size_t max_connections = 10000;
  std::size_t max_queued_requests = 4096;  // waiting for a worker; past it, 503
  ParserLimits limits;
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration request_timeout = absl::Seconds(10);
  // When set, every connection speaks TLS (HTTPS).
  std::shared_ptr<const TlsServerContext> tls;
};

// Counters since Start, readable while the server runs.
struct ServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_over_limit = 0;
  std::uint64_t refused_no_descriptors = 0;  // closed at once: the process had no descriptor left
  std::uint64_t requests = 0;
  std::uint64_t bad_requests = 0;  // parser errors (4xx/5xx before a handler ran)
  std::uint64_t timeouts = 0;      // slow requests and idle connections closed
  std::uint64_t open_connections = 0;
};

// Shared by the server and its loops.
struct ServerShared {
  ServerOptions options;
  const Router* router = nullptr;
  WorkerPool* pool = nullptr;
  UniqueFd listen_fd;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused_over_limit{0};
  std::atomic<std::uint64_t> refused_no_descriptors{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::int64_t> open_connections{0};
};

class HttpServer {
 public:
  // REQUIRES: router outlives the server and is not changed after Start.
  HttpServer(ServerOptions options, const Router& router);
  ~HttpServer();  // Stop(0) if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads.
  absl::Status Start();
  // The bound port (the chosen one when options.port was 0).
  std::uint16_t port() const { return shared_.port; }

  // Graceful stop; true when every in-flight request finished in time.
  bool Stop(absl::Duration drain_timeout);

  ServerStats stats() const;

 private:
  ServerShared shared_;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
  bool running_ = false;
};

}  // namespace qtrace::http
