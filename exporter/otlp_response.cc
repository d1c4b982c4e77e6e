#include "exporter/otlp_response.h"

#include <curl/curl.h>

#include "sdk/strings.h"

namespace qtrace {
namespace {

// A minimal protobuf reader over one message's bytes.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : data_(bytes) {}

  bool done() const { return pos_ >= data_.size() || failed_; }
  bool failed() const { return failed_; }

  std::uint64_t Varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    failed_ = true;
    return 0;
  }

  // Reads the next field: its number and, for length-delimited ones, bytes.
  // Skips fields of other wire types. false at the end or on malformed input.
  bool Next(std::uint32_t& field, std::uint32_t& wire_type, std::uint64_t& varint, std::string_view& bytes) {
    if (done()) return false;
    const std::uint64_t tag = Varint();
    field = static_cast<std::uint32_t>(tag >> 3);
    wire_type = static_cast<std::uint32_t>(tag & 7);
    switch (wire_type) {
      case 0: varint = Varint(); break;
      case 1: Skip(8); break;
      case 5: Skip(4); break;
      case 2: {
        const std::uint64_t length = Varint();
        if (length > data_.size() - pos_) {
          failed_ = true;
          return false;
        }
        bytes = data_.substr(pos_, length);
        pos_ += length;
        break;
      }
      default: failed_ = true; return false;
    }
    return !failed_;
  }

 private:
  void Skip(std::size_t n) {
    if (n > data_.size() - pos_) failed_ = true;
    else pos_ += n;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

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
  WireReader response(bytes);
  std::uint32_t field = 0, type = 0;
  std::uint64_t varint = 0;
  std::string_view nested;
  while (response.Next(field, type, varint, nested)) {
    if (field != 1 || type != 2) continue;
    WireReader partial(nested);
    std::string_view text;
    while (partial.Next(field, type, varint, text)) {
      if (field == 1 && type == 0) out.rejected_spans = static_cast<std::int64_t>(varint);
      if (field == 2 && type == 2) out.error_message = std::string(text);
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
  WireReader status(status_bytes);
  std::uint32_t field = 0, type = 0;
  std::uint64_t varint = 0;
  std::string_view any_bytes;
  while (status.Next(field, type, varint, any_bytes)) {
    if (field != 3 || type != 2) continue;  // details: repeated google.protobuf.Any
    WireReader any(any_bytes);
    std::string_view type_url, value, text;
    while (any.Next(field, type, varint, text)) {
      if (field == 1 && type == 2) type_url = text;
      if (field == 2 && type == 2) value = text;
    }
    if (type_url != kRetryInfoType) continue;
    WireReader retry_info(value);
    std::string_view duration_bytes;
    while (retry_info.Next(field, type, varint, duration_bytes)) {
      if (field != 1 || type != 2) continue;  // retry_delay: google.protobuf.Duration
      WireReader duration(duration_bytes);
      std::int64_t seconds = 0, nanos = 0;
      std::string_view unused;
      while (duration.Next(field, type, varint, unused)) {
        if (field == 1 && type == 0) seconds = static_cast<std::int64_t>(varint);
        if (field == 2 && type == 0) nanos = static_cast<std::int64_t>(varint);
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
