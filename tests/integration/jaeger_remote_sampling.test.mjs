// Remote sampling from real Jaeger: qa-pms-api with
// OTEL_TRACES_SAMPLER=parentbased_jaeger_remote polls Jaeger's gRPC sampling
// service, which serves a strategies file the test rewrites (Jaeger rereads
// it every second: remote_sampling.yaml).
//
// Each phase writes a strategy and waits for the service to log that it
// applies it: that must come within Jaeger's reload interval plus two of our
// polling intervals (and a second of slack for scheduling). It then counts
// how many of a few hundred new traces the service sampled (the sampled flag
// of its traceresponse header):
//   1. probabilistic 0.2                   share ~0.2; the sampled traces are in Jaeger
//   2. probabilistic 0.8, and 0 for        /health ~0.8, the listed operation never
//      "GET /api/v1/projects"
//   3. rate limiting 5/s                   at most 5 + 5/s over the elapsed time, at least the burst
//   4. Jaeger stopped                      one warning; the rate limit of phase 3 still applies
//
//   JAEGER=build/release/tests/backends/jaeger/jaeger QA_PMS_API=... \
//     node --test tests/integration/jaeger_remote_sampling.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { JAEGER_CONFIG, REMOTE_SAMPLING_CONFIG, requireJaeger, startJaeger } from './jaeger_helpers.mjs';
import { makeCertificates } from './process_helpers.mjs';
import { call, startService } from './service_helpers.mjs';

const API = process.env.QA_PMS_API;
assert.ok(API, 'QA_PMS_API must name the qa-pms-api binary');
const jaegerBinary = requireJaeger();

const POLLING_MS = 500;
const JAEGER_RELOAD_MS = 1_000;  // remote_sampling.yaml
const SETTLE_MS = JAEGER_RELOAD_MS + 2 * POLLING_MS;
const SLACK_MS = 1_000;
const N = 400;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Whether the service sampled a request's trace: it answers a sampled one
// with traceresponse "00-<trace id>-<span id>-<flags>" (sampled flag set),
// an unsampled one without.
async function sampledCall(base, path) {
  const r = await call(base, 'GET', path);
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  const header = r.headers.get('traceresponse');
  if (header === null) return { sampled: false };
  const [, traceId, , flags] = header.split('-');
  assert.equal(parseInt(flags, 16) & 1, 1, `traceresponse ${header} has the sampled flag`);
  return { traceId, sampled: true };
}

async function countSampled(base, path, n) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await sampledCall(base, path));
  return results;
}

// Waits until the service logs, after its first `seen` log lines, that it
// applies a strategy matching pattern; resolves with the number of log lines
// then and the milliseconds since `since`. Fails after a generous deadline.
async function strategyApplied(api, pattern, seen, since) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const logs = api.logs();
    const line = logs.slice(seen).find((l) => /jaeger_remote sampler: applying/.test(l.message ?? l.raw ?? ''));
    if (line) {
      const text = line.message ?? line.raw;
      assert.match(text, pattern);
      return { seen: logs.length, ms: Date.now() - since };
    }
    assert.ok(Date.now() < deadline, `no "applying" line matching ${pattern} within 30 s`);
    await sleep(20);
  }
}

// The observed count must lie within 5 sigma of n * p (binomial): a false
// failure about once in 1.7 million runs.
function assertShare(sampled, n, p, what) {
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(sampled - n * p) <= 5 * sigma,
            `${what}: ${sampled} of ${n} sampled, expected ${n * p} ± ${(5 * sigma).toFixed(1)}`);
}

