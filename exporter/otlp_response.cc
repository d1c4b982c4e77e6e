#include "qtrace/exporter/otlp_response.h"

#include <curl/curl.h>

#include "qtrace/exporter/proto_reader.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// The value after "key": in a flat scan of json, as text without quotes.
std::optional<std::string_view> JsonValueAfterKey(std::string_view json, std::string_view key) {
  const std::string quoted = StrCat("\"", key, "\"");
  std::size_t at = json.find(quoted);
  if (at == std::string_view::npos) return std::nullopt;
  at = json.find(':', at + quoted.size());
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = Trim(json.substr(at + 1));
  if (rest.empty()) return std::nullopt;
  if (rest.front() == '"') {
    std::size_t end = 1;
    while (end < rest.size() && rest[end] != '"') end += rest[end] == '\\' ? 2 : 1;
    return rest.substr(1, std::min(end, rest.size()) - 1);
  }
  const std::size_t end = rest.find_first_of(",}] \t\r\n");
  return rest.substr(0, end);
}

}  // namespace

PartialSuccess ParsePartialSuccessProtobuf(std::string_view bytes) {
  PartialSuccess out;
  ProtoReader response(bytes);
  ProtoReader::Field field;
  while (response.Next(field)) {
    if (!field.Is(1, ProtoReader::kLengthDelimited)) continue;  // partial_success
    ProtoReader partial(field.bytes);
    ProtoReader::Field inner;
    while (partial.Next(inner)) {
      if (inner.Is(1, ProtoReader::kVarint)) out.rejected_spans = static_cast<std::int64_t>(inner.varint);
      if (inner.Is(2, ProtoReader::kLengthDelimited)) out.error_message = std::string(inner.bytes);
    }
  }
  return out;
}

PartialSuccess ParsePartialSuccessJson(std::string_view json) {
  PartialSuccess out;
  if (auto rejected = JsonValueAfterKey(json, "rejectedSpans")) ParseInt64(*rejected, &out.rejected_spans);
  if (auto message = JsonValueAfterKey(json, "errorMessage")) out.error_message = std::string(*message);
  return out;
}

std::optional<absl::Duration> ParseRetryInfo(std::string_view status_bytes) {
  constexpr std::string_view kRetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
  constexpr auto kBytes = ProtoReader::kLengthDelimited;
  ProtoReader status(status_bytes);
  ProtoReader::Field detail;
  while (status.Next(detail)) {
    if (!detail.Is(3, kBytes)) continue;  // details: repeated google.protobuf.Any
    ProtoReader any(detail.bytes);
    std::string_view type_url, value;
    for (ProtoReader::Field f; any.Next(f);) {
      if (f.Is(1, kBytes)) type_url = f.bytes;
      if (f.Is(2, kBytes)) value = f.bytes;
    }
    if (type_url != kRetryInfoType) continue;
    ProtoReader retry_info(value);
    for (ProtoReader::Field delay; retry_info.Next(delay);) {
      if (!delay.Is(1, kBytes)) continue;  // retry_delay: google.protobuf.Duration
      ProtoReader duration(delay.bytes);
      std::int64_t seconds = 0, nanos = 0;
      for (ProtoReader::Field f; duration.Next(f);) {
        if (f.Is(1, ProtoReader::kVarint)) seconds = static_cast<std::int64_t>(f.varint);
        if (f.Is(2, ProtoReader::kVarint)) nanos = static_cast<std::int64_t>(f.varint);
      }
      return absl::Seconds(seconds) + absl::Nanoseconds(nanos);
    }
  }
  return std::nullopt;
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now) {
  value = Trim(value);
  std::int64_t seconds = 0;
  if (ParseInt64(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at < 0) return std::nullopt;
  return std::max(absl::ZeroDuration(), absl::FromUnixSeconds(at) - now);
}

}  // namespace qtrace
