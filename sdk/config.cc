#include "qtrace/sdk/config.h"

#include <unistd.h>

#include <cstdlib>

#include "qtrace/version.h"
#include "qtrace/sdk/otlp_endpoint.h"
#include "qtrace/sdk/propagation/composite_propagator.h"
#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/resource.h"
#include "qtrace/sdk/resource_detector.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// Reads variables and collects warnings; one instance per resolution.
class EnvReader {
 public:
  EnvReader(const EnvLookup& env, std::vector<std::string>& warnings) : env_(env), warnings_(warnings) {}

  // The value, trimmed; nullopt when unset or empty (the specification treats
  // an empty value as unset).
  std::optional<std::string> Get(std::string_view name) const {
    std::optional<std::string> value = env_(name);
    if (!value) return std::nullopt;
    std::string trimmed(Trim(*value));
    if (trimmed.empty()) return std::nullopt;
    return trimmed;
  }

  // The first of names that is set (the _TRACES_ form first).
  std::optional<std::pair<std::string_view, std::string>> First(
      std::initializer_list<std::string_view> names) const {
    for (std::string_view name : names) {
      if (auto value = Get(name)) return std::make_pair(name, *value);
    }
    return std::nullopt;
  }

  void Warn(std::string_view name, std::string_view value, std::string_view why) {
    warnings_.push_back(StrCat("invalid ", name, "='", value, "': ", why));
  }

  // "true"/"false" in any case; anything else warns and gives fallback.
  bool Bool(std::string_view name, bool fallback) {
    auto value = Get(name);
    if (!value) return fallback;
    const std::string lower = ToLower(*value);
    if (lower == "true") return true;
    if (lower == "false") return false;
    Warn(name, *value, StrCat("expected true or false; using ", fallback ? "true" : "false"));
    return fallback;
  }

  // A non-negative integer no larger than max; otherwise warns and gives fallback.
  std::int64_t Integer(std::string_view name, std::int64_t fallback, std::int64_t min = 0,
                       std::int64_t max = INT64_MAX) {
    auto value = Get(name);
    if (!value) return fallback;
    std::int64_t parsed = 0;
    if (!ParseInt64(*value, &parsed) || parsed < min || parsed > max) {
      Warn(name, *value, StrCat("expected an integer from ", min, " to ", max, "; using ", fallback));
      return fallback;
    }
    return parsed;
  }

  std::size_t Limit(std::initializer_list<std::string_view> names, std::size_t fallback) {
    for (std::string_view name : names) {
      if (Get(name)) return static_cast<std::size_t>(Integer(name, static_cast<std::int64_t>(fallback)));
    }
    return fallback;
  }

 private:
  const EnvLookup& env_;
  std::vector<std::string>& warnings_;
};

std::optional<double> ParseRatio(std::string_view text) {
  double ratio = 0;
  if (!ParseDouble(text, &ratio) || !(ratio >= 0.0 && ratio <= 1.0)) return std::nullopt;
  return ratio;
}

double EnvironmentDefaultRatio(std::string_view environment) {
  const std::string lower = ToLower(environment);
  if (lower == "production" || lower == "prod") return 0.1;
  if (lower == "staging" || lower == "stage") return 0.5;
  return 1.0;
}

std::optional<SamplerKind> ParseSamplerKind(std::string_view name) {
  static constexpr std::pair<std::string_view, SamplerKind> kKinds[] = {
      {"always_on", SamplerKind::kAlwaysOn},
      {"always_off", SamplerKind::kAlwaysOff},
      {"traceidratio", SamplerKind::kTraceIdRatio},
      {"parentbased_always_on", SamplerKind::kParentBasedAlwaysOn},
      {"parentbased_always_off", SamplerKind::kParentBasedAlwaysOff},
      {"parentbased_traceidratio", SamplerKind::kParentBasedTraceIdRatio},
      {"probability", SamplerKind::kProbability},
      // The declarative configuration's name while the sampler is in development.
      {"probability/development", SamplerKind::kProbability},
      {"parentbased_probability", SamplerKind::kParentBasedProbability},
      {"jaeger_remote", SamplerKind::kJaegerRemote},
      {"parentbased_jaeger_remote", SamplerKind::kParentBasedJaegerRemote},
  };
  const std::string lower = ToLower(name);  // enum values are case-insensitive
  for (const auto& [text, kind] : kKinds) {
    if (lower == text) return kind;
  }
  return std::nullopt;
}

