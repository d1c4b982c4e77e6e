#include "qtrace/sdk/span.h"

#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"
#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/context.h"
#include "qtrace/sdk/deferred_trace.h"
#include "qtrace/sdk/sampler.h"
#include "qtrace/sdk/span_record_pool.h"
#include "qtrace/sdk/tracer_provider.h"
#include "tests/sdk/test_provider.h"

namespace qtrace {
namespace {

using testutil::TestProvider;

TEST(SpanTest, EndHandsRecordToProcessorOnce) {
  TestProvider t;
  Span span = t.tracer().StartSpan("op", SpanKind::kServer);
  ASSERT_TRUE(span.IsRecording());
  span.End();
  EXPECT_FALSE(span.IsRecording());
  span.End();  // idempotent
  const auto spans = t.store->Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "op");
  EXPECT_EQ(spans[0].kind, SpanKind::kServer);
  EXPECT_EQ(spans[0].scope->name, "test-scope");
  EXPECT_EQ(spans[0].scope->version, "1.2.3");
  EXPECT_TRUE(spans[0].context.IsSampled());
  EXPECT_FALSE(spans[0].parent_span_id.IsValid());
}

TEST(SpanTest, DestructorEnds) {
  TestProvider t;
  { Span span = t.tracer().StartSpan("scoped"); }
  EXPECT_EQ(t.store->Spans().size(), 1u);
}

TEST(SpanTest, MoveTransfersOwnershipWithoutEndingTwice) {
  TestProvider t;
  Span a = t.tracer().StartSpan("a");
  Span b = std::move(a);
  EXPECT_TRUE(b.IsRecording());
  Span c = t.tracer().StartSpan("c");
  c = std::move(b);  // ends "c", takes "a"
  ASSERT_EQ(t.store->Spans().size(), 1u);
  EXPECT_EQ(t.store->Spans()[0].name, "c");
  c.End();
  ASSERT_EQ(t.store->Spans().size(), 2u);
  EXPECT_EQ(t.store->Spans()[1].name, "a");
}

TEST(SpanTest, TimestampsAreWallClockWithMonotonicDuration) {
  TestProvider t;
  const std::int64_t before = WallNanos();
  Span span = t.tracer().StartSpan("timed");
  span.End();
  const std::int64_t after = WallNanos();
  const SpanRecord r = t.store->Spans().at(0);
  // The start maps the span clock to wall time through an anchor (clock.h):
  // right to well within a millisecond, not to the nanosecond.
  constexpr std::int64_t kAnchorTolerance = 1'000'000;
  EXPECT_GE(r.start_unix_ns, before - kAnchorTolerance);
  EXPECT_LE(r.start_unix_ns, after + kAnchorTolerance);
  EXPECT_GE(r.end_unix_ns, r.start_unix_ns);
  EXPECT_LE(r.end_unix_ns - r.start_unix_ns, after - before + 1000000);
}

TEST(SpanTest, ExplicitTimes) {
  TestProvider t;
  StartSpanOptions options;
  options.start_unix_ns = 1000;
  Span span = t.tracer().StartSpan("explicit", SpanKind::kInternal, options);
  span.End(5000);
  const SpanRecord r = t.store->Spans().at(0);
  EXPECT_EQ(r.start_unix_ns, 1000);
  EXPECT_EQ(r.end_unix_ns, 5000);
}

// Keeps each record as OnEnd receives it, before any processor work.
class KeepingProcessor final : public SpanProcessor {
 public:
  void OnEnd(SpanRecordPtr record) override { records.push_back(std::move(record)); }
  absl::Status ForceFlush(absl::Duration) override { return absl::OkStatus(); }
  absl::Status Shutdown(absl::Duration) override { return absl::OkStatus(); }
  std::vector<SpanRecordPtr> records;
};

TEST(SpanTest, RequestThreadReadsTicksWhichMapToWallTimeWhenRead) {
  auto owned = std::make_unique<KeepingProcessor>();
  KeepingProcessor& kept = *owned;
  TracerProviderOptions options;
  options.processor = std::move(owned);
  TracerProvider provider(std::move(options));
  const std::int64_t before = WallNanos();
  Span span = provider.GetTracer("t").StartSpan("timed");
  span.End();
  const std::int64_t after = WallNanos();
  ASSERT_EQ(kept.records.size(), 1u);
  SpanRecord& r = *kept.records[0];
  // Ended with tick readings only: no wall-clock mapping on this thread.
  EXPECT_EQ(r.start_unix_ns, 0);
  EXPECT_EQ(r.end_unix_ns, 0);
  EXPECT_NE(r.start_ticks, 0);
  EXPECT_GE(r.end_ticks, r.start_ticks);
  const SpanRecord::WallTimes times = r.Times();
  constexpr std::int64_t kAnchorTolerance = 1'000'000;
  EXPECT_GE(times.start_unix_ns, before - kAnchorTolerance);
  EXPECT_LE(times.start_unix_ns, after + kAnchorTolerance);
  EXPECT_GE(times.end_unix_ns, times.start_unix_ns);
  EXPECT_LE(times.end_unix_ns - times.start_unix_ns, after - before + kAnchorTolerance);
  // ResolveTimes stores the same mapping (the anchor has not moved).
  r.ResolveTimes();
  EXPECT_EQ(r.start_unix_ns, times.start_unix_ns);
  EXPECT_EQ(r.end_unix_ns, times.end_unix_ns);
  r.ResolveTimes();  // idempotent
  EXPECT_EQ(r.start_unix_ns, times.start_unix_ns);
  EXPECT_EQ(r.end_unix_ns, times.end_unix_ns);
}

TEST(SpanTest, ExplicitStartWithClockEndAddsTheMeasuredDuration) {
  SpanRecord r;
  r.start_unix_ns = 1'000'000'000;
  r.start_ticks = 1000;
  r.end_ticks = 1000 + 5'000'000;
  const SpanRecord::WallTimes times = r.Times();
  EXPECT_EQ(times.start_unix_ns, 1'000'000'000);
  EXPECT_EQ(times.end_unix_ns, 1'000'000'000 + TicksToNanos(5'000'000));
  EXPECT_GT(times.end_unix_ns, times.start_unix_ns);
}

TEST(SpanTest, ClockStartWithExplicitEndKeepsTheEnd) {
  TestProvider t;
  const std::int64_t before = WallNanos();
  Span span = t.tracer().StartSpan("clock start");
  span.End(before + 7'000'000'000);
  const SpanRecord r = t.store->Spans().at(0);
  EXPECT_GE(r.start_unix_ns, before - 1'000'000);
  EXPECT_LE(r.start_unix_ns, before + 1'000'000'000);
  EXPECT_EQ(r.end_unix_ns, before + 7'000'000'000);
}

TEST(SpanTest, RecordWithoutTicksKeepsItsTimes) {
  SpanRecord r;  // built by hand, as encoders' tests do
  r.start_unix_ns = 5;
  r.end_unix_ns = 7;
  EXPECT_EQ(r.Times().start_unix_ns, 5);
  EXPECT_EQ(r.Times().end_unix_ns, 7);
}

TEST(SpanTest, ChildOfActiveSpan) {
  TestProvider t;
  Span parent = t.tracer().StartSpan("parent", SpanKind::kServer);
  {
    Scope scope = parent.Activate();
    Span child = t.tracer().StartSpan("child", SpanKind::kClient);
    EXPECT_EQ(child.context().trace_id(), parent.context().trace_id());
    EXPECT_NE(child.context().span_id(), parent.context().span_id());
  }
  Span sibling_root = t.tracer().StartSpan("after scope");
  EXPECT_NE(sibling_root.context().trace_id(), parent.context().trace_id());
  sibling_root.End();
  parent.End();
  const auto spans = t.store->Spans();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "child");
  EXPECT_EQ(spans[0].parent_span_id, parent.context().span_id());
  EXPECT_FALSE(spans[0].parent_is_remote);
}

TEST(SpanTest, ExplicitParentAndNewRoot) {
  TestProvider t;
  const SpanContext remote(RandomTraceId(), RandomSpanId(), TraceFlags::kSampled, true);
  const Context ctx = Context().WithSpanContext(remote);
  StartSpanOptions options;
  options.parent = &ctx;
  Span child = t.tracer().StartSpan("child", SpanKind::kServer, options);
  EXPECT_EQ(child.context().trace_id(), remote.trace_id());
  child.End();
  EXPECT_EQ(t.store->Spans()[0].parent_span_id, remote.span_id());
  EXPECT_TRUE(t.store->Spans()[0].parent_is_remote);

  Scope scope = ctx.Attach();
  StartSpanOptions root;
  root.new_root = true;
  Span fresh = t.tracer().StartSpan("fresh", SpanKind::kInternal, root);
  EXPECT_NE(fresh.context().trace_id(), remote.trace_id());
}

TEST(SpanTest, TraceStateIsInheritedFromParent) {
  TestProvider t;
  auto state = std::make_shared<const TraceState>(*TraceState::Parse("vendor=value"));
  const SpanContext remote(RandomTraceId(), RandomSpanId(), TraceFlags::kSampled, true, state);
  Scope scope = Context().WithSpanContext(remote).Attach();
  Span child = t.tracer().StartSpan("child");
  EXPECT_EQ(child.context().trace_state().Serialize(), "vendor=value");
}

TEST(SpanTest, UnsampledSpanIsNonRecordingButPropagates) {
  TestProvider t({}, MakeParentBasedSampler(MakeAlwaysOffSampler()));
  Span span = t.tracer().StartSpan("dropped");
  EXPECT_FALSE(span.IsRecording());
  EXPECT_TRUE(span.context().IsValid());
  EXPECT_FALSE(span.context().IsSampled());
  span.SetAttribute("ignored", 1).AddEvent("ignored").SetStatus(StatusCode::kError, "x");
  span.End();
  EXPECT_TRUE(t.store->Spans().empty());
}

TEST(SpanTest, DisabledSdkPassesParentThrough) {
  TestProvider t({}, nullptr, /*enabled=*/false);
  const SpanContext remote(RandomTraceId(), RandomSpanId(), TraceFlags::kSampled, true);
  Scope scope = Context().WithSpanContext(remote).Attach();
  Span span = t.tracer().StartSpan("noop");
  EXPECT_FALSE(span.IsRecording());
  EXPECT_EQ(span.context().trace_id(), remote.trace_id());
  EXPECT_EQ(span.context().span_id(), remote.span_id());
  span.End();
  EXPECT_TRUE(t.store->Spans().empty());
}

TEST(SpanTest, AttributesOfEveryTypeAndLimits) {
  SpanLimits limits;
  limits.attribute_count = 4;
  limits.attribute_value_length = 5;
  TestProvider t(limits);
  {
    Span span = t.tracer().StartSpan("attrs");
    span.SetAttribute("b", true).SetAttribute("i", 7).SetAttribute("d", 2.5).SetAttribute("s", "long string");
    span.SetAttribute("over1", 1).SetAttribute("over2", 2);
  }
  const SpanRecord r = t.store->Spans().at(0);
  EXPECT_EQ(r.attributes.size(), 4u);
  EXPECT_EQ(r.attributes.dropped(), 2u);
  EXPECT_EQ(std::get<std::string>(r.attributes.Find("s")->value), "long ");
}

TEST(SpanTest, EventAndLinkLimitsCountDrops) {
  SpanLimits limits;
  limits.event_count = 2;
  limits.link_count = 1;
  limits.attributes_per_event = 1;
  limits.attributes_per_link = 1;
  TestProvider t(limits);
  const SpanContext other(RandomTraceId(), RandomSpanId(), 1, true);
  {
    Span span = t.tracer().StartSpan("events");
    span.AddEvent("e1", {{"a", std::int64_t{1}}, {"b", std::int64_t{2}}});
    span.AddEvent("e2").AddEvent("e3");
    span.AddLink(other, {{"x", true}, {"y", false}}).AddLink(other);
    span.AddLink(SpanContext());  // invalid: ignored, not counted
  }
  const SpanRecord r = t.store->Spans().at(0);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.dropped_events, 1u);
  EXPECT_EQ(r.events[0].attributes.size(), 1u);
  EXPECT_EQ(r.events[0].attributes.dropped(), 1u);
  EXPECT_GT(r.events[0].time_unix_ns, 0);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.dropped_links, 1u);
  EXPECT_EQ(r.links[0].context.span_id(), other.span_id());
  EXPECT_EQ(r.links[0].attributes.dropped(), 1u);
}

TEST(SpanTest, StatusRules) {
  TestProvider t;
  {
    Span span = t.tracer().StartSpan("error then unset");
    span.SetStatus(StatusCode::kError, "boom").SetStatus(StatusCode::kUnset);
  }
  {
    Span span = t.tracer().StartSpan("ok is final");
    span.SetStatus(StatusCode::kOk, "ignored description").SetStatus(StatusCode::kError, "late");
  }
  const auto spans = t.store->Spans();
  EXPECT_EQ(spans[0].status, StatusCode::kError);
  EXPECT_EQ(spans[0].status_message, "boom");
  EXPECT_EQ(spans[1].status, StatusCode::kOk);
  EXPECT_EQ(spans[1].status_message, "");
}

TEST(SpanTest, RecordExceptionAddsEventWithoutStatus) {
  TestProvider t;
  {
    Span span = t.tracer().StartSpan("throws");
    span.RecordException(std::runtime_error("disk full"));
  }
  const SpanRecord r = t.store->Spans().at(0);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].name, "exception");
  EXPECT_EQ(std::get<std::string>(r.events[0].attributes.Find("exception.type")->value), "std::runtime_error");
  EXPECT_EQ(std::get<std::string>(r.events[0].attributes.Find("exception.message")->value), "disk full");
  EXPECT_EQ(r.status, StatusCode::kUnset);
}

TEST(SpanTest, UpdateName) {
  TestProvider t;
  { t.tracer().StartSpan("GET").UpdateName("GET /api/v1/projects/{id}"); }
  EXPECT_EQ(t.store->Spans().at(0).name, "GET /api/v1/projects/{id}");
}

TEST(SpanTest, ShutdownDropsLaterSpans) {
  TestProvider t;
  Tracer& tracer = t.tracer();
  ASSERT_TRUE(t.provider.Shutdown(absl::Seconds(1)).ok());
  EXPECT_FALSE(t.provider.Shutdown(absl::Seconds(1)).ok());
  { tracer.StartSpan("late"); }
  EXPECT_TRUE(t.store->Spans().empty());
}

TEST(TracerProviderTest, SameScopeSameTracer) {
  TestProvider t;
  Tracer& a = t.provider.GetTracer("lib", "1");
  Tracer& b = t.provider.GetTracer("lib", "1");
  Tracer& c = t.provider.GetTracer("lib", "2");
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
}

}  // namespace
}  // namespace qtrace

