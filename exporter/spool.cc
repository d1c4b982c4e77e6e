#include "qtrace/exporter/spool.h"

#include <dirent.h>
#include <sys/file.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "qtrace/exporter/gzip.h"
#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

static_assert(std::endian::native == std::endian::little, "the record layout is written as the machine stores it");

constexpr std::uint32_t kMagic = 0x52535451;  // "QTSR" in file order
constexpr std::uint8_t kVersion = 1;
constexpr std::uint32_t kMaxBody = 256u << 20;  // larger is not a record: corrupt
constexpr std::string_view kSegmentPrefix = "seg-";
constexpr std::string_view kSegmentSuffix = ".qtspool";
constexpr std::string_view kAckSuffix = ".ack";

constexpr std::uint8_t kFlagGzip = 1;

struct Header {
  std::uint32_t body_length = 0;
  std::uint32_t crc = 0;
  std::uint8_t version = 0;
  std::uint8_t encoding = 0;
  std::uint8_t flags = 0;
  std::uint32_t spans = 0;
  std::int64_t created_unix_ns = 0;
};

template <class T>
T Load(const char* at) {
  T v;
  std::memcpy(&v, at, sizeof v);
  return v;
}
template <class T>
void Store(char* at, T v) {
  std::memcpy(at, &v, sizeof v);
}

std::uint32_t Crc(std::string_view after_crc_header, std::string_view body) {
  uLong crc = crc32(0, nullptr, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(after_crc_header.data()), static_cast<uInt>(after_crc_header.size()));
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(body.data()), body.size());
  return static_cast<std::uint32_t>(crc);
}

std::string EncodeRecord(SpoolEncoding encoding, std::uint8_t flags, std::uint32_t spans, std::string_view body,
                         absl::Time now) {
  std::string out(kSpoolRecordHeaderBytes + body.size(), '\0');
  char* p = out.data();
  Store<std::uint32_t>(p, kMagic);
  Store<std::uint32_t>(p + 4, static_cast<std::uint32_t>(body.size()));
  p[12] = static_cast<char>(kVersion);
  p[13] = static_cast<char>(encoding);
  p[14] = static_cast<char>(flags);
  Store<std::uint32_t>(p + 16, spans);
  Store<std::int64_t>(p + 20, absl::ToUnixNanos(now));
  std::memcpy(p + kSpoolRecordHeaderBytes, body.data(), body.size());
  Store<std::uint32_t>(p + 8, Crc(std::string_view(p + 12, kSpoolRecordHeaderBytes - 12), body));
  return out;
}

// Reads exactly n bytes at offset; false when the file is shorter.
bool ReadAt(int fd, std::uint64_t offset, char* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return true;
}

// What is at offset of a segment of `size` bytes.
enum class Found { kRecord, kCorrupt, kEnd };

// Reads the record at offset into header and body (body may be null: check
// only). kCorrupt: wrong magic or version, impossible length, cut short, or
// a CRC that does not match.
Found ReadRecord(int fd, std::uint64_t offset, std::uint64_t size, Header& header, std::string* body) {
  if (offset >= size) return Found::kEnd;
  if (size - offset < kSpoolRecordHeaderBytes) return Found::kCorrupt;
  char raw[kSpoolRecordHeaderBytes];
  if (!ReadAt(fd, offset, raw, sizeof raw)) return Found::kCorrupt;
  if (Load<std::uint32_t>(raw) != kMagic) return Found::kCorrupt;
  header.body_length = Load<std::uint32_t>(raw + 4);
  header.crc = Load<std::uint32_t>(raw + 8);
  header.version = static_cast<std::uint8_t>(raw[12]);
  header.encoding = static_cast<std::uint8_t>(raw[13]);
  header.flags = static_cast<std::uint8_t>(raw[14]);
  header.spans = Load<std::uint32_t>(raw + 16);
  header.created_unix_ns = Load<std::int64_t>(raw + 20);
  if (header.version != kVersion || header.body_length > kMaxBody) return Found::kCorrupt;
  if (size - offset - kSpoolRecordHeaderBytes < header.body_length) return Found::kCorrupt;  // cut short
  std::string local;
  std::string& bytes = body != nullptr ? *body : local;
  bytes.resize(header.body_length);
  if (!ReadAt(fd, offset + kSpoolRecordHeaderBytes, bytes.data(), bytes.size())) return Found::kCorrupt;
  if (Crc(std::string_view(raw + 12, kSpoolRecordHeaderBytes - 12), bytes) != header.crc) return Found::kCorrupt;
  return Found::kRecord;
}

