#include "tools/otlp-sink/trace_collector.h"

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::sink {
namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

std::string Hex(const std::string& bytes) {
  std::string out(bytes.size() * 2, '0');
  WriteLowerHex(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), out.data());
  return out;
}

void WriteValue(JsonWriter& w, const common::AnyValue& v);

void WriteAttributes(JsonWriter& w, const google::protobuf::RepeatedPtrField<common::KeyValue>& attributes) {
  w.BeginObject();
  for (const common::KeyValue& kv : attributes) {
    w.Key(kv.key());
    WriteValue(w, kv.value());
  }
  w.EndObject();
}

void WriteValue(JsonWriter& w, const common::AnyValue& v) {
  switch (v.value_case()) {
    case common::AnyValue::kStringValue: w.String(v.string_value()); break;
    case common::AnyValue::kBoolValue: w.Bool(v.bool_value()); break;
    case common::AnyValue::kIntValue: w.Int(v.int_value()); break;
    case common::AnyValue::kDoubleValue: w.Double(v.double_value()); break;
    case common::AnyValue::kBytesValue: w.String(absl::Base64Escape(v.bytes_value())); break;
    case common::AnyValue::kArrayValue:
      w.BeginArray();
      for (const common::AnyValue& item : v.array_value().values()) WriteValue(w, item);
      w.EndArray();
      break;
    case common::AnyValue::kKvlistValue: WriteAttributes(w, v.kvlist_value().values()); break;
    case common::AnyValue::VALUE_NOT_SET: w.Null(); break;
  }
}

std::string ValueText(const common::AnyValue& v) {
  JsonWriter w;
  WriteValue(w, v);
  return v.value_case() == common::AnyValue::kStringValue ? v.string_value() : w.str();
}

std::string ServiceName(const trace::ResourceSpans& rs) {
  for (const common::KeyValue& kv : rs.resource().attributes()) {
    if (kv.key() == "service.name") return kv.value().string_value();
  }
  return "unknown_service";
}

std::string_view KindName(int kind) {
  static constexpr std::string_view kNames[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
  return kind >= 0 && kind <= 5 ? kNames[kind] : "UNKNOWN";
}

// The attributes a reader of a trace tree looks for first.
constexpr std::string_view kKeyAttributes[] = {
    "http.request.method", "http.route", "http.response.status_code", "url.full", "db.system.name",
    "db.operation.name",   "db.collection.name", "error.type", "http.request_id"};

std::string TreeText(const std::string& service, const trace::Span& span) {
  const double ms = static_cast<double>(span.end_time_unix_nano() - span.start_time_unix_nano()) / 1e6;
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3fms", ms);
  std::string status = span.status().code() == trace::Status::STATUS_CODE_ERROR ? "ERROR"
                       : span.status().code() == trace::Status::STATUS_CODE_OK  ? "OK"
                                                                                : "UNSET";
  if (!span.status().message().empty()) status += "(" + span.status().message() + ")";
  std::string text = StrCat(service, "  ", span.name(), "  ", KindName(span.kind()), "  ", duration, "  ", status);
  for (std::string_view key : kKeyAttributes) {
    for (const common::KeyValue& kv : span.attributes()) {
      if (kv.key() == key) text += StrCat("  ", key, "=", ValueText(kv.value()));
    }
  }
  return text;
}

std::string SpanJsonLine(const trace::ResourceSpans& rs, const trace::ScopeSpans& ss, const trace::Span& span,
                         std::string_view transport, std::int64_t received_unix_nano) {
  JsonWriter w;
  w.BeginObject();
  w.Key("service").String(ServiceName(rs));
  w.Key("scope").String(ss.scope().name());
  w.Key("trace_id").String(Hex(span.trace_id()));
  w.Key("span_id").String(Hex(span.span_id()));
  w.Key("parent_span_id").String(Hex(span.parent_span_id()));
  w.Key("name").String(span.name());
  w.Key("kind").Int(span.kind());
  w.Key("start_unix_nano").String(std::to_string(span.start_time_unix_nano()));
  w.Key("end_unix_nano").String(std::to_string(span.end_time_unix_nano()));
  w.Key("status").BeginObject().Key("code").Int(span.status().code()).Key("message").String(span.status().message());
  w.EndObject();
  w.Key("attributes");
  WriteAttributes(w, span.attributes());
  w.Key("dropped_attributes_count").Int(span.dropped_attributes_count());
  w.Key("events").BeginArray();
  for (const trace::Span::Event& e : span.events()) {
    w.BeginObject().Key("name").String(e.name()).Key("time_unix_nano").String(std::to_string(e.time_unix_nano()));
    w.Key("attributes");
    WriteAttributes(w, e.attributes());
    w.Key("dropped_attributes_count").Int(e.dropped_attributes_count());
    w.EndObject();
  }
  w.EndArray();
  w.Key("dropped_events_count").Int(span.dropped_events_count());
  w.Key("links").BeginArray();
  for (const trace::Span::Link& l : span.links()) {
    w.BeginObject().Key("trace_id").String(Hex(l.trace_id())).Key("span_id").String(Hex(l.span_id()));
    w.Key("trace_state").String(l.trace_state()).Key("flags").Int(l.flags());
    w.Key("attributes");
    WriteAttributes(w, l.attributes());
    w.Key("dropped_attributes_count").Int(l.dropped_attributes_count());
    w.EndObject();
  }
  w.EndArray();
  w.Key("dropped_links_count").Int(span.dropped_links_count());
  w.Key("flags").Int(span.flags());
  w.Key("trace_state").String(span.trace_state());
  w.Key("resource");
  WriteAttributes(w, rs.resource().attributes());
  w.Key("scope_version").String(ss.scope().version());
  w.Key("transport").String(transport);
  w.Key("received_unix_nano").String(std::to_string(received_unix_nano));
  w.EndObject();
  return w.str();
}

}  // namespace

