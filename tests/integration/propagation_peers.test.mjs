// qa-pms-api's propagators against the official OpenTelemetry JavaScript ones:
// the tour of cross_service.test.mjs with every side speaking one propagator,
// OTEL_PROPAGATORS=<name> for qa-pms-api and PEER_PROPAGATOR=<name> for
// js/js_client.mjs and js/tracker_service.mjs. The sink must see the same
// one connected trace (assertCrossServiceTrace), and the headers qa-pms-api
// wrote on its call to the tracker, read by the official propagator, must
// carry that trace and its CLIENT span, and nothing of another propagator.
//
// PROPAGATION names the propagator (ctest runs one test per name); unset, each
// of b3, b3multi, jaeger, xray, ottrace in turn.
//
//   cd tests/integration/js && npm ci
//   PROPAGATION=b3 OTLP_SINK=build/release/tools/otlp-sink QA_PMS_API=build/release/api_server/qa-pms-api \
//     node --test tests/integration/propagation_peers.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { assertCrossServiceTrace, KIND, tree } from './cross_service_checks.mjs';
import { requireTools, runOtelTour, trackerRequests } from './cross_service_helpers.mjs';

const TEST_TIMEOUT_MS = 120_000;
const EPOCH_SLACK_S = 5;
const tools = requireTools();
// After requireTools: it says so when the packages are not installed.
const { PROPAGATOR_NAMES, propagatorFields, readTraceContext } = await import('./js/peer_propagation.mjs');

const DEFAULT_SELECTION = ['b3', 'b3multi', 'jaeger', 'xray', 'ottrace'];
const selection = process.env.PROPAGATION ? [process.env.PROPAGATION] : DEFAULT_SELECTION;
for (const name of selection) {
  assert.ok(PROPAGATOR_NAMES.includes(name), `PROPAGATION=${name} is not one of ${PROPAGATOR_NAMES.join(', ')}`);
}

// What a propagator needs beyond its name. xray: both roots make X-Ray trace
// ids (the js client's in the tour, qa-pms-api's for a request without
// context). ottrace: its headers carry only the lower 64 bits of a trace id,
// so the client makes 64-bit ids, as the tracers speaking it do; a 128-bit id
// would come back from qa-pms-api as another trace.
const SETUP = {
  xray: { apiEnv: { QTRACE_ID_GENERATOR: 'xray' }, clientEnv: { PEER_ID_GENERATOR: 'xray' } },
  ottrace: { clientEnv: { PEER_ID_GENERATOR: '64bit' } },
};

// A request with no trace headers at all, so that qa-pms-api starts the trace.
const UNTRACED_PATH = '/api/v1/projects';
async function sendUntraced({ apiBase }) {
  const before = Date.now();
  const res = await fetch(`${apiBase}${UNTRACED_PATH}`);
  await res.arrayBuffer();
  return { before, after: Date.now(), status: res.status };
}

// An X-Ray trace id starts with its epoch seconds (8 hex), here between
// fromMs and toMs give or take EPOCH_SLACK_S.
function assertEpochTraceId(traceId, fromMs, toMs, what) {
  const seconds = parseInt(traceId.slice(0, 8), 16);
  const low = Math.floor(fromMs / 1000) - EPOCH_SLACK_S;
  const high = Math.ceil(toMs / 1000) + EPOCH_SLACK_S;
  assert.ok(seconds >= low && seconds <= high,
            `${what}: trace id ${traceId} starts with epoch ${seconds}, expected ${low}..${high}`);
}

// The header names of every other propagator (b3 and b3multi differ: `b3` or X-B3-*).
function foreignFields(name) {
  const own = new Set(propagatorFields(name));
  return [...new Set(PROPAGATOR_NAMES.filter((n) => n !== name).flatMap(propagatorFields))].filter((f) => !own.has(f));
}

for (const name of selection) {
  const setup = SETUP[name] ?? {};
  test(`${name}: one trace crosses js-client → qa-pms-api → issue-tracker`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const started = Date.now();
    const { tour, spans, trackerPort, trackerStdout, during } = await runOtelTour(tools, {
      trackerEnv: { PEER_PROPAGATOR: name },
      apiEnv: { OTEL_PROPAGATORS: name, ...setup.apiEnv },
      clientEnv: { PEER_PROPAGATOR: name, ...setup.clientEnv },
      whileRunning: name === 'xray' ? sendUntraced : undefined,
    });
    const finished = Date.now();
    assert.equal(tour.propagator, name, 'the js client used the propagator asked for');
    const traceSpans = spans.filter((s) => s.trace_id === tour.trace_id);
    const { call } = assertCrossServiceTrace(traceSpans, tour, trackerPort);

    // The headers of qa-pms-api's call to the tracker, as the tracker got them.
    const received = trackerRequests(trackerStdout);
    assert.equal(received.length, 1, `the tracker got one request\n${trackerStdout}`);
    const { headers } = received[0];
    assert.deepEqual(readTraceContext(name, headers), { traceId: tour.trace_id, spanId: call.span_id, sampled: true },
                     `the ${name} headers qa-pms-api sent (${JSON.stringify(headers)}) carry the trace and its CLIENT span`);
    assert.deepEqual(foreignFields(name).filter((f) => f in headers), [],
                     `qa-pms-api sent no header of another propagator: ${JSON.stringify(headers)}`);

    if (name === 'xray') {
      assertEpochTraceId(tour.trace_id, started, finished, 'the js client root (X-Ray id generator)');
      assert.equal(during.status, 200, `GET ${UNTRACED_PATH} without trace headers`);
      const roots = spans.filter((s) => s.service === 'qa-pms-api' && s.kind === KIND.SERVER && s.parent_span_id === '' &&
                                        s.attributes['url.path'] === UNTRACED_PATH &&
                                        s.attributes['http.request.method'] === 'GET');
      assert.equal(roots.length, 1, `one qa-pms-api root SERVER span for GET ${UNTRACED_PATH}\n${tree(spans)}`);
      assertEpochTraceId(roots[0].trace_id, during.before, during.after, 'the trace qa-pms-api started (QTRACE_ID_GENERATOR=xray)');
    }
  });
}
