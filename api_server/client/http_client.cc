#include "api_server/client/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::client {
namespace {

class HeaderListCarrier final : public TextMapCarrier {
 public:
  std::optional<std::string_view> Get(std::string_view) const override { return std::nullopt; }
  void Set(std::string_view key, std::string_view value) override { lines.push_back(StrCat(key, ": ", value)); }
  std::vector<std::string> lines;
};

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  const std::size_t n = size * count;
  if (body->size() + n <= 1024 * 1024) body->append(data, n);
  return n;
}

struct ServerOfUrl {
  std::string host;  // without IPv6 brackets
  std::int64_t port = 0;
};

// server.address and server.port of any URL libcurl accepts (user
// information, query and fragment included), through libcurl's own URL
// parser rather than one of ours; the port defaults to the scheme's.
std::optional<ServerOfUrl> ServerOf(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) return std::nullopt;
  std::unique_ptr<char, decltype(&curl_free)> host_guard(host, &curl_free);
  if (curl_url_get(parsed.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) return std::nullopt;
  std::unique_ptr<char, decltype(&curl_free)> port_guard(port, &curl_free);
  ServerOfUrl out;
  std::string_view h(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  out.host = std::string(h);
  if (!ParseInt64(port, &out.port)) return std::nullopt;
  return out;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out;
  const std::size_t scheme_end = url.find("://");
  std::size_t host_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  out.append(url.substr(0, host_start));
  std::string_view rest = url.substr(host_start);
  const std::size_t path_start = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, path_start);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    out.append("REDACTED:REDACTED@").append(authority.substr(at + 1));
  } else {
    out.append(authority);
  }
  if (path_start == std::string_view::npos) return out;
  rest = rest.substr(path_start);
  const std::size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const std::size_t q = rest.find('?');
  out.append(rest.substr(0, q));
  if (q == std::string_view::npos) return out;
  out.push_back('?');
  out.append(RedactQueryValues(rest.substr(q + 1), [](std::string_view) { return true; }));
  return out;
}

absl::StatusOr<ClientResponse> TracedHttpClient::PostJson(const std::string& url, std::string_view body) const {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  Span span = tracer_.StartSpan("POST", SpanKind::kClient);
  const std::string redacted = RedactUrl(url);
  if (span.IsRecording()) {
    span.SetAttribute("http.request.method", "POST").SetAttribute("url.full", redacted);
    if (std::optional<ServerOfUrl> server = ServerOf(url)) {
      span.SetAttribute("server.address", server->host).SetAttribute("server.port", server->port);
    }
  }
  const Scope scope = span.Activate();
  HeaderListCarrier carrier;
  propagator_.Inject(Context::Current(), carrier);

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  for (const std::string& line : carrier.lines) headers = curl_slist_append(headers, line.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers, &curl_slist_free_all);
  ClientResponse response;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout_)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    span.SetAttribute("error.type", rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection_error");
    span.SetStatus(StatusCode::kError, curl_easy_strerror(rc));
    // No HTTP answer at all: what instrumentations in languages with
    // exceptions record as the exception the call raised (an IOException, a
    // ConnectionError), so that backends show it where they show exceptions.
    span.RecordException(StrCat("libcurl error ", static_cast<int>(rc)), curl_easy_strerror(rc));
    return absl::UnavailableError(StrCat("POST ", redacted, ": ", curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  span.SetAttribute("http.response.status_code", static_cast<std::int64_t>(status));
  if (status >= 400) {
    span.SetAttribute("error.type", std::to_string(status));
    span.SetStatus(StatusCode::kError);
  }
  return response;
}

}  // namespace qtrace::client
