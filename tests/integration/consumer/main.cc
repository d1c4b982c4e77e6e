// A program outside the tree that uses the installed SDK.
#include <iostream>
#include <memory>

#include "sdk/in_memory_exporter.h"
#include "sdk/simple_span_processor.h"
#include "sdk/tracer_provider.h"

int main() {
  auto store = std::make_shared<qtrace::InMemorySpanStore>();
  qtrace::TracerProviderOptions options;
  options.processor =
      std::make_unique<qtrace::SimpleSpanProcessor>(std::make_unique<qtrace::InMemoryExporter>(store));
  qtrace::TracerProvider provider(std::move(options));
  { auto span = provider.GetTracer("consumer").StartSpan("installed"); }
  const auto spans = store->Spans();
  std::cout << "spans=" << spans.size() << " name=" << (spans.empty() ? "" : spans[0].name) << "\n";
  return spans.size() == 1 ? 0 : 1;
}
