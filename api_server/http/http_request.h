// HttpRequest: one parsed HTTP/1.x request, plus what the router and the
// server add to it (matched route template, path parameters, peer address).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qtrace::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string target;  // as received: path plus optional "?query"
  int version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  HeaderList headers;     // names in lower case, in arrival order
  std::string body;
  bool keep_alive = true;

  // Set by the server.
  std::string peer_address;
  std::uint16_t peer_port = 0;
  std::uint16_t local_port = 0;
  bool tls = false;

  // Set by the router: the matched template ("/api/v1/projects/{id}"), empty
  // when nothing matched, and the decoded values of its parameters.
  std::string route;
  std::vector<std::pair<std::string, std::string>> params;

  // Set by the request-id middleware: the id echoed in x-request-id, put on
  // the server span and in every log line of the request.
  std::string request_id;

  std::string_view path() const { return std::string_view(target).substr(0, target.find('?')); }
  std::string_view query() const {
    const std::size_t q = target.find('?');
    return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  }

  // The first header of that (lower-case) name.
  std::optional<std::string_view> Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return std::nullopt;
  }

  std::string_view Param(std::string_view name) const {
    for (const auto& [key, value] : params) {
      if (key == name) return value;
    }
    return {};
  }
};

}  // namespace qtrace::http
