// One QA tour across three processes for the cross-service tests
// (cross_service, propagation_peers, propagation_zipkin_js): otlp-sink, a
// stand-in issue tracker, qa-pms-api between them and a client script that
// walks the tour; resolves with what each reported and the spans the sink
// received (cross_service_checks.mjs looks at them).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, describe, killIfRunning, launch, startSink, waitForExit, waitForListening } from './process_helpers.mjs';

export const jsDir = join(dirname(fileURLToPath(import.meta.url)), 'js');

const CLIENT_TIMEOUT_MS = 45_000;
const SPANS_TIMEOUT_MS = 10_000;

// OTLP_SINK and QA_PMS_API name the binaries, and npm ci has run in js/.
export function requireTools() {
  const sinkBinary = process.env.OTLP_SINK;
  const apiBinary = process.env.QA_PMS_API;
  assert.ok(sinkBinary, 'OTLP_SINK must name the otlp-sink binary');
  assert.ok(existsSync(sinkBinary), `OTLP_SINK=${sinkBinary} does not exist`);
  assert.ok(apiBinary, 'QA_PMS_API must name the qa-pms-api binary');
  assert.ok(existsSync(apiBinary), `QA_PMS_API=${apiBinary} does not exist`);
  assert.ok(
    existsSync(join(jsDir, 'node_modules', '@opentelemetry', 'sdk-trace-node')),
    `the JavaScript peers are not installed: run 'npm ci' in ${jsDir}`,
  );
  return { sinkBinary, apiBinary };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// env less the propagation and id choices (PEER_*, ZIPKIN_*, QTRACE_ID_GENERATOR)
// that a test did not make in extra: one left in the shell must not change a run.
function withoutChoices(env, extra) {
  const inherited = (k) => /^(PEER_|ZIPKIN_)/.test(k) || k === 'QTRACE_ID_GENERATOR';
  return Object.fromEntries(Object.entries(env).filter(([k]) => k in extra || !inherited(k)));
}

// The `tracker: request {json}` lines of js/issue_tracker.mjs, parsed.
export function trackerRequests(stdout) {
  return [...stdout.matchAll(/^tracker: request (.*)$/gm)].map((m) => JSON.parse(m[1]));
}

// Runs the tour:
//   tracker: { script, env }   a node script printing `tracker: listening on …`
//   api:     { env }           qa-pms-api's extra environment (SQLite in memory,
//                              the tracker as its --tracker-url)
//   client:  { script, env }   a node script given qa-pms-api's base URL that
//                              prints one JSON line and exits 0
//   whileRunning({ apiBase })  optional, after the client, before the stops
//   ready(spans, tour)         true once the backend holds what the test needs
//   backend                    optional { otlpEndpoint, async spans(tour) }: a
//                              running backend (Jaeger) to export to and read
//                              from; without it a new otlp-sink is started
// Every peer exports to the backend and gets OTEL_EXPORTER_OTLP_ENDPOINT. The
// services are stopped with SIGTERM (which flushes) and must exit 0, then the
// sink if one was started (no bad requests). Resolves with { tour, spans (what
// the backend holds: all the sink got, or the tour's trace), trackerPort,
// trackerStdout, during (whileRunning's result) }.
export async function runTour({ sinkBinary, apiBinary, backend, tracker, api: apiSetup = {}, client: clientSetup,
                                whileRunning, ready }) {
  let sink = null;
  let trackerRun = null;
  let api = null;
  let client = null;
  try {
    if (!backend) {
      sink = await startSink(sinkBinary);
      const started = sink;
      backend = { otlpEndpoint: `http://127.0.0.1:${sink.httpPort}`, spans: async () => started.spans() };
    }
    const otlpEndpoint = backend.otlpEndpoint;
    const peerEnv = (extra) => withoutChoices(cleanEnv({ ...extra, OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint }), extra);

    trackerRun = launch(process.execPath, [tracker.script], { env: peerEnv(tracker.env) });
    const trackerPort = await waitForListening(trackerRun, 'tracker');

    api = launch(
      apiBinary,
      ['--listen', '127.0.0.1:0', '--database-url', 'sqlite::memory:', '--tracker-url', `http://127.0.0.1:${trackerPort}`],
      { env: peerEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_BSP_SCHEDULE_DELAY: '100', ...apiSetup.env }) },
    );
    const apiBase = `http://127.0.0.1:${await waitForListening(api, 'qa-pms-api')}`;

    const clientName = clientSetup.script.split('/').pop();
    client = launch(process.execPath, [clientSetup.script, apiBase], { env: peerEnv(clientSetup.env) });
    const clientExit = await waitForExit(client, clientName, CLIENT_TIMEOUT_MS);
    assert.equal(clientExit.code, 0,
                 `${clientName} failed\n${describe(client)}\nqa-pms-api:\n${describe(api)}\ntracker:\n${describe(trackerRun)}`);
    const lines = client.stdout.trim().split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `${clientName} prints one line\n${describe(client)}`);
    const tour = JSON.parse(lines[0]);
    const during = whileRunning ? await whileRunning({ apiBase }) : undefined;

    // Stop the services: SIGTERM flushes their spans, and they must exit 0.
    api.child.kill('SIGTERM');
    trackerRun.child.kill('SIGTERM');
    const apiExit = await waitForExit(api, 'qa-pms-api');
    assert.deepEqual([apiExit.code, apiExit.signal], [0, null], `qa-pms-api exit on SIGTERM\n${describe(api)}`);
    const trackerExit = await waitForExit(trackerRun, tracker.script);
    assert.deepEqual([trackerExit.code, trackerExit.signal], [0, null],
                     `${tracker.script} exit on SIGTERM\n${describe(trackerRun)}`);

    // Everything was flushed before the exits; give the backend a moment to store it.
    const deadline = Date.now() + SPANS_TIMEOUT_MS;
    while (!ready(await backend.spans(tour), tour) && Date.now() < deadline) await sleep(100);
    await sleep(300); // anything still in flight
    if (sink) {
      const stopped = await sink.stop();
      sink = null;
      assert.equal(stopped.code, 0, 'otlp-sink exits 0');
      if (stopped.summary) assert.equal(stopped.summary.errors, 0, 'otlp-sink saw no bad requests');
    }
    return { tour, spans: await backend.spans(tour), trackerPort, trackerStdout: trackerRun.stdout, during };
  } finally {
    killIfRunning(client);
    killIfRunning(api);
    killIfRunning(trackerRun);
    if (sink) sink.kill();
  }
}

// The tour through the OpenTelemetry JS peers: js/tracker_service.mjs and
// js/js_client.mjs, each with its extra environment, ready once the client's
// trace holds a span of each of the three services.
export function runOtelTour(tools, { trackerEnv = {}, apiEnv = {}, clientEnv = {}, whileRunning, backend } = {}) {
  return runTour({
    ...tools,
    backend,
    tracker: { script: join(jsDir, 'tracker_service.mjs'), env: trackerEnv },
    api: { env: apiEnv },
    client: { script: join(jsDir, 'js_client.mjs'), env: clientEnv },
    whileRunning,
    ready: (spans, tour) => ['js-client', 'qa-pms-api', 'issue-tracker']
      .every((svc) => spans.some((s) => s.trace_id === tour.trace_id && s.service === svc)),
  });
}