TraceCollector::TraceCollector(CollectorOptions options, std::ostream& out) : options_(std::move(options)), out_(out) {
  if (!options_.jsonl_path.empty()) jsonl_.open(options_.jsonl_path, std::ios::out | std::ios::trunc);
  if (options_.print_trees) printer_ = std::thread([this] { PrintLoop(); });
}

TraceCollector::~TraceCollector() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (printer_.joinable()) printer_.join();
  FlushTrees();
}

std::int64_t TraceCollector::Add(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request, std::string_view transport) {
  std::int64_t count = 0;
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = absl::Now();
  for (const trace::ResourceSpans& rs : request.resource_spans()) {
    const std::string service = ServiceName(rs);
    for (const trace::ScopeSpans& ss : rs.scope_spans()) {
      for (const trace::Span& span : ss.spans()) {
        ++count;
        if (options_.count_distinct && !seen_.insert(span.trace_id() + span.span_id()).second) ++duplicates_;
        if (jsonl_.is_open()) jsonl_ << SpanJsonLine(rs, ss, span, transport, absl::ToUnixNanos(now)) << '\n';
        if (!options_.print_trees) continue;
        PendingTrace& pending = pending_[Hex(span.trace_id())];
        pending.spans.push_back(SpanLine{Hex(span.span_id()), Hex(span.parent_span_id()), TreeText(service, span)});
        pending.last_arrival = now;
      }
    }
  }
  if (jsonl_.is_open()) jsonl_.flush();
  return count;
}

std::int64_t TraceCollector::distinct() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<std::int64_t>(seen_.size());
}

std::int64_t TraceCollector::duplicates() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

void TraceCollector::PrintTrace(const std::string& trace_id, const PendingTrace& trace) {
  out_ << "trace " << trace_id << " (" << trace.spans.size() << " spans)\n";
  // Depth-first from the roots: spans whose parent is empty or was not received.
  auto known = [&](const std::string& id) {
    for (const SpanLine& s : trace.spans) {
      if (s.span_id == id) return true;
    }
    return false;
  };
  std::function<void(const SpanLine&, int)> print = [&](const SpanLine& span, int depth) {
    out_ << std::string(2 * depth + 2, ' ') << span.text << '\n';
    for (const SpanLine& child : trace.spans) {
      if (child.parent_span_id == span.span_id) print(child, depth + 1);
    }
  };
  for (const SpanLine& span : trace.spans) {
    if (span.parent_span_id.empty() || !known(span.parent_span_id)) {
      if (!span.parent_span_id.empty()) out_ << "  (parent " << span.parent_span_id << " in another process)\n";
      print(span, 0);
    }
  }
  out_.flush();
}

void TraceCollector::FlushTrees() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, trace] : pending_) PrintTrace(id, trace);
  pending_.clear();
}

void TraceCollector::PrintLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; });
    const absl::Time cutoff = absl::Now() - options_.quiet_period;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.last_arrival <= cutoff) {
        PrintTrace(it->first, it->second);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace qtrace::sink
