#include "api_server/http/request_parser.h"

#include <algorithm>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::http {
namespace {

// field-content: visible ASCII, obs-text, and SP/HTAB inside.
bool IsFieldValue(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f)) continue;
    return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Does a comma-separated header value list contain token (case-insensitive)?
bool HasToken(std::string_view list, std::string_view token) {
  for (std::string_view item : Split(list, ',')) {
    if (ToLower(TrimOws(item)) == token) return true;
  }
  return false;
}

}  // namespace

void RequestParser::Reset() {
  scanned_ = 0;
  headers_done_ = false;
  head_size_ = 0;
  body_size_ = 0;
  expect_continue_ = false;
  chunked_ = false;
  chunk_state_ = ChunkState::kSize;
  chunk_offset_ = 0;
  chunk_left_ = 0;
}

RequestParser::Result RequestParser::Fail(int status, std::string_view reason) {
  error_status_ = status;
  error_reason_ = reason;
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(std::string_view data, HttpRequest& request) {
  if (!headers_done_) {
    // Find the blank line that ends the head, checking every byte once.
    // RFC 9112 2.2 allows ignoring empty lines before the request line: a
    // CRLF CRLF among them does not end the head (they count towards its
    // size). This costs one comparison unless the data starts with CR.
    const std::size_t scan_end = std::min(data.size(), limits_.max_header_bytes);
    std::size_t leading = 0;
    while (leading + 1 < scan_end && data[leading] == '\r' && data[leading + 1] == '\n') leading += 2;
    std::size_t i = scanned_;
    for (; i < data.size(); ++i) {
      // Nothing past the limit is looked at, so that the outcome does not
      // depend on how the bytes were split into reads.
      if (i >= limits_.max_header_bytes) return Fail(431, "request head over the limit");
      const char c = data[i];
      if (c == '\0') return Fail(400, "NUL byte in request head");
      if (c != '\n') continue;
      if (i == 0 || data[i - 1] != '\r') return Fail(400, "bare LF in request head");
      if (i >= leading + 3 && data[i - 2] == '\n' && data[i - 3] == '\r') break;
    }
    if (i == data.size()) {
      scanned_ = data.size();
      return Result::kNeedMore;
    }
    head_size_ = i + 1;
    scanned_ = head_size_;  // in_progress() while the body arrives
    request = HttpRequest{};
    if (Result r = ParseHead(data.substr(0, head_size_), request); r != Result::kComplete) return r;
    headers_done_ = true;
    chunk_offset_ = head_size_;
  }
  if (chunked_) return ParseChunks(data, request);
  if (data.size() - head_size_ < body_size_) return Result::kNeedMore;
  request.body.assign(data.substr(head_size_, body_size_));
  consumed_ = head_size_ + body_size_;
  Reset();
  return Result::kComplete;
}

RequestParser::Result RequestParser::ParseHead(std::string_view head, HttpRequest& request) {
  head.remove_suffix(4);  // the final CRLF CRLF
  while (StartsWith(head, "\r\n")) head.remove_prefix(2);
  std::size_t line_end = head.find("\r\n");
  if (Result r = ParseRequestLine(head.substr(0, line_end), request); r != Result::kComplete) return r;
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    if (Result r = ParseHeaderLine(head.substr(0, line_end), request); r != Result::kComplete) return r;
  }
  return CheckHeaders(request);
}

RequestParser::Result RequestParser::ParseRequestLine(std::string_view line, HttpRequest& request) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "request line is not 'method target version'");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(400, "bad method");
  if (target.empty() || target.front() != '/') return Fail(400, "request target must be an absolute path");
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return Fail(400, "bad character in request target");
  }
  if (version.size() != 8 || !StartsWith(version, "HTTP/") || !IsDigit(version[5]) || version[6] != '.' ||
      !IsDigit(version[7])) {
    return Fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) return Fail(505, "HTTP version not supported");
  request.method.assign(method);
  request.target.assign(target);
  request.version_minor = version[7] - '0';
  return Result::kComplete;
}

RequestParser::Result RequestParser::ParseHeaderLine(std::string_view line, HttpRequest& request) {
  if (line.empty()) return Fail(400, "empty header line");
  if (line.front() == ' ' || line.front() == '\t') return Fail(400, "obsolete line folding");
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Fail(400, "header line without ':'");
  const std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) return Fail(400, "bad header name");
  const std::string_view value = TrimOws(line.substr(colon + 1));
  if (!IsFieldValue(value)) return Fail(400, "bad character in header value");
  request.headers.emplace_back(ToLower(name), std::string(value));
  return Result::kComplete;
}

