// RequestParser tests. The table (ParseCase) is run three ways: all at once,
// byte by byte, and split in two at every point, and every way must give the
// same result, status and request.
#include "api_server/http/request_parser.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace qtrace::http {
namespace {

using namespace std::string_literals;
using Result = RequestParser::Result;

// ---------------------------------------------------------------------------
// Helpers.

std::string_view ResultName(Result r) {
  switch (r) {
    case Result::kNeedMore: return "kNeedMore";
    case Result::kComplete: return "kComplete";
    case Result::kError: return "kError";
  }
  return "?";
}

// Printable form of raw bytes for failure messages.
std::string Escape(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

// The parsed fields of a request (not what the server or router add).
struct Parsed {
  std::string method;
  std::string target;
  int version_minor = 0;
  HeaderList headers;
  std::string body;
  bool keep_alive = false;

  explicit Parsed(const HttpRequest& r)
      : method(r.method), target(r.target), version_minor(r.version_minor), headers(r.headers), body(r.body),
        keep_alive(r.keep_alive) {}
  bool operator==(const Parsed&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Parsed& p) {
  os << p.method << " " << Escape(p.target) << " HTTP/1." << p.version_minor << " keep_alive=" << p.keep_alive
     << " headers={";
  for (const auto& [name, value] : p.headers) os << Escape(name) << ": " << Escape(value) << "; ";
  return os << "} body=" << Escape(p.body);
}

// A request whose head (request line, headers, blank line) is exactly
// head_size bytes, padded through an "x-pad" header. Without the blank line
// when terminated is false (then the text is exactly head_size bytes too).
std::string RequestWithHeadSize(std::size_t head_size, bool terminated = true) {
  const std::string prefix = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
  const std::string suffix = terminated ? "\r\n\r\n" : "";
  return prefix + std::string(head_size - prefix.size() - suffix.size(), 'p') + suffix;
}

ParserLimits SmallLimits(std::size_t header_bytes, std::size_t body_bytes) {
  ParserLimits limits;
  limits.max_header_bytes = header_bytes;
  limits.max_body_bytes = body_bytes;
  return limits;
}

// ---------------------------------------------------------------------------
// The table.

struct ParseCase {
  std::string name;
  std::string input;
  Result result = Result::kComplete;
  int status = 0;  // for kError
  ParserLimits limits;
  // For kComplete: the bytes the request takes (default: all of input).
  std::size_t consumed = std::string::npos;
  std::function<void(const HttpRequest&)> check;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name << " [" << Escape(c.input) << "]"; }

ParseCase Ok(std::string name, std::string input, std::function<void(const HttpRequest&)> check = nullptr) {
  ParseCase c;
  c.name = std::move(name);
  c.input = std::move(input);
  c.result = Result::kComplete;
  c.check = std::move(check);
  return c;
}

ParseCase Err(std::string name, std::string input, int status) {
  ParseCase c;
  c.name = std::move(name);
  c.input = std::move(input);
  c.result = Result::kError;
  c.status = status;
  return c;
}

ParseCase More(std::string name, std::string input) {
  ParseCase c;
  c.name = std::move(name);
  c.input = std::move(input);
  c.result = Result::kNeedMore;
  return c;
}

ParseCase WithLimits(ParseCase c, ParserLimits limits) {
  c.limits = limits;
  return c;
}

const std::string kGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

// A GET with the given request line (no CRLF) and Host header.
std::string Line(std::string_view request_line) { return std::string(request_line) + "\r\nHost: a\r\n\r\n"; }

// A GET / HTTP/1.1 with Host plus the given header lines (each ending CRLF).
std::string WithHeaders(std::string_view header_lines) {
  return "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(header_lines) + "\r\n";
}

// A POST with the given Content-Length header value(s) and body.
std::string Post(std::string_view content_length_lines, std::string_view body) {
  return "POST /p HTTP/1.1\r\nHost: a\r\n" + std::string(content_length_lines) + "\r\n" + std::string(body);
}

// A chunked POST followed by the given chunk encoding.
std::string Chunked(std::string_view encoding) {
  return "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(encoding);
}

std::function<void(const HttpRequest&)> BodyIs(std::string expected) {
  return [expected](const HttpRequest& r) { EXPECT_EQ(r.body, expected); };
}

std::function<void(const HttpRequest&)> KeepAliveIs(bool expected) {
  return [expected](const HttpRequest& r) { EXPECT_EQ(r.keep_alive, expected); };
}

std::function<void(const HttpRequest&)> PathQueryAre(std::string path, std::string query) {
  return [path, query](const HttpRequest& r) {
    EXPECT_EQ(r.path(), path);
    EXPECT_EQ(r.query(), query);
  };
}

std::vector<ParseCase> Cases() {
  std::vector<ParseCase> cases;
  auto add = [&cases](ParseCase c) { cases.push_back(std::move(c)); };

  // --- Valid requests ------------------------------------------------------
  add(Ok("get_minimal", kGet, [](const HttpRequest& r) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/");
    EXPECT_EQ(r.version_minor, 1);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>("host", "a")));
    EXPECT_EQ(r.body, "");
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(r.path(), "/");
    EXPECT_EQ(r.query(), "");
  }));
  add(Ok("get_path_and_query", Line("GET /api/v1/items?limit=10&q=a%20b HTTP/1.1"),
         PathQueryAre("/api/v1/items", "limit=10&q=a%20b")));
  add(Ok("get_empty_query", Line("GET /items? HTTP/1.1"), PathQueryAre("/items", "")));
  add(Ok("get_second_question_mark_in_query", Line("GET /a?b?c HTTP/1.1"), PathQueryAre("/a", "b?c")));
  add(Ok("get_percent_encoded_path", Line("GET /a%2Fb/c%20d HTTP/1.1"), [](const HttpRequest& r) {
    EXPECT_EQ(r.target, "/a%2Fb/c%20d");  // the parser does not decode
    EXPECT_EQ(r.path(), "/a%2Fb/c%20d");
  }));
  add(Ok("get_trailing_slash_kept", Line("GET /dir/ HTTP/1.1"), PathQueryAre("/dir/", "")));
  add(Ok("method_patch", Line("PATCH /x HTTP/1.1"), [](const HttpRequest& r) { EXPECT_EQ(r.method, "PATCH"); }));
  add(Ok("method_extension_token", Line("M-SEARCH /x HTTP/1.1"),
         [](const HttpRequest& r) { EXPECT_EQ(r.method, "M-SEARCH"); }));
  add(Ok("post_with_body", Post("Content-Length: 11\r\n", "hello world"), [](const HttpRequest& r) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/p");
    EXPECT_EQ(r.body, "hello world");
    EXPECT_EQ(r.Header("content-length"), "11");
  }));
  add(Ok("post_body_may_hold_nul_cr_lf", Post("Content-Length: 6\r\n", "a\0\r\nb\n"s), BodyIs("a\0\r\nb\n"s)));
  add(Ok("post_content_length_zero", Post("Content-Length: 0\r\n", ""), BodyIs("")));
  add(Ok("post_without_content_length_has_no_body", "POST /p HTTP/1.1\r\nHost: a\r\n\r\n", BodyIs("")));
  add(Ok("http10_without_host", "GET / HTTP/1.0\r\n\r\n", [](const HttpRequest& r) {
    EXPECT_EQ(r.version_minor, 0);
    EXPECT_TRUE(r.headers.empty());
    EXPECT_FALSE(r.keep_alive);
  }));
  add(Ok("http10_with_host", "GET / HTTP/1.0\r\nHost: a\r\n\r\n", KeepAliveIs(false)));
  add(Ok("http10_post_with_body", "POST /p HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", BodyIs("abc")));
  add(Ok("host_with_port", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
         [](const HttpRequest& r) { EXPECT_EQ(r.Header("host"), "example.com:8080"); }));

  // --- Keep-alive rules ----------------------------------------------------
  add(Ok("keepalive_http11_default_on", kGet, KeepAliveIs(true)));
  add(Ok("keepalive_http11_connection_close", WithHeaders("Connection: close\r\n"), KeepAliveIs(false)));
  add(Ok("keepalive_http11_connection_close_mixed_case", WithHeaders("Connection: Close\r\n"), KeepAliveIs(false)));
  add(Ok("keepalive_http11_close_in_list", WithHeaders("Connection: te, close\r\n"), KeepAliveIs(false)));
  add(Ok("keepalive_http11_explicit_keep_alive", WithHeaders("Connection: keep-alive\r\n"), KeepAliveIs(true)));
  add(Ok("keepalive_http11_other_option", WithHeaders("Connection: upgrade\r\n"), KeepAliveIs(true)));
  add(Ok("keepalive_http10_default_off", "GET / HTTP/1.0\r\n\r\n", KeepAliveIs(false)));
  add(Ok("keepalive_http10_keep_alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", KeepAliveIs(true)));
  add(Ok("keepalive_http10_keep_alive_mixed_case", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
         KeepAliveIs(true)));
  // "close" wins over "keep-alive", whatever their order (RFC 9112 9.3).
  add(Ok("keepalive_http10_keep_alive_then_close", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
         KeepAliveIs(false)));
  add(Ok("keepalive_http10_close_then_keep_alive", "GET / HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n",
         KeepAliveIs(false)));
  add(Ok("keepalive_http10_close_header_then_keep_alive_header",
         "GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", KeepAliveIs(false)));

  // --- Leading empty lines (RFC 9112 2.2) -----------------------------------
  add(Ok("leading_crlf_one", "\r\n" + kGet, [](const HttpRequest& r) { EXPECT_EQ(r.target, "/"); }));
  add(Ok("leading_crlf_two", "\r\n\r\n" + kGet, [](const HttpRequest& r) { EXPECT_EQ(r.target, "/"); }));
  add(Ok("leading_crlf_three_http10", "\r\n\r\n\r\nGET /x HTTP/1.0\r\n\r\n",
         [](const HttpRequest& r) { EXPECT_EQ(r.target, "/x"); }));
  add(More("leading_crlfs_only", "\r\n\r\n\r\n"));
  add(Err("leading_bare_lf", "\n" + kGet, 400));
  add(Err("leading_cr_without_lf", "\r" + kGet, 400));

  // --- Header names and values ---------------------------------------------
  add(Ok("header_names_lower_cased", WithHeaders("X-Custom-HEADER: MixedCase\r\nCONTENT-type: text/plain\r\n"),
         [](const HttpRequest& r) {
           ASSERT_EQ(r.headers.size(), 3u);
           EXPECT_EQ(r.headers[1].first, "x-custom-header");
           EXPECT_EQ(r.headers[1].second, "MixedCase");  // values keep their case
           EXPECT_EQ(r.headers[2].first, "content-type");
           EXPECT_EQ(r.Header("content-type"), "text/plain");
         }));
  add(Ok("header_value_ows_trimmed", WithHeaders("X-A: \t  two  words \t \r\nX-B:none\r\n"),
         [](const HttpRequest& r) {
           EXPECT_EQ(r.Header("x-a"), "two  words");
           EXPECT_EQ(r.Header("x-b"), "none");
         }));
  add(Ok("header_value_empty", WithHeaders("X-Empty:\r\nX-Blank:   \r\n"), [](const HttpRequest& r) {
    EXPECT_EQ(r.Header("x-empty"), "");
    EXPECT_EQ(r.Header("x-blank"), "");
  }));
  add(Ok("header_value_inner_tab", WithHeaders("X-T: a\tb\r\n"),
         [](const HttpRequest& r) { EXPECT_EQ(r.Header("x-t"), "a\tb"); }));
  add(Ok("header_value_obs_text", WithHeaders("X-U: caf\xc3\xa9\r\n"),
         [](const HttpRequest& r) { EXPECT_EQ(r.Header("x-u"), "caf\xc3\xa9"); }));
  add(Ok("header_value_with_colons", WithHeaders("X-Url: http://h:1/p\r\n"),
         [](const HttpRequest& r) { EXPECT_EQ(r.Header("x-url"), "http://h:1/p"); }));
  add(Ok("header_repeated_kept_in_order", WithHeaders("Accept: a\r\nX-Mid: m\r\naccept: b\r\n"),
         [](const HttpRequest& r) {
           ASSERT_EQ(r.headers.size(), 4u);
           EXPECT_EQ(r.headers[1], (std::pair<std::string, std::string>("accept", "a")));
           EXPECT_EQ(r.headers[2], (std::pair<std::string, std::string>("x-mid", "m")));
           EXPECT_EQ(r.headers[3], (std::pair<std::string, std::string>("accept", "b")));
           EXPECT_EQ(r.Header("accept"), "a");  // the first one
         }));
  add(Ok("header_name_token_chars", WithHeaders("X!#$%&'*+-.^_`|~09: v\r\n"),
         [](const HttpRequest& r) { EXPECT_EQ(r.Header("x!#$%&'*+-.^_`|~09"), "v"); }));

  // --- Bad request lines ----------------------------------------------------
  add(Err("reqline_empty_line_then_headers", "\r\nHost: a\r\n\r\n", 400));
  add(Err("reqline_method_only", Line("GET"), 400));
  add(Err("reqline_missing_version", Line("GET /"), 400));
  add(Err("reqline_missing_target", Line("GET HTTP/1.1"), 400));
  add(Err("reqline_missing_method", Line(" / HTTP/1.1"), 400));
  add(Err("reqline_double_space", Line("GET  / HTTP/1.1"), 400));
  add(Err("reqline_leading_space", Line(" GET / HTTP/1.1"), 400));
  add(Err("reqline_trailing_space", Line("GET / HTTP/1.1 "), 400));
  add(Err("reqline_four_parts", Line("GET / x HTTP/1.1"), 400));
  add(Err("reqline_tab_separator", Line("GET\t/\tHTTP/1.1"), 400));
  add(Err("reqline_tab_and_space", Line("GET\t/ HTTP/1.1"), 400));
  add(Err("reqline_method_not_token", Line("G(T / HTTP/1.1"), 400));
  add(Err("reqline_method_with_high_byte", Line("G\xc3\x89T / HTTP/1.1"), 400));
  add(Err("target_asterisk_form", Line("OPTIONS * HTTP/1.1"), 400));
  add(Err("target_absolute_form", Line("GET http://example.com/ HTTP/1.1"), 400));
  add(Err("target_authority_form", Line("CONNECT example.com:443 HTTP/1.1"), 400));
  add(Err("target_relative", Line("GET index.html HTTP/1.1"), 400));
  add(Err("target_control_char", Line("GET /a\x01" "b HTTP/1.1"), 400));
  add(Err("target_del_char", Line("GET /a\x7f" "b HTTP/1.1"), 400));
  add(Err("target_high_byte", Line("GET /caf\xc3\xa9 HTTP/1.1"), 400));
  add(Err("target_cr_inside", Line("GET /a\rb HTTP/1.1"), 400));
  add(Err("version_lower_case", Line("GET / http/1.1"), 400));
  add(Err("version_https", Line("GET / HTTPS/1.1"), 400));
  add(Err("version_1_x", Line("GET / HTTP/1.x"), 400));
  add(Err("version_11_without_dot", Line("GET / HTTP/11"), 400));
  add(Err("version_1_10", Line("GET / HTTP/1.10"), 400));
  add(Err("version_major_only", Line("GET / HTTP/2"), 400));
  add(Err("version_missing_digits", Line("GET / HTTP/"), 400));
  add(Err("version_2_0", Line("GET / HTTP/2.0"), 505));
  add(Err("version_1_2", Line("GET / HTTP/1.2"), 505));
  add(Err("version_0_9", Line("GET / HTTP/0.9"), 505));
  add(Err("version_3_1", Line("GET / HTTP/3.1"), 505));

  // --- Bad header lines -----------------------------------------------------
  add(Err("header_without_colon", WithHeaders("X-No-Colon value\r\n"), 400));
  add(Err("header_space_before_colon", WithHeaders("X-A : v\r\n"), 400));
  add(Err("header_tab_before_colon", WithHeaders("X-A\t: v\r\n"), 400));
  add(Err("header_host_space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400));
  add(Err("header_empty_name", WithHeaders(": v\r\n"), 400));
  add(Err("header_name_not_token", WithHeaders("X[a]: v\r\n"), 400));
  add(Err("header_name_with_high_byte", WithHeaders("X-\xc3\xa9: v\r\n"), 400));
  add(Err("header_obs_fold_space", WithHeaders("X-A: one\r\n two\r\n"), 400));
  add(Err("header_obs_fold_tab", WithHeaders("X-A: one\r\n\ttwo\r\n"), 400));
  add(Err("header_first_line_starts_with_space", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400));
  add(Err("header_value_control_char", WithHeaders("X-A: a\x01" "b\r\n"), 400));
  add(Err("header_value_del", WithHeaders("X-A: a\x7f" "b\r\n"), 400));
  add(Err("header_value_escape", WithHeaders("X-A: \x1b[31m\r\n"), 400));

  // --- NUL, CR and LF -------------------------------------------------------
  add(Err("nul_in_request_line", "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"s, 400));
  add(Err("nul_in_method", "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n"s, 400));
  add(Err("nul_in_header_value", WithHeaders("X-A: a\0b\r\n"s), 400));
  add(Err("nul_in_header_name", WithHeaders("X\0A: b\r\n"s), 400));
  add(Err("nul_first_byte", "\0GET / HTTP/1.1\r\nHost: a\r\n\r\n"s, 400));
  add(Err("bare_lf_everywhere", "GET / HTTP/1.1\nHost: a\n\n", 400));
  add(Err("bare_lf_after_request_line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400));
  add(Err("bare_lf_after_header", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400));
  add(Err("bare_lf_at_end_only", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400));
  add(Err("bare_lf_inside_value", WithHeaders("X-A: a\nb\r\n"), 400));
  add(Err("bare_lf_first_byte", "\n", 400));
  add(Err("cr_without_lf_inside_value", WithHeaders("X-A: a\rb\r\n"), 400));
  add(Err("cr_without_lf_end_of_value", WithHeaders("X-A: ab\r\r\n"), 400));
  add(Err("cr_without_lf_in_header_name", WithHeaders("X\rA: b\r\n"), 400));
  add(Err("cr_without_lf_after_version", "GET / HTTP/1.1\r\rHost: a\r\n\r\n", 400));
  add(Err("cr_cr_lf_at_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n", 400));

  // --- Content-Length -------------------------------------------------------
  add(Ok("cl_duplicate_equal", Post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), BodyIs("hello")));
  add(Ok("cl_list_equal", Post("Content-Length: 5, 5\r\n", "hello"), BodyIs("hello")));
  add(Ok("cl_list_equal_no_space", Post("Content-Length: 5,5,5\r\n", "hello"), BodyIs("hello")));
  add(Ok("cl_leading_zeros", Post("Content-Length: 005\r\n", "hello"), BodyIs("hello")));
  add(Ok("cl_many_leading_zeros", Post("Content-Length: 000000000000000000000000005\r\n", "hello"),
         BodyIs("hello")));
  add(Ok("cl_zero_and_leading_zeros_equal", Post("Content-Length: 0, 000\r\n", ""), BodyIs("")));
  add(Err("cl_duplicate_different", Post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), 400));
  add(Err("cl_list_different", Post("Content-Length: 5, 6\r\n", "hello!"), 400));
  add(Err("cl_negative", Post("Content-Length: -1\r\n", ""), 400));
  add(Err("cl_plus_sign", Post("Content-Length: +5\r\n", "hello"), 400));
  add(Err("cl_hex", Post("Content-Length: 0x10\r\n", ""), 400));
  add(Err("cl_empty", Post("Content-Length:\r\n", ""), 400));
  add(Err("cl_blank", Post("Content-Length:   \r\n", ""), 400));
  add(Err("cl_empty_list_item", Post("Content-Length: 5,\r\n", "hello"), 400));
  add(Err("cl_inner_space", Post("Content-Length: 5 5\r\n", "hello"), 400));
  add(Err("cl_decimal", Post("Content-Length: 1.5\r\n", ""), 400));
  add(Err("cl_trailing_letters", Post("Content-Length: 5abc\r\n", "hello"), 400));
  add(Err("cl_huge", Post("Content-Length: 99999999999999999999\r\n", ""), 413));
  add(Err("cl_uint64_overflow", Post("Content-Length: 18446744073709551616\r\n", ""), 413));
  add(Err("cl_fifteen_digits", Post("Content-Length: 999999999999999\r\n", ""), 413));
  add(Err("cl_above_default_limit", Post("Content-Length: 1048577\r\n", ""), 413));
  add(WithLimits(Err("cl_above_configured_limit", Post("Content-Length: 11\r\n", "hello world"), 413),
                 SmallLimits(1024, 10)));
  add(WithLimits(Ok("cl_exactly_configured_limit", Post("Content-Length: 10\r\n", "0123456789"),
                    BodyIs("0123456789")),
                 SmallLimits(1024, 10)));
  add(WithLimits(Ok("cl_zero_with_zero_limit", Post("Content-Length: 0\r\n", "")), SmallLimits(1024, 0)));
  add(WithLimits(Err("cl_one_with_zero_limit", Post("Content-Length: 1\r\n", "x"), 413), SmallLimits(1024, 0)));

  // --- Transfer-Encoding ----------------------------------------------------
  add(Err("te_gzip", Post("Transfer-Encoding: gzip\r\n", ""), 501));
  add(Err("te_identity", Post("Transfer-Encoding: identity\r\n", ""), 501));
  add(Err("te_empty", Post("Transfer-Encoding:\r\n", ""), 501));
  add(Err("te_gzip_chunked", Post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 501));
  add(Err("te_chunked_gzip", Post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), 501));
  add(Err("te_chunked_twice", Post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 501));
  // Both framings: a request smuggling vector.
  add(Err("te_chunked_with_content_length", Post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "hello"),
          400));
  add(Err("te_chunked_then_content_length", Post("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", "0\r\n\r\n"),
          400));
  add(Err("te_http10_chunked", "POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));

  // --- Chunked bodies -------------------------------------------------------
  add(Ok("chunked_one_chunk", Chunked("5\r\nhello\r\n0\r\n\r\n"), [](const HttpRequest& r) {
    EXPECT_EQ(r.body, "hello");
    EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
    EXPECT_FALSE(r.Header("content-length").has_value());
  }));
  add(Ok("chunked_two_chunks", Chunked("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"), BodyIs("hello, world")));
  add(Ok("chunked_hex_sizes", Chunked("a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n"),
         BodyIs("0123456789abcdefghijk")));
  add(Ok("chunked_leading_zeros", Chunked("005\r\nhello\r\n000\r\n\r\n"), BodyIs("hello")));
  add(Ok("chunked_empty_body", Chunked("0\r\n\r\n"), BodyIs("")));
  add(Ok("chunked_data_may_hold_crlf_and_nul", Chunked("5\r\na\r\n\0b\r\n0\r\n\r\n"s), BodyIs("a\r\n\0b"s)));
  add(Ok("chunked_extensions_ignored", Chunked("5;name=value\r\nhello\r\n0;last=\"yes\"\r\n\r\n"), BodyIs("hello")));
  add(Ok("chunked_trailers_ignored", Chunked("5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n"),
         [](const HttpRequest& r) {
           EXPECT_EQ(r.body, "hello");
           EXPECT_FALSE(r.Header("x-checksum").has_value());
         }));
  add(Ok("chunked_te_mixed_case_and_ows", Post("Transfer-Encoding:  Chunked \r\n", "2\r\nok\r\n0\r\n\r\n"),
         BodyIs("ok")));
  add(Ok("chunked_keep_alive_unchanged", Chunked("0\r\n\r\n"), KeepAliveIs(true)));
  add(WithLimits(Ok("chunked_exactly_body_limit", Chunked("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"),
                    BodyIs("helloworld")),
                 SmallLimits(1024, 10)));
  add(WithLimits(Err("chunked_over_body_limit", Chunked("5\r\nhello\r\n5\r\nworld\r\n1\r\n!\r\n0\r\n\r\n"), 413),
                 SmallLimits(1024, 10)));
  add(WithLimits(Err("chunked_one_chunk_over_body_limit", Chunked("b\r\nhello world\r\n0\r\n\r\n"), 413),
                 SmallLimits(1024, 10)));
  add(Err("chunked_size_over_default_limit", Chunked("100001\r\n"), 413));
  add(Err("chunked_size_fifteen_hex_digits", Chunked("fffffffffffffff\r\n"), 413));
  add(Err("chunked_size_huge", Chunked("ffffffffffffffffffffffff\r\n"), 413));
  add(Err("chunked_size_not_hex", Chunked("g\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_0x", Chunked("0x5\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_negative", Chunked("-5\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_plus", Chunked("+5\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_empty", Chunked("\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_only_extension", Chunked(";ext\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_cr_inside", Chunked("5\r\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_bare_lf", Chunked("5\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_size_line_too_long", Chunked("5;" + std::string(2000, 'x')), 400));
  // Whether the line's end has arrived or not.
  add(Err("chunked_size_line_too_long_terminated", Chunked("5;" + std::string(2000, 'x') + "\r\nhello\r\n0\r\n\r\n"),
          400));
  add(Ok("chunked_size_line_1024_bytes", Chunked("5;" + std::string(1021, 'x') + "\r\nhello\r\n0\r\n\r\n"),
         BodyIs("hello")));
  add(Err("chunked_data_longer_than_size", Chunked("3\r\nhello\r\n0\r\n\r\n"), 400));
  add(Err("chunked_data_without_crlf", Chunked("5\r\nhello0\r\n\r\n"), 400));
  add(Err("chunked_data_with_bare_lf", Chunked("5\r\nhello\n0\r\n\r\n"), 400));
  add(Err("chunked_trailer_without_colon", Chunked("0\r\nnot a field\r\n\r\n"), 400));
  add(Err("chunked_trailer_bare_lf", Chunked("0\r\nX: y\n\r\n"), 400));
  add(Err("chunked_final_bare_lf", Chunked("0\r\n\n"), 400));
  add(WithLimits(Err("chunked_trailers_over_limit", Chunked("0\r\nX-Big: " + std::string(200, 't') + "\r\n\r\n"), 431),
                 SmallLimits(128, 64)));
  add(WithLimits(Err("chunked_trailers_never_end", Chunked("0\r\nX-Big: " + std::string(200, 't')), 431),
                 SmallLimits(128, 64)));
  add(More("chunked_no_chunk_yet", Chunked("")));
  add(More("chunked_partial_size", Chunked("1")));
  add(More("chunked_partial_data", Chunked("5\r\nhel")));
  add(More("chunked_missing_data_crlf", Chunked("5\r\nhello")));
  add(More("chunked_missing_last_chunk", Chunked("5\r\nhello\r\n")));
  add(More("chunked_missing_final_crlf", Chunked("5\r\nhello\r\n0\r\n")));
  add(More("chunked_in_trailers", Chunked("5\r\nhello\r\n0\r\nX: y\r\n")));
  {
    ParseCase c = Ok("chunked_then_next_request", Chunked("2\r\nok\r\n0\r\n\r\n") + kGet, BodyIs("ok"));
    c.consumed = c.input.size() - kGet.size();
    add(std::move(c));
  }

  // --- Host -----------------------------------------------------------------
  add(Err("host_missing_http11", "GET / HTTP/1.1\r\n\r\n", 400));
  add(Err("host_missing_http11_other_headers", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400));
  add(Err("host_twice", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400));
  add(Err("host_twice_different_case", "GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", 400));

  // --- Head size limit (default 16 KiB) -------------------------------------
  add(Ok("limit_head_exactly_16k", RequestWithHeadSize(16 * 1024),
         [](const HttpRequest& r) { EXPECT_EQ(r.Header("x-pad")->size(), 16 * 1024 - 36u); }));
  add(Err("limit_head_16k_plus_1", RequestWithHeadSize(16 * 1024 + 1), 431));
  add(Err("limit_head_32k", RequestWithHeadSize(32 * 1024), 431));
  add(More("limit_unterminated_exactly_16k", RequestWithHeadSize(16 * 1024, false)));
  add(Err("limit_unterminated_16k_plus_1", RequestWithHeadSize(16 * 1024 + 1, false), 431));
  add(Err("limit_unterminated_64k", RequestWithHeadSize(64 * 1024, false), 431));
  add(Err("limit_many_small_headers", "GET / HTTP/1.1\r\nHost: a\r\n" + [] {
        std::string s;
        while (s.size() <= 16 * 1024) s += "X-Repeated: value\r\n";
        return s;
      }() + "\r\n", 431));
  {
    std::string crlfs;
    while (crlfs.size() < 16 * 1024) crlfs += "\r\n";
    add(Err("limit_leading_crlfs_count", crlfs + kGet, 431));  // they are part of the head
    add(More("limit_leading_crlfs_exactly_16k", crlfs));
    add(Err("limit_leading_crlfs_over_16k", crlfs + "\r", 431));
  }
  {
    const std::size_t head = kGet.size();
    add(WithLimits(Ok("limit_small_exactly_at_limit", kGet), SmallLimits(head, 0)));
    add(WithLimits(Err("limit_small_one_over", kGet, 431), SmallLimits(head - 1, 0)));
    add(WithLimits(More("limit_small_unterminated_at_limit", kGet.substr(0, head - 1)), SmallLimits(head - 1, 0)));
    add(WithLimits(Err("limit_small_unterminated_over", kGet.substr(0, head - 1), 431), SmallLimits(head - 2, 0)));
    // The body does not count against the head limit.
    const std::string post_head = Post("Content-Length: 100\r\n", "");
    add(WithLimits(Ok("limit_small_body_not_counted", post_head + std::string(100, 'b'), BodyIs(std::string(100, 'b'))),
                   SmallLimits(post_head.size(), 100)));
  }
  // Beyond the limit, 431 wins over what the later bytes hold, so that the
  // outcome does not depend on how the bytes were split into reads.
  add(WithLimits(Err("limit_nul_after_limit", "GET / HTTP/1.1\r\nX-A: aaaaaaaa\0\r\n\r\n"s, 431),
                 SmallLimits(24, 0)));
  add(WithLimits(Err("limit_bare_lf_after_limit", "GET / HTTP/1.1\r\nX-A: aaaaaaaa\n\r\n", 431),
                 SmallLimits(24, 0)));

  // --- Incomplete input -----------------------------------------------------
  add(More("incomplete_empty", ""));
  add(More("incomplete_request_line", "GET / HTT"));
  add(More("incomplete_request_line_cr", "GET / HTTP/1.1\r"));
  add(More("incomplete_no_blank_line", "GET / HTTP/1.1\r\nHost: a\r\n"));
  add(More("incomplete_final_cr", "GET / HTTP/1.1\r\nHost: a\r\n\r"));
  add(More("incomplete_body_truncated", Post("Content-Length: 10\r\n", "hello")));
  add(More("incomplete_body_missing", Post("Content-Length: 1\r\n", "")));
  add(More("incomplete_body_one_short", Post("Content-Length: 5\r\n", "hell")));

  // --- Extra bytes after the request (the next pipelined request) -----------
  {
    ParseCase c = Ok("body_then_next_request", Post("Content-Length: 5\r\n", "hello") + kGet, BodyIs("hello"));
    c.consumed = c.input.size() - kGet.size();
    add(std::move(c));
    ParseCase d = Ok("get_then_garbage", kGet + "garbage\n\0"s, BodyIs(""));
    d.consumed = kGet.size();
    add(std::move(d));
  }

  // --- Expect ---------------------------------------------------------------
  add(Ok("expect_continue_with_body_all_at_once", Post("Expect: 100-continue\r\nContent-Length: 2\r\n", "hi"),
         BodyIs("hi")));
  add(Ok("expect_other_value_ignored", Post("Expect: something\r\nContent-Length: 2\r\n", "hi"), BodyIs("hi")));

  return cases;
}

class RequestParserTableTest : public ::testing::TestWithParam<ParseCase> {};

// All at once: the exact result and status.
TEST_P(RequestParserTableTest, AllAtOnce) {
  const ParseCase& c = GetParam();
  RequestParser parser(c.limits);
  HttpRequest request;
  const Result result = parser.Parse(c.input, request);
  ASSERT_EQ(ResultName(result), ResultName(c.result)) << "reason: " << parser.error_reason();
  switch (c.result) {
    case Result::kError:
      EXPECT_EQ(parser.error_status(), c.status) << "reason: " << parser.error_reason();
      EXPECT_FALSE(parser.error_reason().empty());
      break;
    case Result::kComplete:
      EXPECT_EQ(parser.consumed(), c.consumed == std::string::npos ? c.input.size() : c.consumed);
      EXPECT_FALSE(parser.in_progress());
      EXPECT_FALSE(parser.expects_continue());
      if (c.check) c.check(request);
      break;
    case Result::kNeedMore:
      EXPECT_EQ(parser.in_progress(), !c.input.empty());
      break;
  }
}

// Byte by byte: every prefix before the end gives kNeedMore (an error may
// come as soon as its byte arrives, and then with the same status), and the
// end gives the same outcome and request as all at once.
TEST_P(RequestParserTableTest, ByteByByte) {
  const ParseCase& c = GetParam();
  RequestParser whole_parser(c.limits);
  HttpRequest whole;
  const Result expected = whole_parser.Parse(c.input, whole);
  ASSERT_EQ(ResultName(expected), ResultName(c.result));

  RequestParser parser(c.limits);
  HttpRequest request;
  const std::string_view input = c.input;
  Result result = Result::kNeedMore;
  std::size_t fed = 0;
  while (fed < input.size()) {
    ++fed;
    result = parser.Parse(input.substr(0, fed), request);
    if (result != Result::kNeedMore) break;
  }
  if (input.empty()) result = parser.Parse(input, request);
  ASSERT_EQ(ResultName(result), ResultName(c.result)) << "after " << fed << " of " << input.size() << " bytes";
  if (c.result == Result::kError) {
    EXPECT_EQ(parser.error_status(), c.status);
  } else if (c.result == Result::kComplete) {
    EXPECT_EQ(fed, parser.consumed()) << "complete before or after its last byte";
    EXPECT_EQ(parser.consumed(), whole_parser.consumed());
    EXPECT_EQ(Parsed(request), Parsed(whole));
  }
}

// Two reads, split at every point (or a sample of points for big inputs).
TEST_P(RequestParserTableTest, SplitInTwo) {
  const ParseCase& c = GetParam();
  RequestParser whole_parser(c.limits);
  HttpRequest whole;
  const Result expected = whole_parser.Parse(c.input, whole);
  const std::string_view input = c.input;
  const std::size_t step = input.size() > 1024 ? input.size() / 257 : 1;
  for (std::size_t split = 0; split <= input.size(); split += step) {
    SCOPED_TRACE("split at " + std::to_string(split));
    RequestParser parser(c.limits);
    HttpRequest request;
    Result result = parser.Parse(input.substr(0, split), request);
    if (result == Result::kNeedMore) result = parser.Parse(input, request);
    ASSERT_EQ(ResultName(result), ResultName(expected));
    if (expected == Result::kError) {
      ASSERT_EQ(parser.error_status(), whole_parser.error_status());
    } else if (expected == Result::kComplete) {
      ASSERT_EQ(parser.consumed(), whole_parser.consumed());
      ASSERT_EQ(Parsed(request), Parsed(whole));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, RequestParserTableTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<ParseCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Pipelining, reuse, incremental state.

// Parses every request in buffer, one after the other, with one parser.
std::vector<Parsed> ParseAll(std::string_view buffer, RequestParser& parser, std::size_t* left = nullptr) {
  std::vector<Parsed> out;
  HttpRequest request;
  while (true) {
    const Result r = parser.Parse(buffer, request);
    if (r != Result::kComplete) {
      EXPECT_EQ(ResultName(r), ResultName(Result::kNeedMore)) << parser.error_reason();
      break;
    }
    EXPECT_GT(parser.consumed(), 0u);
    EXPECT_LE(parser.consumed(), buffer.size());
    out.emplace_back(request);
    buffer.remove_prefix(parser.consumed());
  }
  if (left != nullptr) *left = buffer.size();
  return out;
}

TEST(RequestParserPipelineTest, TwoRequestsInOneBuffer) {
  const std::string first = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string second = "GET /second?x=1 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
  const std::string buffer = first + second;
  RequestParser parser;
  HttpRequest request;
  ASSERT_EQ(parser.Parse(buffer, request), Result::kComplete);
  EXPECT_EQ(parser.consumed(), first.size());
  EXPECT_EQ(request.target, "/first");
  EXPECT_TRUE(request.keep_alive);
  EXPECT_EQ(request.Header("host"), "a");

  ASSERT_EQ(parser.Parse(std::string_view(buffer).substr(first.size()), request), Result::kComplete);
  EXPECT_EQ(parser.consumed(), second.size());
  EXPECT_EQ(request.target, "/second?x=1");
  EXPECT_EQ(request.path(), "/second");
  EXPECT_EQ(request.query(), "x=1");
  EXPECT_FALSE(request.keep_alive);
  ASSERT_EQ(request.headers.size(), 2u);  // nothing left over from the first
  EXPECT_EQ(request.Header("host"), "b");
}

TEST(RequestParserPipelineTest, BodiesAndLeadingCrlfBetweenRequests) {
  const std::string buffer = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                             "\r\n"  // an empty line before the next request line is allowed
                             "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
                             "PUT /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nGET "
                             "GET /d HTTP/1.0\r\n\r\n"
                             "GET /e HTTP/1.1\r\nHo";  // incomplete
  RequestParser parser;
  std::size_t left = 0;
  const std::vector<Parsed> all = ParseAll(buffer, parser, &left);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].target, "/a");
  EXPECT_EQ(all[0].body, "abc");
  EXPECT_EQ(all[1].target, "/b");
  EXPECT_EQ(all[1].body, "");
  EXPECT_EQ(all[2].method, "PUT");
  EXPECT_EQ(all[2].body, "GET ");
  EXPECT_EQ(all[3].target, "/d");
  EXPECT_EQ(all[3].version_minor, 0);
  EXPECT_EQ(left, std::string_view("GET /e HTTP/1.1\r\nHo").size());
  EXPECT_TRUE(parser.in_progress());
}

TEST(RequestParserPipelineTest, SameRequestsWhenFedByteByByte) {
  std::string buffer;
  for (int i = 0; i < 5; ++i) {
    buffer += "POST /n" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(i) +
              "\r\n\r\n" + std::string(i, static_cast<char>('a' + i));
  }
  RequestParser whole_parser;
  const std::vector<Parsed> expected = ParseAll(buffer, whole_parser);
  ASSERT_EQ(expected.size(), 5u);

  // A connection's view: bytes arrive one at a time, a complete request is
  // removed from the front of the buffer.
  RequestParser parser;
  HttpRequest request;
  std::string pending;
  std::vector<Parsed> got;
  for (char c : buffer) {
    pending.push_back(c);
    const Result r = parser.Parse(pending, request);
    ASSERT_NE(r, Result::kError) << parser.error_reason();
    if (r == Result::kComplete) {
      ASSERT_EQ(parser.consumed(), pending.size());
      got.emplace_back(request);
      pending.clear();
    }
  }
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(parser.in_progress());
}

TEST(RequestParserPipelineTest, ErrorInSecondRequest) {
  const std::string buffer = kGet + "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n";
  RequestParser parser;
  HttpRequest request;
  ASSERT_EQ(parser.Parse(buffer, request), Result::kComplete);
  ASSERT_EQ(parser.Parse(std::string_view(buffer).substr(parser.consumed()), request), Result::kError);
  EXPECT_EQ(parser.error_status(), 400);
}

TEST(RequestParserStateTest, InProgress) {
  RequestParser parser;
  HttpRequest request;
  EXPECT_FALSE(parser.in_progress());
  const std::string input = Post("Content-Length: 2\r\n", "hi");
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, 3), request), Result::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, input.size() - 1), request), Result::kNeedMore);
  EXPECT_TRUE(parser.in_progress());  // waiting for the body
  ASSERT_EQ(parser.Parse(input, request), Result::kComplete);
  EXPECT_FALSE(parser.in_progress());
}

// The head arrives in one read, the body later: still in progress (for the
// slow-request timeout).
TEST(RequestParserStateTest, InProgressWhileWaitingForBodyAfterOneRead) {
  RequestParser parser;
  HttpRequest request;
  const std::string input = Post("Content-Length: 2\r\n", "hi");
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, input.size() - 2), request), Result::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
  ASSERT_EQ(parser.Parse(input, request), Result::kComplete);
  EXPECT_FALSE(parser.in_progress());
}

TEST(RequestParserStateTest, NextRequestStartsClean) {
  RequestParser parser;
  HttpRequest request;
  ASSERT_EQ(parser.Parse(Post("Content-Length: 2\r\nX-First: 1\r\n", "hi"), request), Result::kComplete);
  ASSERT_EQ(parser.Parse("GET /second HTTP/1.0\r\n\r\n", request), Result::kComplete);
  EXPECT_EQ(request.target, "/second");
  EXPECT_TRUE(request.headers.empty());
  EXPECT_EQ(request.body, "");
  EXPECT_FALSE(request.keep_alive);
}

// A never-ending stream of header lines: kNeedMore up to the limit, 431 as
// soon as it is passed, whatever the read size.
TEST(RequestParserLimitTest, NeverEndingHeadersGive431OncePastTheLimit) {
  for (std::size_t chunk : {1u, 7u, 100u, 4096u}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    std::string stream = "GET / HTTP/1.1\r\nHost: a\r\n";
    while (stream.size() < 40 * 1024) stream += "X-Forever: yes\r\n";
    RequestParser parser;
    HttpRequest request;
    std::size_t fed = 0;
    Result r = Result::kNeedMore;
    while (fed < stream.size()) {
      fed = std::min(stream.size(), fed + chunk);
      r = parser.Parse(std::string_view(stream).substr(0, fed), request);
      if (r != Result::kNeedMore) break;
      ASSERT_LE(fed, 16u * 1024) << "still kNeedMore past the limit";
    }
    ASSERT_EQ(r, Result::kError);
    EXPECT_EQ(parser.error_status(), 431);
    EXPECT_GT(fed, 16u * 1024);
    EXPECT_LE(fed, 16u * 1024 + chunk);
  }
}

TEST(RequestParserLimitTest, LimitIsConfigurable) {
  const std::string big = RequestWithHeadSize(1000);
  for (std::size_t limit : {999u, 1000u}) {
    RequestParser parser(SmallLimits(limit, 0));
    HttpRequest request;
    const Result r = parser.Parse(big, request);
    if (limit == 1000u) {
      EXPECT_EQ(r, Result::kComplete);
    } else {
      ASSERT_EQ(r, Result::kError);
      EXPECT_EQ(parser.error_status(), 431);
    }
  }
}

// ---------------------------------------------------------------------------
// Expect: 100-continue.

TEST(RequestParserExpectTest, SetOnlyOnceHeadersAreInAndABodyIsComing) {
  const std::string head = "POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  const std::string input = head + "hello";
  RequestParser parser;
  HttpRequest request;
  EXPECT_FALSE(parser.expects_continue());
  // Head not complete yet: the Expect line has arrived but not the blank line.
  ASSERT_EQ(parser.Parse(std::string_view(head).substr(0, head.size() - 2), request), Result::kNeedMore);
  EXPECT_FALSE(parser.expects_continue());
  // Head complete, body to come.
  ASSERT_EQ(parser.Parse(head, request), Result::kNeedMore);
  EXPECT_TRUE(parser.expects_continue());
  EXPECT_EQ(request.Header("expect"), "100-continue");
  // Part of the body.
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, head.size() + 2), request), Result::kNeedMore);
  EXPECT_TRUE(parser.expects_continue());
  // All of it.
  ASSERT_EQ(parser.Parse(input, request), Result::kComplete);
  EXPECT_FALSE(parser.expects_continue());
  EXPECT_EQ(request.body, "hello");

  // The next request on the same parser starts clean.
  const std::string next = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n";
  ASSERT_EQ(parser.Parse(next, request), Result::kNeedMore);
  EXPECT_FALSE(parser.expects_continue());
}

