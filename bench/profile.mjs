// The driver of bench/profile.sh (see there): GET /api/v1/projects/{id} (a
// server span and a database span per request) under wrk, once with tracing
// off and once on, each run sampled by perf; then perf's inclusive share of
// each function of interest, as CPU microseconds per request. With a pause
// (the fourth argument, in ms), every connection waits that long before each
// request: the equal load at which bench/overhead.sh reads its CPU targets,
// where caches go cold between requests, unlike a saturated run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMicros, paceScript, ratioSampler, runWrk, tracedServiceEnv } from './bench_helpers.mjs';
import { startSink } from '../tests/integration/process_helpers.mjs';
import { call, startService } from '../tests/integration/service_helpers.mjs';

const seconds = Number(process.argv[2] || 6);
const protocol = process.argv[3] || 'http/protobuf';
const ratio = process.argv[4] || '1.0';
const pauseMs = Number(process.argv[5] || 0);
// QTRACE_BENCH_API names another build of the service, as in bench/overhead.sh.
const API = process.env.QTRACE_BENCH_API || 'build/release/api_server/qa-pms-api';
const SINK = 'build/release/tools/otlp-sink';
const SAMPLE_HZ = 999;
// PROFILE_KEEP_DIR keeps perf's data files (off.data, on.data) there, for
// `perf report -i` on any function the rows below do not name.
const keepDir = process.env.PROFILE_KEEP_DIR;
const work = keepDir ? (mkdirSync(keepDir, { recursive: true }), keepDir) : mkdtempSync(join(tmpdir(), 'qa-pms-profile-'));
const tmpfs = mkdtempSync('/dev/shm/qa-pms-profile-');
const pace = pauseMs > 0 ? paceScript(tmpfs, pauseMs) : undefined;

// Rows of the breakdown: a label and the symbol prefixes whose inclusive
// share it shows (the largest match counts: a function's own inlined copies
// and its clones share a prefix).
const ROWS = [
  ['event loop thread (EventLoop::Run)', 'qtrace::http::EventLoop::Run'],
  ['worker threads (WorkerPool::Work)', 'qtrace::http::WorkerPool::Work'],
  ['  tracing middleware and all it wraps', 'qtrace::middleware::TracingMiddleware'],
  ['  database decorator and the query', 'qtrace::db::(anonymous namespace)::TracedExecute'],
  ['    the query itself (SQLite)', 'qtrace::db::SqliteDatabase::Execute'],
  ['  Tracer::StartSpan', 'qtrace::Tracer::StartSpan'],
  ['  AttributeList::Set', 'qtrace::AttributeList::Set'],
  ['  SetRequestAttributes (server span)', 'qtrace::middleware::(anonymous namespace)::SetRequestAttributes'],
  ['  Span::End (to the queue)', 'qtrace::Span::End'],
  ['  propagator Extract', 'qtrace::CompositePropagator::Extract'],
  ['  traceresponse (FormatTraceParent)', 'qtrace::TraceContextPropagator::FormatTraceParent'],
  ['exporter thread (BatchSpanProcessor::Run)', 'qtrace::BatchSpanProcessor::Run'],
  ['  encoding (OtlpEncoder::EncodeProtobuf)', 'qtrace::OtlpEncoder::EncodeProtobuf'],
  ['    of which attributes (WriteAttributes)', 'qtrace::(anonymous namespace)::WriteAttributes'],
  ['sending thread (SendPipeline::Run)', 'qtrace::SendPipeline::Run'],
  ['  sending (HttpSender::Send)', 'qtrace::HttpSender::Send'],
  ['  sending (GrpcSender::Send)', 'qtrace::GrpcSender::Send'],
  ['  returning records (SpanRecordPool::Release)', 'qtrace::SpanRecordPool::Release'],
  ['malloc (anywhere)', 'malloc'],
  ['operator new (anywhere)', 'operator new'],
];

