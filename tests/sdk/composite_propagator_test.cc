// CompositePropagator and MakePropagator (OTEL_PROPAGATORS names).
#include "qtrace/sdk/propagation/composite_propagator.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qtrace/sdk/propagation/trace_context_propagator.h"
#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

constexpr std::string_view kTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// Records calls in a shared log and, on Extract, adds its name to the baggage
// so that the chaining of contexts is visible.
class RecordingPropagator final : public TextMapPropagator {
 public:
  RecordingPropagator(std::string name, std::vector<std::string>* log) : name_(std::move(name)), log_(log) {}

  void Inject(const Context&, TextMapCarrier& carrier) const override {
    log_->push_back("inject " + name_);
    carrier.Set(name_, "x");
  }
  Context Extract(const TextMapCarrier&, const Context& base) const override {
    log_->push_back("extract " + name_);
    const std::string seen(base.baggage().Get("chain").value_or(""));
    return base.WithBaggage(std::make_shared<const Baggage>(base.baggage().With("chain", seen + name_)));
  }
  std::vector<std::string_view> Fields() const override { return {name_, "shared"}; }

 private:
  std::string name_;
  std::vector<std::string>* log_;
};

// Counts the writes it receives.
class CountingCarrier final : public TextMapCarrier {
 public:
  std::optional<std::string_view> Get(std::string_view key) const override { return inner.Get(key); }
  void Set(std::string_view key, std::string_view value) override {
    ++sets;
    inner.Set(key, value);
  }
  MapCarrier inner;
  int sets = 0;
};

std::unique_ptr<CompositePropagator> MakeRecordingComposite(std::vector<std::string>* log) {
  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  parts.push_back(std::make_unique<RecordingPropagator>("a", log));
  parts.push_back(std::make_unique<RecordingPropagator>("b", log));
  return std::make_unique<CompositePropagator>(std::move(parts));
}

std::unique_ptr<TextMapPropagator> MustMake(const std::vector<std::string>& names) {
  absl::StatusOr<std::unique_ptr<TextMapPropagator>> made = MakePropagator(names);
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? std::move(*made) : nullptr;
}

Context SampleContext() {
  const SpanContext sc = *TraceContextPropagator::ParseTraceParent(kTraceParent);
  return Context()
      .WithSpanContext(SpanContext(sc.trace_id(), sc.span_id(), sc.flags(), false))
      .WithBaggage(std::make_shared<const Baggage>(Baggage().With("user", "alice")));
}

// --- CompositePropagator ---

TEST(CompositePropagatorTest, InjectRunsEveryPartInOrder) {
  std::vector<std::string> log;
  MapCarrier carrier;
  MakeRecordingComposite(&log)->Inject(Context(), carrier);
  EXPECT_EQ(log, (std::vector<std::string>{"inject a", "inject b"}));
  EXPECT_TRUE(carrier.Get("a").has_value());
  EXPECT_TRUE(carrier.Get("b").has_value());
}

TEST(CompositePropagatorTest, ExtractFeedsEachPartThePreviousResult) {
  std::vector<std::string> log;
  MapCarrier carrier;
  const Context got = MakeRecordingComposite(&log)->Extract(carrier, Context());
  EXPECT_EQ(log, (std::vector<std::string>{"extract a", "extract b"}));
  EXPECT_EQ(got.baggage().Get("chain"), "ab");
}

TEST(CompositePropagatorTest, FieldsAreConcatenatedWithoutDuplicates) {
  std::vector<std::string> log;
  // The views point into the parts, so the composite must outlive them.
  const std::unique_ptr<CompositePropagator> composite = MakeRecordingComposite(&log);
  const std::vector<std::string_view> fields = composite->Fields();
  EXPECT_EQ(fields, (std::vector<std::string_view>{"a", "shared", "b"}));
}

TEST(CompositePropagatorTest, EmptyCompositeDoesNothing) {
  const CompositePropagator empty({});
  MapCarrier carrier{{"traceparent", std::string(kTraceParent)}};
  MapCarrier out;
  empty.Inject(SampleContext(), out);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(empty.Extract(carrier, Context()).span_context().IsValid());
  EXPECT_TRUE(empty.Fields().empty());
}

// --- MakePropagator ---

TEST(MakePropagatorTest, TraceContextAndBaggageInjectBoth) {
  const auto propagator = MustMake({"tracecontext", "baggage"});
  ASSERT_NE(propagator, nullptr);
  MapCarrier carrier;
  propagator->Inject(SampleContext(), carrier);
  EXPECT_EQ(carrier.Get("traceparent"), kTraceParent);
  EXPECT_EQ(carrier.Get("baggage"), "user=alice");
}

TEST(MakePropagatorTest, TraceContextAndBaggageExtractBoth) {
  const auto propagator = MustMake({"tracecontext", "baggage"});
  ASSERT_NE(propagator, nullptr);
  MapCarrier carrier{{"traceparent", std::string(kTraceParent)}, {"baggage", "k=v"}};
  const Context got = propagator->Extract(carrier, Context());
  EXPECT_TRUE(got.span_context().IsValid());
  EXPECT_TRUE(got.span_context().is_remote());
  EXPECT_EQ(got.baggage().Get("k"), "v");
}

