#include "qtrace/exporter/http_sender.h"

#include <algorithm>
#include <mutex>

#include "absl/time/clock.h"
#include "qtrace/exporter/otlp_response.h"
#include "qtrace/sdk/common/endpoint.h"
#include "qtrace/version.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// The specification's limit on an OTLP/HTTP response body: a larger one is
// an error that retrying cannot fix.
constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool IsRetryableStatus(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }

}  // namespace

absl::StatusOr<std::unique_ptr<HttpSender>> HttpSender::Create(HttpSenderOptions options) {
  GlobalInit();
  std::unique_ptr<HttpSender> sender(new HttpSender(std::move(options)));
  const HttpSenderOptions& o = sender->options_;
  sender->curl_ = curl_easy_init();
  if (sender->curl_ == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* c = sender->curl_;

  curl_slist* list = nullptr;
  list = curl_slist_append(list, o.json ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
  if (o.gzip) list = curl_slist_append(list, "Content-Encoding: gzip");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  for (const auto& [key, value] : o.headers) list = curl_slist_append(list, StrCat(key, ": ", value).c_str());
  sender->header_list_ = list;

  curl_easy_setopt(c, CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "qtrace-OTLP-Exporter-Cpp/" QTRACE_VERSION);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.client_certificate_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, o.client_certificate_file.c_str());
  if (!o.client_key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, o.client_key_file.c_str());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &HttpSender::OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, sender.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &HttpSender::OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, sender.get());
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &HttpSender::OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, sender.get());
  return sender;
}

HttpSender::~HttpSender() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
  curl_slist_free_all(header_list_);
}

std::string HttpSender::Describe() const { return StrCat(options_.json ? "http/json " : "http/protobuf ", options_.url); }

std::size_t HttpSender::OnHeader(char* data, std::size_t size, std::size_t count, void* self) {
  auto* sender = static_cast<HttpSender*>(self);
  const std::string_view line(data, size * count);
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos && ToLower(Trim(line.substr(0, colon))) == "retry-after") {
    sender->retry_after_ = std::string(Trim(line.substr(colon + 1)));
  }
  return size * count;
}

std::size_t HttpSender::OnBody(char* data, std::size_t size, std::size_t count, void* self) {
  auto* sender = static_cast<HttpSender*>(self);
  const std::size_t n = size * count;
  if (sender->response_body_.size() + n > kMaxResponseBytes) {
    sender->response_too_large_ = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  sender->response_body_.append(data, n);
  return n;
}

int HttpSender::OnProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<HttpSender*>(self)->cancelled_.load(std::memory_order_acquire) ? 1 : 0;
}

bool HttpSender::ClientCertificateMissing() {
  if (!options_.client_certificate_file.empty()) return false;
  absl::StatusOr<ParsedEndpoint> endpoint = ParseEndpoint(options_.url);
  return endpoint.ok() && endpoint->scheme == "https" && certificate_diagnosis_.Required(endpoint->host, endpoint->port);
}

SendOutcome HttpSender::Send(std::string_view body, absl::Time deadline) {
  if (cancelled_.load(std::memory_order_acquire)) return SendOutcome::Retryable("cancelled");
  const absl::Duration left = std::min(options_.timeout, deadline - absl::Now());
  if (left <= absl::ZeroDuration()) return SendOutcome::Retryable("no time left before the export deadline");
  response_body_.clear();
  response_too_large_ = false;
  retry_after_.clear();
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  // 0 is libcurl's "no limit" (both timeouts 0: the specification's no limit).
  const long timeout_ms =
      left == absl::InfiniteDuration() ? 0L : static_cast<long>(std::max<std::int64_t>(1, absl::ToInt64Milliseconds(left)));
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeout_ms);

  const CURLcode rc = curl_easy_perform(curl_);
  if (response_too_large_) {
    return SendOutcome::Permanent(StrCat("response from ", options_.url, " is larger than 4 MiB"));
  }
  if (rc != CURLE_OK) {
    const std::string reason = StrCat(curl_easy_strerror(rc), " (", options_.url, ")");
    // A collector that demands mutual TLS, reached without a client
    // certificate, ends the connection after the handshake: it reads as a
    // send or receive error, which retrying cannot fix.
    if ((rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) && ClientCertificateMissing()) {
      return SendOutcome::Permanent(ClientCertificateDiagnosis::Message(options_.url));
    }
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_ABORTED_BY_CALLBACK:
        return SendOutcome::Retryable(reason);
      default:
        // TLS verification failures, bad URLs, missing certificate files:
        // retrying cannot help.
        return SendOutcome::Permanent(reason);
    }
  }
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) {
    const PartialSuccess partial =
        options_.json ? ParsePartialSuccessJson(response_body_) : ParsePartialSuccessProtobuf(response_body_);
    SendOutcome ok = SendOutcome::Ok();
    ok.rejected_spans = partial.rejected_spans;
    ok.partial_message = partial.error_message;
    return ok;
  }
  const std::string reason = StrCat("HTTP ", static_cast<int>(status), " from ", options_.url);
  if (IsRetryableStatus(status)) return SendOutcome::Retryable(reason, ParseRetryAfter(retry_after_, absl::Now()));
  return SendOutcome::Permanent(reason);
}

}  // namespace qtrace
