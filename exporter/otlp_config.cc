#include "qtrace/exporter/otlp_config.h"

#include <unistd.h>

#include <optional>

#include "qtrace/sdk/common/endpoint.h"
#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/env_reader.h"

namespace qtrace {

bool IsOtlp(ExportProtocol protocol) {
  return protocol == ExportProtocol::kGrpc || protocol == ExportProtocol::kHttpProtobuf ||
         protocol == ExportProtocol::kHttpJson;
}

namespace {

// OTEL_EXPORTER_OTLP_ENDPOINT rule: base + "/v1/traces", with one slash.
std::string AppendTracesPath(std::string_view base) {
  if (EndsWith(base, "/")) return StrCat(base, "v1/traces");
  return StrCat(base, "/v1/traces");
}

// --otlp-endpoint: a URL whose path already ends in /v1/traces is used as it
// is; any other URL is a base endpoint.
std::string TracesUrlFromFlag(std::string_view url) {
  if (EndsWith(url, "/v1/traces")) return std::string(url);
  return AppendTracesPath(url);
}

std::optional<ExportProtocol> ParseProtocol(std::string_view given) {
  const std::string text = ToLower(given);  // enum values are case-insensitive
  if (text == "grpc") return ExportProtocol::kGrpc;
  if (text == "http/protobuf") return ExportProtocol::kHttpProtobuf;
  if (text == "http/json") return ExportProtocol::kHttpJson;
  if (text == "zipkin") return ExportProtocol::kZipkin;
  if (text == "console") return ExportProtocol::kConsole;
  if (text == "none") return ExportProtocol::kNone;
  return std::nullopt;
}

// OTEL_EXPORTER_OTLP_HEADERS: "key=value,key2=value2", values percent-decoded.
// A bad entry is skipped; its value is never echoed (it may be a credential).
void ParseHeaders(EnvReader& env, std::string_view name, std::string_view text,
                  std::vector<std::pair<std::string, std::string>>& out) {
  int index = 0;
  for (std::string_view entry : Split(text, ',')) {
    if (Trim(entry).empty()) continue;
    ++index;
    const std::size_t eq = entry.find('=');
    const std::string key = ToLower(Trim(entry.substr(0, eq)));
    std::optional<std::string> value;
    if (eq != std::string_view::npos) value = PercentDecode(Trim(entry.substr(eq + 1)));
    if (key.empty() || !value) {
      env.Warn(name, "<hidden>", StrCat("entry ", index, " is not key=value with valid percent-encoding; skipped"));
      continue;
    }
    out.emplace_back(key, std::move(*value));
  }
}

absl::Status CheckReadableFile(std::string_view name, const std::string& path) {
  if (path.empty() || access(path.c_str(), R_OK) == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat(name, "='", path, "': file does not exist or cannot be read"));
}

// Zipkin's own settings (the specification's OTEL_EXPORTER_ZIPKIN_*): the
// full URL of the v2 spans API and a timeout per request. The OTLP headers,
// compression and TLS files do not apply.
absl::Status ResolveZipkin(EnvReader& env, const TracingFlags& flags, OtlpConfig& o) {
  std::string_view source = "default";
  o.endpoint = "http://localhost:9411/api/v2/spans";
  if (flags.otlp_endpoint) {
    source = "--otlp-endpoint";
    o.endpoint = *flags.otlp_endpoint;
  } else if (auto e = env.Get("OTEL_EXPORTER_ZIPKIN_ENDPOINT")) {
    source = "OTEL_EXPORTER_ZIPKIN_ENDPOINT";
    o.endpoint = *e;
  }
  if (absl::StatusOr<ParsedEndpoint> parsed = ParseEndpoint(o.endpoint); !parsed.ok()) {
    return absl::InvalidArgumentError(StrCat(source, ": ", MessageOf(parsed.status())));
  }
  o.timeout = TimeoutOrUnlimited(env.Integer("OTEL_EXPORTER_ZIPKIN_TIMEOUT", 10000));
  return absl::OkStatus();
}

// Which exporter, then which OTLP protocol: OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL,
// then OTEL_TRACES_EXPORTER; --otlp-protocol names both at once.
absl::StatusOr<ExportProtocol> ResolveProtocol(EnvReader& env, const TracingFlags& flags) {
  ExportProtocol protocol = ExportProtocol::kHttpProtobuf;
  if (auto p = env.First({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    auto parsed = ParseProtocol(p->second);
    if (parsed && IsOtlp(*parsed)) {
      protocol = *parsed;
    } else {
      env.Warn(p->first, p->second, "expected grpc, http/protobuf or http/json; using http/protobuf");
    }
  }
  if (auto exporter = env.Get("OTEL_TRACES_EXPORTER")) {
    const std::string first = ToLower(std::string(Trim(
        std::string_view(*exporter).substr(0, exporter->find(',')))));
    if (first == "console" || first == "logging") {
      protocol = ExportProtocol::kConsole;
    } else if (first == "none") {
      protocol = ExportProtocol::kNone;
    } else if (first == "zipkin") {
      protocol = ExportProtocol::kZipkin;
    } else if (first != "otlp") {
      env.Warn("OTEL_TRACES_EXPORTER", *exporter, "expected otlp, zipkin, console or none; using otlp");
    }
  }
  if (flags.otlp_protocol) {
    auto parsed = ParseProtocol(*flags.otlp_protocol);
    if (!parsed) {
      return absl::InvalidArgumentError(StrCat("--otlp-protocol '", *flags.otlp_protocol,
                                                     "': expected grpc, http/protobuf, http/json, zipkin, console or none"));
    }
    protocol = *parsed;
  }
  return protocol;
}

// The endpoint rule of the specification: the _TRACES_ URL is used as it is;
// the general one gets /v1/traces appended for HTTP. A malformed URL is an
// error (the service could not export).
absl::Status ResolveOtlpEndpoint(EnvReader& env, const TracingFlags& flags, OtlpConfig& o) {
  const bool http = o.protocol == ExportProtocol::kHttpProtobuf || o.protocol == ExportProtocol::kHttpJson;
  std::string_view endpoint_source = "default";
  std::string given;  // the URL as the user wrote it, checked before any path is added
  if (flags.otlp_endpoint) {
    endpoint_source = "--otlp-endpoint";
    given = *flags.otlp_endpoint;
    o.endpoint = http ? TracesUrlFromFlag(given) : given;
  } else if (auto e = env.Get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    endpoint_source = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    given = o.endpoint = *e;
  } else if (auto e = env.Get("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    endpoint_source = "OTEL_EXPORTER_OTLP_ENDPOINT";
    given = *e;
    o.endpoint = http ? AppendTracesPath(given) : given;
  } else {
    given = o.endpoint = http ? "http://localhost:4318/v1/traces" : "http://localhost:4317";
  }
  if (!IsOtlp(o.protocol)) return absl::OkStatus();
  for (const std::string& url : {given, o.endpoint}) {
    absl::StatusOr<ParsedEndpoint> parsed = http ? ParseEndpoint(url) : ParseGrpcEndpoint(url);
    if (!parsed.ok()) return absl::InvalidArgumentError(StrCat(endpoint_source, ": ", MessageOf(parsed.status())));
  }
  return absl::OkStatus();
}

// Headers (per-signal ones replace general ones of the same name), timeout,
// compression and the insecure flag.
void ResolveOtlpRequestSettings(EnvReader& env, OtlpConfig& o) {
  if (auto h = env.Get("OTEL_EXPORTER_OTLP_HEADERS")) ParseHeaders(env, "OTEL_EXPORTER_OTLP_HEADERS", *h, o.headers);
  if (auto h = env.Get("OTEL_EXPORTER_OTLP_TRACES_HEADERS")) {
    std::vector<std::pair<std::string, std::string>> traces;
    ParseHeaders(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", *h, traces);
    for (auto& [key, value] : traces) {
      std::erase_if(o.headers, [&](const auto& kv) { return kv.first == key; });
      o.headers.emplace_back(key, std::move(value));
    }
  }

  const std::string_view timeout_var =
      env.Get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" : "OTEL_EXPORTER_OTLP_TIMEOUT";
  o.timeout = TimeoutOrUnlimited(env.Integer(timeout_var, 10000));

  if (auto c = env.First({"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"})) {
    const std::string lower = ToLower(c->second);
    if (lower == "gzip") {
      o.compression = Compression::kGzip;
    } else if (lower != "none") {
      env.Warn(c->first, c->second, "expected gzip or none; using none");
    }
  }

  const std::string_view insecure_var =
      env.Get("OTEL_EXPORTER_OTLP_TRACES_INSECURE") ? "OTEL_EXPORTER_OTLP_TRACES_INSECURE" : "OTEL_EXPORTER_OTLP_INSECURE";
  o.insecure = env.Bool(insecure_var, false);
}

// The CA bundle and the client key and certificate (mTLS): each must be
// readable, and the last two come together.
absl::Status ResolveOtlpTlsFiles(EnvReader& env, OtlpConfig& o) {
  struct FileSetting {
    std::string_view traces_var;
    std::string_view general_var;
    std::string* target;
  };
  const FileSetting files[] = {
      {"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE", &o.certificate_file},
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY", &o.client_key_file},
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
       &o.client_certificate_file},
  };
  for (const FileSetting& f : files) {
    if (auto v = env.First({f.traces_var, f.general_var})) {
      *f.target = v->second;
      if (absl::Status s = CheckReadableFile(v->first, v->second); !s.ok()) return s;
    }
  }
  if (o.client_key_file.empty() != o.client_certificate_file.empty()) {
    return absl::InvalidArgumentError(
        "OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE must be set together");
  }
  return absl::OkStatus();
}

// QTRACE_SPOOL_DIR (an empty value is unset; "none" turns the spool off),
// QTRACE_SPOOL_MAX_BYTES (at least 1 MiB), QTRACE_SPOOL_MAX_AGE (a duration:
// "30m", "24h").
void ResolveSpool(EnvReader& env, std::string_view default_dir, SpoolConfig& spool) {
  spool.dir = std::string(default_dir);
  if (auto dir = env.Get("QTRACE_SPOOL_DIR")) spool.dir = ToLower(*dir) == "none" ? "" : *dir;
  spool.max_bytes = static_cast<std::uint64_t>(
      env.Integer("QTRACE_SPOOL_MAX_BYTES", static_cast<std::int64_t>(spool.max_bytes), 1 << 20));
  if (auto age = env.Get("QTRACE_SPOOL_MAX_AGE")) {
    absl::Duration parsed;
    if (absl::ParseDuration(*age, &parsed) && parsed > absl::ZeroDuration()) {
      spool.max_age = parsed;
    } else {
      env.Warn("QTRACE_SPOOL_MAX_AGE", *age, "expected a positive duration such as 30m or 24h; using 24h");
    }
  }
}

absl::Status ResolveOtlp(EnvReader& env, const TracingFlags& flags, OtlpConfig& o) {
  absl::StatusOr<ExportProtocol> protocol = ResolveProtocol(env, flags);
  if (!protocol.ok()) return protocol.status();
  o.protocol = *protocol;
  if (o.protocol == ExportProtocol::kZipkin) return ResolveZipkin(env, flags, o);
  if (absl::Status s = ResolveOtlpEndpoint(env, flags, o); !s.ok()) return s;
  ResolveOtlpRequestSettings(env, o);
  return ResolveOtlpTlsFiles(env, o);
}

}  // namespace

std::string_view ToString(ExportProtocol protocol) {
  switch (protocol) {
    case ExportProtocol::kGrpc: return "grpc";
    case ExportProtocol::kHttpProtobuf: return "http/protobuf";
    case ExportProtocol::kHttpJson: return "http/json";
    case ExportProtocol::kZipkin: return "zipkin";
    case ExportProtocol::kConsole: return "console";
    case ExportProtocol::kNone: return "none";
  }
  return "none";
}

absl::StatusOr<OtlpConfig> ResolveOtlpConfig(const EnvLookup& lookup, const TracingFlags& flags,
                                             std::vector<std::string>& warnings, std::string_view default_spool_dir) {
  EnvReader env(lookup, warnings);
  OtlpConfig config;
  if (absl::Status s = ResolveOtlp(env, flags, config); !s.ok()) return s;
  ResolveSpool(env, default_spool_dir, config.spool);
  return config;
}

}  // namespace qtrace
