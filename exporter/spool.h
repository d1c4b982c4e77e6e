// Spool: batches that could not be exported yet, kept on disk in the order
// they came, so that a collector outage, a shutdown that runs out of time or a
// crash loses no span. The exporter thread appends already-encoded request
// bodies (nothing is encoded twice); the replay thread (spool_replayer.h)
// reads the oldest, sends it and acknowledges it.
//
// On disk: a directory of segment files, seg-<16 hex digits>.qtspool, each a
// sequence of records, and beside a segment being replayed a small
// seg-<...>.ack holding how far it has been acknowledged. A record is
//
//   u32 magic "QTSR" | u32 body length | u32 CRC-32 of everything after it |
//   u8 version (1) | u8 encoding | u8 flags | u8 zero | u32 spans |
//   i64 created (Unix ns) | body
//
// little-endian; flags bit 0 says the body is gzip-compressed (the default,
// at zlib's fastest level: spans compress 5 to 10 times, so the quota holds
// that much more of an outage). A segment is deleted once every record in it is
// acknowledged or dropped.
//
// Guarantees:
//  1. At least once: a record is deleted only after Acknowledge. A batch
//     whose acknowledgement was lost (a crash between the backend's answer
//     and the .ack write) is sent again.
//  2. Corruption never stops the spool: a record whose magic, length or CRC
//     is wrong, or that is cut short, is skipped and counted, and reading
//     goes on at the next record found (the next magic that checks out).
//  3. Bounded: past max_bytes the oldest segments are dropped before a new
//     record is written, and a segment whose newest record is older than
//     max_age is dropped (no record younger than max_age ever is); both
//     counted in spans. A batch larger than the whole spool is refused.
//  5. One process per directory (a lock file): a second process that opens
//     the same directory gets an error and runs without a spool.
//  4. The disk is never waited on by the request path: only the exporter
//     and replay threads call in. A full disk or an unwritable directory is
//     counted and warned about once; the batch is then lost, and counted.
//
// Durability: each record is one write(2) to the segment (in the page cache:
// it survives a crash of the process, kill -9 included). fdatasync runs when
// a segment is closed, at most once per sync_interval while records are
// written, and at Flush (shutdown), and the directory is synced when a
// segment is created or deleted; a crash of the machine itself may lose the
// last sync_interval of records. An .ack is replaced by rename: a crash
// leaves the old offset or the new one (at worst records are sent again).
//
// Thread safety: every method may be called from any thread; one mutex
// guards the state (held while a record is written or read, never while a
// batch is sent).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "qtrace/sdk/common/unique_fd.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/pipeline_metrics.h"

namespace qtrace {

struct SpoolOptions {
  std::string dir;
  std::uint64_t max_bytes = std::uint64_t{256} << 20;  // QTRACE_SPOOL_MAX_BYTES
  absl::Duration max_age = absl::Hours(24);           // QTRACE_SPOOL_MAX_AGE
  std::uint64_t segment_bytes = std::uint64_t{8} << 20;
  absl::Duration sync_interval = absl::Seconds(1);
  int compression_level = 1;  // zlib 1-9 for the bodies written; 0: stored as they are
};

// How a spooled body was encoded: replay sends it only through an exporter of
// the same encoding (a spool written over gRPC replays over gRPC or
// HTTP/protobuf, not HTTP/JSON).
enum class SpoolEncoding : std::uint8_t { kOtlpProtobuf = 1, kOtlpJson = 2, kZipkinJson = 3 };

// One batch read back (its body as the exporter encoded it), with where it
// ends (for Acknowledge).
struct SpoolRecord {
  SpoolEncoding encoding = SpoolEncoding::kOtlpProtobuf;
  std::uint32_t spans = 0;
  std::int64_t created_unix_ns = 0;
  std::string body;
  std::uint64_t segment = 0;
  std::uint64_t end_offset = 0;
  bool compressed = false;  // body still as stored (inside Oldest only)
};

class Spool {
 public:
  // Opens (creating it if needed) options.dir and indexes the segments an
  // earlier process left, to be replayed first. An error when the directory
  // cannot be created or read.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(SpoolOptions options, std::shared_ptr<PipelineMetrics> metrics);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Writes one batch of `spans` spans. Drops the oldest segments first when
  // the record would pass max_bytes. An error (counted, warned once) when the
  // disk refuses the write; the batch is then lost.
  absl::Status Append(SpoolEncoding encoding, std::uint32_t spans, std::string_view body, absl::Time now = absl::Now());

  // The oldest record not yet acknowledged; nullopt when there is none.
  // Corrupt records on the way are skipped and counted; segments past
  // max_age are dropped and counted.
  std::optional<SpoolRecord> Oldest(absl::Time now = absl::Now());

  // The record Oldest() returned is done with (sent, or given up): reading
  // moves past it, and a segment with nothing left in it is deleted.
  void Acknowledge(const SpoolRecord& record);

  // fdatasync of the segment being written (shutdown).
  void Flush();

  std::uint64_t bytes() const;
  std::uint64_t pending_spans() const;  // spans in records not yet acknowledged

 private:
  struct Segment {
    std::uint64_t id = 0;
    std::uint64_t bytes = 0;        // file size
    std::uint64_t read_offset = 0;  // everything before it is acknowledged
    std::uint64_t spans = 0;        // in records at or after read_offset
    absl::Time newest = absl::InfinitePast();  // the last record written to it
  };

  Spool(SpoolOptions options, std::shared_ptr<PipelineMetrics> metrics);
  // Oldest() before decompression, under the lock.
  std::optional<SpoolRecord> OldestStored(absl::Time now);
  absl::Status Index();
  std::string PathOf(std::uint64_t id, std::string_view suffix) const;
  absl::Status OpenNewSegment(absl::Time now);
  void SyncActive();
  void DropSegment(std::deque<Segment>::iterator segment, SpoolDrop reason);
  void DropExpired(absl::Time now);
  void MakeRoomFor(std::uint64_t record_bytes);
  void WriteAck(const Segment& segment);
  void PublishSize();
  // Whether segment is the one being written (always the last).
  bool IsActive(const Segment& segment) const { return active_.valid() && &segment == &segments_.back(); }
  void WarnOnce(std::string_view what);

  // The record Oldest() handed out last, until it is acknowledged. When its
  // segment is dropped meanwhile, its spans are counted only if it is never
  // acknowledged (then under orphan_reason), so that a span is never both
  // dropped and sent.
  struct InFlight {
    std::uint64_t segment = 0;
    std::uint64_t end_offset = 0;
    std::uint64_t spans = 0;
    bool orphaned = false;
    SpoolDrop orphan_reason = SpoolDrop::kQuota;
  };

  const SpoolOptions options_;
  const std::shared_ptr<PipelineMetrics> metrics_;
  mutable std::mutex mu_;
  std::deque<Segment> segments_;  // oldest first; the last one is written to
  UniqueFd active_;               // the last segment's file, open for appending
  UniqueFd lock_;                 // flock'd for the spool's lifetime: one process per directory
  InFlight in_flight_;
  std::uint64_t next_id_ = 1;
  std::uint64_t total_bytes_ = 0;
  absl::Time last_sync_ = absl::InfinitePast();
  bool unsynced_ = false;
  bool warned_ = false;
};

// The record layout's fixed part, for the tests' fault injection.
inline constexpr std::size_t kSpoolRecordHeaderBytes = 28;

}  // namespace qtrace
