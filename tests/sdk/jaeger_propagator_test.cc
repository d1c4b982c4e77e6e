// JaegerPropagator: uber-trace-id and uberctx- baggage.
#include "qtrace/sdk/propagation/jaeger_propagator.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

constexpr std::string_view kTrace = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr std::string_view kSpan = "e457b5a2e4d86bd1";

Context Extract(std::string header) {
  MapCarrier carrier{{"uber-trace-id", std::move(header)}};
  return JaegerPropagator().Extract(carrier, Context());
}

TEST(JaegerExtractTest, SampledHeader) {
  const Context context = Extract(std::string(kTrace) + ":" + std::string(kSpan) + ":0:1");
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace);
  EXPECT_EQ(context.span_context().span_id().ToHex(), kSpan);
  EXPECT_TRUE(context.span_context().IsSampled());
  EXPECT_TRUE(context.span_context().is_remote());
  EXPECT_EQ(context.sampling_hint(), SamplingHint::kNone);
}

TEST(JaegerExtractTest, UnsampledAndTwoDigitFlags) {
  EXPECT_FALSE(Extract(std::string(kTrace) + ":" + std::string(kSpan) + ":0:0").span_context().IsSampled());
  EXPECT_TRUE(Extract(std::string(kTrace) + ":" + std::string(kSpan) + ":0:01").span_context().IsSampled());
}

TEST(JaegerExtractTest, DebugFlagImpliesSampledAndIsKept) {
  const Context context = Extract(std::string(kTrace) + ":" + std::string(kSpan) + ":0:2");
  EXPECT_TRUE(context.span_context().IsSampled());
  EXPECT_EQ(context.sampling_hint(), SamplingHint::kDebug);
}

TEST(JaegerExtractTest, ShortIdsAreLeftPadded) {
  // Jaeger clients drop leading zeros.
  const Context context = Extract("a3ce929d0e0e4736:7b:0:1");
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), "0000000000000000a3ce929d0e0e4736");
  EXPECT_EQ(context.span_context().span_id().ToHex(), "000000000000007b");
}

TEST(JaegerExtractTest, PercentEncodedValue) {
  const Context context = Extract(std::string(kTrace) + "%3A" + std::string(kSpan) + "%3A0%3A1");
  EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace);
}

TEST(JaegerExtractTest, ParentSpanIdIsIgnored) {
  const Context context = Extract(std::string(kTrace) + ":" + std::string(kSpan) + ":5c1b:1");
  EXPECT_EQ(context.span_context().span_id().ToHex(), kSpan);
}

TEST(JaegerExtractTest, MalformedHeadersAreIgnored) {
  const std::string ids = std::string(kTrace) + ":" + std::string(kSpan);
  for (const std::string& header : {ids, ids + ":0", ids + ":0:1:9", ids + ":0:x", ids + ":0:123", ids + ":q:1",
                                    "0:" + std::string(kSpan) + ":0:1", std::string(kTrace) + ":0:0:1",
                                    std::string(33, 'a') + ":1:0:1", std::string(kTrace) + ":" + std::string(17, 'b') + ":0:1",
                                    std::string("%zz"), std::string()}) {
    EXPECT_FALSE(Extract(header).span_context().IsValid()) << header;
  }
}

TEST(JaegerExtractTest, BaggageFromUberctxHeaders) {
  MapCarrier carrier{{"uber-trace-id", std::string(kTrace) + ":" + std::string(kSpan) + ":0:1"},
                     {"uberctx-user", "alice%20smith"},
                     {"uberctx-tenant", "t1"},
                     {"other", "x"}};
  const Context context = JaegerPropagator().Extract(carrier, Context());
  EXPECT_EQ(context.baggage().Get("user"), "alice smith");
  EXPECT_EQ(context.baggage().Get("tenant"), "t1");
  EXPECT_EQ(context.baggage().entries().size(), 2u);
}

TEST(JaegerExtractTest, BaggageAloneWithoutTrace) {
  MapCarrier carrier{{"uberctx-k", "v"}};
  const Context context = JaegerPropagator().Extract(carrier, Context());
  EXPECT_FALSE(context.span_context().IsValid());
  EXPECT_EQ(context.baggage().Get("k"), "v");
}

TEST(JaegerInjectTest, HeaderFlagsAndBaggage) {
  const SpanContext sampled(*TraceId::FromHex(kTrace), *SpanId::FromHex(kSpan),
                            TraceFlags::kSampled | TraceFlags::kRandom, false);
  const Context context = Context()
                              .WithSpanContext(sampled)
                              .WithBaggage(std::make_shared<const Baggage>(Baggage().With("user", "a b")));
  MapCarrier carrier;
  JaegerPropagator().Inject(context, carrier);
  // The W3C random bit (0x02) must not leak: Jaeger reads 0x02 as debug.
  EXPECT_EQ(carrier.headers().at("uber-trace-id"), std::string(kTrace) + ":" + std::string(kSpan) + ":0:01");
  EXPECT_EQ(carrier.headers().at("uberctx-user"), "a%20b");

  MapCarrier unsampled;
  JaegerPropagator().Inject(Context().WithSpanContext(SpanContext(sampled.trace_id(), sampled.span_id(), 0, false)),
                            unsampled);
  EXPECT_EQ(unsampled.headers().at("uber-trace-id"), std::string(kTrace) + ":" + std::string(kSpan) + ":0:00");

  MapCarrier debug;
  JaegerPropagator().Inject(context.WithSamplingHint(SamplingHint::kDebug), debug);
  EXPECT_EQ(debug.headers().at("uber-trace-id"), std::string(kTrace) + ":" + std::string(kSpan) + ":0:03");
}

TEST(JaegerInjectTest, RoundTrip) {
  MapCarrier in{{"uber-trace-id", "a3ce929d0e0e4736:" + std::string(kSpan) + ":0:1"}, {"uberctx-k", "v,w"}};
  const Context received = JaegerPropagator().Extract(in, Context());
  MapCarrier out;
  JaegerPropagator().Inject(received, out);
  EXPECT_EQ(out.headers().at("uber-trace-id"), "a3ce929d0e0e4736:" + std::string(kSpan) + ":0:01");
  const Context again = JaegerPropagator().Extract(out, Context());
  EXPECT_EQ(again.span_context().trace_id(), received.span_context().trace_id());
  EXPECT_EQ(again.baggage().Get("k"), "v,w");
}

}  // namespace
}  // namespace qtrace
