#include "qtrace/exporter/zipkin_encoder.h"

#include <arpa/inet.h>

#include <charconv>
#include <type_traits>
#include <variant>

#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr std::int64_t kNanosPerMicro = 1000;

std::string_view KindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kServer: return "SERVER";
    case SpanKind::kClient: return "CLIENT";
    case SpanKind::kProducer: return "PRODUCER";
    case SpanKind::kConsumer: return "CONSUMER";
    case SpanKind::kInternal: return "";
  }
  return "";
}

// The shortest text that reads back as the same double.
std::string DoubleText(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : StrCat(value);
}

// What the remote endpoint of a CLIENT or PRODUCER span is, in the
// specification's order of preference; empty when none is known.
struct RemoteEndpoint {
  std::string_view host;  // a name or an IP literal
  std::int64_t port = 0;
};

RemoteEndpoint RemoteOf(const AttributeList& attributes) {
  if (auto v = attributes.GetString("peer.service"); !v.empty()) return {v, 0};
  if (auto v = attributes.GetString("server.address"); !v.empty()) return {v, attributes.GetInt("server.port")};
  if (auto v = attributes.GetString("network.peer.address"); !v.empty()) {
    return {v, attributes.GetInt("network.peer.port")};
  }
  if (auto v = attributes.GetString("db.name"); !v.empty()) return {v, 0};
  if (auto v = attributes.GetString("db.namespace"); !v.empty()) return {v, 0};
  return {};
}

enum class IpFamily { kNone, kV4, kV6 };

IpFamily FamilyOf(std::string_view host) {
  const std::string text(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return IpFamily::kV4;
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return IpFamily::kV6;
  return IpFamily::kNone;
}

void WriteRemoteEndpoint(JsonWriter& w, const RemoteEndpoint& remote) {
  w.Key("remoteEndpoint").BeginObject();
  switch (FamilyOf(remote.host)) {
    case IpFamily::kV4: w.Key("ipv4").String(remote.host); break;
    case IpFamily::kV6: w.Key("ipv6").String(remote.host); break;
    case IpFamily::kNone: w.Key("serviceName").String(remote.host); break;
  }
  if (remote.port > 0 && remote.port <= 65535) w.Key("port").Int(remote.port);
  w.EndObject();
}

// "name", or "name": {"key":value,...} when the event has attributes.
std::string AnnotationValue(const SpanEvent& event) {
  if (event.attributes.empty()) return event.name;
  std::string out;
  AppendJsonString(out, event.name);
  JsonWriter attrs;
  attrs.BeginObject();
  for (const AttributeView a : event.attributes) {
    attrs.Key(a.key);
    WriteAttributeValue(attrs, a.ToAttribute().value);
  }
  attrs.EndObject();
  return StrCat(out, ": ", attrs.str());
}

void WriteSpan(JsonWriter& w, const SpanRecord& span, std::string_view service_name,
               std::span<const Attribute> resource_tags) {
  w.BeginObject();
  w.Key("traceId").String(span.context.trace_id().ToHex());
  w.Key("id").String(span.context.span_id().ToHex());
  if (span.parent_span_id.IsValid()) w.Key("parentId").String(span.parent_span_id.ToHex());
  w.Key("name").String(span.name);
  if (const std::string_view kind = KindName(span.kind); !kind.empty()) w.Key("kind").String(kind);
  const SpanRecord::WallTimes times = span.Times();
  w.Key("timestamp").Int(times.start_unix_ns / kNanosPerMicro);
  w.Key("duration").Int((times.end_unix_ns - times.start_unix_ns) / kNanosPerMicro);
  w.Key("localEndpoint").BeginObject().Key("serviceName").String(service_name).EndObject();
  if (span.kind == SpanKind::kClient || span.kind == SpanKind::kProducer) {
    if (const RemoteEndpoint remote = RemoteOf(span.attributes); !remote.host.empty()) WriteRemoteEndpoint(w, remote);
  }
  if (!span.events.empty()) {
    w.Key("annotations").BeginArray();
    for (const SpanEvent& event : span.events) {
      w.BeginObject();
      w.Key("timestamp").Int(event.time_unix_ns / kNanosPerMicro);
      w.Key("value").String(AnnotationValue(event));
      w.EndObject();
    }
    w.EndArray();
  }

  w.Key("tags").BeginObject();
  for (const Attribute& a : resource_tags) w.Key(a.key).String(ZipkinTagValue(a.value));
  for (const AttributeView a : span.attributes) {
    // Only the status may say "error": a boolean error attribute would mark
    // the span failed in Zipkin whatever its value.
    if (a.key == "error") continue;
    w.Key(a.key).String(ZipkinTagValue(a.ToAttribute().value));
  }
  if (span.scope != nullptr && !span.scope->name.empty()) {
    w.Key("otel.scope.name").String(span.scope->name);
    if (!span.scope->version.empty()) w.Key("otel.scope.version").String(span.scope->version);
  }
  if (span.status == StatusCode::kOk) w.Key("otel.status_code").String("OK");
  if (span.status == StatusCode::kError) {
    w.Key("otel.status_code").String("ERROR");
    w.Key("error").String(span.status_message);
  }
  if (span.attributes.dropped() > 0) w.Key("otel.dropped_attributes_count").String(StrCat(span.attributes.dropped()));
  if (span.dropped_events > 0) w.Key("otel.dropped_events_count").String(StrCat(span.dropped_events));
  if (span.dropped_links > 0) w.Key("otel.dropped_links_count").String(StrCat(span.dropped_links));
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string ZipkinTagValue(const AttributeValue& value) {
  return std::visit(
      [&value](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return StrCat(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return DoubleText(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          JsonWriter w;
          WriteAttributeValue(w, value);
          return w.str();
        }
      },
      value);
}

ZipkinEncoder::ZipkinEncoder(const Resource& resource) : service_name_(resource.GetString("service.name")) {
  if (service_name_.empty()) service_name_ = "unknown_service";
  for (const AttributeView a : resource.attributes()) {
    if (a.key != "service.name") resource_tags_.push_back(a.ToAttribute());
  }
}

void ZipkinEncoder::Encode(std::span<const SpanRecordPtr> spans, std::string& out) const {
  JsonWriter w;
  w.BeginArray();
  for (const SpanRecordPtr& span : spans) WriteSpan(w, *span, service_name_, resource_tags_);
  w.EndArray();
  out = w.str();
}

}  // namespace qtrace
