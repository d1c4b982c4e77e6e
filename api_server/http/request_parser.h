// RequestParser: reads HTTP/1.x requests from a connection's byte stream,
// strictly (RFC 9112), with hard limits. Incremental: call Parse with all the
// unconsumed bytes whenever more arrive; it remembers how far it has scanned.
//
// What it refuses, and the status it gives:
//   400  malformed request line or header, bare LF, NUL or control bytes,
//        obs-fold, whitespace before ':', bad or conflicting Content-Length,
//        Content-Length together with Transfer-Encoding (a smuggling vector),
//        HTTP/1.1 without exactly one Host, a target not in origin form,
//        malformed chunk framing
//   413  a body (Content-Length, or the decoded chunks) above the body limit
//        (1 MiB by default)
//   431  request line plus headers (or chunk trailers) above 16 KiB
//   501  a Transfer-Encoding other than "chunked"
//   505  a well-formed version other than HTTP/1.0 and HTTP/1.1
// Chunked request bodies (RFC 9112 7.1) are decoded: the official
// OpenTelemetry JavaScript exporters send them. Chunk extensions and trailer
// fields are read and ignored.
// After an error the connection must be closed: the stream is not trusted.
#pragma once

#include <cstddef>
#include <string_view>

#include "api_server/http/http_request.h"

namespace qtrace::http {

struct ParserLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

class RequestParser {
 public:
  enum class Result { kNeedMore, kComplete, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Parses the request at the front of data (the bytes not consumed by earlier
  // requests). On kComplete, request holds it and consumed() says how many
  // bytes it took; the parser is ready for the next one. On kError,
  // error_status() and error_reason() say why.
  Result Parse(std::string_view data, HttpRequest& request);

  std::size_t consumed() const { return consumed_; }
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }
  // True once the headers of the current request are in and it asked for
  // "Expect: 100-continue" with a body still to come.
  bool expects_continue() const { return headers_done_ && expect_continue_; }
  // True while part of a request has arrived (for the slow-request timeout).
  bool in_progress() const { return scanned_ > 0; }

 private:
  Result Fail(int status, std::string_view reason);
  Result ParseHead(std::string_view head, HttpRequest& request);
  Result ParseRequestLine(std::string_view line, HttpRequest& request);
  Result ParseHeaderLine(std::string_view line, HttpRequest& request);
  Result CheckHeaders(HttpRequest& request);
  Result ParseChunks(std::string_view data, HttpRequest& request);
  void Reset();

  ParserLimits limits_;
  // Bytes of the current request's head already checked for the terminator.
  std::size_t scanned_ = 0;
  bool headers_done_ = false;
  std::size_t head_size_ = 0;
  std::size_t body_size_ = 0;
  bool expect_continue_ = false;
  // Chunked bodies: where the next unread piece starts in data, and what it is.
  enum class ChunkState { kSize, kData, kDataEnd, kTrailer };
  bool chunked_ = false;
  ChunkState chunk_state_ = ChunkState::kSize;
  std::size_t chunk_offset_ = 0;
  std::size_t chunk_left_ = 0;
  std::size_t trailer_start_ = 0;
  std::size_t consumed_ = 0;
  int error_status_ = 0;
  std::string_view error_reason_;
};

}  // namespace qtrace::http
