// What every cross-service test asks of the trace otlp-sink received from a
// tour (cross_service_helpers.mjs): its shape across js-client, qa-pms-api and
// the issue tracker, whichever propagator carried it.
import assert from 'node:assert/strict';

export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };
export const SYNC_ROUTE_SPAN = 'POST /api/v1/projects/{id}/sync';

export function tree(spans) {
  return spans
    .map((s) => `  ${s.service} kind=${s.kind} ${JSON.stringify(s.name)} span=${s.span_id} parent=${s.parent_span_id}`)
    .join('\n');
}

// The checks of one connected trace js-client → qa-pms-api → issue-tracker:
//
//   js-client  "qa tour" ─ CLIENT POST (HttpInstrumentation)
//   qa-pms-api   └ SERVER "POST /api/v1/projects/{id}/sync"
//                    ├ CLIENT db spans (db.system.name sqlite)
//                    └ CLIENT "POST" url.full …/issues
//   issue-tracker      └ SERVER (HttpInstrumentation)
//
// all = the spans of the tour's trace. Returns the spans the propagation
// tests look further at: { root, syncServer, call, trackerServer }.
export function assertCrossServiceTrace(all, tour, trackerPort) {
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
  const call = assertTrackerCall(all, syncServer, trackerPort, shown);

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
  for (const s of syncDb) assertWithin(s, syncServer, `db span ${JSON.stringify(s.name)} lies within the sync SERVER span`);
  return { root, syncServer, call, trackerServer: trackerServers[0] };
}

function assertWithin(inner, outer, message) {
  assert.ok(BigInt(inner.start_unix_nano) >= BigInt(outer.start_unix_nano) &&
            BigInt(inner.end_unix_nano) <= BigInt(outer.end_unix_nano), message);
}

// qa-pms-api's one CLIENT span "POST" to the tracker's /issues: a child of the
// sync SERVER span, within its time, answered 201. Returns it.
export function assertTrackerCall(all, syncServer, trackerPort, shown = tree(all)) {
  const outgoing = all.filter((s) => s.service === 'qa-pms-api' && s.kind === KIND.CLIENT &&
                                     String(s.attributes['url.full'] ?? '').endsWith('/issues'));
  assert.equal(outgoing.length, 1, `one qa-pms-api CLIENT span with url.full …/issues\n${shown}`);
  const call = outgoing[0];
  assert.equal(call.name, 'POST', 'the outgoing CLIENT span is named POST');
  assert.equal(call.parent_span_id, syncServer.span_id, `the tracker call is a child of the sync SERVER span\n${shown}`);
  assert.equal(call.attributes['url.full'], `http://127.0.0.1:${trackerPort}/issues`, 'url.full');
  assert.equal(call.attributes['http.response.status_code'], 201, 'tracker call status code');
  assertWithin(call, syncServer, 'the tracker call lies within the sync SERVER span');
  return call;
}
