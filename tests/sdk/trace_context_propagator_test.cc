// TraceContextPropagator against W3C Trace Context Level 1: traceparent
// parsing (section 3.2, forward compatibility in 4.3), tracestate handling,
// inject and round trips.
#include "qtrace/sdk/propagation/trace_context_propagator.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kParent = "00f067aa0ba902b7";

std::string Tp(std::string_view version, std::string_view trace, std::string_view parent,
               std::string_view flags) {
  std::string out(version);
  out.append("-").append(trace).append("-").append(parent).append("-").append(flags);
  return out;
}

const std::string kValid = Tp("00", kTrace, kParent, "01");

std::string WithCharAt(std::string s, std::size_t index, char c) {
  s[index] = c;
  return s;
}

// "k0=v0,k1=v1,...": n distinct valid tracestate members.
std::string Members(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, "k", i, "=v", i);
  }
  return out;
}

// The context Extract starts from: a local span and some baggage, so that
// "base unchanged" is observable.
Context BaseContext() {
  const SpanContext local(*TraceId::FromHex("11111111111111111111111111111111"),
                          *SpanId::FromHex("2222222222222222"), 0, /*is_remote=*/false);
  return Context()
      .WithSpanContext(local)
      .WithBaggage(std::make_shared<const Baggage>(Baggage().With("user", "alice")));
}

struct ExtractCase {
  std::string name{};
  std::optional<std::string> traceparent{};  // nullopt: header absent
  std::optional<std::string> tracestate{};   // nullopt: header absent
  bool valid = false;                        // false: Extract must return base unchanged
  std::uint8_t flags = 0x01;
  std::string tracestate_out{};  // the serialized tracestate of a valid result
  std::string trace_id = std::string(kTrace);
  std::string parent_id = std::string(kParent);
};

void PrintTo(const ExtractCase& c, std::ostream* os) {
  *os << c.name << " traceparent=[" << c.traceparent.value_or("<absent>") << "] tracestate=["
      << c.tracestate.value_or("<absent>") << "]";
}

