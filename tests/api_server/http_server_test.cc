#include "api_server/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "api_server/http/tls_context.h"
#include "gtest/gtest.h"
#include "tests/api_server/raw_client.h"

namespace qtrace::http {
namespace {

using namespace std::chrono_literals;
using testutil::Get;
using testutil::RawClient;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add("GET", "/hello", [](HttpRequest&) { return HttpResponse::Text(200, "hello"); }, Execution::kInline);
    router_.Add("GET", "/items/{id}", [](HttpRequest& r) {
      return HttpResponse::Text(200, std::string("item ") + std::string(r.Param("id")));
    });
    router_.Add("GET", "/sleep/{ms}", [this](HttpRequest& r) {
      in_handler_.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(std::string(r.Param("ms")).c_str())));
      in_handler_.fetch_sub(1);
      return HttpResponse::Text(200, std::string("slept ") + std::string(r.Param("ms")));
    });
    router_.Add("POST", "/echo", [](HttpRequest& r) { return HttpResponse::Text(200, r.body); });
    router_.Add("GET", "/peer", [](HttpRequest& r) {
      return HttpResponse::Text(200, r.peer_address + " " + std::to_string(r.local_port) + " " + r.route);
    });
  }

  void StartServer(ServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(std::move(options), router_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> in_handler_{0};
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  RawClient client(server_->port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(Get("/items/" + std::to_string(i))));
    auto r = client.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "item " + std::to_string(i));
    EXPECT_FALSE(r->Has("connection: close"));
  }
  EXPECT_EQ(server_->stats().accepted, 1u);
}

// Pipelined requests are answered in order even when the first takes longest.
TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  StartServer();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/sleep/200") + Get("/hello") + Get("/items/x%20y") + Get("/sleep/10")));
  const char* expected[] = {"slept 200", "hello", "item x y", "slept 10"};
  for (const char* body : expected) {
    auto r = client.Read();
    ASSERT_TRUE(r.has_value()) << body;
    EXPECT_EQ(r->body, body);
  }
}

