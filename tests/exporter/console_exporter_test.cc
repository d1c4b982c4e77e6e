#include "qtrace/exporter/console_exporter.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qtrace/sdk/simple_span_processor.h"
#include "qtrace/sdk/tracer_provider.h"

namespace qtrace {
namespace {

using ::testing::HasSubstr;

TEST(ConsoleExporterTest, OneReadableLinePerSpan) {
  std::ostringstream out;
  TracerProviderOptions options;
  options.processor = std::make_unique<SimpleSpanProcessor>(std::make_unique<ConsoleExporter>(out));
  TracerProvider provider(std::move(options));
  Tracer& tracer = provider.GetTracer("console-test");
  SpanContext parent_context;
  {
    Span parent = tracer.StartSpan("GET /projects/{id}", SpanKind::kServer);
    parent_context = parent.context();
    parent.SetAttribute("http.route", "/projects/{id}").SetAttribute("http.response.status_code", 500);
    parent.SetStatus(StatusCode::kError, "boom");
    Scope scope = parent.Activate();
    Span child = tracer.StartSpan("SELECT projects", SpanKind::kClient);
    child.SetAttribute("db.system.name", "sqlite");
  }
  std::istringstream lines(out.str());
  std::string child_line, parent_line;
  std::getline(lines, child_line);
  std::getline(lines, parent_line);
  EXPECT_THAT(child_line, HasSubstr(parent_context.trace_id().ToHex()));
  EXPECT_THAT(child_line, HasSubstr("<- " + parent_context.span_id().ToHex()));
  EXPECT_THAT(child_line, HasSubstr("CLIENT \"SELECT projects\""));
  EXPECT_THAT(child_line, HasSubstr("{db.system.name=sqlite}"));
  EXPECT_THAT(parent_line, HasSubstr("<- root SERVER \"GET /projects/{id}\""));
  EXPECT_THAT(parent_line, HasSubstr("ERROR(boom)"));
  EXPECT_THAT(parent_line, HasSubstr("http.response.status_code=500"));
}

TEST(ConsoleExporterTest, FailsAfterShutdown) {
  std::ostringstream out;
  ConsoleExporter exporter(out);
  ASSERT_TRUE(exporter.Shutdown(absl::Seconds(1)).ok());
  SpanRecordPtr record = MakeSpanRecord();
  EXPECT_FALSE(exporter.Export({&record, 1}).ok());
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace qtrace
