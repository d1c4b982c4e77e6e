// HttpSender: OTLP/HTTP (POST /v1/traces) through one reused libcurl handle,
// so the connection (and TLS session) is kept alive between exports.
//
//  * Content-Type application/x-protobuf or application/json; gzip bodies
//    carry Content-Encoding: gzip (the exporter compresses them).
//  * TLS verification is always on for https://: the system roots, or the
//    CA file given; a client certificate and key for mTLS.
//  * 429, 502, 503, 504 are retryable (with Retry-After honoured), and so are
//    a refused connection, a timeout and a connection dropped before the
//    answer; every other status is permanent.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "qtrace/exporter/sender.h"
#include "qtrace/exporter/tls_probe.h"

namespace qtrace {

struct HttpSenderOptions {
  std::string url;  // the full traces URL
  bool json = false;
  bool gzip = false;  // the body given to Send is gzip-compressed
  std::vector<std::pair<std::string, std::string>> headers;
  std::string ca_file;
  std::string client_certificate_file;
  std::string client_key_file;
  absl::Duration timeout = absl::Seconds(10);  // per attempt (OTEL_EXPORTER_OTLP_TIMEOUT)
};

class HttpSender final : public Sender {
 public:
  static absl::StatusOr<std::unique_ptr<HttpSender>> Create(HttpSenderOptions options);
  ~HttpSender() override;

  SendOutcome Send(std::string_view body, absl::Time deadline) override;
  void Cancel() override { cancelled_.store(true, std::memory_order_release); }
  std::string Describe() const override;

 private:
  explicit HttpSender(HttpSenderOptions options) : options_(std::move(options)) {}
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* self);
  static int OnProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  const HttpSenderOptions options_;
  CURL* curl_ = nullptr;
  curl_slist* header_list_ = nullptr;
  std::atomic<bool> cancelled_{false};
  // Per attempt, written by the curl callbacks.
  // After a send/receive error over https without a client certificate:
  // whether the collector demands one (exporter/tls_probe.h).
  bool ClientCertificateMissing();
  ClientCertificateDiagnosis certificate_diagnosis_;
  bool response_too_large_ = false;  // the last response passed kMaxResponseBytes
  std::string response_body_;
  std::string retry_after_;
};

}  // namespace qtrace