namespace qtrace {
namespace {

TracerProviderOptions KeepErrorsOptions(const std::shared_ptr<InMemorySpanStore>& store) {
  TracerProviderOptions options;
  options.processor = std::make_unique<SimpleSpanProcessor>(std::make_unique<InMemoryExporter>(store));
  // Ratio 0: head sampling drops every root by chance, the case that
  // "errors always kept" may override.
  options.sampler = MakeParentBasedSampler(MakeTraceIdRatioSampler(0.0));
  options.keep_error_traces = true;
  return options;
}

// Ends a SERVER span in error under parent, with one child; returns how many
// spans were exported.
std::size_t ExportedForFailingRequest(TracerProviderOptions options, const SpanContext& remote_parent) {
  auto store = std::make_shared<InMemorySpanStore>();
  options.processor = std::make_unique<SimpleSpanProcessor>(std::make_unique<InMemoryExporter>(store));
  TracerProvider provider(std::move(options));
  const Tracer& tracer = provider.GetTracer("t");
  const Context parent = Context().WithSpanContext(remote_parent);
  StartSpanOptions start;
  start.parent = &parent;
  {
    Span root = tracer.StartSpan("GET /boom", SpanKind::kServer, start);
    Scope scope = root.Activate();
    { tracer.StartSpan("SELECT projects", SpanKind::kClient); }
    root.SetStatus(StatusCode::kError);
  }
  return store->Spans().size();
}

SpanContext RemoteParent(bool sampled) {
  return SpanContext(RandomTraceId(), RandomSpanId(), sampled ? TraceFlags::kSampled : 0, /*is_remote=*/true);
}

// Review item 1: always_off is an explicit decision; an error never overrides it.
TEST(KeepErrorTracesTest, AlwaysOffIsNeverOverridden) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProviderOptions options = KeepErrorsOptions(store);
  options.sampler = MakeAlwaysOffSampler();
  EXPECT_EQ(ExportedForFailingRequest(std::move(options), SpanContext()), 0u);
  TracerProviderOptions parent_based = KeepErrorsOptions(store);
  parent_based.sampler = MakeParentBasedSampler(MakeAlwaysOffSampler());
  EXPECT_EQ(ExportedForFailingRequest(std::move(parent_based), SpanContext()), 0u);
}

// Review item 1: a remote parent that said "unsampled" is obeyed by default,
// so that backends never show a subtree whose parent was not exported ...
TEST(KeepErrorTracesTest, UnsampledRemoteParentIsObeyedByDefault) {
  auto store = std::make_shared<InMemorySpanStore>();
  EXPECT_EQ(ExportedForFailingRequest(KeepErrorsOptions(store), RemoteParent(false)), 0u);
  TracerProviderOptions ratio = KeepErrorsOptions(store);
  ratio.sampler = MakeTraceIdRatioSampler(0.0);  // not parent-based: the ratio drops it
  EXPECT_EQ(ExportedForFailingRequest(std::move(ratio), RemoteParent(false)), 0u);
}

// ... and overridden only when the user opts in.
TEST(KeepErrorTracesTest, UnsampledRemoteParentOverriddenOnlyWhenOptedIn) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProviderOptions options = KeepErrorsOptions(store);
  options.keep_error_traces_under_unsampled_parent = true;
  EXPECT_EQ(ExportedForFailingRequest(std::move(options), RemoteParent(false)), 2u);
  TracerProviderOptions always_off = KeepErrorsOptions(store);
  always_off.sampler = MakeAlwaysOffSampler();
  always_off.keep_error_traces_under_unsampled_parent = true;
  EXPECT_EQ(ExportedForFailingRequest(std::move(always_off), RemoteParent(false)), 0u);
}

