// Resource: the attributes of the entity that produces spans (service, host,
// process), sent once per export batch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "qtrace/sdk/attribute.h"

namespace qtrace {

class Resource {
 public:
  Resource() : attributes_(AttributeList::kUnlimited, AttributeList::kUnlimited) {}

  // Sets (or overwrites) one attribute.
  template <class T>
  Resource& Set(std::string_view key, const T& value) {
    attributes_.Set(key, value);
    return *this;
  }

  const AttributeList& attributes() const { return attributes_; }
  // The string value of key, or empty when absent or not a string.
  std::string_view GetString(std::string_view key) const;

 private:
  AttributeList attributes_;
};

// Parses OTEL_RESOURCE_ATTRIBUTES: "key1=value1,key2=value2" with values
// percent-decoded and spaces around keys and values trimmed. A bad entry (no
// '=', empty key, bad percent-encoding) is skipped and described in warnings.
std::vector<Attribute> ParseResourceAttributes(std::string_view text, std::vector<std::string>* warnings);

}  // namespace qtrace