const ExtractCase kExtractCases[] = {
    // --- traceparent: valid forms ---
    {.name = "ValidVersion00Sampled", .traceparent = kValid, .valid = true},
    {.name = "ValidVersion00NotSampled", .traceparent = Tp("00", kTrace, kParent, "00"), .valid = true,
     .flags = 0x00},
    {.name = "ValidUnknownFlagsKept", .traceparent = Tp("00", kTrace, kParent, "09"), .valid = true,
     .flags = 0x09},
    {.name = "ValidMaxIdsAndFlags",
     .traceparent = Tp("00", std::string(32, 'f'), std::string(16, 'f'), "ff"),
     .valid = true,
     .flags = 0xff,
     .trace_id = std::string(32, 'f'),
     .parent_id = std::string(16, 'f')},
    {.name = "ValidIdsWithOnlyLastBitSet",
     .traceparent = Tp("00", std::string(31, '0') + "1", std::string(15, '0') + "1", "01"),
     .valid = true,
     .trace_id = std::string(31, '0') + "1",
     .parent_id = std::string(15, '0') + "1"},
    // --- version ---
    {.name = "VersionFF", .traceparent = Tp("ff", kTrace, kParent, "01")},
    {.name = "VersionFFWithDashSuffix", .traceparent = Tp("ff", kTrace, kParent, "01") + "-x"},
    {.name = "FutureVersion01Exact", .traceparent = Tp("01", kTrace, kParent, "01"), .valid = true},
    {.name = "FutureVersion01WithDashSuffix",
     .traceparent = Tp("01", kTrace, kParent, "01") + "-what-the-future-will-be-like",
     .valid = true},
    {.name = "FutureVersionFEWithDashSuffix", .traceparent = Tp("fe", kTrace, kParent, "00") + "-x",
     .valid = true, .flags = 0x00},
    {.name = "FutureVersionSuffixContentNotChecked",
     .traceparent = Tp("01", kTrace, kParent, "01") + "-UPPER.case!", .valid = true},
    {.name = "FutureVersionSuffixAfterDot", .traceparent = Tp("cc", kTrace, kParent, "01") + ".what"},
    {.name = "FutureVersionSuffixWithoutSeparator", .traceparent = Tp("01", kTrace, kParent, "01") + "abc"},
    {.name = "FutureVersionTooShort", .traceparent = Tp("01", kTrace, kParent, "0")},
    {.name = "Version00TrailingDashData", .traceparent = kValid + "-extra"},
    {.name = "Version00TrailingDash", .traceparent = kValid + "-"},
    {.name = "Version00TrailingChar", .traceparent = kValid + "0"},
    {.name = "VersionUpperCase", .traceparent = Tp("0A", kTrace, kParent, "01")},
    {.name = "VersionNonHex", .traceparent = Tp("0g", kTrace, kParent, "01")},
    {.name = "VersionOneDigit", .traceparent = Tp("0", kTrace, kParent, "01")},
    {.name = "VersionThreeDigits", .traceparent = Tp("000", kTrace, kParent, "01")},
    // --- trace id ---
    {.name = "TraceIdShort", .traceparent = Tp("00", kTrace.substr(1), kParent, "01")},
    {.name = "TraceIdLong", .traceparent = Tp("00", std::string(kTrace) + "0", kParent, "01")},
    {.name = "TraceIdUpperCase", .traceparent = Tp("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kParent, "01")},
    {.name = "TraceIdLastDigitUpperCase",
     .traceparent = Tp("00", "4bf92f3577b34da6a3ce929d0e0e473A", kParent, "01")},
    {.name = "TraceIdAllZero", .traceparent = Tp("00", std::string(32, '0'), kParent, "01")},
    {.name = "TraceIdNonHex", .traceparent = Tp("00", "4bf92f3577b34da6a3ce929d0e0e473g", kParent, "01")},
    // --- parent id ---
    {.name = "ParentIdShort", .traceparent = Tp("00", kTrace, kParent.substr(1), "01")},
    {.name = "ParentIdLong", .traceparent = Tp("00", kTrace, std::string(kParent) + "0", "01")},
    {.name = "ParentIdUpperCase", .traceparent = Tp("00", kTrace, "00F067AA0BA902B7", "01")},
    {.name = "ParentIdAllZero", .traceparent = Tp("00", kTrace, std::string(16, '0'), "01")},
    {.name = "ParentIdNonHex", .traceparent = Tp("00", kTrace, "00f067aa0ba902bz", "01")},
    // --- flags ---
    {.name = "FlagsUpperCase", .traceparent = Tp("00", kTrace, kParent, "0A")},
    {.name = "FlagsOneDigit", .traceparent = Tp("00", kTrace, kParent, "1")},
    {.name = "FlagsThreeDigits", .traceparent = Tp("00", kTrace, kParent, "011")},
    {.name = "FlagsNonHex", .traceparent = Tp("00", kTrace, kParent, "0x")},
    // --- separators and junk ---
    {.name = "SeparatorAfterVersionUnderscore", .traceparent = WithCharAt(kValid, 2, '_')},
    {.name = "SeparatorAfterTraceIdSpace", .traceparent = WithCharAt(kValid, 35, ' ')},
    {.name = "SeparatorBeforeFlagsDot", .traceparent = WithCharAt(kValid, 52, '.')},
    {.name = "SeparatorsMissing", .traceparent = "00" + std::string(kTrace) + std::string(kParent) + "01"},
    {.name = "InternalSpace", .traceparent = WithCharAt(kValid, 10, ' ')},
    {.name = "NonAsciiByte", .traceparent = WithCharAt(kValid, 5, '\xe9')},
    {.name = "EmbeddedNul", .traceparent = WithCharAt(kValid, 5, '\0')},
    {.name = "TrailingNewlineIsNotOws", .traceparent = kValid + "\n"},
    {.name = "DuplicatedHeaderJoined", .traceparent = kValid + "," + kValid},
    {.name = "Empty", .traceparent = ""},
    {.name = "WhitespaceOnly", .traceparent = " \t "},
    {.name = "Absent"},
    // --- OWS around the whole value ---
    {.name = "LeadingTrailingSpacesTrimmed", .traceparent = "  " + kValid + "  ", .valid = true},
    {.name = "TabOwsTrimmed", .traceparent = "\t" + kValid + "\t", .valid = true},
    {.name = "MixedOwsTrimmed", .traceparent = " \t" + kValid + "\t ", .valid = true},
    {.name = "FutureVersionTrailingOwsTrimmed", .traceparent = Tp("01", kTrace, kParent, "01") + "-x \t",
     .valid = true},
    // --- tracestate next to a valid traceparent ---
    {.name = "TraceStateSingle", .traceparent = kValid, .tracestate = "foo=bar", .valid = true,
     .tracestate_out = "foo=bar"},
    {.name = "TraceStateOws", .traceparent = kValid, .tracestate = " foo=1 \t , \t bar=2\t", .valid = true,
     .tracestate_out = "foo=1,bar=2"},
    {.name = "TraceStateEmptyMembersSkipped", .traceparent = kValid, .tracestate = ",foo=1,,  ,bar=2,",
     .valid = true, .tracestate_out = "foo=1,bar=2"},
    {.name = "TraceStateEmptyHeader", .traceparent = kValid, .tracestate = "", .valid = true},
    {.name = "TraceStateThirtyTwoMembers", .traceparent = kValid, .tracestate = Members(32), .valid = true,
     .tracestate_out = Members(32)},
    {.name = "TraceStateThirtyThreeMembersDropped", .traceparent = kValid, .tracestate = Members(33),
     .valid = true},
    // Level 2: a repeated key keeps its first member, the rest of the header stays.
    {.name = "TraceStateDuplicateKeyKeepsFirst", .traceparent = kValid, .tracestate = "foo=1,bar=2,foo=1",
     .valid = true, .tracestate_out = "foo=1,bar=2"},
    {.name = "TraceStateMultiTenantKey", .traceparent = kValid, .tracestate = "0tenant@vendor=v,a=b",
     .valid = true, .tracestate_out = "0tenant@vendor=v,a=b"},
    // Level 2 dropped Level 1's limits on the halves around "@".
    {.name = "TraceStateDigitAfterAt", .traceparent = kValid, .tracestate = "tenant@1vendor=v",
     .valid = true, .tracestate_out = "tenant@1vendor=v"},
    {.name = "TraceStateLongPartAfterAt", .traceparent = kValid,
     .tracestate = "t@" + std::string(15, 's') + "=v", .valid = true, .tracestate_out = "t@" + std::string(15, 's') + "=v"},
    {.name = "TraceStateKeyUpperCaseDropped", .traceparent = kValid, .tracestate = "Foo=bar", .valid = true},
    {.name = "TraceStateKey256", .traceparent = kValid, .tracestate = std::string(256, 'k') + "=v",
     .valid = true, .tracestate_out = std::string(256, 'k') + "=v"},
    {.name = "TraceStateKeyTooLong", .traceparent = kValid, .tracestate = std::string(257, 'k') + "=v",
     .valid = true},
    {.name = "TraceStateValueWithEquals", .traceparent = kValid, .tracestate = "foo=a=b", .valid = true},
    {.name = "TraceStateValueWithComma", .traceparent = kValid, .tracestate = "foo=a,b", .valid = true},
    {.name = "TraceStateValueWithTab", .traceparent = kValid, .tracestate = "foo=a\tb", .valid = true},
    {.name = "TraceStateValue256", .traceparent = kValid, .tracestate = "foo=" + std::string(256, 'v'),
     .valid = true, .tracestate_out = "foo=" + std::string(256, 'v')},
    {.name = "TraceStateValue257", .traceparent = kValid, .tracestate = "foo=" + std::string(257, 'v'),
     .valid = true},
    {.name = "TraceStateWithFutureVersion", .traceparent = Tp("01", kTrace, kParent, "01") + "-x",
     .tracestate = "foo=bar", .valid = true, .tracestate_out = "foo=bar"},
    {.name = "TraceStateIgnoredWhenTraceParentInvalid", .traceparent = Tp("ff", kTrace, kParent, "01"),
     .tracestate = "foo=bar"},
    {.name = "TraceStateIgnoredWhenTraceParentAbsent", .tracestate = "foo=bar"},
};

class TraceContextExtractTest : public ::testing::TestWithParam<ExtractCase> {};

TEST_P(TraceContextExtractTest, FollowsW3C) {
  const ExtractCase& c = GetParam();
  MapCarrier carrier;
  if (c.traceparent) carrier.Set("traceparent", *c.traceparent);
  if (c.tracestate) carrier.Set("tracestate", *c.tracestate);
  const Context base = BaseContext();

  const Context got = TraceContextPropagator().Extract(carrier, base);

  const SpanContext& sc = got.span_context();
  EXPECT_EQ(got.baggage_ptr(), base.baggage_ptr()) << "baggage is not this propagator's";
  if (!c.valid) {
    // Base unchanged: the caller starts a new trace.
    EXPECT_EQ(sc.trace_id(), base.span_context().trace_id());
    EXPECT_EQ(sc.span_id(), base.span_context().span_id());
    EXPECT_FALSE(sc.is_remote());
    EXPECT_EQ(sc.trace_state_ptr(), nullptr);
    return;
  }
  ASSERT_TRUE(sc.IsValid());
  EXPECT_EQ(sc.trace_id().ToHex(), c.trace_id);
  EXPECT_EQ(sc.span_id().ToHex(), c.parent_id);
  EXPECT_EQ(sc.flags(), c.flags);
  EXPECT_TRUE(sc.is_remote());
  EXPECT_EQ(sc.trace_state().Serialize(), c.tracestate_out);
}

INSTANTIATE_TEST_SUITE_P(W3C, TraceContextExtractTest, ::testing::ValuesIn(kExtractCases),
                         [](const ::testing::TestParamInfo<ExtractCase>& info) { return info.param.name; });

// --- ParseTraceParent / FormatTraceParent ---

TEST(TraceContextPropagatorTest, ParseTraceParentGivesRemoteContextWithoutTraceState) {
  const std::optional<SpanContext> parsed = TraceContextPropagator::ParseTraceParent(kValid);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->is_remote());
  EXPECT_TRUE(parsed->IsSampled());
  EXPECT_EQ(parsed->trace_state_ptr(), nullptr);
  EXPECT_EQ(parsed->trace_id().ToHex(), kTrace);
  EXPECT_EQ(parsed->span_id().ToHex(), kParent);
}

TEST(TraceContextPropagatorTest, FormatTraceParentWritesVersion00AndTheFlagsByte) {
  const SpanContext sampled(*TraceId::FromHex(kTrace), *SpanId::FromHex(kParent), 0x01, false);
  EXPECT_EQ(TraceContextPropagator::FormatTraceParent(sampled), kValid);
  const SpanContext unsampled(*TraceId::FromHex(kTrace), *SpanId::FromHex(kParent), 0x00, false);
  EXPECT_EQ(TraceContextPropagator::FormatTraceParent(unsampled), Tp("00", kTrace, kParent, "00"));
  const SpanContext random_bit(*TraceId::FromHex(kTrace), *SpanId::FromHex(kParent), 0x03, false);
  EXPECT_EQ(TraceContextPropagator::FormatTraceParent(random_bit), Tp("00", kTrace, kParent, "03"));
}

// The form that writes into the caller's buffer (the service's traceresponse)
// writes every byte of it, whatever the buffer held.
TEST(TraceContextPropagatorTest, FormatTraceParentIntoABufferWritesTheSameValue) {
  const SpanContext context = *TraceContextPropagator::ParseTraceParent(kValid);
  std::array<char, TraceContextPropagator::kTraceParentSize> buffer;
  buffer.fill('x');
  TraceContextPropagator::FormatTraceParent(context, buffer);
  EXPECT_EQ(std::string_view(buffer.data(), buffer.size()), kValid);
  EXPECT_EQ(std::string_view(buffer.data(), buffer.size()), TraceContextPropagator::FormatTraceParent(context));
}

TEST(TraceContextPropagatorTest, FormatTraceParentOfInvalidContextIsEmpty) {
  EXPECT_EQ(TraceContextPropagator::FormatTraceParent(SpanContext()), "");
}

TEST(TraceContextPropagatorTest, FieldsAreTraceparentAndTracestate) {
  const std::vector<std::string_view> fields = TraceContextPropagator().Fields();
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], "traceparent");
  EXPECT_EQ(fields[1], "tracestate");
}

