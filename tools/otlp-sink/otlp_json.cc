#include "tools/otlp-sink/otlp_json.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/escaping.h"
#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::sink {
namespace {

bool IsIdField(std::string_view key) {
  return key == "traceId" || key == "spanId" || key == "parentSpanId" || key == "trace_id" || key == "span_id" ||
         key == "parent_span_id";
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Copies json, replacing the string value of every id field (hex) by its
// base64 form. Works on the text so that no number passes through a double.
absl::StatusOr<std::string> RewriteIds(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool next_string_is_id = false;
  std::size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c != '"') {
      if (next_string_is_id && !IsJsonSpace(c) && c != ':') next_string_is_id = false;  // null or a number
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
    if (j >= json.size()) return absl::InvalidArgumentError("invalid JSON: unterminated string");
    const std::string_view token = json.substr(i + 1, j - i - 1);
    if (next_string_is_id) {
      std::string bytes(token.size() / 2, '\0');
      if (token.size() % 2 != 0 ||
          !ParseLowerHex(ToLower(token), reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size())) {
        return absl::InvalidArgumentError(StrCat("'", token, "' is not a hex id"));
      }
      out.append("\"").append(absl::Base64Escape(bytes)).append("\"");
      next_string_is_id = false;
    } else {
      out.append(json.substr(i, j - i + 1));
      std::size_t k = j + 1;
      while (k < json.size() && IsJsonSpace(json[k])) ++k;
      next_string_is_id = k < json.size() && json[k] == ':' && IsIdField(token);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

absl::StatusOr<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest> ParseOtlpJson(
    std::string_view json) {
  absl::StatusOr<std::string> rewritten = RewriteIds(json);
  if (!rewritten.ok()) return rewritten.status();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  const auto status = google::protobuf::util::JsonStringToMessage(*rewritten, &request, options);
  if (!status.ok()) return absl::InvalidArgumentError(StrCat("not an OTLP request: ", std::string(status.message())));
  return request;
}

}  // namespace qtrace::sink
