// B3Propagator: the single header and the multi headers, each rule a named
// case.
#include "qtrace/sdk/propagation/b3_propagator.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

constexpr std::string_view kTrace128 = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr std::string_view kTrace64 = "a3ce929d0e0e4736";
constexpr std::string_view kSpan = "e457b5a2e4d86bd1";
constexpr std::string_view kParent = "05e3ac9a4f6e3b90";

B3Propagator Single() { return B3Propagator(B3Propagator::Encoding::kSingleHeader); }
B3Propagator Multi() { return B3Propagator(B3Propagator::Encoding::kMultiHeader); }

std::string Cat(std::string_view a, std::string_view sep, std::string_view b) {
  return std::string(a) + std::string(sep) + std::string(b);
}

// What extraction should give, or nullopt for "no span context".
struct Want {
  std::string trace_id;
  bool sampled;
  SamplingHint hint;
};

struct SingleCase {
  std::string name;
  std::string header;
  std::optional<Want> want;           // the span context
  SamplingHint hint_without_ids = SamplingHint::kNone;  // when want is nullopt
};

void PrintTo(const SingleCase& c, std::ostream* os) { *os << c.name << " [" << c.header << "]"; }

const std::string kPadded64 = "0000000000000000" + std::string(kTrace64);

const SingleCase kSingleCases[] = {
    {"Sampled128", Cat(kTrace128, "-", kSpan) + "-1", Want{std::string(kTrace128), true, SamplingHint::kNone}},
    {"Unsampled128", Cat(kTrace128, "-", kSpan) + "-0", Want{std::string(kTrace128), false, SamplingHint::kNone}},
    {"Debug128", Cat(kTrace128, "-", kSpan) + "-d", Want{std::string(kTrace128), true, SamplingHint::kDebug}},
    {"WithParent", Cat(kTrace128, "-", kSpan) + "-1-" + std::string(kParent),
     Want{std::string(kTrace128), true, SamplingHint::kNone}},
    {"NoSamplingStateDefers", Cat(kTrace128, "-", kSpan), Want{std::string(kTrace128), false, SamplingHint::kDefer}},
    {"Trace64LeftPadded", Cat(kTrace64, "-", kSpan) + "-1", Want{kPadded64, true, SamplingHint::kNone}},
    {"UpperCaseHexAccepted", "80F198EE56343BA864FE8B2A57D3EFF7-E457B5A2E4D86BD1-1",
     Want{std::string(kTrace128), true, SamplingHint::kNone}},
    {"SurroundingSpacesTrimmed", " " + Cat(kTrace128, "-", kSpan) + "-1 ", Want{std::string(kTrace128), true, SamplingHint::kNone}},
    {"DenyAlone", "0", std::nullopt, SamplingHint::kDeny},
    {"AcceptAlone", "1", std::nullopt, SamplingHint::kAccept},
    {"DebugAlone", "d", std::nullopt, SamplingHint::kDebug},
    {"BadStateAlone", "x", std::nullopt},
    {"BadState", Cat(kTrace128, "-", kSpan) + "-2", std::nullopt},
    {"TraceId31Digits", Cat(kTrace128.substr(1), "-", kSpan) + "-1", std::nullopt},
    {"TraceId20Digits", Cat(kTrace128.substr(12), "-", kSpan) + "-1", std::nullopt},
    {"SpanId15Digits", Cat(kTrace128, "-", kSpan.substr(1)) + "-1", std::nullopt},
    {"ZeroTraceId", Cat("00000000000000000000000000000000", "-", kSpan) + "-1", std::nullopt},
    {"ZeroSpanId", Cat(kTrace128, "-", "0000000000000000") + "-1", std::nullopt},
    {"NonHexTraceId", Cat("80f198ee56343ba864fe8b2a57d3effg", "-", kSpan) + "-1", std::nullopt},
    {"BadParent", Cat(kTrace128, "-", kSpan) + "-1-xyz", std::nullopt},
    {"TooManyParts", Cat(kTrace128, "-", kSpan) + "-1-" + std::string(kParent) + "-x", std::nullopt},
    {"TraceIdAlone", std::string(kTrace128), std::nullopt},
    {"Empty", "", std::nullopt},
};

class B3SingleExtractTest : public ::testing::TestWithParam<SingleCase> {};