// --- Extract details ---

TEST(TraceContextPropagatorTest, ExtractReadsHeaderNamesCaseInsensitively) {
  MapCarrier carrier{{"TraceParent", kValid}, {"TRACESTATE", "foo=bar"}};
  const Context got = TraceContextPropagator().Extract(carrier, Context());
  ASSERT_TRUE(got.span_context().IsValid());
  EXPECT_EQ(got.span_context().trace_state().Get("foo"), "bar");
}

TEST(TraceContextPropagatorTest, ExtractFromEmptyContextStaysInvalidWhenHeaderIsBad) {
  MapCarrier carrier{{"traceparent", Tp("00", std::string(32, '0'), kParent, "01")}};
  const Context got = TraceContextPropagator().Extract(carrier, Context());
  EXPECT_FALSE(got.span_context().IsValid());
}

// --- Inject ---

SpanContext MakeSpanContext(std::uint8_t flags, TraceStatePtr trace_state = nullptr) {
  return SpanContext(*TraceId::FromHex(kTrace), *SpanId::FromHex(kParent), flags, false,
                     std::move(trace_state));
}

TEST(TraceContextPropagatorTest, InjectWritesTraceparentOnlyWhenTraceStateIsEmpty) {
  MapCarrier carrier;
  TraceContextPropagator().Inject(Context().WithSpanContext(MakeSpanContext(0x01)), carrier);
  EXPECT_EQ(carrier.Get("traceparent"), kValid);
  EXPECT_FALSE(carrier.Get("tracestate").has_value());
  EXPECT_EQ(carrier.size(), 1u);
}

