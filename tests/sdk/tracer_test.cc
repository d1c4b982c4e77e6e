// Tracer::StartSpan: W3C Level 2 flags, the id generator, propagated
// sampling hints, and what the sampler sees and may return.
#include "qtrace/sdk/tracer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "qtrace/sdk/in_memory_exporter.h"
#include "qtrace/sdk/simple_span_processor.h"
#include "qtrace/sdk/tracer_provider.h"

namespace qtrace {
namespace {

// Remembers what it was asked, and answers as told.
class ScriptedSampler final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParameters& params) const override {
    seen_parent_valid = params.parent.IsValid();
    seen_attributes.assign(params.attributes.begin(), params.attributes.end());
    seen_links = params.links.size();
    SamplingResult result = answer;
    return result;
  }
  std::string Description() const override { return "Scripted"; }

  SamplingResult answer{SamplingDecision::kRecordAndSample};
  mutable bool seen_parent_valid = false;
  mutable std::vector<Attribute> seen_attributes;
  mutable std::size_t seen_links = 0;
};

// A generator whose ids are not random: new roots must not claim the flag.
class CountingIdGenerator final : public IdGenerator {
 public:
  TraceId NewTraceId() const override {
    std::array<std::uint8_t, 16> b{};
    b[15] = static_cast<std::uint8_t>(++next_);
    return TraceId(b);
  }
  SpanId NewSpanId() const override {
    std::array<std::uint8_t, 8> b{};
    b[7] = static_cast<std::uint8_t>(++next_);
    return SpanId(b);
  }
  bool RandomTraceIds() const override { return false; }
  std::string_view Name() const override { return "counting"; }

 private:
  mutable int next_ = 0;
};

struct Fixture {
  explicit Fixture(std::unique_ptr<Sampler> sampler = nullptr, std::unique_ptr<IdGenerator> ids = nullptr)
      : store(std::make_shared<InMemorySpanStore>()), provider(Options(store, std::move(sampler), std::move(ids))) {}
  static TracerProviderOptions Options(const std::shared_ptr<InMemorySpanStore>& store, std::unique_ptr<Sampler> s,
                                       std::unique_ptr<IdGenerator> ids) {
    TracerProviderOptions options;
    options.processor = std::make_unique<SimpleSpanProcessor>(std::make_unique<InMemoryExporter>(store));
    options.sampler = std::move(s);
    options.id_generator = std::move(ids);
    return options;
  }
  Tracer& tracer() { return provider.GetTracer("t"); }
  std::shared_ptr<InMemorySpanStore> store;
  TracerProvider provider;
};

SpanContext RemoteParent(std::uint8_t flags) {
  return SpanContext(*TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"), *SpanId::FromHex("00f067aa0ba902b7"),
                     flags, /*is_remote=*/true);
}

Span StartUnder(Tracer& tracer, const Context& parent, std::string_view name = "s") {
  StartSpanOptions options;
  options.parent = &parent;
  return tracer.StartSpan(name, SpanKind::kServer, options);
}

TEST(TracerRandomFlagTest, NewRootsCarryIt) {
  Fixture f;
  Span span = f.tracer().StartSpan("root");
  EXPECT_EQ(span.context().flags(), TraceFlags::kSampled | TraceFlags::kRandom);
}

TEST(TracerRandomFlagTest, NewRootsCarryItUnsampledToo) {
  Fixture f(MakeAlwaysOffSampler());
  EXPECT_EQ(f.tracer().StartSpan("root").context().flags(), TraceFlags::kRandom);
}

TEST(TracerRandomFlagTest, ChildrenOfLocalRootsKeepIt) {
  Fixture f;
  Span root = f.tracer().StartSpan("root");
  const Scope scope = root.Activate();
  EXPECT_EQ(f.tracer().StartSpan("child").context().flags() & TraceFlags::kRandom, TraceFlags::kRandom);
}

TEST(TracerRandomFlagTest, ContinuedTracesKeepTheParentsFlagAsItCame) {
  Fixture f;
  EXPECT_EQ(StartUnder(f.tracer(), Context().WithSpanContext(RemoteParent(TraceFlags::kSampled | TraceFlags::kRandom)))
                .context()
                .flags(),
            TraceFlags::kSampled | TraceFlags::kRandom);
  // A parent without it: we did not make its trace id, so we never invent it.
  EXPECT_EQ(StartUnder(f.tracer(), Context().WithSpanContext(RemoteParent(TraceFlags::kSampled))).context().flags(),
            TraceFlags::kSampled);
}

TEST(TracerRandomFlagTest, UnknownParentFlagsAreNotCopied) {
  Fixture f;
  EXPECT_EQ(StartUnder(f.tracer(), Context().WithSpanContext(RemoteParent(0xff))).context().flags(),
            TraceFlags::kSampled | TraceFlags::kRandom);
}

TEST(TracerRandomFlagTest, NonRandomGeneratorGivesNoFlag) {
  Fixture f(nullptr, std::make_unique<CountingIdGenerator>());
  Span span = f.tracer().StartSpan("root");
  EXPECT_EQ(span.context().flags(), TraceFlags::kSampled);
  EXPECT_EQ(span.context().trace_id().ToHex(), "00000000000000000000000000000001");
  EXPECT_EQ(span.context().span_id().ToHex(), "0000000000000002");
}