// The offset of the next record that checks out after a corrupt one at
// offset, or size when there is none: corruption costs the damaged record,
// never the ones after it.
std::uint64_t Resync(int fd, std::uint64_t offset, std::uint64_t size) {
  std::string window;
  for (std::uint64_t at = offset + 1; at + kSpoolRecordHeaderBytes <= size;) {
    window.resize(static_cast<std::size_t>(std::min<std::uint64_t>(size - at, 64 * 1024)));
    if (!ReadAt(fd, at, window.data(), window.size())) return size;
    for (std::size_t i = 0; i + 4 <= window.size(); ++i) {
      if (Load<std::uint32_t>(window.data() + i) != kMagic) continue;
      Header header;
      if (ReadRecord(fd, at + i, size, header, nullptr) == Found::kRecord) return at + i;
    }
    at += window.size() >= 4 ? window.size() - 3 : 1;
  }
  return size;
}

// The spans in the records that check out from offset to size.
std::uint64_t CountSpans(int fd, std::uint64_t offset, std::uint64_t size) {
  std::uint64_t spans = 0;
  for (std::uint64_t at = offset; at < size;) {
    Header header;
    const Found found = ReadRecord(fd, at, size, header, nullptr);
    if (found == Found::kEnd) break;
    if (found == Found::kCorrupt) {
      at = Resync(fd, at, size);
      continue;
    }
    spans += header.spans;
    at += kSpoolRecordHeaderBytes + header.body_length;
  }
  return spans;
}

// fsync of a directory: a segment created or deleted survives a crash of
// the machine.
void SyncDirectory(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) fsync(fd.get());
}

}  // namespace

Spool::Spool(SpoolOptions options, std::shared_ptr<PipelineMetrics> metrics)
    : options_(std::move(options)), metrics_(metrics ? std::move(metrics) : std::make_shared<PipelineMetrics>()) {}

Spool::~Spool() { Flush(); }

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(SpoolOptions options, std::shared_ptr<PipelineMetrics> metrics) {
  if (options.dir.empty()) return absl::InvalidArgumentError("the spool needs a directory");
  std::unique_ptr<Spool> spool(new Spool(std::move(options), std::move(metrics)));
  if (absl::Status s = spool->Index(); !s.ok()) return s;
  return spool;
}

std::string Spool::PathOf(std::uint64_t id, std::string_view suffix) const {
  char name[17];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(id));
  return StrCat(options_.dir, "/", kSegmentPrefix, name, suffix);
}

