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
  // resize() zeroes every byte it adds, and the bytes are then written over.
  // Past the string's capacity it doubles, so that a growing batch is
  // reallocated and zeroed only a few times in all. Within the capacity (a
  // buffer reused for a batch a little larger than its last) it adds an
  // eighth of what is written so far: doubling there zeroed a whole batch's
  // worth of bytes that the batch never used.
  const std::size_t needed = used + n;
  const std::size_t step = needed <= out_.capacity() ? used / 8 : used;
  out_.resize(std::max({needed, used + step, std::size_t{512}}));
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
