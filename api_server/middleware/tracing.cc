#include "api_server/middleware/tracing.h"

#include <algorithm>
#include <array>
#include <exception>

#include "api_server/middleware/request_attributes.h"
#include "qtrace/sdk/propagation/trace_context_propagator.h"

namespace qtrace::middleware {
namespace {

// The methods the semantic conventions know; anything else is "_OTHER" in
// http.request.method and "HTTP" in the span name, so that a client cannot
// blow up either's cardinality.
std::string_view KnownMethod(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                                                "PATCH"};
  for (std::string_view m : kKnown) {
    if (m == method) return m;
  }
  return "_OTHER";
}

void SetRequestAttributes(Span& span, const http::HttpRequest& request, std::string_view method) {
  span.SetAttribute("http.request.method", method)
      .SetAttribute("url.path", request.path())
      .SetAttribute("url.scheme", request.tls ? "https" : "http")
      .SetAttribute("client.address", request.peer_address)
      .SetAttribute("network.peer.address", request.peer_address)
      .SetAttribute("network.peer.port", static_cast<std::int64_t>(request.peer_port))
      .SetAttribute("network.protocol.version", request.version_minor == 0 ? "1.0" : "1.1")
      .SetAttribute("http.request_id", request.request_id);
  if (method == "_OTHER") span.SetAttribute("http.request.method_original", request.method);
  if (!request.route.empty()) span.SetAttribute("http.route", request.route);
  if (const std::optional<ServerAuthority> authority = ServerAuthorityOf(request)) {
    span.SetAttribute("server.address", authority->address)
        .SetAttribute("server.port", static_cast<std::int64_t>(authority->port));
  } else {
    span.SetAttribute("server.port", static_cast<std::int64_t>(request.local_port));
  }
  if (const std::string_view query = request.query(); !query.empty()) {
    if (QueryMayNeedRedaction(query)) {
      span.SetAttribute("url.query", RedactedQuery(query));
    } else {
      span.SetAttribute("url.query", query);
    }
  }
  if (auto agent = request.Header("user-agent")) span.SetAttribute("user_agent.original", *agent);
}

// "{method} {route}", or the method alone without a route. Built in a buffer
// of the calling thread: the span copies the name into its record's kept
// storage, so a request costs no allocation for it.
std::string_view SpanName(std::string_view method, std::string_view route) {
  if (method == "_OTHER") method = "HTTP";
  if (route.empty()) return method;
  thread_local std::string name;
  name.assign(method).append(" ").append(route);
  return name;
}

}  // namespace

std::optional<std::string_view> RequestHeaderCarrier::Get(std::string_view key) const {
  std::optional<std::string_view> first;
  int count = 0;
  for (const auto& [name, value] : request_.headers) {
    if (name != key) continue;
    if (++count == 1) {
      first = value;
    } else {
      if (count == 2) joined_ = std::string(*first);
      joined_.append(",").append(value);
    }
  }
  if (count > 1) return std::string_view(joined_);
  return first;
}

std::vector<std::string_view> RequestHeaderCarrier::Keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(request_.headers.size());
  for (const auto& header : request_.headers) {
    const std::string_view name = header.first;
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) keys.push_back(name);
  }
  return keys;
}

http::Middleware TracingMiddleware(const Tracer& tracer, const TextMapPropagator& propagator) {
  return [&tracer, &propagator](http::HttpRequest& request, const http::Handler& next) {
    const RequestHeaderCarrier carrier(request);
    const Context parent = propagator.Extract(carrier, Context());
    const std::string_view method = KnownMethod(request.method);
    StartSpanOptions options;
    options.parent = &parent;
    Span span = tracer.StartSpan(SpanName(method, request.route), SpanKind::kServer, options);
    // A span that head sampling dropped but records in case the request
    // fails (errors always kept: its record waits in a DeferredTrace) is
    // discarded when the request succeeds, which is nine requests in ten at
    // 10 % sampling: it gets the request's attributes only once it has
    // failed. The request is still whole then, so a kept error span carries
    // the same attributes as a sampled one (handlers get the request by
    // reference; none changes what these attributes read, and a handler that
    // did would change them here).
    const bool recorded_for_errors_only = span.IsRecording() && span.record()->deferred != nullptr;
    if (span.IsRecording() && !recorded_for_errors_only) SetRequestAttributes(span, request, method);
    // Baggage from the caller stays current for the handler's own calls.
    const Scope scope = span.ContextOver(parent).Attach();

    http::HttpResponse response;
    try {
      response = next(request);
    } catch (const std::exception& e) {
      span.SetStatus(StatusCode::kError, e.what());  // first: whatever follows, the span is kept
      if (recorded_for_errors_only) SetRequestAttributes(span, request, method);
      span.RecordException(e);
      span.SetAttribute("error.type", ExceptionTypeName(e)).SetAttribute("http.response.status_code", 500);
      throw;
    }
    // A span recorded for errors only is dropped unless the request failed.
    if (!recorded_for_errors_only || response.status >= 500) {
      span.SetAttribute("http.response.status_code", static_cast<std::int64_t>(response.status));
    }
    if (response.status >= 500) {
      if (recorded_for_errors_only) SetRequestAttributes(span, request, method);
      span.SetAttribute("error.type", std::to_string(response.status));
      span.SetStatus(StatusCode::kError);
    }
    if (span.context().IsSampled()) {
      // Formatted on the stack: the header keeps the only copy.
      std::array<char, TraceContextPropagator::kTraceParentSize> traceresponse;
      TraceContextPropagator::FormatTraceParent(span.context(), traceresponse);
      response.SetHeader("traceresponse", std::string_view(traceresponse.data(), traceresponse.size()));
    }
    return response;
  };
}

}  // namespace qtrace::middleware
