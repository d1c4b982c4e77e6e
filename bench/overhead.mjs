// The driver of bench/overhead.sh (see there). One qa-pms-api process per run
// so that every mode starts equal; the same project is read in every run
// (GET /api/v1/projects/{id}: one server span and one database span).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpuMicros, machineCpuTicks, metricValue, median, paceScript, peakRssKb, ratioSampler, runWrk, stealShare, threadCpuMicros,
         tracedServiceEnv } from './bench_helpers.mjs';
import { startSink } from '../tests/integration/process_helpers.mjs';
import { startService, call } from '../tests/integration/service_helpers.mjs';

const seconds = Number(process.argv[2] || 10);
const rounds = Number(process.argv[3] || 2);
// QTRACE_BENCH_API names another build of the service, for a before/after
// comparison of two builds on the same machine.
const API = process.env.QTRACE_BENCH_API || 'build/release/api_server/qa-pms-api';
const SINK = 'build/release/tools/otlp-sink';
const tmpfs = mkdtempSync('/dev/shm/qa-pms-bench-');
// The second phase of every run: the same 32 connections, each pausing
// PACE_MS before every request, so that every mode serves about the same
// requests a second (about 6 000 here, a fraction of what any mode
// sustains). Saturated, a request's CPU depends on the load itself: a mode
// that serves fewer requests a second has an event loop that finds fewer
// requests per wake-up and spends more system calls on each, which is not
// tracing's work. At equal load the difference in CPU per request is
// tracing's own. The targets divide it by tracing off's CPU per request
// saturated, the service at its leanest: at a lower load every request
// costs more, and that larger figure would make the same added cost look
// smaller. Saturation shows tracing's cost as throughput and latency.
const PACE_MS = 5;
const pace = paceScript(tmpfs, PACE_MS);

