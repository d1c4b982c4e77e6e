// Tracing middleware: one SERVER span per request, after the request id and
// before the metrics.
//
//  * The parent comes from the configured propagators (traceparent,
//    tracestate, baggage); a bad header starts a new trace.
//  * Named "{method} {route}" ("GET /api/v1/projects/{id}"), or "{method}"
//    when no route matched; stable HTTP semantic-convention attributes.
//  * Error status only for 5xx answers and exceptions (4xx is the client's).
//  * The span is current while the handler runs, so database and outgoing
//    HTTP spans become its children.
//  * A sampled trace gets a W3C Trace Context Level 2 traceresponse header.
#pragma once

#include "api_server/http/router.h"
#include "qtrace/sdk/propagation/text_map.h"
#include "qtrace/sdk/tracer.h"

namespace qtrace::middleware {

// REQUIRES: tracer and propagator outlive the router.
http::Middleware TracingMiddleware(const Tracer& tracer, const TextMapPropagator& propagator);

// A carrier over a request's headers (lower-case names, repeated ones joined).
class RequestHeaderCarrier final : public TextMapCarrier {
 public:
  explicit RequestHeaderCarrier(const http::HttpRequest& request) : request_(request) {}
  std::optional<std::string_view> Get(std::string_view key) const override;
  void Set(std::string_view, std::string_view) override {}
  std::vector<std::string_view> Keys() const override;

 private:
  const http::HttpRequest& request_;
  mutable std::string joined_;
};

}  // namespace qtrace::middleware