// A local root without a parent that a ratio dropped is the case the
// feature is for.
TEST(KeepErrorTracesTest, RatioDroppedLocalRootIsKept) {
  auto store = std::make_shared<InMemorySpanStore>();
  EXPECT_EQ(ExportedForFailingRequest(KeepErrorsOptions(store), SpanContext()), 2u);
}

// Review item 2: overflow of one request's buffer is its own reason, not the
// export queue's.
TEST(KeepErrorTracesTest, ErrorBufferOverflowIsCountedApartFromTheQueue) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProviderOptions options = KeepErrorsOptions(store);
  options.record_pool_size = DeferredTrace::kMaxBufferedSpans + 16;
  TracerProvider provider(std::move(options));
  const Tracer& tracer = provider.GetTracer("t");
  {
    Span root = tracer.StartSpan("GET /many", SpanKind::kServer);
    Scope scope = root.Activate();
    for (std::size_t i = 0; i < DeferredTrace::kMaxBufferedSpans + 5; ++i) tracer.StartSpan("q").End();
    root.SetStatus(StatusCode::kError);
  }
  EXPECT_EQ(provider.metrics().spans_dropped_error_buffer_full.load(), 5u);
  EXPECT_EQ(provider.metrics().spans_dropped_queue_full.Load(), 0u);
  EXPECT_EQ(store->Spans().size(), DeferredTrace::kMaxBufferedSpans + 1);
}

