// Connection: one client socket and everything the event loop keeps for it:
// the bytes read and not yet parsed, the bytes to write, the parser, and the
// TLS session when the listener speaks HTTPS. Owned and touched only by its
// event loop's thread.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "api_server/http/request_parser.h"
#include "qtrace/sdk/common/unique_fd.h"

namespace qtrace::http {

class Connection {
 public:
  enum class IoResult { kOk, kWouldBlock, kClosed, kError };

  Connection(std::uint64_t id, UniqueFd fd, ParserLimits limits, SSL_CTX* tls);
  ~Connection();  // ends the TLS session, then the socket closes
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads what the socket has (after the TLS handshake, when TLS is on) into
  // in. kClosed when the peer closed the stream.
  IoResult ReadAvailable();
  // Writes as much of out as the socket takes. kOk when all was written.
  IoResult WritePending();
  bool HasPendingWrite() const { return out_offset < out.size(); }
  // TLS may need the socket writable to make progress on a read (and the
  // reverse); the loop asks for EPOLLOUT when this is set.
  bool tls_wants_write() const { return tls_wants_write_; }

  const std::uint64_t id;
  const UniqueFd fd;
  SSL* ssl = nullptr;

  std::string in;              // unparsed bytes
  std::string out;             // bytes to write, from out_offset
  std::size_t out_offset = 0;
  RequestParser parser;
  HttpRequest request;

  // Where the connection is in its life. The loop moves it:
  //   kReading ──request to a worker──▶ kWithWorker ──answer queued──▶ kReading
  //   kReading ──answer that ends the connection, or the peer's FIN──▶ kClosingAfterWrite
  //   kClosingAfterWrite ──answer written──▶ kLingering (plain TCP) or kClosed
  //   kLingering ──peer closed, or lingering_until_ns passed──▶ kClosed
  //   any ──I/O error, timeout, drain──▶ kClosed (erased at the end of the loop's iteration)
  enum class State : std::uint8_t { kReading, kWithWorker, kClosingAfterWrite, kLingering, kClosed };
  State state = State::kReading;
  // What the answer to the request with the worker needs (kWithWorker).
  struct PendingAnswer {
    bool keep_alive = true;
    bool head = false;  // answer without a body
  };
  PendingAnswer pending;
  bool peer_closed = false;     // the peer sent its FIN: nothing more will be read
  bool sent_continue = false;   // "100 Continue" already sent for the request being read
  bool registered = false;      // added to epoll
  std::uint32_t epoll_events = 0;  // the interest set registered now
  std::int64_t last_activity_ns = 0;
  std::int64_t request_started_ns = 0;  // first byte of the request being read; 0 when none
  // kLingering: the answer is out and the write side shut; what the peer
  // still sends is read and dropped until it closes or this time (see
  // event_loop.cc).
  std::int64_t lingering_until_ns = 0;

  std::string peer_address;
  std::uint16_t peer_port = 0;
  std::uint16_t local_port = 0;

 private:
  IoResult TlsResult(int ret, bool reading);
  const bool tls_;
  bool tls_wants_write_ = false;
};

}  // namespace qtrace::http
