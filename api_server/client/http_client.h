// TracedHttpClient: outgoing HTTP calls (libcurl), each one a CLIENT span
// whose context is injected with the configured propagators, so the called
// service continues the trace.
//
//   name "POST"; http.request.method, url.full (credentials and query values
//   redacted), server.address, server.port, http.response.status_code,
//   error.type; error status for 4xx, 5xx and transport errors.
//
// One attempt per call with a timeout: retrying is the caller's decision (no
// retry storms towards a struggling peer).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "qtrace/sdk/propagation/text_map.h"
#include "qtrace/sdk/tracer.h"

namespace qtrace::client {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// url with user info and query values replaced by "REDACTED".
std::string RedactUrl(std::string_view url);

class TracedHttpClient {
 public:
  // REQUIRES: tracer and propagator outlive the client.
  TracedHttpClient(const Tracer& tracer, const TextMapPropagator& propagator, absl::Duration timeout)
      : tracer_(tracer), propagator_(propagator), timeout_(timeout) {}

  // POSTs a JSON body. Unavailable for transport errors (refused, timeout);
  // any HTTP status is a response.
  absl::StatusOr<ClientResponse> PostJson(const std::string& url, std::string_view body) const;

 private:
  const Tracer& tracer_;
  const TextMapPropagator& propagator_;
  const absl::Duration timeout_;
};

}  // namespace qtrace::client
