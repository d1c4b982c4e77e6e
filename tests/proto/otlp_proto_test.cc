// The schema in proto/ compiles and round-trips a fully populated export
// request through the wire format.
#include "gtest/gtest.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;

collector::ExportTraceServiceRequest PopulatedRequest() {
  collector::ExportTraceServiceRequest request;
  trace::ResourceSpans* rs = request.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("qa-pms-api");
  rs->mutable_resource()->set_dropped_attributes_count(1);
  rs->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("qtrace.http");
  ss->mutable_scope()->set_version("0.1.0");
  trace::Span* span = ss->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  span->set_parent_span_id(std::string(8, '\x03'));
  span->set_trace_state("vendor=v");
  span->set_flags(trace::SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK | 0x01);
  span->set_name("GET /projects/{id}");
  span->set_kind(trace::Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1700000000000000000ULL);
  span->set_end_time_unix_nano(1700000000000500000ULL);
  auto add = [&](const char* key) {
    auto* kv = span->add_attributes();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("b")->set_bool_value(true);
  add("i")->set_int_value(-42);
  add("d")->set_double_value(2.5);
  add("s")->set_string_value("text");
  add("bytes")->set_bytes_value(std::string("\x00\xff", 2));
  auto* array = add("arr")->mutable_array_value();
  array->add_values()->set_int_value(1);
  array->add_values()->set_string_value("two");
  auto* kvlist = add("map")->mutable_kvlist_value()->add_values();
  kvlist->set_key("inner");
  kvlist->mutable_value()->set_bool_value(false);
  span->set_dropped_attributes_count(3);
  auto* event = span->add_events();
  event->set_name("exception");
  event->set_time_unix_nano(1700000000000100000ULL);
  event->set_dropped_attributes_count(1);
  span->set_dropped_events_count(4);
  auto* link = span->add_links();
  link->set_trace_id(std::string(16, '\x09'));
  link->set_span_id(std::string(8, '\x08'));
  link->set_trace_state("a=b");
  link->set_flags(1);
  link->set_dropped_attributes_count(2);
  span->set_dropped_links_count(5);
  span->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  span->mutable_status()->set_message("boom");
  return request;
}

TEST(OtlpProtoTest, PopulatedRequestRoundTrips) {
  const collector::ExportTraceServiceRequest original = PopulatedRequest();
  const std::string wire = original.SerializeAsString();
  ASSERT_FALSE(wire.empty());
  collector::ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.SerializeAsString(), wire);
  const trace::Span& span = parsed.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "GET /projects/{id}");
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.flags(), 0x101u);
  EXPECT_EQ(span.attributes(5).value().array_value().values(1).string_value(), "two");
  EXPECT_EQ(span.attributes(6).value().kvlist_value().values(0).key(), "inner");
  EXPECT_EQ(span.links(0).trace_state(), "a=b");
  EXPECT_EQ(span.dropped_links_count(), 5u);
  EXPECT_EQ(span.status().message(), "boom");
  EXPECT_EQ(parsed.resource_spans(0).scope_spans(0).scope().version(), "0.1.0");
}

// Field numbers are OTLP's: a hand-made wire fragment decodes to the right fields.
TEST(OtlpProtoTest, FieldNumbersMatchOtlp) {
  // Span: field 5 (name, length-delimited) = "x"; field 6 (kind, varint) = 3;
  // field 16 (flags, fixed32) = 1.
  const std::string wire("\x2a\x01x\x30\x03\x85\x01\x01\x00\x00\x00", 11);
  trace::Span span;
  ASSERT_TRUE(span.ParseFromString(wire));
  EXPECT_EQ(span.name(), "x");
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.flags(), 1u);
  collector::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(7);
  // partial_success is field 1; rejected_spans is field 1 (varint).
  EXPECT_EQ(response.SerializeAsString(), std::string("\x0a\x02\x08\x07", 4));
}

}  // namespace
