// The on-disk spool's throughput: writing 512-span batches (what the
// exporter thread does during an outage) and reading them back oldest first
// with an acknowledgement each (what the replay thread does once the
// collector answers, without the sending). The spool lives in a fresh
// directory under /tmp, on the machine's disk, with its defaults (8 MiB
// segments, a sync a second, bodies gzip-compressed at zlib's fastest
// level); the bodies are typical encoded batches (bench/typical_batch.h).
// Bytes are counted before compression; spool_MiB is what reached the disk.
//
//   spool_benchmark [benchmark flags]
#include <unistd.h>

#include <filesystem>
#include <string>

#include "bench/typical_batch.h"
#include "benchmark/benchmark.h"
#include "qtrace/exporter/otlp_encoder.h"
#include "qtrace/exporter/spool.h"

namespace {

constexpr std::uint32_t kSpansPerBatch = 512;

struct TempSpool {
  TempSpool() {
    std::string pattern = "/tmp/spool-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir = pattern;
    qtrace::SpoolOptions options;
    options.dir = dir;
    options.max_bytes = std::uint64_t{1} << 34;  // never the bound here
    spool = std::move(*qtrace::Spool::Open(options, nullptr));
  }
  ~TempSpool() {
    spool.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<qtrace::Spool> spool;
};

// A typical batch as the exporter encodes it: what the spool compresses.
std::string BatchBody() {
  static const qtrace::InstrumentationScope scope{"bench", "1.0"};
  qtrace::Resource resource;
  resource.Set("service.name", std::string("qa-pms-api"));
  std::string body;
  qtrace::OtlpEncoder(resource).EncodeProtobuf(qtrace::bench::TypicalBatch(kSpansPerBatch, scope), body);
  return body;
}

void BM_SpoolAppend(benchmark::State& state) {
  TempSpool t;
  const std::string body = BatchBody();
  for (auto _ : state) {
    if (!t.spool->Append(qtrace::SpoolEncoding::kOtlpProtobuf, kSpansPerBatch, body).ok()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  t.spool->Flush();
  state.SetItemsProcessed(state.iterations() * kSpansPerBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["spool_MiB"] = static_cast<double>(t.spool->bytes()) / (1 << 20);
  // Encoded bytes per byte on disk (record headers included).
  state.counters["compression"] =
      static_cast<double>(state.iterations()) * static_cast<double>(body.size()) / static_cast<double>(t.spool->bytes());
}
BENCHMARK(BM_SpoolAppend)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_SpoolReplay(benchmark::State& state) {
  TempSpool t;
  const std::string body = BatchBody();
  // Batches written while the timer is paused, read and acknowledged timed.
  constexpr int kBatches = 64;
  std::int64_t read = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kBatches; ++i) (void)t.spool->Append(qtrace::SpoolEncoding::kOtlpProtobuf, kSpansPerBatch, body);
    state.ResumeTiming();
    while (std::optional<qtrace::SpoolRecord> record = t.spool->Oldest()) {
      t.spool->Acknowledge(*record);
      ++read;
    }
  }
  if (read != state.iterations() * kBatches) state.SkipWithError("a batch was not read back");
  state.SetItemsProcessed(read * kSpansPerBatch);
  state.SetBytesProcessed(read * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_SpoolReplay)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