absl::Status Spool::Index() {
  std::error_code error;
  std::filesystem::create_directories(options_.dir, error);
  if (error) {
    return absl::UnavailableError(StrCat("cannot create the spool directory '", options_.dir, "': ", error.message()));
  }
  // One process per spool: a second one would delete segments the first
  // still writes. The lock goes with the process, kill -9 included.
  lock_.Reset(open(StrCat(options_.dir, "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock_.valid()) {
    return absl::UnavailableError(StrCat("cannot open the spool's lock in '", options_.dir, "': ", std::strerror(errno)));
  }
  if (flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    return absl::UnavailableError(StrCat("the spool directory '", options_.dir, "' is in use by another process"));
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(options_.dir.c_str()), closedir);
  if (dir == nullptr) {
    return absl::UnavailableError(StrCat("cannot read the spool directory '", options_.dir, "': ", std::strerror(errno)));
  }
  std::vector<std::uint64_t> ids;
  while (dirent* entry = readdir(dir.get())) {
    const std::string_view name(entry->d_name);
    if (!StartsWith(name, kSegmentPrefix) || !EndsWith(name, kSegmentSuffix)) continue;
    const std::string_view hex = name.substr(kSegmentPrefix.size(), name.size() - kSegmentPrefix.size() - kSegmentSuffix.size());
    std::uint8_t bytes[8];
    if (!ParseLowerHex(hex, bytes, sizeof bytes)) continue;  // PathOf writes 16 lower-case digits
    std::uint64_t id = 0;
    for (std::uint8_t b : bytes) id = id << 8 | b;
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  // New segments take ids after every one on disk, even one that cannot be
  // opened now.
  if (!ids.empty()) next_id_ = ids.back() + 1;
  for (std::uint64_t id : ids) {
    UniqueFd fd(open(PathOf(id, kSegmentSuffix).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) continue;
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) continue;
    Segment segment;
    segment.id = id;
    segment.bytes = static_cast<std::uint64_t>(st.st_size);
    segment.newest = absl::FromTimeT(st.st_mtime);
    // Where an earlier process stopped acknowledging.
    UniqueFd ack(open(PathOf(id, kAckSuffix).c_str(), O_RDONLY | O_CLOEXEC));
    if (ack.valid()) {
      char text[32] = {};
      const ssize_t n = read(ack.get(), text, sizeof text - 1);
      std::int64_t offset = 0;
      if (n > 0 && ParseInt64(Trim(std::string_view(text, static_cast<std::size_t>(n))), &offset) && offset >= 0) {
        segment.read_offset = std::min<std::uint64_t>(static_cast<std::uint64_t>(offset), segment.bytes);
      }
    }
    // The spans still to send, in the records that check out (a damaged
    // record's spans cannot be known: the replay counts the record).
    segment.spans = CountSpans(fd.get(), segment.read_offset, segment.bytes);
    total_bytes_ += segment.bytes;
    segments_.push_back(segment);
  }
  PublishSize();
  return absl::OkStatus();
}

absl::Status Spool::OpenNewSegment(absl::Time now) {
  SyncActive();
  UniqueFd fd;
  std::uint64_t id = 0;
  for (int tries = 0; tries < 16 && !fd.valid(); ++tries) {
    id = next_id_++;
    unlink(PathOf(id, kAckSuffix).c_str());  // an .ack of an earlier segment of this id is not this one's
    fd.Reset(open(PathOf(id, kSegmentSuffix).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
    if (!fd.valid() && errno != EEXIST) break;
  }
  if (!fd.valid()) {
    return absl::UnavailableError(StrCat("cannot create a spool segment in '", options_.dir, "': ", std::strerror(errno)));
  }
  SyncDirectory(options_.dir);
  active_ = std::move(fd);
  Segment segment;
  segment.id = id;
  segment.newest = now;
  segments_.push_back(segment);
  return absl::OkStatus();
}

void Spool::SyncActive() {
  if (active_.valid() && unsynced_) fdatasync(active_.get());
  unsynced_ = false;
}

void Spool::WarnOnce(std::string_view what) {
  if (warned_) return;
  warned_ = true;
  Diagnose(LogLevel::kWarn, StrCat("span spool '", options_.dir, "': ", what,
                                   "; spans that cannot be spooled are dropped and counted (further failures are "
                                   "counted on /metrics, not logged)"));
}

absl::Status Spool::Append(SpoolEncoding encoding, std::uint32_t spans, std::string_view body, absl::Time now) {
  // Compressed before the lock: the replay thread is not held up by it.
  std::string compressed;
  std::uint8_t flags = 0;
  if (options_.compression_level > 0) {
    if (absl::StatusOr<std::string> gz = GzipCompress(body, options_.compression_level); gz.ok()) {
      compressed = std::move(*gz);
      body = compressed;
      flags = kFlagGzip;
    }
  }
  const std::string record = EncodeRecord(encoding, flags, spans, body, now);
  std::lock_guard<std::mutex> lock(mu_);
  absl::Status status;
  if (record.size() > options_.max_bytes || body.size() > kMaxBody) {
    // Refused before anything is dropped to make room for it.
    status = absl::ResourceExhaustedError("the batch is larger than the spool can hold");
  } else {
    DropExpired(now);
    MakeRoomFor(record.size());
    if (!active_.valid() || segments_.back().bytes + record.size() > options_.segment_bytes) status = OpenNewSegment(now);
  }
  if (status.ok()) {
    const ssize_t written = write(active_.get(), record.data(), record.size());
    if (written != static_cast<ssize_t>(record.size())) {
      status = absl::UnavailableError(StrCat("writing the spool failed: ",
                                             written < 0 ? std::strerror(errno) : "short write (disk full?)"));
      // A partial record would read as corrupt: cut it off again.
      if (written > 0 && ftruncate(active_.get(), static_cast<off_t>(segments_.back().bytes)) != 0) {
        segments_.back().bytes += static_cast<std::uint64_t>(written);  // left for the reader to skip
        total_bytes_ += static_cast<std::uint64_t>(written);
      }
    }
  }
  if (!status.ok()) {
    metrics_->AddSpoolDropped(SpoolDrop::kWriteFailed, spans);
    WarnOnce(MessageOf(status));
    PublishSize();
    return status;
  }
  Segment& segment = segments_.back();
  segment.bytes += record.size();
  segment.spans += spans;
  segment.newest = now;
  total_bytes_ += record.size();
  metrics_->spans_spooled.fetch_add(spans, std::memory_order_relaxed);
  unsynced_ = true;
  if (now - last_sync_ >= options_.sync_interval) {
    SyncActive();
    last_sync_ = now;
  }
  PublishSize();
  return absl::OkStatus();
}

std::optional<SpoolRecord> Spool::Oldest(absl::Time now) {
  while (true) {
    std::optional<SpoolRecord> record = OldestStored(now);
    if (!record || !record->compressed) return record;
    // Decompressed outside the lock. A body that checks out but does not
    // inflate is counted as corrupt, its spans with it, and skipped.
    absl::StatusOr<std::string> body = GzipDecompress(record->body, kMaxBody);
    if (body.ok()) {
      record->body = std::move(*body);
      record->compressed = false;
      return record;
    }
    metrics_->spool_corrupt_records.fetch_add(1, std::memory_order_relaxed);
    metrics_->AddSpoolDropped(SpoolDrop::kCorrupt, record->spans);
    Acknowledge(*record);
  }
}

std::optional<SpoolRecord> Spool::OldestStored(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  // The record handed out last was neither acknowledged nor is it still on
  // disk (its segment was dropped for the quota or its age meanwhile): its
  // spans were left out of that drop's count, and are counted now.
  if (in_flight_.orphaned) metrics_->AddSpoolDropped(in_flight_.orphan_reason, in_flight_.spans);
  in_flight_ = {};
  DropExpired(now);
  while (!segments_.empty()) {
    Segment& segment = segments_.front();
    if (segment.read_offset >= segment.bytes) {
      if (IsActive(segment)) return std::nullopt;  // everything written has been read
      DropSegment(segments_.begin(), SpoolDrop::kCount);
      continue;
    }
    UniqueFd fd(open(PathOf(segment.id, kSegmentSuffix).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno != ENOENT) return std::nullopt;  // out of descriptors, say: later
      // Deleted by someone else: its spans are gone, counted.
      DropSegment(segments_.begin(), SpoolDrop::kCorrupt);
      continue;
    }
    SpoolRecord record;
    Header header;
    const Found found = ReadRecord(fd.get(), segment.read_offset, segment.bytes, header, &record.body);
    if (found == Found::kRecord) {
      record.encoding = static_cast<SpoolEncoding>(header.encoding);
      record.compressed = (header.flags & kFlagGzip) != 0;
      record.spans = header.spans;
      record.created_unix_ns = header.created_unix_ns;
      record.segment = segment.id;
      record.end_offset = segment.read_offset + kSpoolRecordHeaderBytes + header.body_length;
      in_flight_ = InFlight{record.segment, record.end_offset, record.spans};
      return record;
    }
    // Corrupt (or cut short by a crash): count it, skip to the next record
    // that checks out, and remember the skip. The spans this process wrote
    // in the damaged stretch are counted too (an earlier process's are not
    // known: they were never counted as waiting).
    metrics_->spool_corrupt_records.fetch_add(1, std::memory_order_relaxed);
    segment.read_offset = Resync(fd.get(), segment.read_offset, segment.bytes);
    const std::uint64_t remaining = CountSpans(fd.get(), segment.read_offset, segment.bytes);
    if (segment.spans > remaining) metrics_->AddSpoolDropped(SpoolDrop::kCorrupt, segment.spans - remaining);
    segment.spans = remaining;
    WriteAck(segment);
  }
  return std::nullopt;
}

void Spool::Acknowledge(const SpoolRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_flight_.segment == record.segment && in_flight_.end_offset == record.end_offset) in_flight_ = {};
  auto it = std::find_if(segments_.begin(), segments_.end(), [&](const Segment& s) { return s.id == record.segment; });
  if (it == segments_.end() || record.end_offset <= it->read_offset) return;  // dropped meanwhile
  it->read_offset = record.end_offset;
  it->spans -= std::min<std::uint64_t>(it->spans, record.spans);
  if (it->read_offset >= it->bytes && !IsActive(*it)) {
    DropSegment(it, SpoolDrop::kCount);
  } else {
    WriteAck(*it);
  }
  PublishSize();
}

void Spool::WriteAck(const Segment& segment) {
  // Not synced: a lost .ack only means records sent twice (at least once).
  // Written aside and renamed over the old one: a crash leaves the old
  // offset or the new, never an empty file.
  const std::string path = PathOf(segment.id, kAckSuffix);
  const std::string next = path + ".next";
  UniqueFd fd(open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  const std::string text = std::to_string(segment.read_offset);
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) return;
  fd.Reset();
  rename(next.c_str(), path.c_str());
}

void Spool::DropSegment(std::deque<Segment>::iterator segment, SpoolDrop reason) {
  std::uint64_t spans = segment->spans;
  if (in_flight_.segment == segment->id && !in_flight_.orphaned) {
    // The replay thread holds a record of this segment: whether its spans
    // were sent or lost is known when it acknowledges it or asks for the
    // next one (OldestStored), so they are not counted here.
    spans -= std::min(spans, in_flight_.spans);
    in_flight_.orphaned = reason != SpoolDrop::kCount;
    in_flight_.orphan_reason = reason;
  }
  if (reason != SpoolDrop::kCount && spans > 0) metrics_->AddSpoolDropped(reason, spans);
  if (IsActive(*segment)) active_.Reset();
  // The .ack first: a crash between the two leaves no .ack without its segment.
  unlink(PathOf(segment->id, kAckSuffix).c_str());
  unlink(PathOf(segment->id, kSegmentSuffix).c_str());
  SyncDirectory(options_.dir);
  total_bytes_ -= std::min(total_bytes_, segment->bytes);
  segments_.erase(segment);
  PublishSize();
}

void Spool::DropExpired(absl::Time now) {
  while (!segments_.empty() && now - segments_.front().newest > options_.max_age) {
    DropSegment(segments_.begin(), SpoolDrop::kAge);
  }
}

void Spool::MakeRoomFor(std::uint64_t record_bytes) {
  while (!segments_.empty() && total_bytes_ + record_bytes > options_.max_bytes) {
    DropSegment(segments_.begin(), SpoolDrop::kQuota);
  }
}

void Spool::PublishSize() { metrics_->spool_bytes.store(total_bytes_, std::memory_order_relaxed); }

void Spool::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  SyncActive();
}

std::uint64_t Spool::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_bytes_;
}

std::uint64_t Spool::pending_spans() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::uint64_t spans = 0;
  for (const Segment& segment : segments_) spans += segment.spans;
  return spans;
}

}  // namespace qtrace
