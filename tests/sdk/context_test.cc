#include "qtrace/sdk/context.h"

#include <future>
#include <thread>

#include "gtest/gtest.h"
#include "tests/sdk/test_provider.h"

namespace qtrace {
namespace {

SpanContext Remote() { return SpanContext(RandomTraceId(), RandomSpanId(), TraceFlags::kSampled, true); }

TEST(ContextTest, EmptyByDefault) {
  EXPECT_FALSE(Context::Current().span_context().IsValid());
  EXPECT_TRUE(Context::Current().baggage().empty());
}

TEST(ContextTest, ScopesNestAndRestore) {
  const SpanContext outer = Remote();
  const SpanContext inner = Remote();
  {
    Scope a = Context().WithSpanContext(outer).Attach();
    EXPECT_EQ(Context::Current().span_context().span_id(), outer.span_id());
    {
      Scope b = Context().WithSpanContext(inner).Attach();
      EXPECT_EQ(Context::Current().span_context().span_id(), inner.span_id());
    }
    EXPECT_EQ(Context::Current().span_context().span_id(), outer.span_id());
  }
  EXPECT_FALSE(Context::Current().span_context().IsValid());
}

TEST(ContextTest, CurrentIsPerThread) {
  Scope scope = Context().WithSpanContext(Remote()).Attach();
  bool other_thread_saw_span = true;
  std::thread([&] { other_thread_saw_span = Context::Current().span_context().IsValid(); }).join();
  EXPECT_FALSE(other_thread_saw_span);
}

TEST(ContextTest, BaggageTravelsWithContext) {
  auto baggage = std::make_shared<const Baggage>(Baggage().With("tenant", "acme"));
  Scope scope = Context().WithBaggage(baggage).Attach();
  EXPECT_EQ(Context::Current().baggage().Get("tenant"), "acme");
}

// A thread-pool hop: capture the context where the work is submitted, attach
// it where the work runs; the span started there is a child of the submitter's.
TEST(ContextTest, HopAcrossThreadsKeepsParent) {
  testutil::TestProvider t;
  Span parent = t.tracer().StartSpan("submit", SpanKind::kServer);
  Scope active = parent.Activate();
  const Context captured = Context::Current();

  std::promise<SpanContext> child_context;
  std::thread worker([&] {
    EXPECT_FALSE(Context::Current().span_context().IsValid()) << "nothing leaks without attach";
    Scope scope = captured.Attach();
    Span child = t.tracer().StartSpan("work");
    child_context.set_value(child.context());
  });
  worker.join();
  const SpanContext child = child_context.get_future().get();
  EXPECT_EQ(child.trace_id(), parent.context().trace_id());
  const auto spans = t.store->Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "work");
  EXPECT_EQ(spans[0].parent_span_id, parent.context().span_id());
}

}  // namespace
}  // namespace qtrace