test('the jaeger_remote sampler follows the strategies Jaeger serves', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qtrace-remote-sampling-'));
  const strategiesFile = join(dir, 'strategies.json');
  // Written whole and renamed, so that Jaeger never reads half a file.
  const writeStrategies = (serviceStrategy) => {
    const next = `${strategiesFile}.next`;
    writeFileSync(next, JSON.stringify({
      default_strategy: { type: 'probabilistic', param: 1 },
      service_strategies: [{ service: 'qa-pms-api', ...serviceStrategy }],
    }));
    renameSync(next, strategiesFile);
  };
  writeStrategies({ type: 'probabilistic', param: 0.2 });

  const certs = makeCertificates();
  const jaeger = await startJaeger(jaegerBinary, { cert: certs.serverCert, key: certs.serverKey }, {
    config: [JAEGER_CONFIG, REMOTE_SAMPLING_CONFIG], env: { JAEGER_SAMPLING_STRATEGIES: strategiesFile },
  });
  let api;
  try {
    api = await startService(API, ['--database-url', 'sqlite::memory:'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${jaeger.ports.otlpHttp}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_TRACES_SAMPLER: 'parentbased_jaeger_remote',
      OTEL_TRACES_SAMPLER_ARG: `endpoint=http://127.0.0.1:${jaeger.ports.samplingGrpc},` +
                               `pollingIntervalMs=${POLLING_MS},initialSamplingRate=0`,
    });
    const report = [];
    let seen = 0;
    // Writes a strategy and waits for the service to apply it (see the top).
    const change = async (strategy, pattern, what) => {
      const since = Date.now();
      if (strategy) writeStrategies(strategy);
      const applied = await strategyApplied(api, pattern, seen, since);
      seen = applied.seen;
      report.push(strategy ? `${what}: applied ${applied.ms} ms after the change` : `${what}: applied`);
      if (strategy) {
        assert.ok(applied.ms <= SETTLE_MS + SLACK_MS,
                  `${what} applied ${applied.ms} ms after the file changed: more than Jaeger's reload and two polls`);
      }
    };

    // 1. The strategy in place when the service starts.
    await change(null, /probabilistic 0\.2 from grpc http:\/\/127\.0\.0\.1:/, 'probabilistic 0.2 at start-up');
    const first = await countSampled(api.base, '/health', N);
    const firstSampled = first.filter((r) => r.sampled);
    report.push(`probabilistic 0.2: ${firstSampled.length}/${N}`);
    assertShare(firstSampled.length, N, 0.2, 'probabilistic 0.2');
    // What was sampled reached Jaeger.
    await sleep(1_000);
    for (const { traceId } of firstSampled.slice(0, 10)) {
      let spans = await jaeger.trace(traceId);
      for (let tries = 0; tries < 20 && spans.length === 0; tries++) {
        await sleep(250);
        spans = await jaeger.trace(traceId);
      }
      assert.ok(spans.length > 0, `sampled trace ${traceId} is in Jaeger`);
    }

    // 2. A new probability, and a per-operation rule for one route.
    await change({
      type: 'probabilistic', param: 0.8,
      operation_strategies: [{ operation: 'GET /api/v1/projects', type: 'probabilistic', param: 0 }],
    }, /per operation \(1 listed; default probabilistic 0\.8/, 'probabilistic 0.8, per operation');
    const health = (await countSampled(api.base, '/health', N)).filter((r) => r.sampled).length;
    const projects = (await countSampled(api.base, '/api/v1/projects', 100)).filter((r) => r.sampled).length;
    report.push(`probabilistic 0.8: ${health}/${N}; GET /api/v1/projects at 0: ${projects}/100`);
    assertShare(health, N, 0.8, 'probabilistic 0.8 after the change');
    // Jaeger's file strategies give no per-second floor (lower bound 0).
    assert.equal(projects, 0, 'the listed operation at probability 0 is never sampled');

    // 3. Rate limiting: a burst of 5, then 5 per second.
    await change({ type: 'ratelimiting', param: 5 }, /rate limiting 5\/s/, 'rate limiting 5/s');
    const limit = async (what) => {
      const started = Date.now();
      const sampled = (await countSampled(api.base, '/health', N)).filter((r) => r.sampled).length;
      const seconds = (Date.now() - started) / 1000;
      report.push(`${what}: ${sampled}/${N} in ${seconds.toFixed(2)} s`);
      // At least the burst (a new limiter starts with it); at most the
      // burst plus the rate over the elapsed time (+1 for the slot in progress).
      assert.ok(sampled >= 5, `${what}: ${sampled} sampled, at least the burst of 5`);
      assert.ok(sampled <= 5 + 5 * seconds + 1, `${what}: ${sampled} sampled in ${seconds} s, at most 5 + 5/s`);
    };
    await limit('rate limiting 5/s');

    // 4. Jaeger away: the last good strategy stays.
    await jaeger.stop();
    await sleep(2 * POLLING_MS + 500);
    await limit('rate limiting 5/s with Jaeger stopped');
    const warnings = api.logs().filter((l) => /jaeger_remote sampler: no sampling strategy/.test(l.message ?? l.raw ?? ''));
    assert.equal(warnings.length, 1, `one warning for the outage: ${JSON.stringify(warnings)}`);
    assert.match(warnings[0].message ?? warnings[0].raw, /keeping rate limiting 5\/s/);
    process.stdout.write(`${report.join('\n')}\n`);
    assert.equal((await api.stop()).code, 0);
  } finally {
    if (api) api.kill();
    jaeger.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
