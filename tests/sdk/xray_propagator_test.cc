// XrayPropagator: X-Amzn-Trace-Id.
#include "qtrace/sdk/propagation/xray_propagator.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

constexpr std::string_view kRoot = "1-5759e988-bd862e3fe1be46a994272793";
constexpr std::string_view kTrace = "5759e988bd862e3fe1be46a994272793";
constexpr std::string_view kParent = "53995c3f42cd8ad8";

Context Extract(std::string header) {
  MapCarrier carrier{{"X-Amzn-Trace-Id", std::move(header)}};
  return XrayPropagator().Extract(carrier, Context());
}

std::string Header(std::string_view sampled) {
  return "Root=" + std::string(kRoot) + ";Parent=" + std::string(kParent) + ";Sampled=" + std::string(sampled);
}

TEST(XrayExtractTest, SampledHeader) {
  const Context context = Extract(Header("1"));
  ASSERT_TRUE(context.span_context().IsValid());
  EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace);
  EXPECT_EQ(context.span_context().span_id().ToHex(), kParent);
  EXPECT_TRUE(context.span_context().IsSampled());
  EXPECT_TRUE(context.span_context().is_remote());
  EXPECT_EQ(context.sampling_hint(), SamplingHint::kNone);
  EXPECT_EQ(context.xray_extra_fields(), nullptr);
}

TEST(XrayExtractTest, UnsampledHeader) {
  const Context context = Extract(Header("0"));
  EXPECT_FALSE(context.span_context().IsSampled());
  EXPECT_EQ(context.sampling_hint(), SamplingHint::kNone);
}

TEST(XrayExtractTest, QuestionMarkOrNoSampledLeavesTheDecisionToUs) {
  EXPECT_EQ(Extract(Header("?")).sampling_hint(), SamplingHint::kDefer);
  const Context absent = Extract("Root=" + std::string(kRoot) + ";Parent=" + std::string(kParent));
  ASSERT_TRUE(absent.span_context().IsValid());
  EXPECT_EQ(absent.sampling_hint(), SamplingHint::kDefer);
}

TEST(XrayExtractTest, FieldsInAnyOrderWithSpaces) {
  const Context context = Extract(" Sampled=1 ; Parent=" + std::string(kParent) + " ;Root=" + std::string(kRoot));
  EXPECT_EQ(context.span_context().trace_id().ToHex(), kTrace);
  EXPECT_TRUE(context.span_context().IsSampled());
}

TEST(XrayExtractTest, OtherFieldsAreKeptForTheNextHop) {
  const Context context = Extract(Header("1") + ";Lineage=a87bd80c:1|68fd508a:5;Self=1-abc");
  ASSERT_NE(context.xray_extra_fields(), nullptr);
  EXPECT_EQ(*context.xray_extra_fields(), "Lineage=a87bd80c:1|68fd508a:5;Self=1-abc");

  const SpanContext child(context.span_context().trace_id(), *SpanId::FromHex("0102030405060708"),
                          TraceFlags::kSampled, false);
  MapCarrier out;
  XrayPropagator().Inject(context.WithSpanContext(child), out);
  EXPECT_EQ(out.headers().at("x-amzn-trace-id"),
            "Root=" + std::string(kRoot) + ";Parent=0102030405060708;Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Self=1-abc");
}

TEST(XrayExtractTest, MalformedHeadersAreIgnored) {
  const std::string parent = ";Parent=" + std::string(kParent) + ";Sampled=1";
  for (const std::string& header : {
           "Root=2-5759e988-bd862e3fe1be46a994272793" + parent,  // version 2
           "Root=1-5759e988bd862e3fe1be46a994272793" + parent,   // missing dash
           "Root=1-5759e98-8bd862e3fe1be46a994272793" + parent,  // dash misplaced
           "Root=1-5759e988-bd862e3fe1be46a99427279" + parent,   // short
           "Root=1-5759e988-bd862e3fe1be46a99427279z" + parent,  // not hex
           "Root=1-00000000-000000000000000000000000" + parent,  // zero id
           "Root=" + std::string(kRoot) + ";Parent=53995c3f42cd8ad;Sampled=1",  // short parent
           "Root=" + std::string(kRoot) + ";Parent=0000000000000000;Sampled=1",
           "Root=" + std::string(kRoot) + ";Sampled=1",  // no parent
           "Parent=" + std::string(kParent) + ";Sampled=1",  // no root
           Header("2"),
           Header("1") + ";garbage",
           std::string(),
       }) {
    EXPECT_FALSE(Extract(header).span_context().IsValid()) << header;
  }
}

TEST(XrayInjectTest, WritesRootParentSampled) {
  const SpanContext sc(*TraceId::FromHex(kTrace), *SpanId::FromHex(kParent), TraceFlags::kSampled, false);
  MapCarrier carrier;
  XrayPropagator().Inject(Context().WithSpanContext(sc), carrier);
  EXPECT_EQ(carrier.headers().at("x-amzn-trace-id"), Header("1"));
  MapCarrier unsampled;
  XrayPropagator().Inject(Context().WithSpanContext(SpanContext(sc.trace_id(), sc.span_id(), 0, false)), unsampled);
  EXPECT_EQ(unsampled.headers().at("x-amzn-trace-id"), Header("0"));
  MapCarrier none;
  XrayPropagator().Inject(Context(), none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace qtrace
