#include "qtrace/sdk/span.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>
#include <utility>

#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/deferred_trace.h"

namespace qtrace {
namespace {

void FillAttributes(AttributeList& list, std::size_t count_limit, std::size_t length_limit,
                    std::span<const Attribute> attributes) {
  list.Clear();
  list.SetLimits(count_limit, length_limit);
  for (const Attribute& a : attributes) list.Set(a.key, a.value);
}

std::string Demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(name);
}

}  // namespace

Span::Span(SpanRecordPtr record, SpanProcessor* processor, const SpanLimits* limits)
    : record_(std::move(record)), processor_(processor), limits_(limits) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = std::move(other.context_);
    record_ = std::move(other.record_);
    processor_ = other.processor_;
    limits_ = other.limits_;
  }
  return *this;
}

Span& Span::AddEvent(std::string_view name, std::initializer_list<Attribute> attributes,
                     std::int64_t time_unix_ns) {
  if (!record_) return *this;
  if (record_->events.size() >= limits_->event_count) {
    ++record_->dropped_events;
    return *this;
  }
  SpanEvent& event = record_->events.emplace_back();
  event.name.assign(name);
  event.time_unix_ns = time_unix_ns != 0 ? time_unix_ns : WallNanos();
  FillAttributes(event.attributes, limits_->attributes_per_event, limits_->attribute_value_length,
                 std::span<const Attribute>(attributes.begin(), attributes.size()));
  return *this;
}

Span& Span::AddLink(const SpanContext& linked, std::span<const Attribute> attributes) {
  if (!record_ || !linked.IsValid()) return *this;
  if (record_->links.size() >= limits_->link_count) {
    ++record_->dropped_links;
    return *this;
  }
  SpanLink& link = record_->links.emplace_back();
  link.context = linked;
  FillAttributes(link.attributes, limits_->attributes_per_link, limits_->attribute_value_length,
                 attributes);
  return *this;
}

Span& Span::SetStatus(StatusCode code, std::string_view description) {
  if (!record_ || record_->status == StatusCode::kOk || code == StatusCode::kUnset) return *this;
  record_->status = code;
  if (code == StatusCode::kError) {
    record_->status_message.assign(description);
  } else {
    record_->status_message.clear();
  }
  return *this;
}

Span& Span::UpdateName(std::string_view name) {
  if (record_) record_->name.assign(name);
  return *this;
}

Span& Span::RecordException(std::string_view type, std::string_view message) {
  return AddEvent("exception", {{"exception.type", std::string(type)},
                                {"exception.message", std::string(message)}});
}

Span& Span::RecordException(const std::exception& e) {
  if (!record_) return *this;
  return RecordException(ExceptionTypeName(e), e.what());
}

std::string ExceptionTypeName(const std::exception& e) { return Demangle(typeid(e).name()); }

void Span::End(std::int64_t end_unix_ns) {
  if (!record_) return;
  context_ = record_->context;  // the handle keeps the context once the record leaves
  if (end_unix_ns != 0) {
    record_->end_unix_ns = end_unix_ns;
  } else {
    record_->end_ticks = SpanTicks();  // mapped to wall time when encoded (SpanRecord::Times)
  }
  if (record_->deferred) {
    DeferredTracePtr deferred = record_->deferred;
    deferred->OnEnd(std::move(record_));
  } else if (!record_->context.IsSampled()) {
    // RECORD_ONLY: recorded for this process, never exported; the record
    // goes back to its pool.
  } else {
    processor_->OnEnd(std::move(record_));
  }
  record_ = nullptr;
}

}  // namespace qtrace
