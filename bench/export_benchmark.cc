// Export throughput: our OTLP exporter (encoder + sender + retry) sending
// 512-span batches to a real tools/otlp-sink on loopback, over gRPC and over
// HTTP/protobuf. Reports spans per second and bytes per second.
//
//   export_benchmark [--sink PATH] [benchmark flags]
// PATH defaults to the otlp-sink built next to this program.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/typical_batch.h"
#include "benchmark/benchmark.h"
#include "qtrace/exporter/grpc_sender.h"
#include "qtrace/exporter/http_sender.h"
#include "qtrace/exporter/otlp_exporter.h"
#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/resource.h"

namespace {

struct Sink {
  pid_t pid = -1;
  int grpc_port = 0;
  int http_port = 0;
};

Sink g_sink;

// Starts otlp-sink with ports 0 and reads the chosen ports from its stdout.
bool StartSink(const std::string& path) {
  int out[2];
  if (pipe(out) != 0) return false;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(path.c_str(), path.c_str(), "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--no-tree",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[256];
  while ((g_sink.grpc_port == 0 || g_sink.http_port == 0) && std::fgets(line, sizeof line, f) != nullptr) {
    std::sscanf(line, "otlp-sink: grpc listening on 127.0.0.1:%d", &g_sink.grpc_port);
    std::sscanf(line, "otlp-sink: http listening on 127.0.0.1:%d", &g_sink.http_port);
  }
  g_sink.pid = pid;
  return g_sink.grpc_port != 0 && g_sink.http_port != 0;
}

std::vector<qtrace::SpanRecordPtr> TypicalBatch(std::size_t n) {
  static const qtrace::InstrumentationScope scope{"bench", "1.0"};
  return qtrace::bench::TypicalBatch(n, scope);
}

void RunExport(benchmark::State& state, std::unique_ptr<qtrace::Sender> sender) {
  qtrace::Resource resource;
  resource.Set("service.name", "export-benchmark");
  auto metrics = std::make_shared<qtrace::PipelineMetrics>();
  qtrace::OtlpExporter exporter(resource, std::move(sender), {}, metrics);
  const auto batch = TypicalBatch(512);
  for (auto _ : state) {
    if (!exporter.Export(batch).ok()) state.SkipWithError("export failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(metrics->export_bytes.load()));
}

void BM_ExportGrpc(benchmark::State& state) {
  qtrace::GrpcSenderOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(g_sink.grpc_port);
  auto sender = qtrace::GrpcSender::Create(options);
  RunExport(state, std::move(*sender));
}

void BM_ExportHttpProtobuf(benchmark::State& state) {
  qtrace::HttpSenderOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(g_sink.http_port) + "/v1/traces";
  auto sender = qtrace::HttpSender::Create(options);
  RunExport(state, std::move(*sender));
}

BENCHMARK(BM_ExportGrpc)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportHttpProtobuf)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  std::string sink_path = std::string(argv[0]).substr(0, std::string(argv[0]).rfind('/') + 1) + "../tools/otlp-sink";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string(argv[i]) == "--sink" && i + 1 < argc) {
      sink_path = argv[++i];
      continue;
    }
    args.push_back(argv[i]);
  }
  // Flags first: --help prints and exits here, before a sink is started.
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (!StartSink(sink_path)) {
    std::fprintf(stderr, "cannot start otlp-sink at %s\n", sink_path.c_str());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  kill(g_sink.pid, SIGTERM);
  waitpid(g_sink.pid, nullptr, 0);
  return 0;
}
