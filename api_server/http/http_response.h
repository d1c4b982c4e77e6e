// HttpResponse: what a handler returns. The server adds Content-Length and
// Connection; a handler sets status, headers and body.
#pragma once

#include <string>
#include <string_view>

#include "api_server/http/http_request.h"

namespace qtrace::http {

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  // Close the connection after this response (errors that leave the stream
  // unreadable, such as a body that was never read).
  bool close_connection = false;

  // Replaces a header of that (lower-case) name or adds it.
  void SetHeader(std::string_view lower_name, std::string_view value);
  std::optional<std::string_view> Header(std::string_view lower_name) const;

  static HttpResponse Text(int status, std::string_view body);
  static HttpResponse Json(int status, std::string body);
};

// The reason phrase of a status code ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

// Appends the response as HTTP/1.1 bytes. For HEAD responses the body is left
// out but Content-Length still gives its size.
void AppendResponseBytes(const HttpResponse& response, bool keep_alive, bool head_request, std::string& out);

}  // namespace qtrace::http
