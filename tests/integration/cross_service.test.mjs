// One trace across three services: a client on the official OpenTelemetry
// JavaScript SDK (js/js_client.mjs, service "js-client") calls qa-pms-api,
// whose sync endpoint calls an issue tracker on the official JS SDK
// (js/tracker_service.mjs, service "issue-tracker"). All three export to one
// otlp-sink; its JSON lines must show one connected trace:
//
//   js-client  "qa tour" ─ CLIENT POST (HttpInstrumentation)
//   qa-pms-api   └ SERVER "POST /api/v1/projects/{id}/sync"
//                    ├ CLIENT db spans (db.system.name sqlite)
//                    └ CLIENT "POST" url.full …/issues
//   issue-tracker      └ SERVER (HttpInstrumentation)
//
//   cd tests/integration/js && npm ci
//   OTLP_SINK=build/release/tools/otlp-sink QA_PMS_API=build/release/api_server/qa-pms-api \
//     node --test tests/integration/cross_service.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, startSink } from './process_helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const jsDir = join(here, 'js');
const trackerScript = join(jsDir, 'tracker_service.mjs');
const clientScript = join(jsDir, 'js_client.mjs');
const sinkBinary = process.env.OTLP_SINK;
const apiBinary = process.env.QA_PMS_API;

const TEST_TIMEOUT_MS = 120_000;
const LISTEN_TIMEOUT_MS = 15_000;
const CLIENT_TIMEOUT_MS = 45_000;
const EXIT_TIMEOUT_MS = 15_000;
const SPANS_TIMEOUT_MS = 10_000;

const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };
const SYNC_ROUTE_SPAN = 'POST /api/v1/projects/{id}/sync';

assert.ok(sinkBinary, 'OTLP_SINK must name the otlp-sink binary');
assert.ok(existsSync(sinkBinary), `OTLP_SINK=${sinkBinary} does not exist`);
assert.ok(apiBinary, 'QA_PMS_API must name the qa-pms-api binary');
assert.ok(existsSync(apiBinary), `QA_PMS_API=${apiBinary} does not exist`);
assert.ok(
  existsSync(join(jsDir, 'node_modules', '@opentelemetry', 'sdk-trace-node')),
  `the OpenTelemetry JS SDK is not installed: run 'npm ci' in ${jsDir}`,
);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A child process with its output gathered as it arrives.
function launch(command, args, env) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const run = { child, stdout: '', stderr: '', exited: null, name: command };
  child.stdout.setEncoding('utf8').on('data', (d) => { run.stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { run.stderr += d; });
  run.exited = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal, error: null }));
  });
  return run;
}

