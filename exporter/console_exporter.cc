#include "qtrace/exporter/console_exporter.h"

#include <cstdio>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

std::string_view KindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInternal: return "INTERNAL";
    case SpanKind::kServer: return "SERVER";
    case SpanKind::kClient: return "CLIENT";
    case SpanKind::kProducer: return "PRODUCER";
    case SpanKind::kConsumer: return "CONSUMER";
  }
  return "INTERNAL";
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(items[i]);
  }
  return out;
}

std::string ValueText(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_arithmetic_v<T>) {
          return StrCat(v);
        } else {
          std::vector<std::string> items;
          for (const auto& item : v) {
            if constexpr (std::is_same_v<typename T::value_type, std::string>) {
              items.push_back(item);
            } else {
              items.push_back(StrCat(static_cast<typename T::value_type>(item)));
            }
          }
          return StrCat("[", Join(items, ","), "]");
        }
      },
      value);
}

}  // namespace

std::string ConsoleExporter::FormatSpan(const SpanRecord& span) {
  const std::string status = span.status == StatusCode::kError ? StrCat("ERROR(", span.status_message, ")")
                             : span.status == StatusCode::kOk  ? std::string("OK")
                                                               : std::string("UNSET");
  std::vector<std::string> attrs;
  for (const AttributeView a : span.attributes) attrs.push_back(StrCat(a.key, "=", ValueText(a.ToAttribute().value)));
  char duration[32];
  const SpanRecord::WallTimes times = span.Times();
  std::snprintf(duration, sizeof duration, "%.3fms",
                static_cast<double>(times.end_unix_ns - times.start_unix_ns) / 1e6);
  return StrCat(span.context.trace_id().ToHex(), " ", span.context.span_id().ToHex(), " <- ",
                span.parent_span_id.IsValid() ? span.parent_span_id.ToHex() : std::string("root"), " ",
                KindName(span.kind), " \"", span.name, "\" ", duration, " ", status, " {", Join(attrs, ", "), "}");
}

absl::Status ConsoleExporter::Export(std::span<const SpanRecordPtr> batch) {
  if (shut_down_) return absl::FailedPreconditionError("console exporter is shut down");
  for (const SpanRecordPtr& span : batch) out_ << FormatSpan(*span) << '\n';
  out_.flush();
  return out_.good() ? absl::OkStatus() : absl::UnavailableError("console output failed");
}

absl::Status ConsoleExporter::Shutdown(absl::Duration) {
  shut_down_ = true;
  out_.flush();
  return absl::OkStatus();
}

}  // namespace qtrace
