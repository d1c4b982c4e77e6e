#include "api_server/middleware/request_id.h"

#include "api_server/service/logger.h"
#include "sdk/ids.h"

namespace qtrace::middleware {

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string NewRequestId() {
  std::array<std::uint8_t, 16> b = RandomTraceId().bytes();
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  char hex[32];
  WriteLowerHex(b.data(), b.size(), hex);
  const std::string_view h(hex, 32);
  std::string id;
  id.reserve(36);
  id.append(h.substr(0, 8)).append("-").append(h.substr(8, 4)).append("-").append(h.substr(12, 4)).append("-");
  id.append(h.substr(16, 4)).append("-").append(h.substr(20));
  return id;
}

http::Middleware RequestIdMiddleware() {
  return [](http::HttpRequest& request, const http::Handler& next) {
    const std::optional<std::string_view> given = request.Header("x-request-id");
    request.request_id = given && IsAcceptableRequestId(*given) ? std::string(*given) : NewRequestId();
    service::RequestLogScope log_scope(request.request_id);
    http::HttpResponse response = next(request);
    response.SetHeader("x-request-id", request.request_id);
    return response;
  };
}

}  // namespace qtrace::middleware
