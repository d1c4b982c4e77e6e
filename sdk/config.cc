#include "qtrace/sdk/config.h"

#include <unistd.h>

#include <cstdlib>

#include "qtrace/version.h"
#include "qtrace/sdk/common/endpoint.h"
#include "qtrace/sdk/propagation/composite_propagator.h"
#include "qtrace/sdk/resource.h"
#include "qtrace/sdk/resource_detector.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/env_reader.h"

namespace qtrace {
namespace {

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
  b.max_pending_batches = static_cast<std::size_t>(env.Integer("QTRACE_EXPORT_MAX_PENDING_BATCHES", 4, 1, 64));
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
