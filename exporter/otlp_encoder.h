// OtlpEncoder: span records to an OTLP ExportTraceServiceRequest, as protobuf
// wire bytes (OTLP/gRPC and OTLP/HTTP protobuf) or as OTLP/JSON, written
// straight from the records on the exporter thread: no generated message
// classes and, once the output string and this thread's scratch space have
// grown to the batch size, no heap allocation.
//
// Shape of a request: one ResourceSpans (the encoder's resource), then one
// ScopeSpans per distinct InstrumentationScope (same pointer, or same name
// and version), in the order the scopes first appear in the batch; spans keep
// their batch order within a scope.
//
// What each span carries (field numbers from proto/opentelemetry/proto):
//   trace_id, span_id (bytes), trace_state (omitted when empty),
//   parent_span_id (omitted for a root span),
//   flags = W3C trace flags | 0x100 (SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
//           | 0x200 (SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) when the parent came
//           from another process,
//   name, kind, start/end time, attributes and their dropped count, events,
//   links (flags built the same way from the link's context), the dropped
//   event and link counts, and status (always present, as the official SDKs
//   send it: empty when unset, a code when ok, a code and message on error).
// Proto3 defaults (zero counts, empty strings) are omitted, except inside an
// AnyValue, whose oneof member is always written, and a KeyValue's key.
//
// Strings must be UTF-8 on the wire: a protobuf string field with invalid
// UTF-8 makes receivers (the OpenTelemetry Collector, libprotobuf) reject the
// whole request, and invalid JSON text the same. Attribute keys and values,
// names and messages that are not valid UTF-8 (a raw request path, a header in
// Latin-1) are therefore written with each ill-formed sequence replaced by
// U+FFFD, the Unicode "maximal subpart" practice. Valid text, the normal case,
// is checked eight bytes at a time and copied as is.
//
// Thread safety: the const methods may run concurrently on one encoder.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "qtrace/sdk/resource.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

class OtlpEncoder {
 public:
  // Encodes the resource once; every request reuses those bytes.
  explicit OtlpEncoder(const Resource& resource);

  // out is cleared, then holds a serialized ExportTraceServiceRequest (empty
  // for a batch without spans). Reuse out across calls: it keeps its capacity.
  // REQUIRES: every record non-null.
  void EncodeProtobuf(std::span<const SpanRecordPtr> spans, std::string& out) const;

  // The same request in the OTLP/JSON mapping (OTLP/HTTP with
  // application/json): lowerCamelCase keys, ids in lower-case hex, enums as
  // integers, 64-bit integers as decimal strings, defaults omitted. An empty
  // batch gives "{}".
  void EncodeJson(std::span<const SpanRecordPtr> spans, std::string& out) const;

  // Bytes the resource adds to every protobuf request (the Resource field of
  // ResourceSpans with its tag and length): fixed overhead for batch sizing.
  std::size_t resource_bytes() const { return resource_protobuf_.size(); }

 private:
  std::string resource_protobuf_;  // ResourceSpans.resource: tag, length, Resource
  std::string resource_json_;      // "resource":{...}
};

}  // namespace qtrace
