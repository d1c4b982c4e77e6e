// The driver of bench/dead_collector_soak.sh (see there).
//
// 1. Baseline: qa-pms-api with tracing off under a bounded load (wrk pacing
//    every connection), in windows of 10 s.
// 2. Dead collector: tracing on, 100 % sampled, gRPC to a loopback port that
//    nothing listens on, default queue and batch settings, the same load for
//    `seconds`. Each window's latency and the service's RSS are recorded.
// 3. The collector comes back: otlp-sink starts on that port while the load
//    goes on, and the first span must arrive within one back-off period.
//
// 4. The same with the on-disk spool on (QTRACE_SPOOL_DIR): the same load
//    for `seconds` with nothing listening, each window paired with one on a
//    tracing-off service run just before it (so that the machine's drift
//    over the soak cancels), then otlp-sink starts (counting distinct spans
//    and duplicates) and every span started must arrive.
//
// Fails when the median p50 is more than 10 % above the baseline's, when RSS
// grows by 10 MiB or more after the first window, when the drops are not on
// /metrics, when export does not resume in time, or, with the spool, when a
// span is dropped or does not arrive.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startSink } from '../tests/integration/process_helpers.mjs';
import { startService, call } from '../tests/integration/service_helpers.mjs';
import { freePort, median, metricValue, paceScript, rssKb, runWrk, startWrk } from './bench_helpers.mjs';

const seconds = Number(process.argv[2] || 60);
const windowSeconds = Math.min(10, seconds);
const windows = Math.max(2, Math.round(seconds / windowSeconds));
const API = 'build/release/api_server/qa-pms-api';
const SINK = 'build/release/tools/otlp-sink';
// The longest retry back-off (exporter/retry.h: 5 s, plus 20 % jitter) and
// one reconnection attempt of the gRPC channel (1 s).
const RESUME_LIMIT_MS = 5000 * 1.2 + 1000;
const work = mkdtempSync(join(tmpdir(), 'qa-pms-soak-'));
const tmpfs = mkdtempSync('/dev/shm/qa-pms-soak-');
const pace = paceScript(work, 1);
const load = { threads: 1, connections: 8, script: pace };
const MiB = 1024;

async function serviceWithProject(env, db) {
  const api = await startService(API, ['--database-url', `sqlite:${tmpfs}/${db}.db`], {
    // Without the spool unless env names one: phase 2 measures the queue's drops.
    OTEL_LOG_LEVEL: 'warn', QTRACE_SPOOL_DIR: 'none', ...env,
  });
  const project = await call(api.base, 'POST', '/api/v1/projects', { name: 'soak' });
  return { api, url: `${api.base}/api/v1/projects/${project.json.id}` };
}

function runWindows(api, url, count) {
  const rows = [];
  for (let i = 0; i < count; i++) {
    const r = runWrk(url, { ...load, seconds: windowSeconds });
    rows.push({ ...r, rssKb: rssKb(api.pid) });
    console.log(`  window ${String(i + 1).padStart(2)}: ${r.rps.toFixed(0)} req/s  p50 ${(r.p50 * 1000).toFixed(0)} µs  ` +
                `p99 ${(r.p99 * 1000).toFixed(0)} µs  rss ${(rssKb(api.pid) / MiB).toFixed(1)} MiB`);
  }
  return rows;
}