TEST(RequestParserExpectTest, CaseInsensitiveValue) {
  RequestParser parser;
  HttpRequest request;
  ASSERT_EQ(parser.Parse(Post("Expect: 100-Continue\r\nContent-Length: 3\r\n", ""), request), Result::kNeedMore);
  EXPECT_TRUE(parser.expects_continue());
}

TEST(RequestParserExpectTest, NotSetWithoutBody) {
  for (const std::string& input : {
           "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"s,
           Post("Expect: 100-continue\r\nContent-Length: 0\r\n", ""),
       }) {
    SCOPED_TRACE(Escape(input));
    RequestParser parser;
    HttpRequest request;
    ASSERT_EQ(parser.Parse(input, request), Result::kComplete);
    EXPECT_FALSE(parser.expects_continue());
  }
}

TEST(RequestParserExpectTest, NotSetForOtherExpectations) {
  RequestParser parser;
  HttpRequest request;
  ASSERT_EQ(parser.Parse(Post("Expect: 200-ok\r\nContent-Length: 3\r\n", ""), request), Result::kNeedMore);
  EXPECT_FALSE(parser.expects_continue());
}

TEST(RequestParserExpectTest, NotSetWithoutExpect) {
  RequestParser parser;
  HttpRequest request;
  ASSERT_EQ(parser.Parse(Post("Content-Length: 3\r\n", ""), request), Result::kNeedMore);
  EXPECT_FALSE(parser.expects_continue());
}

}  // namespace
}  // namespace qtrace::http
