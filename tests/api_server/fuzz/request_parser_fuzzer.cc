// libFuzzer target for RequestParser. The input is a byte stream as a client
// would send it on one connection. It is parsed three ways, request after
// pipelined request, each with its own parser, as a connection would:
//   - all at once,
//   - in two reads split at a point derived from the data,
//   - in reads of a data-derived size (1 to 8 bytes).
// Invariants (a violation calls __builtin_trap):
//   - kComplete: 0 < consumed() <= bytes given, a sane request;
//   - kError: error_status() in {400, 411, 413, 431, 501, 505}, a reason;
//   - kNeedMore: no more bytes than a head plus a body can take (unless
//     chunked: the framing has no fixed bound);
//   - the three ways give the same outcome, status and requests.
// Limits are small so that the fuzzer reaches them.
//
// Build and run: tests/api_server/fuzz/run_fuzzer.sh <build-dir> [seconds]
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api_server/http/request_parser.h"

namespace {

using qtrace::http::HttpRequest;
using qtrace::http::ParserLimits;
using qtrace::http::RequestParser;
using Result = RequestParser::Result;

constexpr ParserLimits kLimits{.max_header_bytes = 256, .max_body_bytes = 64};
constexpr int kMaxRequests = 256;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// FNV-1a, to derive the split points from the data.
std::uint64_t Hash(std::string_view data) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// The outcome of parsing the request at the front of the stream.
struct Outcome {
  Result result = Result::kNeedMore;
  int status = 0;
  std::size_t consumed = 0;
  HttpRequest request;
};

bool SameRequest(const HttpRequest& a, const HttpRequest& b) {
  return a.method == b.method && a.target == b.target && a.version_minor == b.version_minor &&
         a.headers == b.headers && a.body == b.body && a.keep_alive == b.keep_alive;
}

bool SameOutcome(const Outcome& a, const Outcome& b) {
  if (a.result != b.result) return false;
  switch (a.result) {
    case Result::kError: return a.status == b.status;
    case Result::kComplete: return a.consumed == b.consumed && SameRequest(a.request, b.request);
    case Result::kNeedMore: return true;
  }
  return false;
}

// Checks what one Parse call returned, given the bytes it was given.
void CheckResult(const RequestParser& parser, Result result, const HttpRequest& request, std::size_t given) {
  // The head has been parsed into request (fresh for each outcome) once it
  // is complete; a chunked body has no fixed size.
  const bool chunked = request.Header("transfer-encoding").has_value();
  switch (result) {
    case Result::kComplete: {
      Check(parser.consumed() > 0);
      Check(parser.consumed() <= given);
      Check(request.body.size() <= kLimits.max_body_bytes);
      Check(request.body.size() < parser.consumed());
      Check(chunked || parser.consumed() - request.body.size() <= kLimits.max_header_bytes);
      Check(!chunked || !request.Header("content-length").has_value());
      Check(!request.method.empty());
      Check(!request.target.empty() && request.target.front() == '/');
      Check(request.version_minor == 0 || request.version_minor == 1);
      Check(request.version_minor == 0 || request.Header("host").has_value());
      for (const auto& [name, value] : request.headers) {
        Check(!name.empty());
        for (char c : name) Check(!(c >= 'A' && c <= 'Z'));
        Check(value.empty() || (value.front() != ' ' && value.back() != ' '));
        Check(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
      }
      Check(!parser.in_progress());
      Check(!parser.expects_continue());
      break;
    }
    case Result::kError: {
      const int s = parser.error_status();
      Check(s == 400 || s == 411 || s == 413 || s == 431 || s == 501 || s == 505);
      Check(!parser.error_reason().empty());
      break;
    }
    case Result::kNeedMore:
      // Neither a head nor a head plus its body can be longer than this.
      Check(chunked || given <= kLimits.max_header_bytes + kLimits.max_body_bytes);
      Check(parser.in_progress() || given == 0);
      break;
  }
}

Outcome AllAtOnce(RequestParser& parser, std::string_view stream) {
  Outcome out;
  out.result = parser.Parse(stream, out.request);
  CheckResult(parser, out.result, out.request, stream.size());
  out.status = parser.error_status();
  out.consumed = parser.consumed();
  return out;
}

// Feeds growing prefixes ending at the given cut points, then all of stream.
Outcome InPieces(RequestParser& parser, std::string_view stream, std::size_t chunk, std::size_t first_cut) {
  Outcome out;
  std::size_t given = first_cut < stream.size() ? first_cut : stream.size();
  while (true) {
    out.result = parser.Parse(stream.substr(0, given), out.request);
    CheckResult(parser, out.result, out.request, given);
    if (out.result != Result::kNeedMore || given == stream.size()) break;
    given = stream.size() - given < chunk ? stream.size() : given + chunk;
  }
  out.status = parser.error_status();
  out.consumed = parser.consumed();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint64_t h = Hash(input);
  const std::size_t split = size == 0 ? 0 : static_cast<std::size_t>(h % (size + 1));
  const std::size_t chunk = 1 + static_cast<std::size_t>((h >> 32) % 8);

  RequestParser whole(kLimits);
  RequestParser two_reads(kLimits);
  RequestParser trickle(kLimits);
  std::string_view rest = input;
  for (int n = 0; n < kMaxRequests; ++n) {
    const Outcome a = AllAtOnce(whole, rest);
    // Two reads: the split point is an offset into the whole input, so it
    // falls in a different place in each pipelined request.
    const std::size_t offset = input.size() - rest.size();
    const Outcome b = InPieces(two_reads, rest, rest.size(), split > offset ? split - offset : 0);
    const Outcome c = InPieces(trickle, rest, chunk, chunk);
    Check(SameOutcome(a, b));
    Check(SameOutcome(a, c));
    if (a.result != Result::kComplete) break;
    rest.remove_prefix(a.consumed);
  }
  return 0;
}
