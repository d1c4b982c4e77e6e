// NoDestructor<T>: an object that is built once and never destroyed, for
// process-wide state that other threads may still read while static
// destructors run at exit (an exporter thread of a provider that lives in a
// static, for example). Its heap parts stay reachable, so leak checkers do
// not report them.
#pragma once

#include <memory>
#include <new>
#include <utility>

namespace qtrace {

template <class T>
class NoDestructor {
 public:
  template <class... Args>
  explicit NoDestructor(Args&&... args) {
    std::construct_at(reinterpret_cast<T*>(storage_), std::forward<Args>(args)...);
  }
  NoDestructor(const NoDestructor&) = delete;
  NoDestructor& operator=(const NoDestructor&) = delete;

  T* get() { return std::launder(reinterpret_cast<T*>(storage_)); }
  T& operator*() { return *get(); }
  T* operator->() { return get(); }

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace qtrace