// What the held-attribute tests' fill reads: where it counts its calls, and
// the value it sets.
struct CountedFill {
  int* calls;
  std::int64_t value;
};

void SetCounted(AttributeList& attributes, const CountedFill& source) {
  ++*source.calls;
  attributes.Set("held", source.value);
}

// A span recorded only in case its request fails holds its attributes back:
// they are set when the request fails, and never when it succeeds.
TEST(KeepErrorTracesTest, HeldAttributesAreSetOnlyWhenTheSpanIsKept) {
  for (const bool fails : {false, true}) {
    auto store = std::make_shared<InMemorySpanStore>();
    TracerProvider provider(KeepErrorsOptions(store));
    const Tracer& tracer = provider.GetTracer("t");
    int calls = 0;
    {
      Span root = tracer.StartSpan("GET /x", SpanKind::kServer);
      Scope scope = root.Activate();
      {
        Span child = tracer.StartSpan("SELECT projects", SpanKind::kClient);
        child.SetAttributesWhenKept(&SetCounted, CountedFill{&calls, 42});
        child.SetAttribute("own", 1);
        EXPECT_FALSE(child.record()->attributes.Find("held").has_value()) << "held until the root decides";
      }
      EXPECT_EQ(calls, 0);
      if (fails) root.SetStatus(StatusCode::kError);
    }
    EXPECT_EQ(calls, fails ? 1 : 0);
    const auto spans = store->Spans();
    if (!fails) {
      EXPECT_TRUE(spans.empty());
      continue;
    }
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].attributes.GetInt("held"), 42);
    EXPECT_EQ(spans[0].attributes.GetInt("own"), 1);
  }
}

