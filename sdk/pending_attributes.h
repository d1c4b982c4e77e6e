// PendingAttributes: attributes that wait for their span to be kept.
//
// A span that head sampling dropped but that records in case its request
// fails (errors always kept: deferred_trace.h) is discarded with its request
// nine times in ten at 10 % sampling. Span::SetAttributesWhenKept leaves such
// a span a function and a copy of what it reads instead of its attributes;
// DeferredTrace runs the function when it keeps the span and drops it when
// it does not. At 10 % sampling, setting a database span's six attributes
// cost about 800 instructions a request; holding them costs a copy of 64
// bytes (bench/README.md, "Attributes that wait for an error").
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>

#include "qtrace/sdk/attribute.h"

namespace qtrace {

class PendingAttributes {
 public:
  // The largest source a span can hold (a database's info and a statement).
  static constexpr std::size_t kMaxSourceBytes = 64;

  template <class Source>
  static constexpr bool kHoldable = std::is_trivially_copyable_v<Source> && sizeof(Source) <= kMaxSourceBytes &&
                                    alignof(Source) <= alignof(std::max_align_t);

  explicit operator bool() const { return run_ != nullptr; }

  // Keeps fill and a copy of source for Run.
  template <class Source>
  void Hold(void (*fill)(AttributeList&, const Source&), const Source& source) {
    static_assert(kHoldable<Source>, "a held source is trivially copyable and at most kMaxSourceBytes");
    std::memcpy(source_.data(), &source, sizeof(Source));
    fill_ = reinterpret_cast<AnyFill>(fill);  // converted back to its own type by RunAs
    run_ = &RunAs<Source>;
  }
  // Sets the held attributes into attributes, once.
  void Run(AttributeList& attributes) {
    const auto run = run_;
    run_ = nullptr;
    run(fill_, attributes, source_.data());
  }
  // Forgets them (the span was not kept).
  void Drop() { run_ = nullptr; }

 private:
  using AnyFill = void (*)();
  template <class Source>
  static void RunAs(AnyFill fill, AttributeList& attributes, const std::byte* source) {
    // The memcpy in Hold made a Source in these bytes (a trivially copyable
    // type's lifetime starts with its bytes).
    reinterpret_cast<void (*)(AttributeList&, const Source&)>(fill)(
        attributes, *std::launder(reinterpret_cast<const Source*>(source)));
  }

  void (*run_)(AnyFill, AttributeList&, const std::byte*) = nullptr;
  AnyFill fill_ = nullptr;
  alignas(std::max_align_t) std::array<std::byte, kMaxSourceBytes> source_{};
};

}  // namespace qtrace
