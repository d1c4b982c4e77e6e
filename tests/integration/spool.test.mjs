// qa-pms-api with the on-disk spool (QTRACE_SPOOL_DIR) against a collector
// that is not there: the spans wait on disk and reach otlp-sink once it
// listens, also after kill -9 and after a shutdown that could not export.
// At least once: duplicates are possible and counted, losses are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSink } from './process_helpers.mjs';
import { call, startService } from './service_helpers.mjs';
import { freePort } from './jaeger_helpers.mjs';

const SINK = process.env.OTLP_SINK;
const API = process.env.QA_PMS_API;
assert.ok(SINK && API, 'OTLP_SINK and QA_PMS_API must name the binaries');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls until check() returns a truthy value; 60 s bounds a loaded machine.
async function eventually(check, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function metric(text, name, labels = '') {
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[{}()[\].*+?^$|\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function metrics(api) {
  const text = (await call(api.base, 'GET', '/metrics')).text;
  return {
    started: metric(text, 'otel_sdk_span_started_total', 'otel_span_sampling_result="RECORD_AND_SAMPLE"'),
    spooled: metric(text, 'qtrace_spool_spans_spooled_total'),
    replayed: metric(text, 'qtrace_spool_spans_replayed_total'),
    dropped: metric(text, 'otel_sdk_processor_span_processed_total', 'error_type="queue_full"'),
    bytes: metric(text, 'qtrace_spool_bytes'),
  };
}

// The service against a collector port nothing listens on, spooling into dir.
async function startDetached(port, dir, env = {}) {
  return startService(API, ['--database-url', 'sqlite::memory:'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    QTRACE_SPOOL_DIR: dir,
    ...env,
  });
}

async function makeRequests(api, n) {
  for (let i = 0; i < n; i += 25) {
    await Promise.all(Array.from({ length: 25 }, (_, k) => call(api.base, 'POST', '/api/v1/projects', { name: `p${i + k}` })));
  }
}

// 100 requests, then SIGTERM: the service must exit 0 within 10 s whatever
// the collector does. Resolves with the spans it had started.
async function requestsThenStop(api) {
  await makeRequests(api, 100);
  const { started } = await metrics(api);
  const stopped = await api.stop('SIGTERM');
  assert.equal(stopped.code, 0);
  assert.ok(stopped.ms < 10000, `exited in ${stopped.ms} ms`);
  return started;
}

// A healthy sink on port and a second process on the same spool directory:
// resolves with both once every one of `started` spans arrived.
async function replayedByTheNextStart(port, dir, started) {
  const sink = await startSink(SINK, ['--http', `127.0.0.1:${port}`]);
  const second = await startDetached(port, dir);
  await eventually(() => received(sink).unique.size >= started, `the first process's ${started} spans at the sink`);
  return { sink, second };
}

// Ends what a test started (by their own pids) and removes its spool.
function cleanUp(dir, ...processes) {
  for (const p of processes) p?.kill();
  rmSync(dir, { recursive: true, force: true });
}

// What the sink got: span ids once each, and how many arrived twice.
function received(sink) {
  const ids = sink.spans().map((s) => s.span_id);
  const unique = new Set(ids);
  return { unique, duplicates: ids.length - unique.size };
}

test('collector down, then up: every span arrives from the spool, duplicates counted', { timeout: 180000 }, async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const api = await startDetached(port, dir);
  let sink;
  try {
    await makeRequests(api, 300);
    const before = await eventually(async () => {
      const m = await metrics(api);
      // Every span started but the one serving this /metrics call is on disk.
      return m.spooled > 0 && m.spooled >= m.started - 1 ? m : null;
    }, 'the spans to reach the spool');
    assert.equal(before.dropped, 0, 'nothing dropped for a full queue during the outage');
    assert.ok(before.bytes > 0, 'the spool has a size');

    sink = await startSink(SINK, ['--http', `127.0.0.1:${port}`]);
    // Until the spool is empty: the spans of the /metrics calls above were
    // spooled too, after `before` was read.
    const after = await eventually(async () => {
      const m = await metrics(api);
      return m.replayed >= m.spooled ? m : null;
    }, 'the spool to be replayed');
    assert.equal((await api.stop()).code, 0);
    await sink.stop();
    const { unique, duplicates } = received(sink);
    // Every span made before the last /metrics read, each at least once.
    assert.ok(unique.size >= after.started - 1, `${unique.size} distinct spans at the sink of ${after.started} started`);
    console.log(`spooled ${before.spooled}, replayed ${after.replayed}, at the sink ${unique.size} distinct, ${duplicates} duplicates`);
  } finally {
    cleanUp(dir, api, sink);
  }
});

test('kill -9 during an outage: the next process replays what was spooled', { timeout: 180000 }, async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const first = await startDetached(port, dir);
  let second;
  let sink;
  try {
    await makeRequests(first, 200);
    const spooled = await eventually(async () => {
      const m = await metrics(first);
      return m.spooled > 0 && m.spooled >= m.started - 1 ? m.spooled : null;
    }, 'the spans to reach the spool');
    // SIGKILL: no shutdown, nothing flushed but what is on disk; waited for,
    // so that the spool's lock is free for the next process.
    await first.stop('SIGKILL');
    assert.ok(readdirSync(dir).some((f) => f.endsWith('.qtspool')), 'segments left on disk');

    sink = await startSink(SINK, ['--http', `127.0.0.1:${port}`]);
    second = await startDetached(port, dir);
    await eventually(() => received(sink).unique.size >= spooled, `the ${spooled} spooled spans at the sink`);
    const { unique, duplicates } = received(sink);
    assert.ok(unique.size >= spooled);
    console.log(`spooled before kill -9: ${spooled}; at the sink after restart ${unique.size} distinct, ${duplicates} duplicates`);
  } finally {
    cleanUp(dir, first, second, sink);
  }
});

test('shutdown with a dead collector: exits in time, spools the queue, the next start sends it', { timeout: 180000 }, async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  // A long schedule delay: the spans are still queued when SIGTERM comes.
  const first = await startDetached(port, dir, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BSP_MAX_QUEUE_SIZE: '65536' });
  let next = {};
  try {
    const started = await requestsThenStop(first);
    const final = first.logs().find((l) => /spans wait on disk for the next start/.test(l.msg ?? l.message ?? l.raw ?? ''));
    assert.ok(final, `a final line says how many were spooled:\n${JSON.stringify(first.logs().slice(-5))}`);
    // Every span of the first process, /metrics calls included but the one
    // that read the count.
    next = await replayedByTheNextStart(port, dir, started);
  } finally {
    cleanUp(dir, first, next.second, next.sink);
  }
});

// A collector that takes the request and never answers in time: the
// shutdown timeout interrupts the send, and what was in flight and what was
// still queued go to the spool rather than being dropped.
test('shutdown timeout against a stalled collector: the queue is spooled, not dropped', { timeout: 180000 }, async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const stalled = await startSink(SINK, ['--http', `127.0.0.1:${port}`, '--delay-ms', '60000']);
  const first = await startService(API, ['--database-url', 'sqlite::memory:', '--shutdown-timeout-ms', '1000'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_TIMEOUT: '30000',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    QTRACE_SPOOL_DIR: dir,
  });
  let next = {};
  try {
    const started = await requestsThenStop(first);  // in time despite the stalled collector
    stalled.kill();
    next = await replayedByTheNextStart(port, dir, started);
  } finally {
    cleanUp(dir, first, stalled, next.second, next.sink);
  }
});
