// ZipkinEncoder: span records to a Zipkin v2 JSON request body (a JSON array
// of spans, POST /api/v2/spans), as the OpenTelemetry specification's Zipkin
// mapping says:
//
//   kind          SERVER, CLIENT, PRODUCER, CONSUMER; INTERNAL is omitted
//   times         microseconds, whole (timestamp = start, duration = end - start)
//   localEndpoint serviceName = the resource's service.name
//   remoteEndpoint for CLIENT and PRODUCER spans, from the first present of
//                 peer.service, server.address (+ server.port),
//                 network.peer.address (+ network.peer.port), db.name (or its
//                 newer name db.namespace); an IP literal goes to ipv4/ipv6,
//                 anything else to serviceName
//   tags          every span attribute as a string (bools "true"/"false",
//                 arrays as a JSON list); otel.status_code OK/ERROR (none for
//                 UNSET) and error = the status message for ERROR;
//                 otel.scope.name/version; otel.dropped_*_count when > 0; the
//                 resource attributes other than service.name (the mapping
//                 leaves resources open; Zipkin has no other place for them)
//   annotations   one per event: "name" alone, or "name": {attributes as JSON}
//
// Fields without a value are left out. Links and the tracestate have no
// Zipkin field and are not sent.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "qtrace/sdk/resource.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

class ZipkinEncoder {
 public:
  explicit ZipkinEncoder(const Resource& resource);

  // out is cleared, then holds the JSON array ("[]" for an empty batch).
  void Encode(std::span<const SpanRecordPtr> spans, std::string& out) const;

 private:
  std::string service_name_;
  std::vector<Attribute> resource_tags_;
};

// An attribute value as a Zipkin tag string (exposed for the tests).
std::string ZipkinTagValue(const AttributeValue& value);

}  // namespace qtrace
