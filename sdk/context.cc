#include "qtrace/sdk/context.h"

namespace qtrace {
namespace {

Context& CurrentSlot() {
  thread_local Context current;
  return current;
}

}  // namespace

Context Context::Current() { return CurrentSlot(); }

const Context& CurrentContextRef() { return CurrentSlot(); }

const Baggage& Context::baggage() const {
  static const Baggage kEmpty;
  return baggage_ ? *baggage_ : kEmpty;
}

Scope Context::Attach() const { return Scope(*this); }

Scope::Scope(Context context) : previous_(std::exchange(CurrentSlot(), std::move(context))) {}

Scope::~Scope() { CurrentSlot() = std::move(previous_); }

}  // namespace qtrace