bool IsRatioKind(SamplerKind kind) {
  return kind == SamplerKind::kTraceIdRatio || kind == SamplerKind::kParentBasedTraceIdRatio ||
         kind == SamplerKind::kProbability || kind == SamplerKind::kParentBasedProbability;
}

// The ratio sampler a setting without an explicit OTEL_TRACES_SAMPLER gets
// (the default, OTEL_SAMPLING_RATIO, --sampling-ratio), as
// QTRACE_RATIO_SAMPLER says; "auto" follows the specification's date.
bool DefaultRatioIsProbability(EnvReader& env, absl::Time now, SamplingConfig& s) {
  const std::optional<std::string> value = env.Get("QTRACE_RATIO_SAMPLER");
  const std::string choice = value ? ToLower(*value) : "auto";
  if (choice == "probability" || choice == "traceidratio") {
    s.ratio_sampler_source = StrCat("QTRACE_RATIO_SAMPLER=", choice);
    return choice == "probability";
  }
  if (choice != "auto") {
    env.Warn("QTRACE_RATIO_SAMPLER", *value, "expected auto, probability or traceidratio; using auto");
  }
  const bool probability = ProbabilityIsDefaultAt(now);
  s.ratio_sampler_source = probability ? "QTRACE_RATIO_SAMPLER=auto, on or after 2027-01-01"
                                       : "QTRACE_RATIO_SAMPLER=auto, before 2027-01-01";
  return probability;
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

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  const std::string lower = ToLower(text);
  if (lower == "debug" || lower == "trace") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error" || lower == "fatal") return LogLevel::kError;
  return std::nullopt;
}

void ResolveIdentity(EnvReader& env, const TracingFlags& flags, const ConfigDefaults& defaults, Config& c,
                     std::vector<std::string>& warnings) {
  if (auto attrs = env.Get("OTEL_RESOURCE_ATTRIBUTES")) {
    c.resource_attributes = ParseResourceAttributes(*attrs, &warnings);
  }
  auto from_resource = [&](std::string_view key) -> std::optional<std::string> {
    for (const Attribute& a : c.resource_attributes) {
      if (a.key == key) {
        if (const auto* s = std::get_if<std::string>(&a.value)) return *s;
      }
    }
    return std::nullopt;
  };
  c.service_name =
      env.Get("OTEL_SERVICE_NAME").value_or(from_resource("service.name").value_or(defaults.service_name));
  c.service_version =
      env.Get("OTEL_SERVICE_VERSION").value_or(from_resource("service.version").value_or(defaults.service_version));
  c.environment = flags.environment.value_or(env.Get("OTEL_ENVIRONMENT").value_or(
      from_resource("deployment.environment.name").value_or(defaults.environment)));
}

// "endpoint=...,pollingIntervalMs=...,initialSamplingRate=..." (any subset,
// any order). A part that does not parse warns and leaves its default.
void ParseJaegerRemoteArg(EnvReader& env, std::string_view arg, JaegerRemoteConfig& out) {
  constexpr std::string_view kName = "OTEL_TRACES_SAMPLER_ARG";
  for (std::string_view part : Split(arg, ',')) {
    part = Trim(part);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    const std::string_view key = Trim(part.substr(0, eq));
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : Trim(part.substr(eq + 1));
    if (key == "endpoint") {
      // http:// or https:// only: without a scheme, whether TLS applies
      // would hang on an OTLP setting (OTEL_EXPORTER_OTLP_INSECURE).
      if (auto endpoint = ParseEndpoint(value); endpoint.ok()) {
        out.endpoint = std::string(value);
      } else {
        env.Warn(kName, part, StrCat(std::string(endpoint.status().message()), "; using ", out.endpoint));
      }
    } else if (key == "pollingIntervalMs") {
      std::int64_t ms = 0;
      if (ParseInt64(value, &ms) && ms >= 1 && ms <= 86'400'000) {
        out.polling_interval = absl::Milliseconds(ms);
      } else {
        env.Warn(kName, part,
                 StrCat("expected milliseconds from 1 to 86400000; using ", absl::ToInt64Milliseconds(out.polling_interval)));
      }
    } else if (key == "initialSamplingRate") {
      if (auto rate = ParseRatio(value)) {
        out.initial_sampling_rate = *rate;
      } else {
        env.Warn(kName, part, "expected a number from 0.0 to 1.0; using the default");
      }
    } else {
      env.Warn(kName, part, "unknown key: expected endpoint, pollingIntervalMs or initialSamplingRate");
    }
  }
}