TEST(TraceContextPropagatorTest, InjectWritesNonEmptyTraceState) {
  auto state = std::make_shared<const TraceState>(*TraceState::Parse("a=1,t@s=2"));
  MapCarrier carrier;
  TraceContextPropagator().Inject(Context().WithSpanContext(MakeSpanContext(0x00, state)), carrier);
  EXPECT_EQ(carrier.Get("traceparent"), Tp("00", kTrace, kParent, "00"));
  EXPECT_EQ(carrier.Get("tracestate"), "a=1,t@s=2");
}

TEST(TraceContextPropagatorTest, InjectSkipsAnEmptyTraceStateObject) {
  MapCarrier carrier;
  auto empty = std::make_shared<const TraceState>();
  TraceContextPropagator().Inject(Context().WithSpanContext(MakeSpanContext(0x01, empty)), carrier);
  EXPECT_FALSE(carrier.Get("tracestate").has_value());
}

TEST(TraceContextPropagatorTest, InjectWritesNothingForAnInvalidSpanContext) {
  MapCarrier carrier;
  TraceContextPropagator().Inject(Context(), carrier);
  EXPECT_TRUE(carrier.empty());

  // A valid trace id alone is not enough.
  const SpanContext no_span(*TraceId::FromHex(kTrace), SpanId(), 0x01, false);
  TraceContextPropagator().Inject(Context().WithSpanContext(no_span), carrier);
  EXPECT_TRUE(carrier.empty());
  const SpanContext no_trace(TraceId(), *SpanId::FromHex(kParent), 0x01, false);
  TraceContextPropagator().Inject(Context().WithSpanContext(no_trace), carrier);
  EXPECT_TRUE(carrier.empty());
}

