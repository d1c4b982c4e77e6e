// The on-disk spool: order, acknowledgement across a restart, bounds, and
// what corruption, truncation and a refusing disk do (fault injection).
#include "qtrace/exporter/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/file_size_limit.h"
#include "tests/temp_dir.h"

namespace qtrace {
namespace {

class SpoolTest : public ::testing::Test {
 protected:

  // Bodies stored as they are unless a test asks for compression: the
  // fault-injection tests write into known offsets.
  static SpoolOptions Plain() {
    SpoolOptions options;
    options.compression_level = 0;
    return options;
  }

  std::unique_ptr<Spool> OpenSpool(SpoolOptions options = Plain()) {
    options.dir = dir_;
    absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(options, metrics_);
    EXPECT_TRUE(spool.ok()) << spool.status();
    return spool.ok() ? std::move(*spool) : nullptr;
  }

  // Every record from the oldest on, acknowledging each: bodies in order.
  static std::vector<std::string> Drain(Spool& spool) {
    std::vector<std::string> bodies;
    while (std::optional<SpoolRecord> record = spool.Oldest()) {
      bodies.push_back(record->body);
      spool.Acknowledge(*record);
    }
    return bodies;
  }

  std::vector<std::string> Segments() const {
    std::vector<std::string> names;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 8 && name.substr(name.size() - 8) == ".qtspool") names.push_back(dir_ + "/" + name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  testutil::TempDir temp_{"spool-test"};
  const std::string dir_ = temp_.path();
  std::shared_ptr<PipelineMetrics> metrics_ = std::make_shared<PipelineMetrics>();
};

TEST_F(SpoolTest, RecordsComeBackOldestFirstAndGoOnceAcknowledged) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 3, "first").ok());
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpJson, 5, "second").ok());
  EXPECT_EQ(spool->pending_spans(), 8u);
  EXPECT_EQ(metrics_->spans_spooled.load(), 8u);

  std::optional<SpoolRecord> record = spool->Oldest();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->body, "first");
  EXPECT_EQ(record->spans, 3u);
  EXPECT_EQ(record->encoding, SpoolEncoding::kOtlpProtobuf);
  // Not acknowledged: the same record again.
  EXPECT_EQ(spool->Oldest()->body, "first");
  spool->Acknowledge(*record);
  record = spool->Oldest();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->body, "second");
  EXPECT_EQ(record->encoding, SpoolEncoding::kOtlpJson);
  spool->Acknowledge(*record);
  EXPECT_FALSE(spool->Oldest().has_value());
  EXPECT_EQ(spool->pending_spans(), 0u);
}

// A new process (a new Spool on the same directory) replays what the last
// one left, from where it stopped acknowledging: at least once, in order.
// The default: bodies gzip-compressed on disk (spans repeat their keys),
// given back as they were written.
TEST_F(SpoolTest, CompressedBodiesComeBackAsWritten) {
  SpoolOptions options;  // compression at zlib's fastest level
  auto spool = OpenSpool(options);
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "http.request.method=GET http.route=/api/v1/projects/{id} " + std::to_string(i);
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 2000, body).ok());
  EXPECT_LT(spool->bytes(), body.size() / 4) << "stored compressed";
  std::optional<SpoolRecord> record = spool->Oldest();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->body, body);
  EXPECT_EQ(record->spans, 2000u);
}

TEST_F(SpoolTest, ANewProcessReplaysWhatWasLeftFromTheLastAcknowledgement) {
  {
    auto spool = OpenSpool();
    for (const char* body : {"a", "b", "c"}) ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, body).ok());
    std::optional<SpoolRecord> a = spool->Oldest();
    spool->Acknowledge(*a);
  }  // as if killed here: nothing but the files is kept
  auto again = OpenSpool();
  EXPECT_EQ(again->pending_spans(), 2u);
  EXPECT_EQ(Drain(*again), (std::vector<std::string>{"b", "c"}));
  ASSERT_TRUE(again->Append(SpoolEncoding::kOtlpProtobuf, 1, "d").ok());
  EXPECT_EQ(Drain(*again), (std::vector<std::string>{"d"}));
}