void ResolveSampling(EnvReader& env, absl::Time now, Config& c) {
  SamplingConfig& s = c.sampling;
  s.default_ratio_is_probability = DefaultRatioIsProbability(env, now, s);
  s.kind = s.default_ratio_is_probability ? SamplerKind::kParentBasedProbability
                                          : SamplerKind::kParentBasedTraceIdRatio;
  bool explicit_kind = false;
  if (auto name = env.Get("OTEL_TRACES_SAMPLER")) {
    if (auto kind = ParseSamplerKind(*name)) {
      s.kind = *kind;
      explicit_kind = true;
    } else {
      env.Warn("OTEL_TRACES_SAMPLER", *name,
               StrCat("expected always_on, always_off, traceidratio, probability, jaeger_remote or parentbased_*; using ",
                      ToString(s.kind)));
    }
  }
  s.ratio = EnvironmentDefaultRatio(c.environment);
  s.ratio_source = c.environment.empty() ? std::string("default (no deployment environment set)")
                                         : StrCat("default for environment '", c.environment, "'");
  if (auto seed = env.Get("OTEL_SAMPLING_RATIO")) {
    if (auto ratio = ParseRatio(*seed)) {
      s.ratio = *ratio;
      s.ratio_source = "OTEL_SAMPLING_RATIO";
      if (explicit_kind && !IsRatioKind(s.kind)) {
        env.Warn("OTEL_SAMPLING_RATIO", *seed,
                 StrCat("ignored: OTEL_TRACES_SAMPLER=", ToString(s.kind), " takes no ratio"));
      }
    } else {
      env.Warn("OTEL_SAMPLING_RATIO", *seed, "expected a number from 0.0 to 1.0");
    }
  }
  // The specification: the argument belongs to OTEL_TRACES_SAMPLER, and is
  // read only when that names a sampler (an invalid name counts as unset).
  auto arg = env.Get("OTEL_TRACES_SAMPLER_ARG");
  if (arg && !explicit_kind) {
    env.Warn("OTEL_TRACES_SAMPLER_ARG", *arg, "ignored: it applies only together with OTEL_TRACES_SAMPLER");
  } else if (arg && IsRatioKind(s.kind)) {
    if (auto ratio = ParseRatio(*arg)) {
      s.ratio = *ratio;
      s.ratio_source = "OTEL_TRACES_SAMPLER_ARG";
    } else {
      env.Warn("OTEL_TRACES_SAMPLER_ARG", *arg, "expected a number from 0.0 to 1.0");
    }
  } else if (arg && IsJaegerRemoteKind(s.kind)) {
    ParseJaegerRemoteArg(env, *arg, s.jaeger_remote);
  }
}

absl::Status ApplySamplingFlag(const TracingFlags& flags, SamplingConfig& s) {
  if (!flags.sampling_ratio) return absl::OkStatus();
  auto ratio = ParseRatio(*flags.sampling_ratio);
  if (!ratio) {
    return absl::InvalidArgumentError(
        StrCat("--sampling-ratio '", *flags.sampling_ratio, "': expected a number from 0.0 to 1.0"));
  }
  s.ratio = *ratio;
  s.ratio_source = "--sampling-ratio";
  // The flag is the most explicit setting: it turns a fixed or remote sampler
  // into the matching ratio sampler (parent-based when it was).
  if (s.kind == SamplerKind::kAlwaysOn || s.kind == SamplerKind::kAlwaysOff || s.kind == SamplerKind::kJaegerRemote) {
    s.kind = s.default_ratio_is_probability ? SamplerKind::kProbability : SamplerKind::kTraceIdRatio;
  } else if (!IsRatioKind(s.kind)) {
    s.kind = s.default_ratio_is_probability ? SamplerKind::kParentBasedProbability
                                            : SamplerKind::kParentBasedTraceIdRatio;
  }
  return absl::OkStatus();
}