TEST(TraceContextPropagatorTest, InjectReplacesExistingHeaders) {
  MapCarrier carrier{{"Traceparent", "garbage"}};
  TraceContextPropagator().Inject(Context().WithSpanContext(MakeSpanContext(0x01)), carrier);
  EXPECT_EQ(carrier.Get("traceparent"), kValid);
  EXPECT_EQ(carrier.size(), 1u);
}

TEST(TraceContextPropagatorTest, FutureVersionIsReinjectedAsVersion00) {
  MapCarrier in{{"traceparent", Tp("cc", kTrace, kParent, "01") + "-what-the-future-will-be-like"}};
  const TraceContextPropagator propagator;
  const Context extracted = propagator.Extract(in, Context());
  MapCarrier out;
  propagator.Inject(extracted, out);
  EXPECT_EQ(out.Get("traceparent"), kValid);
}

// --- Round trips ---

TEST(TraceContextPropagatorTest, RoundTripKeepsIdsFlagsAndTraceState) {
  auto state = std::make_shared<const TraceState>(*TraceState::Parse(Members(32)));
  const TraceContextPropagator propagator;
  MapCarrier carrier;
  propagator.Inject(Context().WithSpanContext(MakeSpanContext(0x01, state)), carrier);
  const SpanContext got = propagator.Extract(carrier, Context()).span_context();
  EXPECT_EQ(got.trace_id().ToHex(), kTrace);
  EXPECT_EQ(got.span_id().ToHex(), kParent);
  EXPECT_EQ(got.flags(), 0x01);
  EXPECT_TRUE(got.is_remote());
  EXPECT_EQ(got.trace_state(), *state);
}