// Phase 4: the outage with the spool on, then the collector back; every span
// started must reach the sink (at least once: duplicates are counted).
async function spoolPhase() {
  const port = await freePort();
  const spoolDir = join(work, 'spool');
  console.log(`\nwith the spool (${spoolDir}): grpc to 127.0.0.1:${port}, nothing listening; ${windows} windows of ` +
              `${windowSeconds} s each, alternating with a tracing-off service (paired: the machine's drift cancels)`);
  const off = await serviceWithProject({ OTEL_SDK_DISABLED: 'true' }, 'off-paired');
  const svc = await serviceWithProject({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_TRACES_SAMPLER_ARG: '1.0',
    QTRACE_SPOOL_DIR: spoolDir,
  }, 'spool');
  runWrk(off.url, { ...load, seconds: 2 });
  runWrk(svc.url, { ...load, seconds: 2 });
  const soak = [];
  const ratios = [];
  for (let i = 0; i < windows; i++) {
    const [a] = runWindows(off.api, off.url, 1);
    const [b] = runWindows(svc.api, svc.url, 1);
    soak.push(b);
    ratios.push(b.p50 / a.p50);
  }
  await off.api.stop();
  const during = (await call(svc.api.base, 'GET', '/metrics')).text;
  const spooledDuring = metricValue(during, 'qtrace_spool_spans_spooled_total');
  const spoolMiB = metricValue(during, 'qtrace_spool_bytes') / (1 << 20);

  const sink = await startSink(SINK, ['--grpc', `127.0.0.1:${port}`, '--distinct'], { jsonl: false });
  const sinkStarted = Date.now();
  await startWrk(svc.url, { ...load, seconds: 5 });  // live traffic beside the replay
  const spoolDrops = (text) => ['quota', 'age', 'write_failed', 'rejected', 'unreplayable', 'corrupt']
    .reduce((n, t) => n + metricValue(text, 'qtrace_spool_spans_dropped_total', `error_type="${t}"`), 0);
  // Until the spool is empty: every spooled span replayed or (a miss) dropped.
  let final;
  for (;;) {
    final = (await call(svc.api.base, 'GET', '/metrics')).text;
    const spooled = metricValue(final, 'qtrace_spool_spans_spooled_total');
    const replayed = metricValue(final, 'qtrace_spool_spans_replayed_total');
    if (replayed + spoolDrops(final) >= spooled || Date.now() - sinkStarted > 600000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const replayMs = Date.now() - sinkStarted;
  await svc.api.stop();
  const summary = (await sink.stop()).summary;
  const started = metricValue(final, 'otel_sdk_span_started_total', 'otel_span_sampling_result="RECORD_AND_SAMPLE"');
  const queueFull = metricValue(final, 'otel_sdk_processor_span_processed_total', 'error_type="queue_full"');
  const spoolDropped = spoolDrops(final);
  const p50 = median(soak.map((r) => r.p50));
  const ratio = median(ratios);
  const rssGrowthMiB = (Math.max(...soak.map((r) => r.rssKb)) - soak[0].rssKb) / MiB;
  console.log(`spooled during the outage ${spooledDuring} spans (${spoolMiB.toFixed(1)} MiB on disk); replayed within ` +
              `${replayMs} ms of the collector's return; spans started ${started}, at the sink ${summary.distinct} distinct, ` +
              `${summary.duplicates} duplicates; dropped: queue full ${queueFull}, from the spool ${spoolDropped}`);
  console.log(`median p50 with the spool ${(p50 * 1000).toFixed(0)} µs, p99 ${(median(soak.map((r) => r.p99)) * 1000).toFixed(0)} µs; ` +
              `p50 over tracing off's, window by window: ${ratios.map((r) => r.toFixed(3)).join(' ')}`);
  check(ratio <= 1.10, `latency with the spool during the outage within 10 % of tracing off (median of paired windows ${(100 * (ratio - 1)).toFixed(1)} %)`);
  check(rssGrowthMiB < 10, `RSS growth with the spool ${rssGrowthMiB.toFixed(1)} MiB (limit 10 MiB)`);
  check(queueFull === 0 && spoolDropped === 0, `nothing dropped with the spool (queue full ${queueFull}, spool ${spoolDropped})`);
  // Every span started before the last /metrics read, each at least once.
  check(summary.distinct >= started, `every span started arrived: ${summary.distinct} distinct of ${started} started`);
}

let failed = false;
const check = (ok, text) => { console.log(`${ok ? 'PASS' : 'FAIL'} ${text}`); if (!ok) failed = true; };

try {
  console.log(`baseline, tracing off (${windows} x ${windowSeconds} s, wrk -t1 -c8, 1 ms pause per request)`);
  const off = await serviceWithProject({ OTEL_SDK_DISABLED: 'true' }, 'off');
  runWrk(off.url, { ...load, seconds: 2 });  // warm-up
  const baseline = runWindows(off.api, off.url, windows);
  await off.api.stop();

  const port = await freePort();
  console.log(`dead collector: grpc to 127.0.0.1:${port}, nothing listening (${windows} x ${windowSeconds} s)`);
  const dead = await serviceWithProject({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_TRACES_SAMPLER_ARG: '1.0',
  }, 'dead');
  runWrk(dead.url, { ...load, seconds: 2 });
  const soak = runWindows(dead.api, dead.url, windows);
  const metrics = (await call(dead.api.base, 'GET', '/metrics')).text;

  // The collector comes back while the load goes on.
  const loadDuring = startWrk(dead.url, { ...load, seconds: Math.ceil(RESUME_LIMIT_MS / 1000) + 3 });
  const sinkStarted = Date.now();
  const jsonl = join(work, 'resumed.jsonl');
  const sink = await startSink(SINK, ['--grpc', `127.0.0.1:${port}`, '--jsonl', jsonl], { jsonl: false });
  let resumedMs = null;
  while (Date.now() - sinkStarted < RESUME_LIMIT_MS + 5000) {
    if (existsSync(jsonl) && readFileSync(jsonl, 'utf8').length > 0) { resumedMs = Date.now() - sinkStarted; break; }
    await new Promise((r) => setTimeout(r, 20));
  }
  await loadDuring;
  await dead.api.stop();
  const received = (await sink.stop()).summary.spans;
  console.log(`collector back: first span after ${resumedMs ?? 'never'} ms; ${received} spans received before shutdown`);

  const p50Off = median(baseline.map((r) => r.p50));
  const p50Dead = median(soak.map((r) => r.p50));
  const rssGrowthMiB = (Math.max(...soak.map((r) => r.rssKb)) - soak[0].rssKb) / MiB;
  const started = metricValue(metrics, 'otel_sdk_span_started_total', 'otel_span_sampling_result="RECORD_AND_SAMPLE"');
  const queueFull = metricValue(metrics, 'otel_sdk_processor_span_processed_total', 'error_type="queue_full"');
  const unavailable = metricValue(metrics, 'otel_sdk_exporter_span_exported_total', 'error_type="unavailable"');
  const rejected = metricValue(metrics, 'otel_sdk_exporter_span_exported_total', 'error_type="rejected"');
  const exported = metricValue(metrics, 'otel_sdk_exporter_span_exported_total', 'error_type=""');
  const retries = metricValue(metrics, 'otel_sdk_exporter_retries_total');
  console.log(`\nmedian p50: off ${(p50Off * 1000).toFixed(0)} µs, dead collector ${(p50Dead * 1000).toFixed(0)} µs ` +
              `(ratio ${(p50Dead / p50Off).toFixed(3)}); median p99: off ${(median(baseline.map((r) => r.p99)) * 1000).toFixed(0)} µs, ` +
              `dead ${(median(soak.map((r) => r.p99)) * 1000).toFixed(0)} µs`);
  console.log(`spans started ${started}: dropped because the queue was full ${queueFull}, given up after retrying ` +
              `${unavailable}, rejected ${rejected}, exported ${exported}; export attempts retried ${retries}`);
  check(p50Dead <= p50Off * 1.10, `latency with a dead collector within 10 % of tracing off (${(100 * (p50Dead / p50Off - 1)).toFixed(1)} %)`);
  check(rssGrowthMiB < 10, `RSS growth after the first window ${rssGrowthMiB.toFixed(1)} MiB (limit 10 MiB)`);
  check(queueFull > 0 && exported === 0, `drops are counted on /metrics (queue_full ${queueFull}, unavailable ${unavailable})`);
  // A refused connection is transient (OTLP specification): retried, never a
  // permanent rejection, and the retries show while the outage lasts.
  check(rejected === 0 && retries > 0, `a dead collector is retried, not rejected (retries ${retries}, rejected ${rejected})`);
  check(resumedMs !== null && resumedMs <= RESUME_LIMIT_MS, `export resumed ${resumedMs ?? 'never'} ms after the collector came back (limit ${RESUME_LIMIT_MS} ms)`);

  await spoolPhase();
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(tmpfs, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
