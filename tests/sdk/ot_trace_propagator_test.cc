// OtTracePropagator: ot-tracer-* and ot-baggage-*.
#include "qtrace/sdk/propagation/ot_trace_propagator.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

constexpr std::string_view kTrace128 = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr std::string_view kTrace64 = "a3ce929d0e0e4736";
constexpr std::string_view kSpan = "e457b5a2e4d86bd1";

TEST(OtTraceExtractTest, SixtyFourBitTraceIdIsPadded) {
  MapCarrier carrier{{"ot-tracer-traceid", std::string(kTrace64)}, {"ot-tracer-spanid", std::string(kSpan)},
                     {"ot-tracer-sampled", "true"}};
  const Context context = OtTracePropagator().Extract(carrier, Context());
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), "0000000000000000" + std::string(kTrace64));
  EXPECT_EQ(context.span_context().span_id().ToHex(), kSpan);
  EXPECT_TRUE(context.span_context().IsSampled());
  EXPECT_TRUE(context.span_context().is_remote());
}

TEST(OtTraceExtractTest, SampledValues) {
  for (const auto& [value, sampled] :
       {std::pair{"true", true}, std::pair{"1", true}, std::pair{"false", false}, std::pair{"0", false}}) {
    MapCarrier carrier{{"ot-tracer-traceid", std::string(kTrace128)}, {"ot-tracer-spanid", std::string(kSpan)},
                       {"ot-tracer-sampled", value}};
    EXPECT_EQ(OtTracePropagator().Extract(carrier, Context()).span_context().IsSampled(), sampled) << value;
  }
  MapCarrier absent{{"ot-tracer-traceid", std::string(kTrace128)}, {"ot-tracer-spanid", std::string(kSpan)}};
  EXPECT_FALSE(OtTracePropagator().Extract(absent, Context()).span_context().IsSampled());
}

TEST(OtTraceExtractTest, MalformedIdsAreIgnored) {
  for (const auto& [trace, span] : {std::pair<std::string, std::string>{"abc", std::string(kSpan)},
                                    {std::string(kTrace128), "abc"},
                                    {std::string(24, 'a'), std::string(kSpan)},
                                    {std::string(32, '0'), std::string(kSpan)},
                                    {std::string(kTrace128), std::string(16, '0')},
                                    {std::string(kTrace128), "e457b5a2e4d86bdz"}}) {
    MapCarrier carrier{{"ot-tracer-traceid", trace}, {"ot-tracer-spanid", span}, {"ot-tracer-sampled", "true"}};
    EXPECT_FALSE(OtTracePropagator().Extract(carrier, Context()).span_context().IsValid()) << trace << " " << span;
  }
}

TEST(OtTraceExtractTest, BaggageOnlyWithATrace) {
  MapCarrier with{{"ot-tracer-traceid", std::string(kTrace128)}, {"ot-tracer-spanid", std::string(kSpan)},
                  {"ot-baggage-user", "alice"}};
  EXPECT_EQ(OtTracePropagator().Extract(with, Context()).baggage().Get("user"), "alice");
  MapCarrier without{{"ot-baggage-user", "alice"}};
  EXPECT_TRUE(OtTracePropagator().Extract(without, Context()).baggage().empty());
}

TEST(OtTraceInjectTest, WritesHeadersAndBaggage) {
  const SpanContext sc(*TraceId::FromHex(kTrace128), *SpanId::FromHex(kSpan), TraceFlags::kSampled, false);
  const Context context =
      Context().WithSpanContext(sc).WithBaggage(std::make_shared<const Baggage>(Baggage().With("user", "alice")));
  MapCarrier carrier;
  OtTracePropagator().Inject(context, carrier);
  // All 32 digits: a 128-bit trace is not cut in half.
  EXPECT_EQ(carrier.headers().at("ot-tracer-traceid"), kTrace128);
  EXPECT_EQ(carrier.headers().at("ot-tracer-spanid"), kSpan);
  EXPECT_EQ(carrier.headers().at("ot-tracer-sampled"), "true");
  EXPECT_EQ(carrier.headers().at("ot-baggage-user"), "alice");
}

TEST(OtTraceInjectTest, SixtyFourBitTraceGoesOutAsItCame) {
  MapCarrier in{{"ot-tracer-traceid", std::string(kTrace64)}, {"ot-tracer-spanid", std::string(kSpan)},
                {"ot-tracer-sampled", "false"}};
  MapCarrier out;
  OtTracePropagator().Inject(OtTracePropagator().Extract(in, Context()), out);
  EXPECT_EQ(out.headers().at("ot-tracer-traceid"), kTrace64);
  EXPECT_EQ(out.headers().at("ot-tracer-sampled"), "false");
}

}  // namespace
}  // namespace qtrace