TEST_F(HttpServerTest, BlockingHandlerDoesNotStallOtherConnections) {
  StartServer();
  RawClient slow(server_->port());
  ASSERT_TRUE(slow.Send(Get("/sleep/1000")));
  while (in_handler_.load() == 0) std::this_thread::sleep_for(1ms);
  RawClient fast(server_->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(fast.Send(Get("/items/1")));
  auto r = fast.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(slow.Read()->body, "slept 1000");
}

TEST_F(HttpServerTest, BodyIsEchoedAndHeadHasNoBody) {
  StartServer();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(client.Send("cde"));
  EXPECT_EQ(client.Read()->body, "abcde");
  ASSERT_TRUE(client.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = client.Read(5000ms, /*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->Has("content-length: 5"));
  ASSERT_TRUE(client.Send(Get("/hello")));
  EXPECT_EQ(client.Read()->body, "hello") << "HEAD left no stray body bytes";
}

// The official OpenTelemetry JavaScript exporters send chunked bodies.
TEST_F(HttpServerTest, ChunkedBodyIsDecoded) {
  StartServer();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(client.Send("7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"));
  auto r = client.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "hello, world");
  ASSERT_TRUE(client.Send(Get("/hello")));
  EXPECT_EQ(client.Read()->body, "hello") << "the connection stays usable after a chunked body";
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  StartServer();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("xyz"));
  EXPECT_EQ(client.Read()->body, "xyz");
}

TEST_F(HttpServerTest, RouterAnswers404And405) {
  StartServer();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/nowhere")));
  EXPECT_EQ(client.Read()->status, 404);
  ASSERT_TRUE(client.Send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = client.Read();
  EXPECT_EQ(r->status, 405);
  EXPECT_TRUE(r->Has("allow: GET"));
}

TEST_F(HttpServerTest, ServerFillsPeerAndRoute) {
  StartServer();
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/peer")));
  EXPECT_EQ(client.Read()->body, "127.0.0.1 " + std::to_string(server_->port()) + " /peer");
}

struct WireError {
  const char* name;
  std::string request;
  int status;
};

class HttpServerErrorTest : public HttpServerTest, public ::testing::WithParamInterface<WireError> {};

// Over the wire each limit gets its status, then the connection closes.
TEST_P(HttpServerErrorTest, StatusThenClose) {
  ServerOptions options;
  options.limits.max_body_bytes = 1024;
  StartServer(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(GetParam().request));
  auto r = client.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, GetParam().status);
  EXPECT_TRUE(r->Has("connection: close"));
  EXPECT_NE(r->body.find("\"error\""), std::string::npos);
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(server_->stats().bad_requests, 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Wire, HttpServerErrorTest,
    ::testing::Values(WireError{"Malformed", "GARBAGE\r\n\r\n", 400},
                      WireError{"HeadersTooLarge", "GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(17000, 'a') + "\r\n\r\n", 431},
                      WireError{"BodyTooLarge", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n", 413},
                      WireError{"Version", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505},
                      WireError{"UnknownTransferEncoding", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
                      WireError{"ChunkedBodyTooLarge", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", 413}),
    [](const auto& info) { return std::string(info.param.name); });

// A client still sending a body that the server refused must get the answer:
// closing at once would make the kernel answer the rest of the upload with a
// reset, and the client's writes fail before it reads the 413.
TEST_F(HttpServerTest, RefusedUploadStillReadsItsAnswer) {
  ServerOptions options;
  options.limits.max_body_bytes = 1024;
  StartServer(options);
  for (int attempt = 0; attempt < 5; ++attempt) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n" + std::string(1000, 'x')));
    std::this_thread::sleep_for(50ms);  // the server answers 413 meanwhile
    // The upload goes on, as an HTTP client's does until it reads the answer
    // (undici, for one, then fails the whole request on a reset).
    (void)client.Send(std::string(256 * 1024, 'x'));
    std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(client.Send(std::string(1024, 'x'))) << "attempt " << attempt << ": the server reset the upload";
    auto r = client.Read(2000ms);
    ASSERT_TRUE(r.has_value()) << "attempt " << attempt << ": the answer was lost";
    EXPECT_EQ(r->status, 413);
  }
}

TEST_F(HttpServerTest, SlowRequestGets408AndClose) {
  ServerOptions options;
  options.request_timeout = absl::Milliseconds(300);
  StartServer(options);
  RawClient slowloris(server_->port());
  ASSERT_TRUE(slowloris.Send("GET /hello HTTP/1.1\r\nHost: t\r\n"));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(slowloris.Send("X-Slow: 1\r\n"));  // trickling bytes does not reset the clock
  auto r = slowloris.Read(2000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(slowloris.WaitClosed());
  EXPECT_EQ(server_->stats().timeouts, 1u);
}

TEST_F(HttpServerTest, IdleConnectionsClose) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  StartServer(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/hello")));
  ASSERT_TRUE(client.Read().has_value());
  EXPECT_TRUE(client.WaitClosed(2000ms));
}

TEST_F(HttpServerTest, ConnectionCapRefusesExtraConnections) {
  ServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  RawClient a(server_->port()), b(server_->port());
  ASSERT_TRUE(a.Send(Get("/hello")));
  ASSERT_TRUE(b.Send(Get("/hello")));
  ASSERT_TRUE(a.Read().has_value());
  ASSERT_TRUE(b.Read().has_value());
  RawClient c(server_->port());
  c.Send(Get("/hello"));
  EXPECT_TRUE(c.WaitClosed(2000ms));
  EXPECT_EQ(server_->stats().refused_over_limit, 1u);
  ASSERT_TRUE(a.Send(Get("/hello")));
  EXPECT_TRUE(a.Read().has_value()) << "the open ones keep working";
}

// Lowers this process's descriptor limit so that only `spare` more
// descriptors can be opened; restores it when it goes out of scope.
class DescriptorLimit {
 public:
  explicit DescriptorLimit(int spare) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = dup(0);  // descriptors are handed out lowest first
    close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free + spare);
    EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }
  ~DescriptorLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

int ConnectTo(int fd, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
}

bool ClosedByPeer(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(limit.count())) != 1) return false;
  char byte;
  return recv(fd, &byte, 1, 0) <= 0;
}

// Review item 11: with no descriptor left, accept4 fails with EMFILE and the
// connection stays in the backlog; the level-triggered listener used to fire
// again at once (200 % CPU, nothing logged, the client left hanging). Now the
// waiting connections are closed at once, counted, and the open one is
// still served; once descriptors are back, new connections are accepted.
TEST_F(HttpServerTest, OutOfDescriptorsClosesNewConnectionsAndServesOpenOnes) {
  StartServer();
  RawClient open(server_->port());
  ASSERT_TRUE(open.Send(Get("/hello")));
  ASSERT_TRUE(open.Read().has_value());
  constexpr int kWaiting = 5;
  int sockets[kWaiting];
  for (int& fd : sockets) fd = socket(AF_INET, SOCK_STREAM, 0);  // made before the limit
  {
    DescriptorLimit limit(0);
    for (int fd : sockets) ASSERT_EQ(ConnectTo(fd, server_->port()), 0);
    for (int fd : sockets) EXPECT_TRUE(ClosedByPeer(fd, 5000ms)) << "a waiting connection is closed, not left hanging";
    ASSERT_TRUE(open.Send(Get("/hello")));
    auto r = open.Read();
    ASSERT_TRUE(r.has_value()) << "the open connection is still served";
    EXPECT_EQ(r->status, 200);
  }
  for (int fd : sockets) close(fd);
  EXPECT_EQ(server_->stats().refused_no_descriptors, static_cast<std::uint64_t>(kWaiting));
  RawClient later(server_->port());
  ASSERT_TRUE(later.Send(Get("/hello")));
  EXPECT_TRUE(later.Read().has_value()) << "accepting again once descriptors are back";
}

// Review item 12: the event loop's epoll instance, eventfd or registrations
// failing is an error from Start, not a server that silently never accepts.
TEST_F(HttpServerTest, StartReportsAnEventLoopThatCannotBeCreated) {
  DescriptorLimit limit(1);  // the listening socket, and nothing for the loop
  HttpServer server(ServerOptions{}, router_);
  const absl::Status status = server.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("event loop"), std::string::npos) << status;
}

// Review item 12: "at most N" holds with several loops accepting at once
// (the count is taken before the check, not after).
TEST_F(HttpServerTest, ConnectionCapHoldsAcrossLoops) {
  ServerOptions options;
  options.max_connections = 3;
  options.io_threads = 4;
  StartServer(options);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(std::make_unique<RawClient>(server_->port()));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server_->stats().accepted + server_->stats().refused_over_limit < 40 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(server_->stats().accepted, 3u);
  EXPECT_EQ(server_->stats().refused_over_limit, 37u);
  EXPECT_LE(server_->stats().open_connections, 3u);
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightAndClosesIdle) {
  StartServer();
  const std::uint16_t port = server_->port();
  RawClient idle(port);
  ASSERT_TRUE(idle.Send(Get("/hello")));
  ASSERT_TRUE(idle.Read().has_value());
  RawClient busy(port);
  ASSERT_TRUE(busy.Send(Get("/sleep/300")));
  while (in_handler_.load() == 0) std::this_thread::sleep_for(1ms);

  std::thread stopper([&] { EXPECT_TRUE(server_->Stop(absl::Seconds(5))); });
  auto r = busy.Read(3000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "slept 300");
  EXPECT_TRUE(r->Has("connection: close"));
  EXPECT_TRUE(idle.WaitClosed(2000ms));
  stopper.join();
  RawClient late(port);
  EXPECT_FALSE(late.connected() && late.Send(Get("/hello")) && late.Read(500ms).has_value());
}

TEST_F(HttpServerTest, StopTimeoutBoundsADrainThatCannotFinish) {
  StartServer();
  RawClient busy(server_->port());
  ASSERT_TRUE(busy.Send(Get("/sleep/1500")));
  while (in_handler_.load() == 0) std::this_thread::sleep_for(1ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(server_->Stop(absl::Milliseconds(200)));
  // Stop returns once the running handler ends: it cannot be interrupted, but
  // no new work starts and the connection is gone.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
}

// 200 concurrent keep-alive connections, 20 requests each, all answered right.
TEST_F(HttpServerTest, TwoHundredConcurrentKeepAliveConnections) {
  ServerOptions options;
  options.io_threads = 2;
  StartServer(options);
  constexpr int kClients = 200;
  constexpr int kRequests = 20;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      RawClient client(server_->port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        if (!client.Send(Get(i % 2 ? "/hello" : "/items/" + id))) return;
        auto r = client.Read(10000ms);
        if (r && r->status == 200 && r->body == (i % 2 ? std::string("hello") : "item " + id)) good.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(server_->stats().accepted, static_cast<std::uint64_t>(kClients));
  EXPECT_TRUE(server_->Stop(absl::Seconds(5)));
}

// HTTPS with a certificate made by the openssl CLI; a plain-text client fails.
TEST_F(HttpServerTest, ServesTls) {
  const std::string dir = ::testing::TempDir();
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + dir +
                          "/key.pem -out " + dir + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto tls = TlsServerContext::Create(dir + "/cert.pem", dir + "/key.pem");
  ASSERT_TRUE(tls.ok()) << tls.status();
  ServerOptions options;
  options.tls = *tls;
  StartServer(options);
  const std::string curl = "curl -s --cacert " + dir + "/cert.pem https://localhost:" +
                           std::to_string(server_->port()) + "/items/tls -o " + dir + "/out.txt";
  ASSERT_EQ(std::system(curl.c_str()), 0);
  std::ifstream in(dir + "/out.txt");
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(body, "item tls");
  RawClient plain(server_->port());
  plain.Send(Get("/hello"));
  EXPECT_FALSE(plain.Read(1000ms).has_value());
}

TEST(TlsServerContextTest, MissingFilesAreClearErrors) {
  auto tls = TlsServerContext::Create("/nonexistent/cert.pem", "/nonexistent/key.pem");
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(std::string(tls.status().message()).find("/nonexistent/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace qtrace::http
