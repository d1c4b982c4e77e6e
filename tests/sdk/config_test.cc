#include "qtrace/sdk/config.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sdk/env_helpers.h"
#include "qtrace/version.h"

namespace qtrace {
namespace {

using ::testing::HasSubstr;

using testutil::HasWarningAbout;
using testutil::MapEnv;

absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

// A fixed day before QTRACE_RATIO_SAMPLER=auto switches, so that what the
// tests expect does not change with the calendar.
const absl::Time kBeforeSwitch = Day(2026, 12, 1);

ResolvedConfig Resolve(std::map<std::string, std::string> vars, TracingFlags flags = {},
                       absl::Time now = kBeforeSwitch) {
  absl::StatusOr<ResolvedConfig> r = ResolveConfig(MapEnv(std::move(vars)), flags, now);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ResolvedConfig{};
}

// The seed's first configuration test: the defaults.
TEST(ConfigTest, Defaults) {
  const ResolvedConfig r = Resolve({});
  const Config& c = r.config;
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_FALSE(c.sdk_disabled);
  // The engine's own identity defaults (the service's are tested with it).
  EXPECT_EQ(c.service_name, "unknown_service:sdk_tests");
  EXPECT_EQ(c.service_version, "");
  EXPECT_EQ(c.environment, "");
  EXPECT_EQ(c.sampling.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_DOUBLE_EQ(c.sampling.ratio, 1.0);
  EXPECT_EQ(c.sampling.ratio_source, "default (no deployment environment set)");
  EXPECT_EQ(c.propagators, (std::vector<std::string>{"tracecontext", "baggage"}));
  EXPECT_EQ(c.batch.schedule_delay, absl::Milliseconds(5000));
  EXPECT_EQ(c.batch.export_timeout, absl::Milliseconds(30000));
  EXPECT_EQ(c.batch.max_queue_size, 2048u);
  EXPECT_EQ(c.batch.max_export_batch_size, 512u);
  EXPECT_EQ(c.batch.max_pending_batches, 4u);
  EXPECT_EQ(c.limits.attribute_count, 128u);
  EXPECT_EQ(c.limits.attribute_value_length, AttributeList::kUnlimited);
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
}

// An application's defaults fill what the environment leaves, and the
// environment still wins over them; the default environment picks the ratio.
TEST(ConfigTest, ApplicationDefaultsFillWhatTheEnvironmentLeaves) {
  const ConfigDefaults app{"billing", "2.0.0", "production"};
  absl::StatusOr<ResolvedConfig> r = ResolveConfig(MapEnv({}), {}, app, kBeforeSwitch);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.service_name, "billing");
  EXPECT_EQ(r->config.service_version, "2.0.0");
  EXPECT_EQ(r->config.environment, "production");
  EXPECT_DOUBLE_EQ(r->config.sampling.ratio, 0.1);
  EXPECT_EQ(r->config.sampling.ratio_source, "default for environment 'production'");

  r = ResolveConfig(MapEnv({{"OTEL_SERVICE_NAME", "ledger"}, {"OTEL_ENVIRONMENT", "development"},
                            {"OTEL_RESOURCE_ATTRIBUTES", "service.version=3.1"}}),
                    {}, app, kBeforeSwitch);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->config.service_name, "ledger");
  EXPECT_EQ(r->config.service_version, "3.1");
  EXPECT_EQ(r->config.environment, "development");
  EXPECT_DOUBLE_EQ(r->config.sampling.ratio, 1.0);
}

// The seed's second: the environment overrides every default.
TEST(ConfigTest, EnvironmentOverrides) {
  const ResolvedConfig r = Resolve({
      {"OTEL_SERVICE_NAME", "billing"},
      {"OTEL_SERVICE_VERSION", "9.9.9"},
      {"OTEL_ENVIRONMENT", "staging"},
      {"OTEL_TRACES_SAMPLER", "traceidratio"},
      {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
      {"OTEL_PROPAGATORS", "tracecontext"},
      {"OTEL_BSP_SCHEDULE_DELAY", "200"},
      {"OTEL_BSP_EXPORT_TIMEOUT", "1000"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "4096"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "128"},
      {"OTEL_LOG_LEVEL", "debug"},
  });
  const Config& c = r.config;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(c.service_name, "billing");
  EXPECT_EQ(c.service_version, "9.9.9");
  EXPECT_EQ(c.environment, "staging");
  EXPECT_EQ(c.sampling.kind, SamplerKind::kTraceIdRatio);
  EXPECT_DOUBLE_EQ(c.sampling.ratio, 0.25);
  EXPECT_EQ(c.propagators, std::vector<std::string>{"tracecontext"});
  EXPECT_EQ(c.batch.schedule_delay, absl::Milliseconds(200));
  EXPECT_EQ(c.batch.export_timeout, absl::Milliseconds(1000));
  EXPECT_EQ(c.batch.max_queue_size, 4096u);
  EXPECT_EQ(c.batch.max_export_batch_size, 128u);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
}

// How many encoded batches may wait for the sending thread: 1 sends on the
// exporter thread itself; 0 and values past 64 warn and keep the default.
TEST(ConfigTest, PendingBatchesForTheSendingThread) {
  EXPECT_EQ(Resolve({{"QTRACE_EXPORT_MAX_PENDING_BATCHES", "1"}}).config.batch.max_pending_batches, 1u);
  EXPECT_EQ(Resolve({{"QTRACE_EXPORT_MAX_PENDING_BATCHES", "16"}}).config.batch.max_pending_batches, 16u);
  for (const char* bad : {"0", "65", "many"}) {
    const ResolvedConfig r = Resolve({{"QTRACE_EXPORT_MAX_PENDING_BATCHES", bad}});
    EXPECT_EQ(r.config.batch.max_pending_batches, 4u) << bad;
    EXPECT_TRUE(HasWarningAbout(r, "QTRACE_EXPORT_MAX_PENDING_BATCHES")) << bad;
  }
}

// The seed's third: production samples 10 % unless told otherwise.
TEST(ConfigTest, ProductionDefaultsToTenPercent) {
  const Config c = Resolve({{"OTEL_ENVIRONMENT", "production"}}).config;
  EXPECT_EQ(c.sampling.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_DOUBLE_EQ(c.sampling.ratio, 0.1);
}

TEST(ConfigTest, EnvironmentDefaultRatios) {
  EXPECT_DOUBLE_EQ(Resolve({{"OTEL_ENVIRONMENT", "staging"}}).config.sampling.ratio, 0.5);
  EXPECT_DOUBLE_EQ(Resolve({{"OTEL_ENVIRONMENT", "development"}}).config.sampling.ratio, 1.0);
  EXPECT_DOUBLE_EQ(Resolve({{"OTEL_ENVIRONMENT", "qa"}}).config.sampling.ratio, 1.0);
}

TEST(ConfigTest, RatioPrecedence) {
  // OTEL_SAMPLING_RATIO beats the environment default...
  EXPECT_DOUBLE_EQ(
      Resolve({{"OTEL_ENVIRONMENT", "production"}, {"OTEL_SAMPLING_RATIO", "0.3"}}).config.sampling.ratio, 0.3);
  // ...OTEL_TRACES_SAMPLER_ARG beats OTEL_SAMPLING_RATIO...
  const Config both = Resolve({{"OTEL_SAMPLING_RATIO", "0.3"},
                               {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
                               {"OTEL_TRACES_SAMPLER_ARG", "0.7"}})
                          .config;
  EXPECT_DOUBLE_EQ(both.sampling.ratio, 0.7);
  EXPECT_EQ(both.sampling.ratio_source, "OTEL_TRACES_SAMPLER_ARG");
  // ...and the flag beats everything.
  TracingFlags flags;
  flags.sampling_ratio = "0.05";
  const Config flagged = Resolve({{"OTEL_TRACES_SAMPLER_ARG", "0.7"}}, flags).config;
  EXPECT_DOUBLE_EQ(flagged.sampling.ratio, 0.05);
  EXPECT_EQ(flagged.sampling.ratio_source, "--sampling-ratio");
}

// Review item 3: the argument belongs to OTEL_TRACES_SAMPLER; alone, or next
// to an invalid sampler name (which counts as unset), it is ignored with a
// warning, and the seed's sources decide.
TEST(ConfigTest, SamplerArgAppliesOnlyWithTheSampler) {
  const ResolvedConfig alone = Resolve({{"OTEL_TRACES_SAMPLER_ARG", "0.7"}, {"OTEL_ENVIRONMENT", "production"}});
  EXPECT_DOUBLE_EQ(alone.config.sampling.ratio, 0.1);
  EXPECT_TRUE(HasWarningAbout(alone, "OTEL_TRACES_SAMPLER_ARG='0.7'"));
  const ResolvedConfig invalid = Resolve({{"OTEL_TRACES_SAMPLER", "sometimes"}, {"OTEL_TRACES_SAMPLER_ARG", "0.7"},
                                          {"OTEL_SAMPLING_RATIO", "0.3"}});
  EXPECT_EQ(invalid.config.sampling.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_DOUBLE_EQ(invalid.config.sampling.ratio, 0.3);
  EXPECT_EQ(invalid.config.sampling.ratio_source, "OTEL_SAMPLING_RATIO");
  const Config with = Resolve({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "0.7"}}).config;
  EXPECT_EQ(with.sampling.kind, SamplerKind::kTraceIdRatio);
  EXPECT_DOUBLE_EQ(with.sampling.ratio, 0.7);
}

// Review item 3: enum values are case-insensitive.
TEST(ConfigTest, EnumValuesAreCaseInsensitive) {
  const ResolvedConfig r = Resolve({{"OTEL_TRACES_SAMPLER", "ParentBased_TraceIdRatio"},
                                    {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
                                    {"OTEL_PROPAGATORS", "TraceContext,BAGGAGE"}});
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.config.sampling.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_DOUBLE_EQ(r.config.sampling.ratio, 0.25);
  EXPECT_EQ(r.config.propagators, (std::vector<std::string>{"tracecontext", "baggage"}));
  EXPECT_EQ(Resolve({{"OTEL_TRACES_SAMPLER", "ALWAYS_OFF"}}).config.sampling.kind, SamplerKind::kAlwaysOff);
}

// Review item 4: a list of nothing we support keeps the default, with a
// warning; only an explicit "none" turns propagation off.
TEST(ConfigTest, PropagatorListOfUnsupportedValuesKeepsTheDefault) {
  const ResolvedConfig r = Resolve({{"OTEL_PROPAGATORS", "carrier-pigeon,smoke-signal"}});
  EXPECT_EQ(r.config.propagators, (std::vector<std::string>{"tracecontext", "baggage"}));
  EXPECT_TRUE(HasWarningAbout(r, "no supported propagator"));
  EXPECT_EQ(Resolve({{"OTEL_PROPAGATORS", "none"}}).config.propagators, std::vector<std::string>{"none"});
}

TEST(ConfigTest, EveryPropagatorTheSpecificationNamesIsAccepted) {
  const ResolvedConfig r = Resolve({{"OTEL_PROPAGATORS", "tracecontext,baggage,b3,b3multi,jaeger,xray,ottrace"}});
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.config.propagators, (std::vector<std::string>{"tracecontext", "baggage", "b3", "b3multi", "jaeger",
                                                            "xray", "ottrace"}));
  const ResolvedConfig unknown = Resolve({{"OTEL_PROPAGATORS", "B3,opencensus"}});
  EXPECT_EQ(unknown.config.propagators, std::vector<std::string>{"b3"});
  EXPECT_TRUE(HasWarningAbout(unknown, "supported: tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, none"));
}

TEST(ConfigTest, IdGenerator) {
  EXPECT_EQ(Resolve({}).config.id_generator, IdGeneratorKind::kRandom);
  EXPECT_EQ(Resolve({{"QTRACE_ID_GENERATOR", "xray"}}).config.id_generator, IdGeneratorKind::kXray);
  EXPECT_EQ(Resolve({{"QTRACE_ID_GENERATOR", " XRay "}}).config.id_generator, IdGeneratorKind::kXray);
  const ResolvedConfig bad = Resolve({{"QTRACE_ID_GENERATOR", "snowflake"}});
  EXPECT_EQ(bad.config.id_generator, IdGeneratorKind::kRandom);
  EXPECT_TRUE(HasWarningAbout(bad, "expected random or xray"));
}

// Also a remote sampler: the flag is the most explicit setting.
TEST(ConfigTest, SamplingFlagTurnsFixedSamplerIntoRatio) {
  TracingFlags flags;
  flags.sampling_ratio = "0.5";
  for (const auto& [named, made] : {std::pair{"always_on", SamplerKind::kTraceIdRatio},
                                    std::pair{"parentbased_always_on", SamplerKind::kParentBasedTraceIdRatio},
                                    std::pair{"jaeger_remote", SamplerKind::kTraceIdRatio},
                                    std::pair{"parentbased_jaeger_remote", SamplerKind::kParentBasedTraceIdRatio}}) {
    EXPECT_EQ(Resolve({{"OTEL_TRACES_SAMPLER", named}}, flags).config.sampling.kind, made) << named;
  }
}

TEST(ConfigTest, ProbabilitySamplerNames) {
  EXPECT_EQ(Resolve({{"OTEL_TRACES_SAMPLER", "probability"}}).config.sampling.kind, SamplerKind::kProbability);
  EXPECT_EQ(Resolve({{"OTEL_TRACES_SAMPLER", "probability/development"}}).config.sampling.kind,
            SamplerKind::kProbability);
  const ResolvedConfig pb =
      Resolve({{"OTEL_TRACES_SAMPLER", "parentbased_probability"}, {"OTEL_TRACES_SAMPLER_ARG", "0.25"}});
  EXPECT_EQ(pb.config.sampling.kind, SamplerKind::kParentBasedProbability);
  EXPECT_DOUBLE_EQ(pb.config.sampling.ratio, 0.25);
  // An explicit traceidratio stays traceidratio after the switch date.
  EXPECT_EQ(Resolve({{"OTEL_TRACES_SAMPLER", "traceidratio"}}, {}, Day(2027, 6, 1)).config.sampling.kind,
            SamplerKind::kTraceIdRatio);
}

TEST(ConfigTest, JaegerRemoteSamplerDefaultsAndArgument) {
  const ResolvedConfig plain = Resolve({{"OTEL_TRACES_SAMPLER", "jaeger_remote"}});
  EXPECT_TRUE(plain.warnings.empty());
  EXPECT_EQ(plain.config.sampling.kind, SamplerKind::kJaegerRemote);
  EXPECT_EQ(plain.config.sampling.jaeger_remote.endpoint, "http://localhost:14250");
  EXPECT_EQ(plain.config.sampling.jaeger_remote.polling_interval, absl::Seconds(60));
  EXPECT_DOUBLE_EQ(plain.config.sampling.jaeger_remote.initial_sampling_rate, 0.001);

  const ResolvedConfig set = Resolve({{"OTEL_TRACES_SAMPLER", "PARENTBASED_JAEGER_REMOTE"},
                                      {"OTEL_TRACES_SAMPLER_ARG",
                                       " endpoint=https://jaeger:14250 , pollingIntervalMs=250,initialSamplingRate=0.5"}});
  EXPECT_TRUE(set.warnings.empty());
  const JaegerRemoteConfig& r = set.config.sampling.jaeger_remote;
  EXPECT_EQ(set.config.sampling.kind, SamplerKind::kParentBasedJaegerRemote);
  EXPECT_EQ(r.endpoint, "https://jaeger:14250");
  EXPECT_EQ(r.polling_interval, absl::Milliseconds(250));
  EXPECT_DOUBLE_EQ(r.initial_sampling_rate, 0.5);
  EXPECT_EQ(ToString(set.config.sampling.kind), "parentbased_jaeger_remote");
  const std::string json = ConfigToJson(set.config);
  EXPECT_THAT(json, HasSubstr("\"endpoint\":\"https://jaeger:14250\",\"polling_interval_ms\":250,"
                              "\"initial_sampling_rate\":0.5"));
  EXPECT_THAT(json, HasSubstr("ParentBased{root=JaegerRemoteSampler{https://jaeger:14250}}"));
}

TEST(ConfigTest, JaegerRemoteArgumentPartsThatDoNotParseWarnAndKeepTheirDefaults) {
  const ResolvedConfig r = Resolve({{"OTEL_TRACES_SAMPLER", "jaeger_remote"},
                                    {"OTEL_TRACES_SAMPLER_ARG",
                                     "endpoint=ftp://x,pollingIntervalMs=0,initialSamplingRate=2,colour=blue,"
                                     "pollingIntervalMs=1500,endpoint=jaeger:14250"}});
  const JaegerRemoteConfig& c = r.config.sampling.jaeger_remote;
  EXPECT_EQ(c.endpoint, "http://localhost:14250");
  EXPECT_EQ(c.polling_interval, absl::Milliseconds(1500));  // the good part still applies
  EXPECT_DOUBLE_EQ(c.initial_sampling_rate, 0.001);
  EXPECT_EQ(r.warnings.size(), 5u);
  EXPECT_TRUE(HasWarningAbout(r, "'endpoint=ftp://x'"));
  EXPECT_TRUE(HasWarningAbout(r, "'endpoint=jaeger:14250'"));  // no scheme: TLS or not would be a guess
  EXPECT_TRUE(HasWarningAbout(r, "'pollingIntervalMs=0'"));
  EXPECT_TRUE(HasWarningAbout(r, "'initialSamplingRate=2'"));
  EXPECT_TRUE(HasWarningAbout(r, "'colour=blue'"));
  // A ratio argument is no argument of the remote sampler.
  EXPECT_TRUE(HasWarningAbout(Resolve({{"OTEL_TRACES_SAMPLER", "jaeger_remote"}, {"OTEL_TRACES_SAMPLER_ARG", "0.5"}}),
                              "'0.5'"));
}

// The specification lets SDKs replace TraceIdRatioBased from 2027-01-01:
// QTRACE_RATIO_SAMPLER=auto does so on that day, the two other values
// choose either algorithm on any day.
TEST(ConfigTest, DefaultRatioSamplerSwitchesOnTheSpecificationsDate) {
  EXPECT_FALSE(ProbabilityIsDefaultAt(Day(2026, 12, 31) + absl::Hours(23) + absl::Minutes(59)));
  EXPECT_TRUE(ProbabilityIsDefaultAt(Day(2027, 1, 1)));

  const ResolvedConfig before = Resolve({}, {}, Day(2026, 12, 31));
  EXPECT_EQ(before.config.sampling.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_EQ(before.config.sampling.ratio_sampler_source, "QTRACE_RATIO_SAMPLER=auto, before 2027-01-01");
  const ResolvedConfig after = Resolve({{"OTEL_ENVIRONMENT", "production"}}, {}, Day(2027, 1, 1));
  EXPECT_EQ(after.config.sampling.kind, SamplerKind::kParentBasedProbability);
  EXPECT_DOUBLE_EQ(after.config.sampling.ratio, 0.1);
  EXPECT_TRUE(after.warnings.empty());

  // The seed's OTEL_SAMPLING_RATIO and --sampling-ratio follow the switch.
  EXPECT_EQ(Resolve({{"OTEL_SAMPLING_RATIO", "0.2"}}, {}, Day(2027, 2, 1)).config.sampling.kind,
            SamplerKind::kParentBasedProbability);
  TracingFlags flags;
  flags.sampling_ratio = "0.5";
  EXPECT_EQ(Resolve({{"OTEL_TRACES_SAMPLER", "always_on"}}, flags, Day(2027, 2, 1)).config.sampling.kind,
            SamplerKind::kProbability);

  EXPECT_EQ(Resolve({{"QTRACE_RATIO_SAMPLER", "probability"}}).config.sampling.kind,
            SamplerKind::kParentBasedProbability);
  EXPECT_EQ(Resolve({{"QTRACE_RATIO_SAMPLER", "TraceIdRatio"}}, {}, Day(2027, 2, 1)).config.sampling.kind,
            SamplerKind::kParentBasedTraceIdRatio);
  const ResolvedConfig bad = Resolve({{"QTRACE_RATIO_SAMPLER", "coin"}}, {}, Day(2027, 2, 1));
  EXPECT_EQ(bad.config.sampling.kind, SamplerKind::kParentBasedProbability);
  EXPECT_TRUE(HasWarningAbout(bad, "expected auto, probability or traceidratio"));
}

TEST(ConfigTest, SeedRatioIgnoredWithFixedSamplerWarns) {
  const ResolvedConfig r = Resolve({{"OTEL_TRACES_SAMPLER", "always_on"}, {"OTEL_SAMPLING_RATIO", "0.2"}});
  EXPECT_EQ(r.config.sampling.kind, SamplerKind::kAlwaysOn);
  EXPECT_TRUE(HasWarningAbout(r, "OTEL_SAMPLING_RATIO"));
}

// Invalid values warn once, naming the variable and the value, and the default is kept.
TEST(ConfigTest, InvalidValuesWarnAndKeepDefaults) {
  const ResolvedConfig r = Resolve({
      {"OTEL_SAMPLING_RATIO", "1.5"},
      {"OTEL_TRACES_SAMPLER", "sometimes"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "-3"},
      {"OTEL_BSP_SCHEDULE_DELAY", "soon"},
      {"OTEL_SDK_DISABLED", "maybe"},
      {"OTEL_LOG_LEVEL", "loud"},
      {"OTEL_PROPAGATORS", "tracecontext,opencensus"},
  });
  const Config& c = r.config;
  EXPECT_DOUBLE_EQ(c.sampling.ratio, 1.0);
  EXPECT_EQ(c.sampling.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_EQ(c.batch.max_queue_size, 2048u);
  EXPECT_EQ(c.batch.schedule_delay, absl::Seconds(5));
  EXPECT_FALSE(c.sdk_disabled);
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
  EXPECT_EQ(c.propagators, std::vector<std::string>{"tracecontext"});
  EXPECT_EQ(r.warnings.size(), 7u);
  EXPECT_THAT(r.warnings[0], HasSubstr("OTEL_SDK_DISABLED='maybe'"));
  for (const char* v : {"OTEL_SAMPLING_RATIO='1.5'", "OTEL_TRACES_SAMPLER='sometimes'", "OTEL_BSP_MAX_QUEUE_SIZE='-3'",
                        "OTEL_PROPAGATORS='opencensus'", "OTEL_LOG_LEVEL='loud'"}) {
    EXPECT_TRUE(HasWarningAbout(r, v)) << v;
  }
}

// Review item 6: a timeout of 0 means no limit (configuration/common.md);
// a delay of 0 or a batch of 0 would spin the exporter thread: warned, default kept.
TEST(ConfigTest, ZeroTimeoutMeansNoLimitAndZeroDelayIsRefused) {
  const ResolvedConfig r = Resolve({{"OTEL_BSP_EXPORT_TIMEOUT", "0"}});
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.config.batch.export_timeout, absl::InfiniteDuration());
  EXPECT_THAT(ConfigToJson(r.config), HasSubstr("\"export_timeout_ms\":0"));
  const ResolvedConfig spin = Resolve({{"OTEL_BSP_SCHEDULE_DELAY", "0"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"}});
  EXPECT_TRUE(HasWarningAbout(spin, "OTEL_BSP_SCHEDULE_DELAY='0'"));
  EXPECT_TRUE(HasWarningAbout(spin, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE='0'"));
  EXPECT_EQ(spin.config.batch.schedule_delay, absl::Seconds(5));
  EXPECT_EQ(spin.config.batch.max_export_batch_size, 512u);
}

TEST(ConfigTest, BatchSizeClampedToQueue) {
  const ResolvedConfig r = Resolve({{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"}});
  EXPECT_EQ(r.config.batch.max_export_batch_size, 100u);
  EXPECT_TRUE(HasWarningAbout(r, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"));
}

TEST(ConfigTest, DisabledBySpecOrSeedVariable) {
  EXPECT_TRUE(Resolve({{"OTEL_SDK_DISABLED", "true"}}).config.sdk_disabled);
  EXPECT_TRUE(Resolve({{"OTEL_ENABLED", "false"}}).config.sdk_disabled);
  EXPECT_TRUE(Resolve({{"OTEL_SDK_DISABLED", "true"}, {"OTEL_ENABLED", "true"}}).config.sdk_disabled);
  EXPECT_FALSE(Resolve({{"OTEL_ENABLED", "true"}}).config.sdk_disabled);
}

TEST(ConfigTest, FlagsOverrideEnvironment) {
  TracingFlags flags;
  ASSERT_TRUE(ParseTracingFlag("otlp-protocol", "grpc", flags));
  ASSERT_TRUE(ParseTracingFlag("otlp-endpoint", "http://127.0.0.1:14317", flags));
  ASSERT_TRUE(ParseTracingFlag("environment", "production", flags));
  ASSERT_TRUE(ParseTracingFlag("log-level", "warn", flags));
  EXPECT_FALSE(ParseTracingFlag("port", "8080", flags));
  const Config c = Resolve({{"OTEL_ENVIRONMENT", "development"}, {"OTEL_LOG_LEVEL", "debug"}}, flags).config;
  EXPECT_EQ(c.environment, "production");
  EXPECT_DOUBLE_EQ(c.sampling.ratio, 0.1);
  EXPECT_EQ(c.log_level, LogLevel::kWarn);
}

TEST(ConfigTest, BadFlagsAreErrors) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"sampling-ratio", "2"}, {"log-level", "chatty"}}) {
    TracingFlags flags;
    ParseTracingFlag(name, value, flags);
    const auto r = ResolveConfig(MapEnv({}), flags);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(value));
  }
}

TEST(ConfigTest, SpanLimitVariables) {
  const Config c = Resolve({{"OTEL_ATTRIBUTE_COUNT_LIMIT", "10"},
                            {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "20"},
                            {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64"},
                            {"OTEL_SPAN_EVENT_COUNT_LIMIT", "3"},
                            {"OTEL_SPAN_LINK_COUNT_LIMIT", "4"},
                            {"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "5"}})
                       .config;
  EXPECT_EQ(c.limits.attribute_count, 20u) << "span-specific wins over general";
  EXPECT_EQ(c.limits.attribute_value_length, 64u);
  EXPECT_EQ(c.limits.event_count, 3u);
  EXPECT_EQ(c.limits.link_count, 4u);
  EXPECT_EQ(c.limits.attributes_per_event, 10u) << "general applies where no specific one is set";
  EXPECT_EQ(c.limits.attributes_per_link, 5u);
}

TEST(ConfigTest, ServiceIdentityFromResourceAttributes) {
  const Config c = Resolve({{"OTEL_RESOURCE_ATTRIBUTES",
                             "service.name=from-attrs,service.version=2.0,deployment.environment.name=production"}})
                       .config;
  EXPECT_EQ(c.service_name, "from-attrs");
  EXPECT_EQ(c.service_version, "2.0");
  EXPECT_EQ(c.environment, "production");
  EXPECT_DOUBLE_EQ(c.sampling.ratio, 0.1);
  const Config named =
      Resolve({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"}, {"OTEL_SERVICE_NAME", "explicit"}}).config;
  EXPECT_EQ(named.service_name, "explicit");
}

TEST(ConfigTest, JsonShowsTheSamplerAndWhereItsSettingsCameFrom) {
  const Config c = Resolve({}).config;
  const std::string json = ConfigToJson(c);
  EXPECT_THAT(json, HasSubstr("\"ratio\":1"));
  EXPECT_THAT(json, HasSubstr("\"description\":\"ParentBased{root=TraceIdRatioBased{1.000000}}\""));
  EXPECT_THAT(json, HasSubstr("\"ratio_sampler_source\":\"QTRACE_RATIO_SAMPLER=auto, before 2027-01-01\""));
  EXPECT_THAT(ConfigToJson(Resolve({{"QTRACE_RATIO_SAMPLER", "probability"}}).config),
              HasSubstr("\"description\":\"ParentBased{root=ProbabilitySampler{1.000000}}\""));
}

}  // namespace
}  // namespace qtrace