TEST_P(B3SingleExtractTest, FollowsTheFormat) {
  const SingleCase& c = GetParam();
  MapCarrier carrier{{"b3", c.header}};
  const Context context = Single().Extract(carrier, Context());
  if (!c.want) {
    EXPECT_FALSE(context.span_context().IsValid());
    EXPECT_EQ(context.sampling_hint(), c.hint_without_ids);
    return;
  }
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), c.want->trace_id);
  EXPECT_EQ(context.span_context().span_id().ToHex(), kSpan);
  EXPECT_EQ(context.span_context().IsSampled(), c.want->sampled);
  EXPECT_TRUE(context.span_context().is_remote());
  EXPECT_EQ(context.span_context().flags() & TraceFlags::kRandom, 0) << "ids we did not make carry no random flag";
  EXPECT_EQ(context.sampling_hint(), c.want->hint);
}

INSTANTIATE_TEST_SUITE_P(B3Single, B3SingleExtractTest, ::testing::ValuesIn(kSingleCases),
                         [](const ::testing::TestParamInfo<SingleCase>& info) { return info.param.name; });

TEST(B3MultiExtractTest, SampledIdsGiveARemoteSampledParent) {
  MapCarrier carrier{{"X-B3-TraceId", std::string(kTrace128)}, {"X-B3-SpanId", std::string(kSpan)},
                     {"X-B3-ParentSpanId", std::string(kParent)}, {"X-B3-Sampled", "1"}};
  const Context context = Multi().Extract(carrier, Context());
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace128);
  EXPECT_EQ(context.span_context().span_id().ToHex(), kSpan);
  EXPECT_TRUE(context.span_context().IsSampled());
}

TEST(B3MultiExtractTest, LegacyTrueFalseSampledValues) {
  for (const auto& [value, sampled] : {std::pair{"true", true}, std::pair{"false", false}, std::pair{"0", false}}) {
    MapCarrier carrier{{"x-b3-traceid", std::string(kTrace64)}, {"x-b3-spanid", std::string(kSpan)},
                       {"x-b3-sampled", value}};
    const Context context = Multi().Extract(carrier, Context());
    ASSERT_TRUE(context.span_context().IsValid()) << value;
    EXPECT_EQ(context.span_context().trace_id().ToHex(), kPadded64);
    EXPECT_EQ(context.span_context().IsSampled(), sampled) << value;
  }
}

TEST(B3MultiExtractTest, FlagsOneIsDebugAndImpliesSampled) {
  MapCarrier carrier{{"x-b3-traceid", std::string(kTrace128)}, {"x-b3-spanid", std::string(kSpan)},
                     {"x-b3-flags", "1"}};
  const Context context = Multi().Extract(carrier, Context());
  EXPECT_TRUE(context.span_context().IsSampled());
  EXPECT_EQ(context.sampling_hint(), SamplingHint::kDebug);
}

TEST(B3MultiExtractTest, IdsWithoutDecisionDefer) {
  MapCarrier carrier{{"x-b3-traceid", std::string(kTrace128)}, {"x-b3-spanid", std::string(kSpan)}};
  const Context context = Multi().Extract(carrier, Context());
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.sampling_hint(), SamplingHint::kDefer);
}

TEST(B3MultiExtractTest, DecisionWithoutIdsIsAHint) {
  MapCarrier deny{{"x-b3-sampled", "0"}};
  EXPECT_EQ(Multi().Extract(deny, Context()).sampling_hint(), SamplingHint::kDeny);
  EXPECT_FALSE(Multi().Extract(deny, Context()).span_context().IsValid());
  MapCarrier accept{{"x-b3-sampled", "1"}};
  EXPECT_EQ(Multi().Extract(accept, Context()).sampling_hint(), SamplingHint::kAccept);
}

TEST(B3MultiExtractTest, MalformedSetsAreIgnored) {
  const MapCarrier cases[] = {
      {{"x-b3-traceid", std::string(kTrace128)}},                                          // no span id
      {{"x-b3-spanid", std::string(kSpan)}},                                               // no trace id
      {{"x-b3-traceid", "abc"}, {"x-b3-spanid", std::string(kSpan)}},                      // short trace id
      {{"x-b3-traceid", std::string(kTrace128)}, {"x-b3-spanid", std::string(kSpan)}, {"x-b3-sampled", "yes"}},
      {{"x-b3-traceid", std::string(kTrace128)}, {"x-b3-spanid", std::string(kSpan)}, {"x-b3-parentspanid", "q"}},
  };
  for (const MapCarrier& carrier : cases) {
    const Context context = Multi().Extract(carrier, Context());
    EXPECT_FALSE(context.span_context().IsValid());
    EXPECT_EQ(context.sampling_hint(), SamplingHint::kNone);
  }
}

