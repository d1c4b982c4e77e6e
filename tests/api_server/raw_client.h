// RawClient: a blocking TCP client for server tests that sends exact bytes and
// reads exact HTTP responses, with a timeout on every wait.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qtrace::testutil {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  bool Has(std::string_view header_line) const { return head.find(header_line) != std::string::npos; }
};

class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length framing; a HEAD answer has no body).
  // nullopt on timeout or close.
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
                                  bool head_request = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const std::size_t head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        RawResponse r;
        r.head = buffer_.substr(0, head_end);
        r.status = std::stoi(r.head.substr(9, 3));
        std::size_t length = 0;
        const std::size_t cl = r.head.find("content-length: ");
        if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 16));
        if (r.status == 100 || head_request) length = 0;
        if (buffer_.size() >= head_end + 4 + length) {
          r.body = buffer_.substr(head_end + 4, length);
          buffer_.erase(0, head_end + 4 + length);
          return r;
        }
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }

  // True when the server closed the connection (EOF) before the deadline.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!Fill(deadline)) return eof_;
    }
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

inline std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) + "\r\n";
}

}  // namespace qtrace::testutil