// A span that ends after its root was kept gets them at its own end.
TEST(KeepErrorTracesTest, HeldAttributesOfASpanEndingAfterItsKeptRoot) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProvider provider(KeepErrorsOptions(store));
  const Tracer& tracer = provider.GetTracer("t");
  int calls = 0;
  Span late;
  {
    Span root = tracer.StartSpan("GET /x", SpanKind::kServer);
    Scope scope = root.Activate();
    late = tracer.StartSpan("async work");
    late.SetAttributesWhenKept(&SetCounted, CountedFill{&calls, 7});
    root.SetStatus(StatusCode::kError);
  }
  EXPECT_EQ(calls, 0);
  ASSERT_EQ(store->Spans().size(), 1u);
  late.End();
  EXPECT_EQ(calls, 1);
  const auto spans = store->Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[1].name, "async work");
  EXPECT_EQ(spans[1].attributes.GetInt("held"), 7);
}

// A span holds one fill; a second one runs at once, and both end up set.
TEST(KeepErrorTracesTest, ASecondHeldFillRunsAtOnce) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProvider provider(KeepErrorsOptions(store));
  int calls = 0;
  {
    Span root = provider.GetTracer("t").StartSpan("GET /x", SpanKind::kServer);
    root.SetAttributesWhenKept(&SetCounted, CountedFill{&calls, 1});
    root.SetAttributesWhenKept(+[](AttributeList& attributes, const CountedFill& source) {
      ++*source.calls;
      attributes.Set("second", source.value);
    }, CountedFill{&calls, 2});
    EXPECT_EQ(calls, 1);
    root.SetStatus(StatusCode::kError);
  }
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(store->Spans().size(), 1u);
  EXPECT_EQ(store->Spans()[0].attributes.GetInt("held"), 1);
  EXPECT_EQ(store->Spans()[0].attributes.GetInt("second"), 2);
}