function describe(run) {
  return `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

// Waits for `<prefix> listening on 127.0.0.1:<port>` on the process's stdout.
async function waitForListening(run, prefix) {
  const pattern = new RegExp(`${prefix}: listening on 127\\.0\\.0\\.1:(\\d+)`);
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const m = pattern.exec(run.stdout);
    if (m) return Number(m[1]);
    if (run.child.exitCode !== null || run.child.signalCode !== null) break;
    await sleep(20);
  }
  throw new Error(`${prefix} did not report listening\n${describe(run)}`);
}

async function waitForExit(run, what, timeoutMs = EXIT_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
  const result = await Promise.race([run.exited, timeout]);
  clearTimeout(timer);
  if (result === null) throw new Error(`${what} did not exit within ${timeoutMs} ms\n${describe(run)}`);
  return result;
}

// SIGKILL by the child's own pid when it is still running.
function killIfRunning(run) {
  if (run && run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
    try {
      process.kill(run.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function tree(spans) {
  return spans
    .map((s) => `  ${s.service} kind=${s.kind} ${JSON.stringify(s.name)} span=${s.span_id} parent=${s.parent_span_id}`)
    .join('\n');
}

test('one trace crosses js-client → qa-pms-api → issue-tracker', { timeout: TEST_TIMEOUT_MS }, async () => {
  let sink = null;
  let tracker = null;
  let api = null;
  let client = null;
  try {
    sink = await startSink(sinkBinary);
    const otlpEndpoint = `http://127.0.0.1:${sink.httpPort}`;

    tracker = launch(process.execPath, [trackerScript], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint }));
    const trackerPort = await waitForListening(tracker, 'tracker');

    api = launch(
      apiBinary,
      ['--listen', '127.0.0.1:0', '--database-url', 'sqlite::memory:', '--tracker-url', `http://127.0.0.1:${trackerPort}`],
      cleanEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      }),
    );
    const apiPort = await waitForListening(api, 'qa-pms-api');

    client = launch(process.execPath, [clientScript, `http://127.0.0.1:${apiPort}`],
                    cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint }));
    const clientExit = await waitForExit(client, 'js_client.mjs', CLIENT_TIMEOUT_MS);
    assert.equal(clientExit.code, 0,
                 `js_client.mjs failed\n${describe(client)}\nqa-pms-api:\n${describe(api)}\ntracker:\n${describe(tracker)}`);
    const lines = client.stdout.trim().split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `js_client.mjs prints one line\n${describe(client)}`);
    const tour = JSON.parse(lines[0]);
    assert.match(tour.trace_id, /^[0-9a-f]{32}$/, 'trace id');
    assert.equal(tour.sync_status, 200, 'sync status');
    assert.ok(tour.project_id !== undefined && tour.project_id !== null, 'project id');

    // Stop the services: SIGTERM flushes their spans, and they must exit 0.
    api.child.kill('SIGTERM');
    tracker.child.kill('SIGTERM');
    const apiExit = await waitForExit(api, 'qa-pms-api');
    assert.deepEqual([apiExit.code, apiExit.signal], [0, null], `qa-pms-api exit on SIGTERM\n${describe(api)}`);
    const trackerExit = await waitForExit(tracker, 'tracker_service.mjs');
    assert.deepEqual([trackerExit.code, trackerExit.signal], [0, null],
                     `tracker_service.mjs exit on SIGTERM\n${describe(tracker)}`);

    // Everything was flushed before the exits; give the sink a moment to write.
    const wanted = (spans) => ['js-client', 'qa-pms-api', 'issue-tracker'].every((svc) => spans.some((s) => s.service === svc));
    let spans = [];
    const deadline = Date.now() + SPANS_TIMEOUT_MS;
    do {
      spans = sink.spans().filter((s) => s.trace_id === tour.trace_id);
      if (wanted(spans)) break;
      await sleep(100);
    } while (Date.now() < deadline);
    await sleep(300); // anything still in flight
    const sinkRef = sink;
    const stopped = await sink.stop();
    sink = null;
    assert.equal(stopped.code, 0, 'otlp-sink exits 0');
    if (stopped.summary) assert.equal(stopped.summary.errors, 0, 'otlp-sink saw no bad requests');
    spans = sinkRef.spans().filter((s) => s.trace_id === tour.trace_id);
    const all = spans;
    const shown = `spans of trace ${tour.trace_id}:\n${tree(all)}`;

    // 1. Three services, nothing else.
    const services = [...new Set(all.map((s) => s.service))].sort();
    assert.deepEqual(services, ['issue-tracker', 'js-client', 'qa-pms-api'], `services in the trace\n${shown}`);
    const byId = new Map(all.map((s) => [s.span_id, s]));
    assert.equal(byId.size, all.length, `span ids are unique\n${shown}`);

    // The js client's own spans: the root and one CLIENT span per request.
    const root = all.find((s) => s.service === 'js-client' && s.name === 'qa tour');
    assert.ok(root, `the js-client root span "qa tour"\n${shown}`);
    assert.equal(root.parent_span_id, '', 'qa tour is a root');
    const syncRequest = tour.requests.find((r) => r.path.endsWith('/sync'));
    assert.ok(syncRequest, 'the client reported its sync request');

    // 2. Our SERVER span for the sync route has a js-client span as parent.
    const syncServers = all.filter((s) => s.service === 'qa-pms-api' && s.kind === KIND.SERVER && s.name === SYNC_ROUTE_SPAN);
    assert.equal(syncServers.length, 1, `one qa-pms-api SERVER span "${SYNC_ROUTE_SPAN}"\n${shown}`);
    const syncServer = syncServers[0];
    const syncParent = byId.get(syncServer.parent_span_id);
    assert.ok(syncParent, `the sync SERVER span's parent ${syncServer.parent_span_id} is in the trace\n${shown}`);
    assert.equal(syncParent.service, 'js-client', `the sync SERVER span's parent is a js-client span\n${shown}`);
    assert.equal(syncServer.parent_span_id, syncRequest.span_id,
                 `the sync SERVER span's parent is the client's CLIENT span for that request\n${shown}`);
    assert.equal(syncParent.kind, KIND.CLIENT, 'that js-client span is a CLIENT span');
    assert.equal(syncParent.parent_span_id, root.span_id, 'under the qa tour root');
    assert.equal(syncServer.attributes['http.route'], '/api/v1/projects/{id}/sync', 'http.route');
    assert.equal(syncServer.attributes['http.response.status_code'], 200, 'sync server status code');

    // Every other API request was joined to its client span too.
    for (const r of tour.requests) {
      const server = all.find((s) => s.service === 'qa-pms-api' && s.kind === KIND.SERVER && s.parent_span_id === r.span_id);
      assert.ok(server, `a qa-pms-api SERVER span is the child of the client span for ${r.method} ${r.path}\n${shown}`);
      assert.equal(server.attributes['url.path'], r.path, `url.path of the server span for ${r.method} ${r.path}`);
    }

    // 3. Our CLIENT span "POST" to the tracker is a child of the sync SERVER span.
    const outgoing = all.filter((s) => s.service === 'qa-pms-api' && s.kind === KIND.CLIENT &&
                                       String(s.attributes['url.full'] ?? '').endsWith('/issues'));
    assert.equal(outgoing.length, 1, `one qa-pms-api CLIENT span with url.full …/issues\n${shown}`);
    const call = outgoing[0];
    assert.equal(call.name, 'POST', 'the outgoing CLIENT span is named POST');
    assert.equal(call.parent_span_id, syncServer.span_id, `the tracker call is a child of the sync SERVER span\n${shown}`);
    assert.equal(call.attributes['url.full'], `http://127.0.0.1:${trackerPort}/issues`, 'url.full');
    assert.equal(call.attributes['http.response.status_code'], 201, 'tracker call status code');

    // 4. The tracker's SERVER span has our CLIENT span as parent.
    const trackerServers = all.filter((s) => s.service === 'issue-tracker' && s.kind === KIND.SERVER);
    assert.equal(trackerServers.length, 1, `one issue-tracker SERVER span\n${shown}`);
    assert.equal(trackerServers[0].parent_span_id, call.span_id,
                 `the tracker's SERVER span is a child of qa-pms-api's CLIENT span\n${shown}`);
    assert.equal(all.filter((s) => s.service === 'issue-tracker').length, 1, 'the tracker records nothing else');

    // 5. The sync request's database spans are children of the sync SERVER span.
    const dbSpans = all.filter((s) => s.service === 'qa-pms-api' && s.kind === KIND.CLIENT &&
                                      s.attributes['db.system.name'] === 'sqlite');
    assert.ok(dbSpans.length > 0, `qa-pms-api recorded sqlite CLIENT spans\n${shown}`);
    const syncDb = dbSpans.filter((s) => s.parent_span_id === syncServer.span_id);
    assert.ok(syncDb.length >= 2, `the sync request's database spans are children of the sync SERVER span\n${shown}`);
    for (const s of dbSpans) {
      const parent = byId.get(s.parent_span_id);
      assert.ok(parent && parent.service === 'qa-pms-api' && parent.kind === KIND.SERVER,
                `db span ${JSON.stringify(s.name)} ${s.span_id} has a qa-pms-api SERVER span as parent\n${shown}`);
    }
    // The sync handler's database work happens within its SERVER span's time.
    for (const s of syncDb) {
      assert.ok(BigInt(s.start_unix_nano) >= BigInt(syncServer.start_unix_nano) &&
                BigInt(s.end_unix_nano) <= BigInt(syncServer.end_unix_nano),
                `db span ${JSON.stringify(s.name)} lies within the sync SERVER span`);
    }
    assert.ok(BigInt(call.start_unix_nano) >= BigInt(syncServer.start_unix_nano) &&
              BigInt(call.end_unix_nano) <= BigInt(syncServer.end_unix_nano),
              'the tracker call lies within the sync SERVER span');
  } finally {
    killIfRunning(client);
    killIfRunning(api);
    killIfRunning(tracker);
    if (sink) sink.kill();
  }
});