const modes = [
  { name: 'off', env: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'grpc 100%', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', ...ratioSampler('1.0') }, grpc: true },
  { name: 'http/protobuf 100%', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', ...ratioSampler('1.0') } },
  { name: 'http/protobuf 10%', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', ...ratioSampler('0.1') }, ratio: 0.1 },
  // The same as http/protobuf 100 % with the on-disk spool on (a directory of
  // its own per run): the request path never touches the spool, so its cost
  // should match the mode without it.
  { name: 'http/protobuf 100% spool', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', ...ratioSampler('1.0') }, spool: true },
];

async function runMode(mode, round) {
  const sink = await startSink(SINK, [], { jsonl: false });
  const endpoint = mode.grpc ? `http://127.0.0.1:${sink.grpcPort}` : `http://127.0.0.1:${sink.httpPort}`;
  const api = await startService(API, ['--database-url', `sqlite:${tmpfs}/qa-${round}-${mode.name.replace(/\W/g, '')}.db`], {
    ...tracedServiceEnv(endpoint),
    // The pipeline as measured before the spool; a spool beside the databases
    // of one tmpfs would be shared by every round.
    QTRACE_SPOOL_DIR: mode.spool ? `${tmpfs}/spool-${round}` : 'none', ...mode.env,
  });
  try {
    const project = await call(api.base, 'POST', '/api/v1/projects', { name: 'bench' });
    const url = `${api.base}/api/v1/projects/${project.json.id}`;
    spawnSync('wrk', ['-t2', '-c32', '-d2s', url]);  // warm-up
    const cpuBefore = { api: cpuMicros(api.pid), sink: cpuMicros(sink.pid) };
    const machineBefore = machineCpuTicks();
    const result = runWrk(url, { threads: 2, connections: 32, seconds });
    const steal = stealShare(machineBefore, machineCpuTicks());
    // CPU per request: what the service itself spends, apart from the sink
    // (a collector that in production runs elsewhere) that shares the cores.
    const apiCpuUs = (cpuMicros(api.pid) - cpuBefore.api) / result.requests;
    const sinkCpuUs = (cpuMicros(sink.pid) - cpuBefore.sink) / result.requests;
    const pacedBefore = cpuMicros(api.pid);
    const paced = runWrk(url, { threads: 2, connections: 32, seconds, script: pace });
    const pacedCpuUs = (cpuMicros(api.pid) - pacedBefore) / paced.requests;
    const rss = peakRssKb(api.pid);
    // Requests still in flight when wrk stopped start their database spans
    // a moment later: let them finish before the counters are read.
    await new Promise((r) => setTimeout(r, 300));
    const metrics = (await call(api.base, 'GET', '/metrics')).text;
    // The export's CPU per span exported, over the process's life (warm-up
    // included on both sides): the exporter thread, which encodes, and the
    // thread it hands the encoded batches to, which sends them.
    const exporterCpuUs = threadCpuMicros(api.pid, 'qtrace-export') + threadCpuMicros(api.pid, 'qtrace-send');
    const exported = metricValue(metrics, 'otel_sdk_exporter_span_exported_total', 'error_type=""');
    const stopped = await api.stop();
    const summary = (await sink.stop()).summary;
    const started = metricValue(metrics, 'otel_sdk_span_started_total', 'otel_span_sampling_result="RECORD_AND_SAMPLE"');
    const unsampled = metricValue(metrics, 'otel_sdk_span_started_total', 'otel_span_sampling_result="DROP"');
    const queueDrops = metricValue(metrics, 'otel_sdk_processor_span_processed_total', 'error_type="queue_full"');
    const spooled = metricValue(metrics, 'qtrace_spool_spans_spooled_total');
    return { ...result, apiCpuUs, sinkCpuUs, steal, pacedRps: paced.rps, pacedP50: paced.p50, pacedCpuUs, rssMb: rss / 1024, exit: stopped.code, spansReceived: summary.spans,
             spansStarted: started, spansUnsampled: unsampled, queueDrops, spooled,
             exportNsPerSpan: exported > 0 ? (exporterCpuUs * 1000) / exported : 0 };
  } finally {
    api.kill();
    sink.kill();
  }
}

const results = Object.fromEntries(modes.map((m) => [m.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const mode of modes) {
    const r = await runMode(mode, round);
    results[mode.name].push(r);
    console.log(`round ${round + 1} ${mode.name.padEnd(20)} ${r.rps.toFixed(0)} req/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms  ` +
                `spans received ${r.spansReceived}/${r.spansStarted} started  rss ${r.rssMb.toFixed(1)} MiB  ` +
                `steal ${(100 * r.steal).toFixed(1)} %`);
    console.log(`        at equal load: ${r.pacedRps.toFixed(0)} req/s  p50 ${r.pacedP50.toFixed(3)} ms  ` +
                `service CPU ${r.pacedCpuUs.toFixed(1)} µs/req`);
  }
}

let failed = false;
const off = results.off;
const signed = (x, digits) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
console.log('\nmode                  req/s     ratio   p50 ms   p99 ms   added p50 µs   peak RSS MiB   spans lost   ' +
            'service CPU µs/req (added)   sink CPU µs/req   at equal load: service CPU µs/req (added)');
for (const mode of modes) {
  const rs = results[mode.name];
  const added = median(rs.map((r, i) => (r.p50 - off[i].p50) * 1000));
  const ratio = median(rs.map((r, i) => r.rps / off[i].rps));
  const addedCpu = median(rs.map((r, i) => r.apiCpuUs - off[i].apiCpuUs));
  const addedPacedUs = median(rs.map((r, i) => r.pacedCpuUs - off[i].pacedCpuUs));
  // Every span started must be at the sink (the sink sees each exported span
  // once; spans started before the measured run are included on both sides).
  // Queue drops are among them; they are printed on their own too.
  const lost = rs.reduce((n, r) => n + Math.max(0, r.spansStarted - r.spansReceived), 0);
  const drops = rs.reduce((n, r) => n + r.queueDrops, 0);
  console.log(`${mode.name.padEnd(20)} ${median(rs.map((r) => r.rps)).toFixed(0).padStart(7)}   ${ratio.toFixed(3)}   ` +
              `${median(rs.map((r) => r.p50)).toFixed(3).padStart(6)}   ${median(rs.map((r) => r.p99)).toFixed(3).padStart(6)}   ` +
              `${added.toFixed(1).padStart(12)}   ${median(rs.map((r) => r.rssMb)).toFixed(1).padStart(12)}   ${String(lost).padStart(10)}   ` +
              `${median(rs.map((r) => r.apiCpuUs)).toFixed(1).padStart(8)} (${signed(addedCpu, 1)})`.padEnd(29) +
              `${median(rs.map((r) => r.sinkCpuUs)).toFixed(1).padStart(8)}`.padEnd(18) +
              `${median(rs.map((r) => r.pacedCpuUs)).toFixed(2).padStart(8)} (${signed(addedPacedUs, 2)})`);
  if (mode.name === 'off') continue;
  if (added > 5000) { console.log(`FAIL ${mode.name}: added median latency ${added.toFixed(1)} µs > 5 ms budget`); failed = true; }
  if (lost > 0) { console.log(`FAIL ${mode.name}: ${lost} spans lost (${drops} dropped because the queue was full)`); failed = true; }
  if (mode.ratio) {
    // The sampler really sampled the ratio: the share of spans started sampled.
    const share = median(rs.map((r) => r.spansStarted / (r.spansStarted + r.spansUnsampled)));
    if (Math.abs(share - mode.ratio) > 0.02) {
      console.log(`FAIL ${mode.name}: ${(100 * share).toFixed(1)} % of spans sampled, not ${100 * mode.ratio} %`);
      failed = true;
    }
  }
  // Our targets, service CPU only: the CPU tracing adds at equal load, as a
  // share of the same round's tracing-off CPU saturated (see PACE_MS); the
  // saturated-only figure beside it.
  const roundShares = rs.map((r, i) => (r.pacedCpuUs - off[i].pacedCpuUs) / off[i].apiCpuUs);
  const addedShare = median(roundShares);
  const pacedLoad = median(rs.map((r, i) => r.pacedRps / off[i].pacedRps));
  const saturatedShare = median(rs.map((r, i) => (r.apiCpuUs - off[i].apiCpuUs) / off[i].apiCpuUs));
  const cpuTarget = mode.name.includes('100%') ? 0.05 : 0.01;
  // One round's figure at equal load moves by several µs a request, more
  // than the targets (1 % is about 0.35 µs). A PASS needs every round within
  // the target either way: a round that reads below tracing off by more than
  // the target shows noise larger than the target, and a median under it
  // then proves nothing (UNSURE: run more rounds).
  const verdict = roundShares.every((x) => Math.abs(x) <= cpuTarget) ? 'PASS'
    : addedShare <= cpuTarget ? 'UNSURE' : 'MISS';
  console.log(`${verdict} ${mode.name}: added service CPU at equal load ` +
              `${signed(addedPacedUs, 2)} µs, ${(100 * addedShare).toFixed(1)} % of tracing off's saturated ` +
              `(target <= ${100 * cpuTarget} %; rounds ${roundShares.map((x) => `${signed(100 * x, 1)} %`).join(', ')}; ` +
              `its load ${pacedLoad.toFixed(3)} of tracing off's; saturated: ` +
              `${(100 * saturatedShare).toFixed(1)} %, where the load differs)`);
  if (pacedLoad < 0.97) {
    console.log(`     ${mode.name} did not keep the equal load (${pacedLoad.toFixed(3)}): its CPU per request there is not like for like`);
  }
  if (mode.name.includes('100%')) {
    const exportNs = median(rs.map((r) => r.exportNsPerSpan));
    console.log(`${exportNs > 0 && exportNs <= 300 ? 'PASS' : 'MISS'} ${mode.name}: export CPU (exporter and sending threads) ${exportNs.toFixed(0)} ns ` +
                'per exported span (encode + send; target <= 300 ns)');
    console.log(`${added <= 20 ? 'PASS' : 'MISS'} ${mode.name}: added median latency ${added.toFixed(1)} µs (target <= 20 µs)`);
    console.log(`${ratio >= 0.95 ? 'PASS' : 'MISS'} ${mode.name}: throughput ${ratio.toFixed(3)} of tracing off (target >= 0.95)`);
  }
}
// What the machine did meanwhile: CPU time the hypervisor gave to other
// guests during the measured runs. It slows every mode, not one more than
// another on average, but a round with much of it is noise in the ratios.
const steals = Object.values(results).flat().map((r) => r.steal);
console.log(`steal (CPU time the hypervisor gave to other guests) during the measured runs: median ` +
            `${(100 * median(steals)).toFixed(1)} %, highest ${(100 * Math.max(...steals)).toFixed(1)} %` +
            (median(steals) > 0.02 ? ' (a busy host: compare rounds, not single figures)' : ''));
// The spool's cost on the request path: the same mode with it on and off,
// round by round (and what went through it, which should be nothing: the
// sink answers).
const withSpool = results['http/protobuf 100% spool'];
const without = results['http/protobuf 100%'];
const spoolCpu = median(withSpool.map((r, i) => r.apiCpuUs / without[i].apiCpuUs));
const spoolRps = median(withSpool.map((r, i) => r.rps / without[i].rps));
console.log(`spool on / off (http/protobuf 100 %): service CPU per request ${spoolCpu.toFixed(3)}, ` +
            `req/s ${spoolRps.toFixed(3)}; spans that went through the spool: ${withSpool.reduce((n, r) => n + r.spooled, 0)}`);
spawnSync('rm', ['-rf', tmpfs]);
process.exit(failed ? 1 : 0);
