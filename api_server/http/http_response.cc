#include "api_server/http/http_response.h"

#include "qtrace/sdk/common/strings.h"

namespace qtrace::http {

void HttpResponse::SetHeader(std::string_view lower_name, std::string_view value) {
  for (auto& [name, existing] : headers) {
    if (name == lower_name) {
      existing.assign(value);
      return;
    }
  }
  headers.emplace_back(std::string(lower_name), std::string(value));
}

std::optional<std::string_view> HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

HttpResponse HttpResponse::Text(int status, std::string_view body) {
  HttpResponse r;
  r.status = status;
  r.body.assign(body);
  r.headers.emplace_back("content-type", "text/plain; charset=utf-8");
  return r;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("content-type", "application/json");
  return r;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void AppendResponseBytes(const HttpResponse& response, bool keep_alive, bool head_request, std::string& out) {
  out.append("HTTP/1.1 ");
  out.append(std::to_string(response.status));
  out.push_back(' ');
  out.append(ReasonPhrase(response.status));
  out.append("\r\n");
  for (const auto& [name, value] : response.headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("content-length: ").append(std::to_string(response.body.size())).append("\r\n");
  if (!keep_alive) out.append("connection: close\r\n");
  out.append("\r\n");
  if (!head_request) out.append(response.body);
}

}  // namespace qtrace::http