TEST(MakePropagatorTest, FieldsFollowTheOrderOfNames) {
  const auto propagator = MustMake({"baggage", "tracecontext"});
  ASSERT_NE(propagator, nullptr);
  EXPECT_EQ(propagator->Fields(), (std::vector<std::string_view>{"baggage", "traceparent", "tracestate"}));
}

TEST(MakePropagatorTest, OnlyTheNamedPropagatorsAreUsed) {
  const auto propagator = MustMake({"baggage"});
  ASSERT_NE(propagator, nullptr);
  MapCarrier carrier;
  propagator->Inject(SampleContext(), carrier);
  EXPECT_FALSE(carrier.Get("traceparent").has_value());
  EXPECT_EQ(carrier.Get("baggage"), "user=alice");
}

TEST(MakePropagatorTest, DuplicateNamesAreIgnored) {
  const auto propagator = MustMake({"tracecontext", "baggage", "tracecontext", "baggage"});
  ASSERT_NE(propagator, nullptr);
  EXPECT_EQ(propagator->Fields(), (std::vector<std::string_view>{"traceparent", "tracestate", "baggage"}));
  // Set replaces, so only the number of writes shows a propagator running twice.
  CountingCarrier carrier;
  propagator->Inject(SampleContext(), carrier);
  EXPECT_EQ(carrier.sets, 2);  // traceparent once, baggage once
}

TEST(MakePropagatorTest, NamesAreCaseInsensitive) {
  const auto propagator = MustMake({"TraceContext"});
  ASSERT_NE(propagator, nullptr);
  EXPECT_EQ(propagator->Fields(), (std::vector<std::string_view>{"traceparent", "tracestate"}));
}

TEST(MakePropagatorTest, NoneAloneDisablesPropagation) {
  const auto propagator = MustMake({"none"});
  ASSERT_NE(propagator, nullptr);
  MapCarrier out;
  propagator->Inject(SampleContext(), out);
  EXPECT_TRUE(out.empty());
  MapCarrier in{{"traceparent", std::string(kTraceParent)}, {"baggage", "k=v"}};
  const Context got = propagator->Extract(in, Context());
  EXPECT_FALSE(got.span_context().IsValid());
  EXPECT_TRUE(got.baggage().empty());
  EXPECT_TRUE(propagator->Fields().empty());
}

TEST(MakePropagatorTest, NoneAmongOthersDisablesPropagation) {
  const auto propagator = MustMake({"tracecontext", "none", "baggage"});
  ASSERT_NE(propagator, nullptr);
  MapCarrier out;
  propagator->Inject(SampleContext(), out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(propagator->Fields().empty());
}

TEST(MakePropagatorTest, EmptyListPropagatesNothing) {
  const auto propagator = MustMake({});
  ASSERT_NE(propagator, nullptr);
  MapCarrier out;
  propagator->Inject(SampleContext(), out);
  EXPECT_TRUE(out.empty());
}

// Every name the specification lists builds, and Inject writes each format.
TEST(MakePropagatorTest, EverySpecificationNameBuildsAndInjectsItsFormat) {
  const absl::StatusOr<std::unique_ptr<TextMapPropagator>> made =
      MakePropagator({"tracecontext", "baggage", "b3", "b3multi", "jaeger", "xray", "ottrace"});
  ASSERT_TRUE(made.ok()) << made.status();
  MapCarrier out;
  (*made)->Inject(SampleContext(), out);
  for (const char* header : {"traceparent", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "uber-trace-id",
                             "x-amzn-trace-id", "ot-tracer-traceid", "ot-tracer-spanid", "ot-tracer-sampled"}) {
    EXPECT_EQ(out.headers().count(header), 1u) << header;
  }
}

// Extract applies the formats in order: the last one present wins.
TEST(MakePropagatorTest, LaterFormatsOverrideEarlierOnes) {
  const absl::StatusOr<std::unique_ptr<TextMapPropagator>> made = MakePropagator({"tracecontext", "b3"});
  ASSERT_TRUE(made.ok()) << made.status();
  MapCarrier in{{"traceparent", std::string(kTraceParent)},
                {"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}};
  EXPECT_EQ((*made)->Extract(in, Context()).span_context().trace_id().ToHex(), "80f198ee56343ba864fe8b2a57d3eff7");
  MapCarrier only_w3c{{"traceparent", std::string(kTraceParent)}};
  EXPECT_EQ((*made)->Extract(only_w3c, Context()).span_context().trace_id().ToHex(),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(MakePropagatorTest, UnknownNameIsAnInvalidArgumentNamingIt) {
  const absl::StatusOr<std::unique_ptr<TextMapPropagator>> made = MakePropagator({"tracecontext", "opentracing"});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(made.status().message().find("opentracing"), std::string_view::npos) << made.status();
}

TEST(MakePropagatorTest, UnknownNameIsReportedEvenWithNone) {
  const absl::StatusOr<std::unique_ptr<TextMapPropagator>> made = MakePropagator({"none", "opencensus"});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(made.status().message().find("opencensus"), std::string_view::npos);
}

}  // namespace
}  // namespace qtrace