TEST(TraceContextPropagatorTest, RoundTripOfRandomIds) {
  const TraceContextPropagator propagator;
  for (int i = 0; i < 500; ++i) {
    const auto flags = static_cast<std::uint8_t>(i & 0xff);
    const SpanContext sent(RandomTraceId(), RandomSpanId(), flags, false);
    MapCarrier carrier;
    propagator.Inject(Context().WithSpanContext(sent), carrier);
    const SpanContext got = propagator.Extract(carrier, Context()).span_context();
    ASSERT_EQ(got.trace_id(), sent.trace_id()) << carrier.Get("traceparent").value_or("");
    ASSERT_EQ(got.span_id(), sent.span_id());
    ASSERT_EQ(got.flags(), flags);
  }
}

// --- Malformed input ---

// Replacing any one character of a valid version-00 header by one that does
// not belong there must invalidate it (and never crash).
TEST(TraceContextPropagatorTest, EverySingleCharacterCorruptionIsRejected) {
  const TraceContextPropagator propagator;
  const char kBad[] = {'A', 'F', 'g', 'z', '-', ' ', '\t', '\0', '\xff', ',', '=', '.'};
  for (std::size_t i = 0; i < kValid.size(); ++i) {
    for (char bad : kBad) {
      if (kValid[i] == bad) continue;
      const std::string header = WithCharAt(kValid, i, bad);
      MapCarrier carrier{{"traceparent", header}, {"tracestate", "foo=bar"}};
      Context got;
      EXPECT_NO_THROW(got = propagator.Extract(carrier, Context()));
      EXPECT_FALSE(got.span_context().IsValid()) << "position " << i << " char " << int(bad);
    }
  }
}

TEST(TraceContextPropagatorTest, TruncationsAreRejected) {
  const TraceContextPropagator propagator;
  for (std::size_t n = 0; n < kValid.size(); ++n) {
    MapCarrier carrier{{"traceparent", kValid.substr(0, n)}};
    EXPECT_FALSE(propagator.Extract(carrier, Context()).span_context().IsValid()) << n;
  }
}

TEST(TraceContextPropagatorTest, RandomGarbageNeverThrowsAndKeepsBase) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> length(0, 120);
  std::uniform_int_distribution<int> byte(0, 255);
  const TraceContextPropagator propagator;
  const Context base = BaseContext();
  for (int i = 0; i < 2000; ++i) {
    std::string traceparent(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : traceparent) c = static_cast<char>(byte(rng));
    std::string tracestate(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : tracestate) c = static_cast<char>(byte(rng));
    MapCarrier carrier{{"traceparent", traceparent}, {"tracestate", tracestate}};
    Context got;
    EXPECT_NO_THROW(got = propagator.Extract(carrier, base));
    EXPECT_EQ(got.span_context().trace_id(), base.span_context().trace_id());
  }
}

TEST(TraceContextPropagatorTest, GarbageTraceStateNeverLosesTheTraceparent) {
  std::mt19937 rng(54321);
  std::uniform_int_distribution<int> length(0, 600);
  std::uniform_int_distribution<int> byte(0, 255);
  const TraceContextPropagator propagator;
  for (int i = 0; i < 1000; ++i) {
    std::string tracestate(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : tracestate) c = static_cast<char>(byte(rng));
    MapCarrier carrier{{"traceparent", kValid}, {"tracestate", tracestate}};
    Context got;
    EXPECT_NO_THROW(got = propagator.Extract(carrier, Context()));
    EXPECT_EQ(got.span_context().trace_id().ToHex(), kTrace);
  }
}

}  // namespace
}  // namespace qtrace