TEST_F(SpoolTest, SegmentsRotateAndFullyAcknowledgedOnesAreDeleted) {
  SpoolOptions options = Plain();
  options.segment_bytes = 200;  // two 64-byte bodies with their headers per segment
  auto spool = OpenSpool(options);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, std::string(64, static_cast<char>('a' + i))).ok());
  }
  EXPECT_EQ(Segments().size(), 3u);
  std::vector<std::string> bodies = Drain(*spool);
  ASSERT_EQ(bodies.size(), 6u);
  EXPECT_EQ(bodies[5], std::string(64, 'f'));
  EXPECT_EQ(Segments().size(), 1u) << "the segment being written stays";
}

// Guarantee 2: a damaged record is skipped and counted; the records after
// it still arrive.
TEST_F(SpoolTest, ACorruptRecordIsSkippedAndCountedAndTheNextOnesStillCome) {
  {
    auto spool = OpenSpool();
    for (const char* body : {"one", "two", "three"}) ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 2, body).ok());
  }
  const std::vector<std::string> segments = Segments();
  ASSERT_EQ(segments.size(), 1u);
  // Flip a byte of the second record's body.
  const off_t second_body = static_cast<off_t>(2 * kSpoolRecordHeaderBytes + 3);
  const int fd = open(segments[0].c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "X", 1, second_body), 1);
  close(fd);

  auto spool = OpenSpool();
  EXPECT_EQ(Drain(*spool), (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(metrics_->spool_corrupt_records.load(), 1u);
}

TEST_F(SpoolTest, GarbageBetweenRecordsAndAWrongMagicAreSkipped) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "before").ok());
  }
  {
    // Bytes that are no record, then a good record after them.
    std::FILE* f = std::fopen(Segments()[0].c_str(), "ab");
    std::fputs("this is not a record, not even a header of one", f);
    std::fclose(f);
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "after").ok());
  }
  auto spool = OpenSpool();
  EXPECT_EQ(Drain(*spool), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(metrics_->spool_corrupt_records.load(), 1u);
}

// A crash in the middle of a write leaves a record cut short at the end of a
// segment: skipped and counted, and new records go on.
TEST_F(SpoolTest, ARecordCutShortByACrashIsSkipped) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "whole").ok());
    ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, std::string(100, 'z')).ok());
  }
  const std::string segment = Segments()[0];
  struct stat st {};
  ASSERT_EQ(stat(segment.c_str(), &st), 0);
  ASSERT_EQ(truncate(segment.c_str(), st.st_size - 40), 0);

  auto spool = OpenSpool();
  EXPECT_EQ(spool->pending_spans(), 1u) << "the cut record is not counted as waiting";
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "later").ok());
  EXPECT_EQ(Drain(*spool), (std::vector<std::string>{"whole", "later"}));
  EXPECT_EQ(metrics_->spool_corrupt_records.load(), 1u);
}

// Guarantee 3: past max_bytes the oldest segments go, counted in spans.
TEST_F(SpoolTest, TheQuotaDropsTheOldestSegmentsAndCountsTheirSpans) {
  SpoolOptions options = Plain();
  options.segment_bytes = 200;
  options.max_bytes = 500;
  auto spool = OpenSpool(options);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 10, std::string(64, static_cast<char>('0' + i))).ok());
  }
  EXPECT_LE(spool->bytes(), 500u);
  EXPECT_LE(metrics_->spool_bytes.load(), 500u);
  const std::vector<std::string> bodies = Drain(*spool);
  ASSERT_FALSE(bodies.empty());
  EXPECT_EQ(bodies.back(), std::string(64, '9')) << "the newest are kept";
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kQuota) + 10 * bodies.size(), 100u) << "every span kept or counted";
}

TEST_F(SpoolTest, SegmentsPastTheAgeLimitAreDroppedAndCounted) {
  SpoolOptions options = Plain();
  options.segment_bytes = 100;
  options.max_age = absl::Hours(1);
  auto spool = OpenSpool(options);
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 4, std::string(80, 'o'), start).ok());
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 2, std::string(80, 'n'), start + absl::Minutes(50)).ok());
  std::optional<SpoolRecord> record = spool->Oldest(start + absl::Minutes(70));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->body, std::string(80, 'n'));
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kAge), 4u);
}