void ResolveIdGenerator(EnvReader& env, Config& c) {
  const std::optional<std::string> value = env.Get("QTRACE_ID_GENERATOR");
  if (!value) return;
  const std::string name = ToLower(Trim(*value));
  if (name == "random") {
    c.id_generator = IdGeneratorKind::kRandom;
  } else if (name == "xray") {
    c.id_generator = IdGeneratorKind::kXray;
  } else {
    env.Warn("QTRACE_ID_GENERATOR", *value, "expected random or xray; using random");
  }
}

void ResolvePropagators(EnvReader& env, Config& c) {
  auto value = env.Get("OTEL_PROPAGATORS");
  if (!value) return;
  std::vector<std::string> chosen;
  bool any_known = false;
  for (std::string_view raw : Split(*value, ',')) {
    if (Trim(raw).empty()) continue;
    const std::string name = ToLower(Trim(raw));
    if (IsKnownPropagatorName(name)) {
      any_known = true;
      chosen.push_back(name);
    } else {
      env.Warn("OTEL_PROPAGATORS", name,
               StrCat("unsupported propagator (supported: ", KnownPropagatorNamesText(), "); skipped"));
    }
  }
  // A list of nothing we know would silently stop propagation: keep the
  // default instead. Only an explicit "none" turns propagation off.
  if (!any_known) {
    env.Warn("OTEL_PROPAGATORS", *value, "no supported propagator in the list; using tracecontext,baggage");
    return;
  }
  c.propagators = std::move(chosen);
}

// The specification (configuration/common.md): a timeout of 0 means no limit.
absl::Duration TimeoutOrUnlimited(std::int64_t ms) {
  return ms == 0 ? absl::InfiniteDuration() : absl::Milliseconds(ms);
}

