// One trace across three services: a client on the official OpenTelemetry
// JavaScript SDK (js/js_client.mjs, service "js-client") calls qa-pms-api,
// whose sync endpoint calls an issue tracker on the official JS SDK
// (js/tracker_service.mjs, service "issue-tracker"). All three export to one
// otlp-sink, and propagate W3C trace context (every side's default); its JSON
// lines must show one connected trace (assertCrossServiceTrace of
// cross_service_checks.mjs).
//
//   cd tests/integration/js && npm ci
//   OTLP_SINK=build/release/tools/otlp-sink QA_PMS_API=build/release/api_server/qa-pms-api \
//     node --test tests/integration/cross_service.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { assertCrossServiceTrace } from './cross_service_checks.mjs';
import { requireTools, runOtelTour } from './cross_service_helpers.mjs';

const TEST_TIMEOUT_MS = 120_000;
const tools = requireTools();

test('one trace crosses js-client → qa-pms-api → issue-tracker', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { tour, spans, trackerPort } = await runOtelTour(tools);
  assert.match(tour.trace_id, /^[0-9a-f]{32}$/, 'trace id');
  assert.equal(tour.sync_status, 200, 'sync status');
  assert.ok(tour.project_id !== undefined && tour.project_id !== null, 'project id');
  assertCrossServiceTrace(spans.filter((s) => s.trace_id === tour.trace_id), tour, trackerPort);
});
