#include "qtrace/exporter/proto_writer.h"

#include <algorithm>

namespace qtrace {

OutputBuffer::OutputBuffer(std::string& out) : out_(out) {
  base_ = out_.data();
  cur_ = base_ + out_.size();
  end_ = cur_;
}

OutputBuffer::OutputBuffer(std::string& out, OverwriteTag) : out_(out) {
  base_ = out_.data();
  cur_ = base_;
  end_ = base_ + out_.size();
}

void OutputBuffer::Grow(std::size_t n) {
  const std::size_t used = size();
  // Doubling keeps the zero-filling done by resize() proportional to what is
  // written; within the string's capacity nothing is reallocated.
  out_.resize(std::max({used + n, 2 * used, std::size_t{512}}));
  base_ = out_.data();
  cur_ = base_ + used;
  end_ = base_ + out_.size();
}

void ProtoWriter::Resize(Mark mark, std::size_t length) {
  const std::size_t needed = VarintSize(length);
  const std::size_t content = mark.length_offset + mark.reserved;
  if (needed > mark.reserved) Ensure(needed - mark.reserved);
  std::memmove(data_at(mark.length_offset + needed), data_at(content), length);
  SetSize(mark.length_offset + needed + length);
}

}  // namespace qtrace