// perf report --children: "children% self% samples [.] symbol" per line.
function inclusiveShares(dataFile) {
  const r = spawnSync('perf', ['report', '-i', dataFile, '--children', '--sort', 'sym', '-g', 'none', '--stdio', '-n'],
                      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const shares = new Map();
  let samples = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([\d.]+)%\s+([\d.]+)%\s+(\d+)\s+\[.\]\s+(.*)$/.exec(line);
    if (!m) continue;
    samples += Number(m[3]);
    const symbol = m[4].trim();
    if (!shares.has(symbol)) shares.set(symbol, Number(m[1]) / 100);
  }
  return { shares, samples };
}

async function profile(name, env) {
  const sink = await startSink(SINK, [], { jsonl: false });
  const endpoint = protocol === 'grpc' ? `http://127.0.0.1:${sink.grpcPort}` : `http://127.0.0.1:${sink.httpPort}`;
  const api = await startService(API, ['--database-url', `sqlite:${tmpfs}/${name}.db`], {
    ...tracedServiceEnv(endpoint), OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    QTRACE_SPOOL_DIR: 'none', ...env,
  });
  try {
    const project = await call(api.base, 'POST', '/api/v1/projects', { name: 'profile' });
    const url = `${api.base}/api/v1/projects/${project.json.id}`;
    spawnSync('wrk', ['-t2', '-c32', '-d2s', url]);  // warm-up
    const data = join(work, `${name}.data`);
    const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '--call-graph', 'dwarf,16384',
                                '-p', String(api.pid), '-o', data, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    const perfDone = new Promise((resolve) => perf.on('exit', resolve));
    const cpuBefore = cpuMicros(api.pid);
    const { requests, rps } = runWrk(url, { threads: 2, connections: 32, seconds, script: pace });
    const cpu = cpuMicros(api.pid) - cpuBefore;
    await perfDone;
    const { shares, samples } = inclusiveShares(data);
    // One sample stands for 1/SAMPLE_HZ s of one thread's CPU.
    const usPerRequest = (share) => (share * samples * 1e6) / SAMPLE_HZ / requests;
    const row = (prefix) => {
      let best = 0;
      for (const [symbol, share] of shares) if (symbol.startsWith(prefix)) best = Math.max(best, share);
      return usPerRequest(best);
    };
    return { rps, requests, cpuPerRequest: cpu / requests, sampledPerRequest: usPerRequest(1), rows: ROWS.map(([, p]) => row(p)) };
  } finally {
    api.kill();
    sink.kill();
  }
}

const off = await profile('off', { OTEL_SDK_DISABLED: 'true' });
const on = await profile('on', ratioSampler(ratio));
const f = (x) => x.toFixed(2).padStart(8);
console.log(`GET /api/v1/projects/{id}, ${seconds} s under wrk -t2 -c32` +
            `${pace ? ` pausing ${pauseMs} ms before each request` : ''} with perf sampling at ${SAMPLE_HZ} Hz; ` +
            `tracing on: ${protocol}, ratio ${ratio}`);
console.log(`${'CPU µs per request'.padEnd(48)}      off       on    added`);
console.log(`${'service, all threads (/proc, perf included)'.padEnd(48)}${f(off.cpuPerRequest)} ${f(on.cpuPerRequest)} ${f(on.cpuPerRequest - off.cpuPerRequest)}`);
console.log(`${'service, sampled by perf'.padEnd(48)}${f(off.sampledPerRequest)} ${f(on.sampledPerRequest)} ${f(on.sampledPerRequest - off.sampledPerRequest)}`);
ROWS.forEach(([label], i) => {
  console.log(`${label.padEnd(48)}${f(off.rows[i])} ${f(on.rows[i])} ${f(on.rows[i] - off.rows[i])}`);
});
console.log(`requests/s under perf: off ${off.rps.toFixed(0)}, on ${on.rps.toFixed(0)}`);
if (keepDir) {
  console.log(`perf data kept in ${keepDir}/off.data and ${keepDir}/on.data`);
} else {
  rmSync(work, { recursive: true, force: true });
}
rmSync(tmpfs, { recursive: true, force: true });