TEST_F(SpoolTest, AnUnwritableDirectoryIsAnErrorAtOpen) {
  if (geteuid() == 0) {
    // root writes anywhere: a path under a regular file cannot be a directory.
    std::FILE* f = std::fopen((dir_ + "/file").c_str(), "w");
    std::fclose(f);
    SpoolOptions options;
    options.dir = dir_ + "/file/spool";
    EXPECT_FALSE(Spool::Open(options, metrics_).ok());
    return;
  }
  ASSERT_EQ(chmod(dir_.c_str(), 0500), 0);
  SpoolOptions options;
  options.dir = dir_ + "/spool";
  EXPECT_FALSE(Spool::Open(options, metrics_).ok());
  chmod(dir_.c_str(), 0700);
}

// Guarantee 4: a disk that refuses the write (here a file size limit, which
// fails write(2) with EFBIG as a full disk fails it with ENOSPC) costs the
// batch, counted; the spool goes on once the disk takes writes again.
TEST_F(SpoolTest, ARefusedWriteIsCountedAndTheSpoolGoesOn) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "fits").ok());
  absl::Status refused;
  {
    testutil::FileSizeLimit limit(100);
    refused = spool->Append(SpoolEncoding::kOtlpProtobuf, 7, std::string(500, 'x'));
  }
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kWriteFailed), 7u);
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "after").ok());
  EXPECT_EQ(Drain(*spool), (std::vector<std::string>{"fits", "after"}));
  EXPECT_EQ(metrics_->spool_corrupt_records.load(), 0u) << "a refused write leaves no partial record";
}

// A record the replay thread holds while its segment is dropped for the
// quota is counted once: as sent when it is acknowledged, as dropped when it
// is not.
TEST_F(SpoolTest, ARecordInFlightIsNeverCountedBothDroppedAndSent) {
  SpoolOptions options = Plain();
  options.segment_bytes = 100;  // one 64-byte record per segment
  options.max_bytes = 300;
  auto spool = OpenSpool(options);
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 5, std::string(64, 'a')).ok());
  std::optional<SpoolRecord> held = spool->Oldest();
  ASSERT_TRUE(held.has_value());
  for (char c : {'b', 'c', 'd'}) ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 7, std::string(64, c)).ok());
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kQuota), 0u) << "the held record's 5 spans wait for its outcome";
  spool->Acknowledge(*held);  // sent: the caller counts it
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kQuota), 0u);

  // Not acknowledged this time: counted when the next record is asked for.
  held = spool->Oldest();
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->body, std::string(64, 'b'));
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 7, std::string(64, 'e')).ok());
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kQuota), 0u);
  std::optional<SpoolRecord> next = spool->Oldest();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, std::string(64, 'c'));
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kQuota), 7u) << "the orphaned record's spans";
}

// Damage to records this process wrote costs their spans, counted as such.
TEST_F(SpoolTest, SpansOfADamagedRecordWrittenByThisProcessAreCounted) {
  auto spool = OpenSpool();
  for (const char* body : {"one", "two", "three"}) ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 4, body).ok());
  const int fd = open(Segments()[0].c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "X", 1, static_cast<off_t>(2 * kSpoolRecordHeaderBytes + 3)), 1);
  close(fd);
  EXPECT_EQ(Drain(*spool), (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kCorrupt), 4u);
  EXPECT_EQ(spool->pending_spans(), 0u);
}

TEST_F(SpoolTest, ABatchLargerThanTheSpoolIsRefusedWithoutEmptyingIt) {
  SpoolOptions options = Plain();
  options.max_bytes = 200;
  auto spool = OpenSpool(options);
  ASSERT_TRUE(spool->Append(SpoolEncoding::kOtlpProtobuf, 1, "kept").ok());
  EXPECT_FALSE(spool->Append(SpoolEncoding::kOtlpProtobuf, 9, std::string(500, 'x')).ok());
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kQuota), 0u);
  EXPECT_EQ(metrics_->SpoolDropped(SpoolDrop::kWriteFailed), 9u);
  EXPECT_EQ(Drain(*spool), (std::vector<std::string>{"kept"}));
}

// Guarantee 5: two processes on one directory would delete each other's
// segments; the second is refused while the first holds it.
TEST_F(SpoolTest, OneProcessPerDirectory) {
  auto first = OpenSpool();
  SpoolOptions options = Plain();
  options.dir = dir_;
  EXPECT_FALSE(Spool::Open(options, metrics_).ok());
  first.reset();
  EXPECT_TRUE(Spool::Open(options, metrics_).ok());
}

}  // namespace
}  // namespace qtrace
