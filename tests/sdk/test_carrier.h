// A std::map-backed TextMapCarrier for propagator tests. Keys compare
// case-insensitively, as HTTP header names do. (The namespace is not
// "testing" so that it cannot hide GoogleTest's ::testing inside qtrace.)
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace::testutil {

struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
      const char ca = Lower(a[i]);
      const char cb = Lower(b[i]);
      if (ca != cb) return ca < cb;
    }
    return a.size() < b.size();
  }

 private:
  static char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
};

class MapCarrier final : public TextMapCarrier {
 public:
  MapCarrier() = default;
  MapCarrier(std::initializer_list<std::pair<const std::string, std::string>> headers)
      : headers_(headers) {}

  std::optional<std::string_view> Get(std::string_view key) const override {
    const auto it = headers_.find(key);
    if (it == headers_.end()) return std::nullopt;
    return std::string_view(it->second);
  }

  void Set(std::string_view key, std::string_view value) override {
    headers_.insert_or_assign(std::string(key), std::string(value));
  }

  std::vector<std::string_view> Keys() const override {
    std::vector<std::string_view> keys;
    for (const auto& [key, value] : headers_) keys.push_back(key);
    return keys;
  }

  const std::map<std::string, std::string, CaseInsensitiveLess>& headers() const { return headers_; }
  bool empty() const { return headers_.empty(); }
  std::size_t size() const { return headers_.size(); }

 private:
  std::map<std::string, std::string, CaseInsensitiveLess> headers_;
};

}  // namespace qtrace::testutil
