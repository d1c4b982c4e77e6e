// A trivial route on our HTTP server, for comparing the server core with
// nginx serving a static file of the same size (bench/http_vs_nginx.sh).
//
//   trivial_http_server --port P [--body-bytes N] [--io-threads T]
// Prints "listening on 127.0.0.1:P" and serves GET /hello until SIGTERM.
#include <signal.h>

#include <cstdint>
#include <iostream>
#include <string>

#include "api_server/http/http_server.h"
#include "qtrace/sdk/common/strings.h"

namespace {

constexpr const char* kUsage = "usage: trivial_http_server --port P [--body-bytes N] [--io-threads T]\n";

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::size_t body_bytes = 13;
  int io_threads = 2;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    }
    std::int64_t value = 0;
    if (i + 1 >= argc || !qtrace::ParseInt64(argv[i + 1], &value) || value < 0) {
      std::cerr << "trivial_http_server: " << flag << " needs a number\n" << kUsage;
      return 2;
    }
    if (flag == "--port" && value <= 65535) {
      port = static_cast<int>(value);
    } else if (flag == "--body-bytes") {
      body_bytes = static_cast<std::size_t>(value);
    } else if (flag == "--io-threads" && value >= 1 && value <= 64) {
      io_threads = static_cast<int>(value);
    } else {
      std::cerr << "trivial_http_server: bad flag or value: " << flag << " " << argv[i + 1] << "\n" << kUsage;
      return 2;
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string body(body_bytes, 'x');
  qtrace::http::Router router;
  router.Add("GET", "/hello", [&body](qtrace::http::HttpRequest&) {
    return qtrace::http::HttpResponse::Text(200, body);
  }, qtrace::http::Execution::kInline);
  qtrace::http::ServerOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.io_threads = io_threads;
  qtrace::http::HttpServer server(options, router);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::cerr << "cannot start: " << s << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop(absl::Seconds(2));
  return 0;
}