// A record dropped with a fill held, reused from the pool, forgets it.
TEST(KeepErrorTracesTest, AReusedRecordForgetsTheFillItsDroppedSpanHeld) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProvider provider(KeepErrorsOptions(store));
  const Tracer& tracer = provider.GetTracer("t");
  int calls = 0;
  for (const bool fails : {false, true}) {
    Span root = tracer.StartSpan("GET /x", SpanKind::kServer);
    Scope scope = root.Activate();
    {
      Span child = tracer.StartSpan("SELECT projects", SpanKind::kClient);
      if (!fails) child.SetAttributesWhenKept(&SetCounted, CountedFill{&calls, 42});
    }
    if (fails) root.SetStatus(StatusCode::kError);
  }
  EXPECT_EQ(calls, 0);
  const auto spans = store->Spans();
  ASSERT_EQ(spans.size(), 2u);
  for (const SpanRecord& s : spans) EXPECT_FALSE(s.attributes.Find("held").has_value()) << s.name;
  EXPECT_EQ(provider.metrics().spans_kept_for_error.load(), 2u);
}

// Any other span sets them at once: a sampled one (and one that is not
// recording, never).
TEST(SpanTest, HeldAttributesOfASampledSpanAreSetAtOnce) {
  testutil::TestProvider sampled;
  int calls = 0;
  {
    Span span = sampled.tracer().StartSpan("x");
    span.SetAttributesWhenKept(&SetCounted, CountedFill{&calls, 5});
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(span.record()->attributes.GetInt("held"), 5);
  }
  testutil::TestProvider off({}, MakeAlwaysOffSampler());
  {
    Span span = off.tracer().StartSpan("x");
    span.SetAttributesWhenKept(&SetCounted, CountedFill{&calls, 5});
  }
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(sampled.store->Spans().size(), 1u);
  EXPECT_EQ(sampled.store->Spans()[0].attributes.GetInt("held"), 5);
}

