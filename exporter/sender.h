// Sender: one transport that carries an encoded OTLP request to a backend
// (gRPC, HTTP). A Send is one attempt; the retry loop (retry.h) decides what
// to do with its outcome.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace qtrace {

struct SendOutcome {
  enum class Kind {
    kOk,         // accepted (possibly with some spans rejected: see rejected_spans)
    kRetryable,  // try again after a back-off (or retry_after)
    kPermanent,  // do not retry: the batch is dropped with reason
  };
  Kind kind = Kind::kOk;
  std::string reason;                       // for logs: "HTTP 503", "UNAVAILABLE: ...", "connection refused"
  std::optional<absl::Duration> retry_after;  // announced by the server (Retry-After, RetryInfo)
  std::int64_t rejected_spans = 0;          // partial success
  std::string partial_message;

  // Of a request of `spans` spans, how many the backend rejected (what it
  // said, within 0 and spans).
  std::uint64_t RejectedOf(std::uint64_t spans) const {
    return std::min<std::uint64_t>(spans, static_cast<std::uint64_t>(std::max<std::int64_t>(0, rejected_spans)));
  }

  static SendOutcome Ok() { return SendOutcome{}; }
  static SendOutcome Retryable(std::string reason, std::optional<absl::Duration> after = std::nullopt) {
    SendOutcome o;
    o.kind = Kind::kRetryable;
    o.reason = std::move(reason);
    o.retry_after = after;
    return o;
  }
  static SendOutcome Permanent(std::string reason) {
    SendOutcome o;
    o.kind = Kind::kPermanent;
    o.reason = std::move(reason);
    return o;
  }
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends body (an encoded ExportTraceServiceRequest, in the sender's encoding)
  // and waits for the answer, at most until deadline.
  // REQUIRES: calls are not concurrent.
  virtual SendOutcome Send(std::string_view body, absl::Time deadline) = 0;
  // From any thread: make a Send in flight return as soon as possible.
  virtual void Cancel() = 0;
  // "grpc http://host:4317" for messages.
  virtual std::string Describe() const = 0;
};

}  // namespace qtrace