TEST(TracerIdGeneratorTest, XrayGeneratorMakesTheRootIds) {
  Fixture f(nullptr, MakeXrayIdGenerator([] { return std::int64_t{0x5759e988}; }));
  EXPECT_EQ(f.tracer().StartSpan("root").context().trace_id().ToHex().substr(0, 8), "5759e988");
  EXPECT_EQ(f.provider.id_generator().Name(), "xray");
}

TEST(TracerSamplingHintTest, DenyWithoutIdsDropsTheRoot) {
  Fixture f;
  Span span = StartUnder(f.tracer(), Context().WithSamplingHint(SamplingHint::kDeny));
  EXPECT_FALSE(span.context().IsSampled());
  EXPECT_FALSE(span.IsRecording());
}

TEST(TracerSamplingHintTest, AcceptAndDebugWithoutIdsSampleTheRoot) {
  Fixture f(MakeAlwaysOffSampler());
  EXPECT_TRUE(StartUnder(f.tracer(), Context().WithSamplingHint(SamplingHint::kAccept)).context().IsSampled());
  EXPECT_TRUE(StartUnder(f.tracer(), Context().WithSamplingHint(SamplingHint::kDebug)).context().IsSampled());
}

TEST(TracerSamplingHintTest, DeferredParentIsDecidedByTheRootSampler) {
  // ParentBased(AlwaysOn) would drop under an unsampled parent; a parent that
  // left the decision to us is decided like a root, on its own trace id.
  Fixture f(MakeParentBasedSampler(MakeAlwaysOnSampler()));
  const Context deferred = Context().WithSpanContext(RemoteParent(0)).WithSamplingHint(SamplingHint::kDefer);
  Span span = StartUnder(f.tracer(), deferred);
  EXPECT_TRUE(span.context().IsSampled());
  EXPECT_EQ(span.context().trace_id(), RemoteParent(0).trace_id());
  Fixture off(MakeParentBasedSampler(MakeAlwaysOffSampler()));
  EXPECT_FALSE(StartUnder(off.tracer(), deferred).context().IsSampled());
  // Without the hint the parent's flag rules.
  EXPECT_FALSE(StartUnder(f.tracer(), Context().WithSpanContext(RemoteParent(0))).context().IsSampled());
}

TEST(TracerSamplerTest, SeesStartAttributesAndLinks) {
  auto sampler = std::make_unique<ScriptedSampler>();
  const ScriptedSampler* seen = sampler.get();
  Fixture f(std::move(sampler));
  const std::vector<Attribute> attributes = {{"http.request.method", std::string("GET")}, {"n", std::int64_t{7}}};
  const std::vector<StartLink> links = {{RemoteParent(TraceFlags::kSampled), {{"why", std::string("batch")}}}};
  StartSpanOptions options;
  options.attributes = attributes;
  options.links = links;
  f.tracer().StartSpan("s", SpanKind::kServer, options).End();
  EXPECT_FALSE(seen->seen_parent_valid);
  EXPECT_EQ(seen->seen_attributes, attributes);
  EXPECT_EQ(seen->seen_links, 1u);
  // The recording span keeps them.
  const std::vector<SpanRecord> spans = f.store->Spans();
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_TRUE(spans[0].attributes.Find("n").has_value());
  EXPECT_EQ(std::get<std::int64_t>(spans[0].attributes.Find("n")->value), 7);
  ASSERT_EQ(spans[0].links.size(), 1u);
  EXPECT_EQ(spans[0].links[0].context.span_id(), RemoteParent(0).span_id());
  ASSERT_TRUE(spans[0].links[0].attributes.Find("why").has_value());
}

TEST(TracerSamplerTest, ReturnedAttributesAndTraceStateReachTheSpan) {
  auto sampler = std::make_unique<ScriptedSampler>();
  sampler->answer.attributes = {{"sampler.rule", std::string("checkout")}};
  sampler->answer.trace_state = std::make_shared<const TraceState>(*TraceState::Parse("vendor=x"));
  Fixture f(std::move(sampler));
  Span span = f.tracer().StartSpan("s");
  EXPECT_EQ(span.context().trace_state().Serialize(), "vendor=x");
  span.End();
  const std::vector<SpanRecord> spans = f.store->Spans();
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_TRUE(spans[0].attributes.Find("sampler.rule").has_value());
  EXPECT_EQ(spans[0].context.trace_state().Serialize(), "vendor=x");
}

TEST(TracerSamplerTest, NullTraceStateKeepsTheParents) {
  Fixture f;
  const auto state = std::make_shared<const TraceState>(*TraceState::Parse("a=1"));
  const SpanContext parent(RemoteParent(1).trace_id(), RemoteParent(1).span_id(), 1, true, state);
  EXPECT_EQ(StartUnder(f.tracer(), Context().WithSpanContext(parent)).context().trace_state().Serialize(), "a=1");
}

}  // namespace
}  // namespace qtrace