RequestParser::Result RequestParser::CheckHeaders(HttpRequest& request) {
  int hosts = 0;
  std::optional<std::uint64_t> content_length;
  bool close = false;
  bool keep_alive_option = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "host") {
      ++hosts;
    } else if (name == "content-length") {
      // A list ("5, 5") or repeated headers must all agree (RFC 9112 6.3).
      for (std::string_view item : Split(value, ',')) {
        item = TrimOws(item);
        if (item.empty()) return Fail(400, "bad Content-Length");
        for (char c : item) {
          if (!IsDigit(c)) return Fail(400, "bad Content-Length");
        }
        while (item.size() > 1 && item.front() == '0') item.remove_prefix(1);
        if (item.size() > 15) return Fail(413, "body over the limit");
        std::int64_t n = 0;
        ParseInt64(item, &n);
        if (content_length && *content_length != static_cast<std::uint64_t>(n)) {
          return Fail(400, "conflicting Content-Length values");
        }
        content_length = static_cast<std::uint64_t>(n);
      }
    } else if (name == "transfer-encoding") {
      if (chunked_ || ToLower(TrimOws(value)) != "chunked") return Fail(501, "unsupported Transfer-Encoding");
      chunked_ = true;
    } else if (name == "connection") {
      // "close" wins over "keep-alive", in any order (RFC 9112 9.3).
      if (HasToken(value, "close")) close = true;
      if (HasToken(value, "keep-alive")) keep_alive_option = true;
    } else if (name == "expect") {
      if (ToLower(value) == "100-continue") expect_continue_ = true;
    }
  }
  if (request.version_minor == 1 && hosts != 1) return Fail(400, "HTTP/1.1 needs exactly one Host header");
  if (chunked_ && content_length) return Fail(400, "both Content-Length and Transfer-Encoding");
  if (chunked_ && request.version_minor == 0) return Fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  if (content_length && *content_length > limits_.max_body_bytes) return Fail(413, "body over the limit");
  body_size_ = content_length.value_or(0);
  if (body_size_ == 0 && !chunked_) expect_continue_ = false;
  request.keep_alive = !close && (request.version_minor == 1 || keep_alive_option);
  return Result::kComplete;
}

RequestParser::Result RequestParser::ParseChunks(std::string_view data, HttpRequest& request) {
  constexpr std::size_t kMaxChunkLine = 1024;
  while (true) {
    std::string_view rest = data.substr(chunk_offset_);
    switch (chunk_state_) {
      case ChunkState::kSize: {
        // The encoding may not outgrow the body much (tiny chunks with long
        // extensions would otherwise make a connection buffer without bound).
        if (chunk_offset_ - head_size_ > 2 * limits_.max_body_bytes + 64 * 1024) {
          return Fail(413, "chunked encoding over the limit");
        }
        const std::size_t lf = rest.find('\n');
        // The same limit whether the line's end has arrived or not.
        if ((lf == std::string_view::npos ? rest.size() : lf) > kMaxChunkLine) {
          return Fail(400, "chunk size line too long");
        }
        if (lf == std::string_view::npos) return Result::kNeedMore;
        if (lf == 0 || rest[lf - 1] != '\r') return Fail(400, "bare LF in chunk framing");
        std::string_view line = rest.substr(0, lf - 1);
        line = line.substr(0, line.find(';'));  // chunk extensions are ignored
        line = TrimOws(line);
        if (line.empty() || line.size() > 15) return Fail(line.empty() ? 400 : 413, "bad chunk size");
        std::size_t size = 0;
        for (char c : line) {
          const int digit = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
          if (digit < 0) return Fail(400, "bad chunk size");
          size = size * 16 + static_cast<std::size_t>(digit);
        }
        if (request.body.size() + size > limits_.max_body_bytes) return Fail(413, "body over the limit");
        chunk_offset_ += lf + 1;
        chunk_left_ = size;
        chunk_state_ = size == 0 ? ChunkState::kTrailer : ChunkState::kData;
        trailer_start_ = chunk_offset_;
        break;
      }
      case ChunkState::kData: {
        if (rest.empty()) return Result::kNeedMore;
        const std::size_t take = std::min(rest.size(), chunk_left_);
        request.body.append(rest.substr(0, take));
        chunk_offset_ += take;
        chunk_left_ -= take;
        if (chunk_left_ > 0) return Result::kNeedMore;
        chunk_state_ = ChunkState::kDataEnd;
        break;
      }
      case ChunkState::kDataEnd: {
        if (rest.size() < 2) return Result::kNeedMore;
        if (rest[0] != '\r' || rest[1] != '\n') return Fail(400, "chunk data not followed by CRLF");
        chunk_offset_ += 2;
        chunk_state_ = ChunkState::kSize;
        break;
      }
      case ChunkState::kTrailer: {
        const std::size_t lf = rest.find('\n');
        const std::size_t trailer_bytes = chunk_offset_ - trailer_start_ + (lf == std::string_view::npos ? rest.size() : lf);
        if (trailer_bytes > limits_.max_header_bytes) return Fail(431, "chunk trailers over the limit");
        if (lf == std::string_view::npos) return Result::kNeedMore;
        if (lf == 0 || rest[lf - 1] != '\r') return Fail(400, "bare LF in chunk trailer");
        chunk_offset_ += lf + 1;
        if (lf == 1) {  // the empty line that ends the message
          consumed_ = chunk_offset_;
          Reset();
          return Result::kComplete;
        }
        if (rest.substr(0, lf - 1).find(':') == std::string_view::npos) return Fail(400, "bad trailer field");
        break;
      }
    }
  }
}

}  // namespace qtrace::http
