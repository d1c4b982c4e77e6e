#include "qtrace/exporter/http_sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"

namespace qtrace {
namespace {

// Answers one HTTP request on a loopback port with a fixed response, then
// closes: enough to see what the sender does with an answer.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response) : response_(std::move(response)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(listener_, 1), 0);
    EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    shutdown(listener_, SHUT_RDWR);
    thread_.join();
    close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces"; }

 private:
  void Serve() {
    const int fd = accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    std::string request;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    std::size_t body_length = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = request.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          const std::size_t at = request.find("Content-Length: ");
          if (at != std::string::npos && at < header_end) {
            const std::size_t eol = request.find("\r\n", at);
            (void)absl::SimpleAtoi(request.substr(at + 16, eol - at - 16), &body_length);
          }
        }
      }
      if (header_end != std::string::npos && request.size() >= header_end + 4 + body_length) break;
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t sent = 0;
    while (sent < response_.size()) {
      const ssize_t n = send(fd, response_.data() + sent, response_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    close(fd);
  }

  std::string response_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::string OkResponse(std::size_t body_bytes) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: " + std::to_string(body_bytes) +
         "\r\nConnection: close\r\n\r\n" + std::string(body_bytes, '\0');
}

std::unique_ptr<HttpSender> SenderTo(const std::string& url, absl::Duration timeout = absl::Seconds(10)) {
  HttpSenderOptions options;
  options.url = url;
  options.timeout = timeout;
  auto sender = HttpSender::Create(options);
  EXPECT_TRUE(sender.ok()) << sender.status();
  return std::move(*sender);
}

TEST(HttpSenderTest, AcceptsAnOrdinaryAnswer) {
  OneShotServer server(OkResponse(0));
  const SendOutcome outcome = SenderTo(server.url())->Send("x", absl::Now() + absl::Seconds(10));
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kOk) << outcome.reason;
}

// Review item 6: a timeout of 0 (no limit) reaches the sender as an infinite
// duration and deadline; the request is sent, not refused for "no time left".
TEST(HttpSenderTest, NoLimitTimeoutStillSends) {
  OneShotServer server(OkResponse(0));
  const SendOutcome outcome =
      SenderTo(server.url(), absl::InfiniteDuration())->Send("x", absl::InfiniteFuture());
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kOk) << outcome.reason;
}

// Review item 7: a response over 4 MiB is a permanent error (the
// specification), not truncated and parsed as if it were whole.
TEST(HttpSenderTest, ResponseOverFourMebibytesIsAPermanentError) {
  OneShotServer server(OkResponse(4 * 1024 * 1024 + 1));
  const SendOutcome outcome = SenderTo(server.url())->Send("x", absl::Now() + absl::Seconds(10));
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent) << outcome.reason;
  EXPECT_NE(outcome.reason.find("4 MiB"), std::string::npos) << outcome.reason;
}

TEST(HttpSenderTest, ResponseOfExactlyFourMebibytesIsRead) {
  OneShotServer server(OkResponse(4 * 1024 * 1024));
  const SendOutcome outcome = SenderTo(server.url())->Send("x", absl::Now() + absl::Seconds(10));
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kOk) << outcome.reason;
}

}  // namespace
}  // namespace qtrace
