// A trivial route on our HTTP server, for comparing the server core with
// nginx serving a static file of the same size (bench/http_vs_nginx.sh).
//
//   trivial_http_server --port P [--body-bytes N] [--io-threads T]
// Prints "listening on 127.0.0.1:P" and serves GET /hello until SIGTERM.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "api_server/http/http_server.h"

int main(int argc, char** argv) {
  int port = 0;
  std::size_t body_bytes = 13;
  int io_threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") port = std::atoi(argv[i + 1]);
    else if (flag == "--body-bytes") body_bytes = static_cast<std::size_t>(std::atol(argv[i + 1]));
    else if (flag == "--io-threads") io_threads = std::atoi(argv[i + 1]);
    else {
      std::cerr << "unknown flag " << flag << "\n";
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
