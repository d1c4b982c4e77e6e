// A Collector tier between qa-pms-api and the backend, and an outage of it:
//
//   qa-pms-api ──OTLP──▶ Jaeger as a plain collector (collector.yaml:
//                        OTLP in → batch → OTLP out) ──OTLP──▶ Jaeger backend
//
// Under a bounded load (WORKERS clients, LOAD_MS in all; the export queue sized
// for it, OTEL_BSP_MAX_QUEUE_SIZE), the collector tier is
// stopped for OUTAGE_MS and started again on the same ports. Afterwards every
// span the service started (its own /metrics count) must be in the backend,
// read back through the query API trace by trace; spans stored twice (a retry
// of a request the collector had taken but not acknowledged) are counted and
// reported, and must not be more than the outage can explain.
//
//   JAEGER=build/release/tests/backends/jaeger/jaeger QA_PMS_API=... \
//     node --test tests/integration/jaeger_collector_tier.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { COLLECTOR_CONFIG, flattenSpans, requireJaeger, startJaeger } from './jaeger_helpers.mjs';
import { makeCertificates } from './process_helpers.mjs';
import { call, startService } from './service_helpers.mjs';

const API = process.env.QA_PMS_API;
assert.ok(API, 'QA_PMS_API must name the qa-pms-api binary');
const jaegerBinary = requireJaeger();

const WORKERS = 4;
const LOAD_MS = 12_000;
const OUTAGE_STARTS_MS = 3_000;
const OUTAGE_MS = 5_000;
const PAUSE_MS = 20;  // between one worker's requests: about 150 requests/s in all
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function metric(text, name, labels = '') {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  assert.ok(line, `${name}{${labels}} on /metrics`);
  return Number(line.split(' ').pop());
}

test('a 5 s outage of the collector tier under load: every span reaches the backend', { timeout: 180_000 }, async () => {
  const certs = makeCertificates();
  const backend = await startJaeger(jaegerBinary, { cert: certs.serverCert, key: certs.serverKey });
  const collectorEnv = { env: { JAEGER_BACKEND_OTLP_GRPC_PORT: String(backend.ports.otlpGrpc) }, config: COLLECTOR_CONFIG };
  let collector = await startJaeger(jaegerBinary, null, collectorEnv);
  const collectorPorts = collector.ports;
  const api = await startService(API, ['--database-url', 'sqlite::memory:'], {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPorts.otlpGrpc}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    // The queue must hold what arrives during the outage and the retry
    // back-off after it (up to 6 s more): about 280 spans/s here for up to
    // 11 s. The default 2048 would drop, and count it.
    OTEL_BSP_MAX_QUEUE_SIZE: '8192',
  });
  try {
    // The load: each answered request's trace id (100 % sampling).
    const traceIds = [];
    let failedRequests = 0;
    const loadEnds = Date.now() + LOAD_MS;
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = 0; Date.now() < loadEnds; i++) {
        const r = await call(api.base, 'POST', '/api/v1/projects', { name: `load ${w}-${i}` });
        if (r.status === 201) traceIds.push(r.headers.get('traceresponse').split('-')[1]);
        else failedRequests++;
        await sleep(PAUSE_MS);
      }
    });
    // The outage, in the middle of the load.
    const outage = (async () => {
      await sleep(OUTAGE_STARTS_MS);
      await collector.stop();
      await sleep(OUTAGE_MS);
      collector = await startJaeger(jaegerBinary, null, { ...collectorEnv, ports: collectorPorts });
    })();
    await Promise.all([...workers, outage]);
    assert.equal(failedRequests, 0, 'the service answered every request during the outage');

    // What the service says it made and what its exporter went through.
    const metrics = await call(api.base, 'GET', '/metrics');
    traceIds.push(metrics.headers.get('traceresponse').split('-')[1]);
    const started = metric(metrics.text, 'otel_sdk_span_started_total', 'otel_span_sampling_result="RECORD_AND_SAMPLE"');
    const retries = metric(metrics.text, 'otel_sdk_exporter_retries_total');
    const droppedFull = metric(metrics.text, 'otel_sdk_processor_span_processed_total', 'error_type="queue_full"');
    assert.ok(retries > 0, 'the exporter retried during the outage (else the outage was not seen)');
    // SIGTERM flushes what is still queued, within the shutdown timeout.
    assert.equal((await api.stop()).code, 0);

    // Read every trace back from the backend until all spans are there.
    const deadline = Date.now() + 30_000;
    let found = 0;
    let duplicates = 0;
    let missing = [];
    do {
      found = 0;
      duplicates = 0;
      missing = [];
      for (const id of traceIds) {
        const spans = flattenSpans(await backend.trace(id));
        const unique = new Set(spans.map((s) => s.spanId)).size;
        found += unique;
        duplicates += spans.length - unique;
        if (!spans.some((s) => s.kind === 2)) missing.push(id);  // no server span yet
      }
      if (found < started) await sleep(500);
    } while (found < started && Date.now() < deadline);
    process.stdout.write(`requests=${traceIds.length} spans_started=${started} spans_in_backend=${found} ` +
                         `duplicates=${duplicates} exporter_retries=${retries} dropped_queue_full=${droppedFull}\n`);
    assert.equal(droppedFull, 0, 'the queue held every span through the outage');
    assert.deepEqual(missing, [], 'every request has its trace in the backend');
    assert.equal(found, started, 'every span the service started is in the backend, once or more');
    // A duplicate needs a batch the collector took but did not acknowledge
    // before it stopped: at most the batches in flight at that moment.
    assert.ok(duplicates <= started / 10, `${duplicates} spans stored twice`);
  } finally {
    api.kill();
    collector.kill();
    backend.kill();
  }
});
