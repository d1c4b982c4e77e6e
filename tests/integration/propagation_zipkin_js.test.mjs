// qa-pms-api's B3 (X-B3-* headers) against the Zipkin project's own tracer,
// zipkin-js: a client traced by its HttpClient instrumentation
// (js/zipkin_client.mjs) walks the tour through qa-pms-api
// (OTEL_PROPAGATORS=tracecontext,b3multi), whose sync route calls a tracker
// traced by its HttpServer instrumentation (js/zipkin_tracker.mjs). zipkin-js
// keeps its spans in memory and prints them; the sink holds qa-pms-api's.
//
// zipkin-js makes 64-bit trace ids by default (16 hex). qa-pms-api reads one
// as the 128-bit id with a zero upper half, and its B3 propagator writes that
// id back: Zipkin takes a 128-bit id whose upper half is zero as the same
// trace as the 64-bit one, so what the tracker reads must be the client's id,
// left-padded or not. The second test has zipkin-js make 128-bit ids.
//
//   cd tests/integration/js && npm ci
//   OTLP_SINK=build/release/tools/otlp-sink QA_PMS_API=build/release/api_server/qa-pms-api \
//     node --test tests/integration/propagation_zipkin_js.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { assertTrackerCall, KIND, SYNC_ROUTE_SPAN, tree } from './cross_service_checks.mjs';
import { jsDir, requireTools, runTour, trackerRequests } from './cross_service_helpers.mjs';

const TEST_TIMEOUT_MS = 120_000;
const tools = requireTools();

// A B3 trace id as 128 bits (32 hex): a 64-bit one gets a zero upper half.
const as128 = (traceId) => traceId.padStart(32, '0');

const isSyncServer = (s) => s.service === 'qa-pms-api' && s.kind === KIND.SERVER && s.name === SYNC_ROUTE_SPAN;
const isTrackerCall = (s) => s.service === 'qa-pms-api' && s.kind === KIND.CLIENT &&
                             String(s.attributes['url.full'] ?? '').endsWith('/issues');

for (const bits of [64, 128]) {
  test(`zipkin-js (${bits}-bit trace ids) → qa-pms-api → zipkin-js: one B3 trace`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const { tour, spans, trackerPort, trackerStdout } = await runTour({
      ...tools,
      tracker: { script: join(jsDir, 'zipkin_tracker.mjs'), env: {} },
      api: { env: { OTEL_PROPAGATORS: 'tracecontext,b3multi' } },
      client: { script: join(jsDir, 'zipkin_client.mjs'), env: { ZIPKIN_TRACE_ID_128BIT: bits === 128 ? '1' : '0' } },
      ready: (all, t) => {
        const ours = all.filter((s) => s.trace_id === as128(t.trace_id));
        return ours.some(isSyncServer) && ours.some(isTrackerCall);
      },
    });
    assert.match(tour.trace_id, new RegExp(`^[0-9a-f]{${bits / 4}}$`), `zipkin-js made a ${bits}-bit trace id`);
    const traceId = as128(tour.trace_id);
    const ours = spans.filter((s) => s.trace_id === traceId);
    const shown = `qa-pms-api spans of trace ${traceId}:\n${tree(ours)}\nall spans:\n${tree(spans)}`;

    // The client's side: the X-B3-* headers its instrumentation sent, and its spans.
    const syncRequest = tour.requests.find((r) => r.path.endsWith('/sync'));
    assert.ok(syncRequest, 'the zipkin client reported its sync request');
    for (const r of tour.requests) {
      assert.equal(r.headers['X-B3-TraceId'], tour.trace_id, `X-B3-TraceId of ${r.method} ${r.path}`);
      assert.equal(r.headers['X-B3-SpanId'], r.span_id, `X-B3-SpanId of ${r.method} ${r.path}`);
      assert.equal(r.parent_span_id, tour.root_span_id, `${r.method} ${r.path} is a child of the qa tour root`);
    }
    const zipkinSyncSpan = tour.spans.find((s) => s.id === syncRequest.span_id);
    assert.equal(zipkinSyncSpan?.kind, 'CLIENT', `zipkin-js recorded a CLIENT span for the sync request: ${JSON.stringify(tour.spans)}`);
    assert.equal(zipkinSyncSpan.traceId, tour.trace_id, 'in the tour trace');

    // qa-pms-api joined every request to the zipkin CLIENT span that sent it.
    for (const r of tour.requests) {
      const server = ours.find((s) => s.service === 'qa-pms-api' && s.kind === KIND.SERVER && s.parent_span_id === r.span_id);
      assert.ok(server, `a qa-pms-api SERVER span in trace ${traceId} is the child of zipkin span ${r.span_id} ` +
                        `(${r.method} ${r.path})\n${shown}`);
      assert.equal(server.attributes['url.path'], r.path, `url.path of the server span for ${r.method} ${r.path}`);
    }
    const syncServers = ours.filter(isSyncServer);
    assert.equal(syncServers.length, 1, `one qa-pms-api SERVER span "${SYNC_ROUTE_SPAN}"\n${shown}`);
    const syncServer = syncServers[0];
    assert.equal(syncServer.parent_span_id, syncRequest.span_id, 'the sync SERVER span is a child of the zipkin CLIENT span');
    const call = assertTrackerCall(ours, syncServer, trackerPort, shown);

    // What qa-pms-api sent the zipkin tracker, and what zipkin-js made of it.
    const received = trackerRequests(trackerStdout);
    assert.equal(received.length, 1, `the tracker got one request\n${trackerStdout}`);
    const { headers, zipkin, spans: trackerSpans } = received[0];
    const sent = JSON.stringify(headers);
    assert.equal(as128(headers['x-b3-traceid'] ?? ''), traceId, `X-B3-TraceId is the client's trace: ${sent}`);
    assert.equal(headers['x-b3-spanid'], call.span_id, `X-B3-SpanId is qa-pms-api's CLIENT span: ${sent}`);
    assert.equal(headers['x-b3-sampled'], '1', `X-B3-Sampled: ${sent}`);
    // OpenTelemetry's B3 does not send X-B3-ParentSpanId (one span per side of a call).
    assert.equal(headers['x-b3-parentspanid'], undefined, `no X-B3-ParentSpanId: ${sent}`);
    assert.equal(headers.traceparent, `00-${traceId}-${call.span_id}-01`, `tracecontext is injected too: ${sent}`);

    // zipkin-js joins the caller's span (its default): the SERVER span shares
    // the span id of qa-pms-api's CLIENT span.
    assert.equal(as128(zipkin.trace_id), traceId, `zipkin-js read the client's trace: ${JSON.stringify(zipkin)}`);
    assert.equal(zipkin.span_id, call.span_id, `zipkin-js read qa-pms-api's CLIENT span: ${JSON.stringify(zipkin)}`);
    assert.equal(zipkin.sampled, true, 'zipkin-js read it as sampled');
    assert.equal(zipkin.shared, true, 'zipkin-js joined it');
    assert.deepEqual(trackerSpans.map((s) => [s.kind, s.id, s.shared, as128(s.traceId)]),
                     [['SERVER', call.span_id, true, traceId]], `the zipkin tracker's span: ${JSON.stringify(trackerSpans)}`);
  });
}