void ResolveBatch(EnvReader& env, BatchConfig& b) {
  // A delay of 0 would make the exporter thread spin: from 1 ms.
  b.schedule_delay = absl::Milliseconds(env.Integer("OTEL_BSP_SCHEDULE_DELAY", 5000, 1));
  b.export_timeout = TimeoutOrUnlimited(env.Integer("OTEL_BSP_EXPORT_TIMEOUT", 30000));
  b.max_queue_size = static_cast<std::size_t>(env.Integer("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1, 1 << 24));
  b.max_export_batch_size =
      static_cast<std::size_t>(env.Integer("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, 1 << 24));
  if (b.max_export_batch_size > b.max_queue_size) {
    env.Warn("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", std::to_string(b.max_export_batch_size),
             StrCat("larger than OTEL_BSP_MAX_QUEUE_SIZE; using ", b.max_queue_size));
    b.max_export_batch_size = b.max_queue_size;
  }
}

void ResolveLimits(EnvReader& env, SpanLimits& l) {
  l.attribute_count = env.Limit({"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"}, 128);
  l.attribute_value_length = env.Limit(
      {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"}, AttributeList::kUnlimited);
  l.event_count = env.Limit({"OTEL_SPAN_EVENT_COUNT_LIMIT"}, 128);
  l.link_count = env.Limit({"OTEL_SPAN_LINK_COUNT_LIMIT"}, 128);
  l.attributes_per_event = env.Limit({"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"}, 128);
  l.attributes_per_link = env.Limit({"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"}, 128);
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

// One of the OTLP transports, which the OTEL_EXPORTER_OTLP_* settings configure.
bool IsOtlp(ExportProtocol protocol) {
  return protocol == ExportProtocol::kGrpc || protocol == ExportProtocol::kHttpProtobuf ||
         protocol == ExportProtocol::kHttpJson;
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

bool ParseTracingFlag(std::string_view name, std::string_view value, TracingFlags& flags) {
  std::optional<std::string>* slot = nullptr;
  if (name == "otlp-protocol") slot = &flags.otlp_protocol;
  if (name == "otlp-endpoint") slot = &flags.otlp_endpoint;
  if (name == "sampling-ratio") slot = &flags.sampling_ratio;
  if (name == "environment") slot = &flags.environment;
  if (name == "log-level") slot = &flags.log_level;
  if (slot == nullptr) return false;
  *slot = std::string(value);
  return true;
}

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

bool ProbabilityIsDefaultAt(absl::Time now) {
  static const absl::Time kSwitchDate = absl::FromCivil(absl::CivilDay(2027, 1, 1), absl::UTCTimeZone());
  return now >= kSwitchDate;
}

ConfigDefaults EngineDefaults() {
  ConfigDefaults d;
  d.service_name = StrCat("unknown_service:", ExecutableName());
  return d;
}

absl::StatusOr<ResolvedConfig> ResolveConfig(const EnvLookup& lookup, const TracingFlags& flags,
                                             absl::Time now) {
  return ResolveConfig(lookup, flags, EngineDefaults(), now);
}

absl::StatusOr<ResolvedConfig> ResolveConfig(const EnvLookup& lookup, const TracingFlags& flags,
                                             const ConfigDefaults& defaults, absl::Time now) {
  ResolvedConfig out;
  Config& c = out.config;
  EnvReader env(lookup, out.warnings);

  // OTEL_SDK_DISABLED is the specification's switch, OTEL_ENABLED the older
  // one of this project: either can turn tracing off.
  c.sdk_disabled = env.Bool("OTEL_SDK_DISABLED", false) || !env.Bool("OTEL_ENABLED", true);

  ResolveIdentity(env, flags, defaults, c, out.warnings);
  ResolveSampling(env, now, c);
  if (absl::Status s = ApplySamplingFlag(flags, c.sampling); !s.ok()) return s;
  c.keep_error_traces = env.Bool("QTRACE_KEEP_ERROR_TRACES", true);
  c.keep_error_traces_under_unsampled_parent = env.Bool("QTRACE_KEEP_ERROR_TRACES_UNDER_UNSAMPLED_PARENT", false);
  ResolvePropagators(env, c);
  ResolveIdGenerator(env, c);
  ResolveBatch(env, c.batch);
  ResolveLimits(env, c.limits);
  if (absl::Status s = ResolveOtlp(env, flags, c.otlp); !s.ok()) return s;

  if (auto level = env.Get("OTEL_LOG_LEVEL")) {
    if (auto parsed = ParseLogLevel(*level)) {
      c.log_level = *parsed;
    } else {
      env.Warn("OTEL_LOG_LEVEL", *level, "expected debug, info, warn or error; using info");
    }
  }
  if (flags.log_level) {
    auto parsed = ParseLogLevel(*flags.log_level);
    if (!parsed) {
      return absl::InvalidArgumentError(
          StrCat("--log-level '", *flags.log_level, "': expected debug, info, warn or error"));
    }
    c.log_level = *parsed;
  }
  return out;
}

std::string_view ToString(IdGeneratorKind kind) {
  return kind == IdGeneratorKind::kXray ? "xray" : "random";
}

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

std::string_view ToString(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::kAlwaysOn: return "always_on";
    case SamplerKind::kAlwaysOff: return "always_off";
    case SamplerKind::kTraceIdRatio: return "traceidratio";
    case SamplerKind::kParentBasedAlwaysOn: return "parentbased_always_on";
    case SamplerKind::kParentBasedAlwaysOff: return "parentbased_always_off";
    case SamplerKind::kParentBasedTraceIdRatio: return "parentbased_traceidratio";
    case SamplerKind::kProbability: return "probability";
    case SamplerKind::kParentBasedProbability: return "parentbased_probability";
    case SamplerKind::kJaegerRemote: return "jaeger_remote";
    case SamplerKind::kParentBasedJaegerRemote: return "parentbased_jaeger_remote";
  }
  return "parentbased_traceidratio";
}

}  // namespace qtrace
