#include "api_server/http/connection.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace qtrace::http {

Connection::Connection(std::uint64_t id_in, UniqueFd fd_in, ParserLimits limits, SSL_CTX* tls)
    : id(id_in), fd(std::move(fd_in)), parser(limits), tls_(tls != nullptr) {
  if (tls != nullptr) {
    ssl = SSL_new(tls);
    if (ssl != nullptr) {
      SSL_set_fd(ssl, fd.get());
      SSL_set_accept_state(ssl);
    }
  }
}

Connection::~Connection() {
  if (ssl != nullptr) SSL_free(ssl);
}

Connection::IoResult Connection::TlsResult(int ret, bool reading) {
  const int error = SSL_get_error(ssl, ret);
  tls_wants_write_ = error == SSL_ERROR_WANT_WRITE;
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return IoResult::kWouldBlock;
  if (error == SSL_ERROR_ZERO_RETURN && reading) return IoResult::kClosed;
  ERR_clear_error();  // a failed handshake (wrong client certificate) ends here
  return IoResult::kError;
}

Connection::IoResult Connection::ReadAvailable() {
  // At most this much per call, so that one fast client cannot keep the loop
  // from its other connections; level-triggered epoll calls again.
  constexpr std::size_t kMaxReadPerCall = 256 * 1024;
  // Each read lands in this chunk and only the bytes read join `in`. Growing
  // `in` by a whole chunk to read into it would zero the chunk first, twice a
  // call (the read, then the one that finds nothing more): 32 KiB of stores,
  // half of the service's instructions and a core's whole L1 data cache, for
  // a request of a few hundred bytes.
  constexpr std::size_t kChunk = 16384;
  char chunk[kChunk];
  std::size_t read_this_call = 0;
  if (!tls_) {
    while (read_this_call < kMaxReadPerCall) {
      const ssize_t n = read(fd.get(), chunk, kChunk);
      if (n > 0) {
        in.append(chunk, static_cast<std::size_t>(n));
        read_this_call += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) return IoResult::kClosed;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? IoResult::kOk : IoResult::kError;
    }
    return IoResult::kOk;
  }
  if (ssl == nullptr) return IoResult::kError;  // SSL_new failed
  while (read_this_call < kMaxReadPerCall) {
    const int n = SSL_read(ssl, chunk, static_cast<int>(kChunk));
    if (n > 0) {
      in.append(chunk, static_cast<std::size_t>(n));
      read_this_call += static_cast<std::size_t>(n);
      continue;
    }
    const IoResult r = TlsResult(n, /*reading=*/true);
    return r == IoResult::kWouldBlock ? IoResult::kOk : r;
  }
  return IoResult::kOk;
}

Connection::IoResult Connection::WritePending() {
  while (out_offset < out.size()) {
    const std::size_t left = out.size() - out_offset;
    if (ssl != nullptr) {
      const int n = SSL_write(ssl, out.data() + out_offset, static_cast<int>(left));
      if (n <= 0) return TlsResult(n, /*reading=*/false);
      out_offset += static_cast<std::size_t>(n);
      continue;
    }
    const ssize_t n = send(fd.get(), out.data() + out_offset, left, MSG_NOSIGNAL);
    if (n > 0) {
      out_offset += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return IoResult::kWouldBlock;
    } else {
      return IoResult::kError;
    }
  }
  out.clear();
  out_offset = 0;
  tls_wants_write_ = false;
  return IoResult::kOk;
}

}  // namespace qtrace::http