// A sampler that records without sampling (RECORD_ONLY).
class RecordOnlySampler final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParameters&) const override {
    return {SamplingDecision::kRecordOnly};
  }
  std::string Description() const override { return "RecordOnly"; }
};

// Review item 2: RECORD_ONLY spans record but are never exported.
TEST(KeepErrorTracesTest, RecordOnlySpansRecordButAreNotExported) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProviderOptions options = KeepErrorsOptions(store);
  options.sampler = std::make_unique<RecordOnlySampler>();
  TracerProvider provider(std::move(options));
  {
    Span span = provider.GetTracer("t").StartSpan("x");
    EXPECT_TRUE(span.IsRecording());
    EXPECT_FALSE(span.context().IsSampled());
  }
  EXPECT_TRUE(store->Spans().empty());
}

// Head sampling dropped the root; it ends in error: the whole local subtree
// is exported, marked sampled.
TEST(KeepErrorTracesTest, ErrorRootExportsItsWholeSubtree) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProvider provider(KeepErrorsOptions(store));
  const Tracer& tracer = provider.GetTracer("t");
  SpanId root_id;
  {
    Span root = tracer.StartSpan("GET /boom", SpanKind::kServer);
    root_id = root.context().span_id();
    EXPECT_TRUE(root.IsRecording());
    EXPECT_FALSE(root.context().IsSampled()) << "downstream still sees the head decision";
    Scope scope = root.Activate();
    { tracer.StartSpan("SELECT projects", SpanKind::kClient); }
    { tracer.StartSpan("POST", SpanKind::kClient); }
    EXPECT_TRUE(store->Spans().empty()) << "nothing leaves before the root decides";
    root.SetStatus(StatusCode::kError);
  }
  const auto spans = store->Spans();
  ASSERT_EQ(spans.size(), 3u);
  for (const SpanRecord& s : spans) EXPECT_TRUE(s.context.IsSampled());
  EXPECT_EQ(spans[0].parent_span_id, root_id);
  EXPECT_EQ(spans[2].context.span_id(), root_id);
  EXPECT_EQ(provider.metrics().spans_kept_for_error.load(), 3u);
}

TEST(KeepErrorTracesTest, SuccessfulRootDropsItsSubtree) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProvider provider(KeepErrorsOptions(store));
  const Tracer& tracer = provider.GetTracer("t");
  {
    Span root = tracer.StartSpan("GET /fine", SpanKind::kServer);
    Scope scope = root.Activate();
    Span child = tracer.StartSpan("SELECT projects", SpanKind::kClient);
    child.SetStatus(StatusCode::kError, "a failed query alone does not keep the trace");
  }
  EXPECT_TRUE(store->Spans().empty());
  EXPECT_EQ(provider.metrics().spans_kept_for_error.load(), 0u);
}

TEST(KeepErrorTracesTest, SpansEndingAfterTheRootFollowTheDecision) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProvider provider(KeepErrorsOptions(store));
  const Tracer& tracer = provider.GetTracer("t");
  Span late;
  {
    Span root = tracer.StartSpan("GET /boom", SpanKind::kServer);
    Scope scope = root.Activate();
    late = tracer.StartSpan("background");
    root.SetStatus(StatusCode::kError);
  }
  EXPECT_EQ(store->Spans().size(), 1u);
  late.End();
  EXPECT_EQ(store->Spans().size(), 2u);
}

TEST(KeepErrorTracesTest, OffByOptionMeansNonRecording) {
  auto store = std::make_shared<InMemorySpanStore>();
  TracerProviderOptions options = KeepErrorsOptions(store);
  options.keep_error_traces = false;
  TracerProvider provider(std::move(options));
  Span root = provider.GetTracer("t").StartSpan("x");
  EXPECT_FALSE(root.IsRecording());
}

}  // namespace
}  // namespace qtrace