TEST(B3ExtractTest, SingleHeaderWinsOverMulti) {
  MapCarrier carrier{{"b3", Cat(kTrace128, "-", kSpan) + "-1"},
                     {"x-b3-traceid", "11111111111111111111111111111111"},
                     {"x-b3-spanid", "2222222222222222"},
                     {"x-b3-sampled", "0"}};
  for (const B3Propagator& propagator : {Single(), Multi()}) {
    const Context context = propagator.Extract(carrier, Context());
    EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace128);
    EXPECT_TRUE(context.span_context().IsSampled());
  }
}

TEST(B3ExtractTest, MalformedSingleFallsBackToMulti) {
  MapCarrier carrier{{"b3", "garbage"}, {"x-b3-traceid", std::string(kTrace128)},
                     {"x-b3-spanid", std::string(kSpan)}, {"x-b3-sampled", "1"}};
  const Context context = Single().Extract(carrier, Context());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace128);
}

SpanContext Sent(bool sampled) {
  return SpanContext(*TraceId::FromHex(kTrace128), *SpanId::FromHex(kSpan),
                     static_cast<std::uint8_t>(TraceFlags::kRandom | (sampled ? TraceFlags::kSampled : 0)),
                     /*is_remote=*/false);
}

TEST(B3InjectTest, SingleHeader) {
  MapCarrier sampled;
  Single().Inject(Context().WithSpanContext(Sent(true)), sampled);
  EXPECT_EQ(sampled.headers().at("b3"), Cat(kTrace128, "-", kSpan) + "-1");
  EXPECT_EQ(sampled.size(), 1u);
  MapCarrier unsampled;
  Single().Inject(Context().WithSpanContext(Sent(false)), unsampled);
  EXPECT_EQ(unsampled.headers().at("b3"), Cat(kTrace128, "-", kSpan) + "-0");
  MapCarrier debug;
  Single().Inject(Context().WithSpanContext(Sent(true)).WithSamplingHint(SamplingHint::kDebug), debug);
  EXPECT_EQ(debug.headers().at("b3"), Cat(kTrace128, "-", kSpan) + "-d");
}

TEST(B3InjectTest, MultiHeadersWithoutParent) {
  MapCarrier carrier;
  Multi().Inject(Context().WithSpanContext(Sent(true)), carrier);
  EXPECT_EQ(carrier.headers().at("x-b3-traceid"), kTrace128);
  EXPECT_EQ(carrier.headers().at("x-b3-spanid"), kSpan);
  EXPECT_EQ(carrier.headers().at("x-b3-sampled"), "1");
  EXPECT_EQ(carrier.size(), 3u) << "never X-B3-ParentSpanId, no X-B3-Flags without debug";
}

TEST(B3InjectTest, MultiDebugSendsFlagsInsteadOfSampled) {
  MapCarrier carrier;
  Multi().Inject(Context().WithSpanContext(Sent(true)).WithSamplingHint(SamplingHint::kDebug), carrier);
  EXPECT_EQ(carrier.headers().at("x-b3-flags"), "1");
  EXPECT_EQ(carrier.headers().count("x-b3-sampled"), 0u);
}

TEST(B3InjectTest, SixtyFourBitTraceGoesOutAsItCame) {
  MapCarrier in{{"b3", Cat(kTrace64, "-", kSpan) + "-1"}};
  const Context received = Single().Extract(in, Context());
  MapCarrier out;
  Multi().Inject(received, out);
  EXPECT_EQ(out.headers().at("x-b3-traceid"), kTrace64);
}

TEST(B3InjectTest, NothingForAnInvalidContext) {
  MapCarrier carrier;
  Single().Inject(Context(), carrier);
  Multi().Inject(Context().WithSamplingHint(SamplingHint::kDeny), carrier);
  EXPECT_TRUE(carrier.empty());
}

TEST(B3InjectTest, RoundTripKeepsIdsAndDecision) {
  for (bool sampled : {true, false}) {
    for (const B3Propagator& propagator : {Single(), Multi()}) {
      MapCarrier carrier;
      propagator.Inject(Context().WithSpanContext(Sent(sampled)), carrier);
      const SpanContext back = propagator.Extract(carrier, Context()).span_context();
      EXPECT_EQ(back.trace_id().ToHex(), kTrace128);
      EXPECT_EQ(back.span_id().ToHex(), kSpan);
      EXPECT_EQ(back.IsSampled(), sampled);
    }
  }
}

}  // namespace
}  // namespace qtrace
