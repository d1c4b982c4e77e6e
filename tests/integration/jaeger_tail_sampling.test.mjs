// Errors always kept across services, the production way: qa-pms-api and the
// JS SDK issue tracker both export 100 % to a collector tier that runs the
// tail_sampling processor (tail_sampling.yaml: keep every trace with an error
// status, 10 % of the rest), in front of a Jaeger backend.
//
// The service syncs SYNCS times; the tracker fails every FAIL_EVERY-th call
// (500, so our sync answers 502). In the backend, read through the query API:
// every failing sync's trace, whole across both services, and about 10 % of
// the others, each of those whole too.
//
//   JAEGER=build/release/tests/backends/jaeger/jaeger QA_PMS_API=... \
//     node --test tests/integration/jaeger_tail_sampling.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { jsDir } from './cross_service_helpers.mjs';
import { asSinkSpans, requireJaeger, startJaeger, TAIL_SAMPLING_CONFIG } from './jaeger_helpers.mjs';
import { cleanEnv, killIfRunning, launch, makeCertificates, waitForExit, waitForListening } from './process_helpers.mjs';
import { call, projectWithFailedResult, startService } from './service_helpers.mjs';

const API = process.env.QA_PMS_API;
assert.ok(API, 'QA_PMS_API must name the qa-pms-api binary');
const jaegerBinary = requireJaeger();

const SYNCS = 400;
const FAIL_EVERY = 4;
const KEPT_RATIO = 0.1;
const DECISION_WAIT_MS = 3_000;  // tail_sampling.yaml
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('tail sampling keeps every failing trace whole and about 10 % of the rest', { timeout: 180_000 }, async () => {
  const certs = makeCertificates();
  const backend = await startJaeger(jaegerBinary, { cert: certs.serverCert, key: certs.serverKey });
  const collector = await startJaeger(jaegerBinary, null, {
    config: TAIL_SAMPLING_CONFIG, env: { JAEGER_BACKEND_OTLP_GRPC_PORT: String(backend.ports.otlpGrpc) },
  });
  const collectorHttp = `http://127.0.0.1:${collector.ports.otlpHttp}`;
  const tracker = launch(process.execPath, [join(jsDir, 'tracker_service.mjs')], {
    env: cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorHttp, OTEL_BSP_SCHEDULE_DELAY: '200',
                    TRACKER_FAIL_EVERY: String(FAIL_EVERY) }),
  });
  let api;
  try {
    const trackerPort = await waitForListening(tracker, 'tracker');
    api = await startService(API, ['--database-url', 'sqlite::memory:', '--tracker-url', `http://127.0.0.1:${trackerPort}`], {
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorHttp, OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_TRACES_SAMPLER: 'always_on',
    });
    const projectId = await projectWithFailedResult(api.base, 'tail sampling');

    const failing = [];
    const passing = [];
    for (let i = 0; i < SYNCS; i++) {
      const r = await call(api.base, 'POST', `/api/v1/projects/${projectId}/sync`);
      const traceId = r.headers.get('traceresponse').split('-')[1];
      if (r.status === 502) failing.push(traceId);
      else if (r.status === 200) passing.push(traceId);
      else assert.fail(`sync answered ${r.status}: ${r.text}`);
    }
    assert.equal(failing.length, SYNCS / FAIL_EVERY, 'the tracker failed every 4th call');
    assert.equal((await api.stop()).code, 0);
    tracker.child.kill('SIGTERM');
    assert.equal((await waitForExit(tracker, 'tracker_service.mjs')).code, 0, 'the tracker flushed and exited 0');
    // The collector decides DECISION_WAIT_MS after a trace's first span.
    await sleep(DECISION_WAIT_MS + 2_000);

    const whole = (spans) => {
      const ours = spans.filter((s) => s.service === 'qa-pms-api');
      const theirs = spans.filter((s) => s.service === 'issue-tracker');
      const call = ours.find((s) => s.kind === 3 && 'url.full' in s.attributes);
      return ours.some((s) => s.kind === 2) && call !== undefined && theirs.length === 1 &&
             theirs[0].parent_span_id === call.span_id;
    };
    const read = async (ids) => Promise.all(ids.map(async (id) => asSinkSpans(await backend.trace(id))));

    // Every failing trace, whole, with its error on both sides.
    let failingSpans = await read(failing);
    for (let tries = 0; tries < 20 && !failingSpans.every(whole); tries++) {
      await sleep(500);
      failingSpans = await read(failing);
    }
    failingSpans.forEach((spans, i) => {
      assert.ok(whole(spans), `failing trace ${failing[i]} is in the backend whole: ${spans.map((s) => s.name)}`);
      const server = spans.find((s) => s.service === 'qa-pms-api' && s.kind === 2);
      assert.equal(server.status.code, 2, 'our server span is an error (502)');
      assert.equal(spans.find((s) => s.service === 'issue-tracker').attributes['http.response.status_code'], 500);
    });

    // About 10 % of the others, each whole or not there at all.
    const passingSpans = await read(passing);
    const kept = passingSpans.filter((spans) => spans.length > 0);
    for (const spans of kept) assert.ok(whole(spans), `a kept trace is whole: ${spans.map((s) => s.name)}`);
    const n = passing.length;
    const sigma = Math.sqrt(n * KEPT_RATIO * (1 - KEPT_RATIO));
    process.stdout.write(`failing=${failing.length} kept_failing=${failingSpans.filter(whole).length} ` +
                         `passing=${n} kept_passing=${kept.length} (expected ${n * KEPT_RATIO} ± ${(5 * sigma).toFixed(1)})\n`);
    // 5 sigma: a false failure about once in 1.7 million runs.
    assert.ok(Math.abs(kept.length - n * KEPT_RATIO) <= 5 * sigma, `${kept.length} of ${n} passing traces kept`);
  } finally {
    if (api) api.kill();
    killIfRunning(tracker);
    collector.kill();
    backend.kill();
  }
});
