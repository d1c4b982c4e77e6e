// qa-pms-api end to end: every endpoint and error status, and for each
// request the spans otlp-sink received form the right tree. Runs against
// SQLite, or PostgreSQL when DATABASE_URL is set (tools/with-postgres.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startSink } from './process_helpers.mjs';
import { startService, startTracker, call } from './service_helpers.mjs';

const SINK = process.env.OTLP_SINK;
const API = process.env.QA_PMS_API;
assert.ok(SINK && API, 'OTLP_SINK and QA_PMS_API must name the binaries');
const DB = process.env.DATABASE_URL || 'sqlite::memory:';
const system = DB.startsWith('postgres') ? 'postgresql' : 'sqlite';

let sink;
let tracker;
let api;
let spans = [];
const requestIds = {};  // name → x-request-id of that request

before(async () => {
  sink = await startSink(SINK);
  tracker = await startTracker();
  api = await startService(API, ['--database-url', DB, '--tracker-url', tracker.url], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.httpPort}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_SERVICE_NAME: 'qa-pms-api',
  });
});

after(async () => {
  api?.kill();
  sink?.kill();
  await tracker?.close();
});

async function req(name, method, path, body, headers) {
  const r = await call(api.base, method, path, body, headers);
  requestIds[name] = r.headers.get('x-request-id');
  return r;
}

function assertError(r, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(typeof r.json?.error?.code, 'string', r.text);
  assert.equal(typeof r.json?.error?.message, 'string', r.text);
}

const uniqueName = `Checkout ${Date.now()}`;
let projectId;
let caseIds = [];
let runId;

test('health checks the database', async () => {
  const r = await req('health', 'GET', '/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.database.system, system);
});

test('projects: create, duplicate, get, list with paging, update', async () => {
  let r = await req('create_project', 'POST', '/api/v1/projects', { name: uniqueName, description: 'payments' });
  assert.equal(r.status, 201, r.text);
  projectId = r.json.id;
  assertError(await req('duplicate', 'POST', '/api/v1/projects', { name: uniqueName }), 409);
  r = await req('get_project', 'GET', `/api/v1/projects/${projectId}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.name, uniqueName);
  for (let i = 0; i < 3; i++) await call(api.base, 'POST', '/api/v1/projects', { name: `${uniqueName} extra ${i}` });
  r = await req('list', 'GET', '/api/v1/projects?limit=2&offset=1');
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 2);
  assert.ok(r.json.total >= 4);
  assert.equal(r.json.limit, 2);
  r = await req('update', 'PUT', `/api/v1/projects/${projectId}`, { description: 'payments and refunds' });
  assert.equal(r.status, 200);
  assert.equal(r.json.description, 'payments and refunds');
  assert.equal(r.json.name, uniqueName);
});

test('errors: bad input never kills the service', async () => {
  assertError(await req('unknown_id', 'GET', '/api/v1/projects/999999'), 404);
  assertError(await req('bad_id', 'GET', '/api/v1/projects/abc'), 400);
  assertError(await call(api.base, 'GET', '/api/v1/projects/-5'), 400);
  assertError(await req('malformed', 'POST', '/api/v1/projects', '{"name": '), 400);
  assertError(await call(api.base, 'POST', '/api/v1/projects', { description: 'no name' }), 400);
  assertError(await call(api.base, 'POST', '/api/v1/projects', { name: 42 }), 400);
  assertError(await call(api.base, 'POST', '/api/v1/projects', '[1,2]'), 400);
  assertError(await call(api.base, 'GET', '/api/v1/projects?limit=0'), 400);
  assertError(await call(api.base, 'POST', '/api/v1/projects', { name: 'x'.repeat(2 * 1024 * 1024) }), 413);
  assertError(await req('not_found_route', 'GET', '/api/v1/nowhere'), 404);
  const r = await call(api.base, 'PATCH', '/api/v1/projects/1');
  assertError(r, 405);
  assert.match(r.headers.get('allow'), /GET/);
  const bad = await call(api.base, 'GET', '/health', undefined, { traceparent: '00-zzzz-bad', 'x-request-id': 'has space' });
  assert.equal(bad.status, 200, 'a bad traceparent starts a new trace');
  assert.match(bad.headers.get('x-request-id'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const health = await call(api.base, 'GET', '/health');
  assert.equal(health.status, 200, 'still alive');
});

test('test cases: create, list, get, update, delete', async () => {
  for (const title of ['pay by card', 'refund', 'pay by voucher']) {
    const r = await req(`case_${title}`, 'POST', `/api/v1/projects/${projectId}/cases`, { title, steps: 'do it', priority: 'high' });
    assert.equal(r.status, 201, r.text);
    caseIds.push(r.json.id);
  }
  assertError(await call(api.base, 'POST', `/api/v1/projects/${projectId}/cases`, { title: 'refund' }), 409);
  assertError(await call(api.base, 'POST', `/api/v1/projects/999999/cases`, { title: 'orphan' }), 404);
  assertError(await call(api.base, 'POST', `/api/v1/projects/${projectId}/cases`, { title: 'x', priority: 'urgent' }), 400);
  let r = await req('list_cases', 'GET', `/api/v1/projects/${projectId}/cases`);
  assert.equal(r.json.total, 3);
  r = await call(api.base, 'PUT', `/api/v1/projects/${projectId}/cases/${caseIds[2]}`, { expected: 'paid' });
  assert.equal(r.json.expected, 'paid');
  assert.equal(r.json.title, 'pay by voucher');
  r = await call(api.base, 'DELETE', `/api/v1/projects/${projectId}/cases/${caseIds[2]}`);
  assert.equal(r.status, 204);
  assertError(await call(api.base, 'GET', `/api/v1/projects/${projectId}/cases/${caseIds[2]}`), 404);
  caseIds = caseIds.slice(0, 2);
});

test('test runs: start, record results, summary counts', async () => {
  let r = await req('start_run', 'POST', `/api/v1/projects/${projectId}/runs`, { name: 'nightly' });
  assert.equal(r.status, 201, r.text);
  runId = r.json.id;
  assert.equal(r.json.summary.total, 2);
  assert.equal(r.json.summary.untested, 2);
  assertError(await call(api.base, 'POST', `/api/v1/projects/${projectId}/runs`, { name: 'bad', case_ids: [999999] }), 400);
  r = await call(api.base, 'PUT', `/api/v1/runs/${runId}/results/${caseIds[0]}`, { status: 'passed' });
  assert.equal(r.status, 200);
  r = await req('record_failed', 'PUT', `/api/v1/runs/${runId}/results/${caseIds[1]}`, { status: 'failed', note: 'card declined' });
  assert.equal(r.json.summary.failed, 1);
  assertError(await call(api.base, 'PUT', `/api/v1/runs/${runId}/results/${caseIds[1]}`, { status: 'maybe' }), 400);
  r = await req('get_run', 'GET', `/api/v1/runs/${runId}`);
  assert.deepEqual(r.json.summary, { total: 2, passed: 1, failed: 1, blocked: 0, skipped: 0, untested: 0 });
});

test('sync reports failed cases to the tracker with the trace context', async () => {
  const r = await req('sync', 'POST', `/api/v1/projects/${projectId}/sync`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.failed_cases, 1);
  assert.equal(r.json.tracker_status, 201);
  const got = tracker.requests.at(-1);
  assert.equal(got.url, '/issues');
  // Our roots carry the W3C Level 2 random flag (0x02), sampled or not.
  assert.match(got.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[23]$/);
  assert.equal(JSON.parse(got.body).failed[0].note, 'card declined');
});

test('request id: accepted, echoed, and on the span; traceresponse when sampled', async () => {
  const r = await req('custom_id', 'GET', '/health', undefined, { 'x-request-id': 'req-abc-123' });
  assert.equal(r.headers.get('x-request-id'), 'req-abc-123');
  assert.match(r.headers.get('traceresponse'), /^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
});

test('/metrics is valid Prometheus text', async () => {
  const r = await call(api.base, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.text, /http_server_requests_total\{method="POST",route="\/api\/v1\/projects",status="201"\}/);
  assert.match(r.text, /otel_sdk_span_started_total/);
  assert.match(r.text, /db_client_queries_total/);
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
  assert.ok(!promtool.error, 'promtool (Debian package prometheus, installed by tools/test.sh) must be on PATH');
  assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
});

test('shutdown flushes every span; the trees are right', async () => {
  const stopped = await api.stop();
  assert.equal(stopped.code, 0);
  await sink.stop();
  spans = sink.spans();
  const serverSpan = (name) => spans.find((s) => s.kind === 2 && s.attributes['http.request_id'] === requestIds[name]);
  const childrenOf = (span) => spans.filter((s) => s.parent_span_id === span.span_id);

  for (const name of ['create_project', 'duplicate', 'not_found_route', 'start_run', 'get_run', 'sync', 'custom_id']) {
    assert.ok(serverSpan(name), `no server span for the ${name} request (request id ${requestIds[name]})`);
  }
  const create = serverSpan('create_project');
  assert.ok(create, 'server span of the create request');
  assert.equal(create.name, 'POST /api/v1/projects');
  assert.equal(create.attributes['http.route'], '/api/v1/projects');
  assert.equal(create.attributes['http.response.status_code'], 201);
  assert.equal(create.attributes['http.request.method'], 'POST');
  assert.equal(create.status.code, 0);
  const insert = childrenOf(create).find((s) => s.name === 'INSERT projects');
  assert.ok(insert, 'INSERT projects under the server span');
  assert.equal(insert.kind, 3);
  assert.equal(insert.attributes['db.system.name'], system);
  assert.equal(insert.attributes['db.operation.name'], 'INSERT');
  assert.equal(insert.attributes['db.collection.name'], 'projects');
  assert.ok(!insert.attributes['db.query.text'].includes(uniqueName), 'no literal values in db.query.text');
  if (system === 'postgresql') assert.equal(typeof insert.attributes['server.port'], 'number');

  const dup = serverSpan('duplicate');
  assert.equal(dup.attributes['http.response.status_code'], 409);
  assert.equal(dup.status.code, 0, '4xx is not a server error');
  const failedInsert = childrenOf(dup).find((s) => s.name === 'INSERT projects');
  assert.equal(failedInsert.status.code, 2);
  // The backend's own code, in both attributes: SQLSTATE 23505, or SQLite's
  // SQLITE_CONSTRAINT_UNIQUE (2067).
  const uniqueCode = system === 'postgresql' ? '23505' : '2067';
  assert.equal(failedInsert.attributes['db.response.status_code'], uniqueCode);
  assert.equal(failedInsert.attributes['error.type'], uniqueCode);

  const notFound = serverSpan('not_found_route');
  assert.equal(notFound.name, 'GET', 'no route: the span is named after the method');

  const run = serverSpan('start_run');
  const runChildren = childrenOf(run);
  assert.ok(runChildren.some((s) => s.name === 'INSERT test_runs'));
  assert.equal(runChildren.filter((s) => s.name === 'INSERT test_results').length, 2, 'transaction queries share the parent');

  const summary = serverSpan('get_run');
  assert.ok(childrenOf(summary).some((s) => s.attributes['db.query.text']?.includes('GROUP BY')));

  const sync = serverSpan('sync');
  const client = childrenOf(sync).find((s) => s.kind === 3 && s.name === 'POST');
  assert.ok(client, 'client span for the tracker call');
  assert.match(client.attributes['url.full'], /\/issues$/);
  assert.equal(client.attributes['http.response.status_code'], 201);
  const injected = tracker.requests.at(-1).headers.traceparent.split('-');
  assert.equal(injected[1], sync.trace_id);
  assert.equal(injected[2], client.span_id, 'the tracker saw our client span as its parent');

  const custom = serverSpan('custom_id');
  assert.ok(custom, 'the accepted request id is on the span');
  assert.ok(api.logs().some((l) => l.request_id === requestIds.create_project && l.trace_id === create.trace_id),
            'a log line carries the request id and the trace id');
  assert.ok(!JSON.stringify(api.logs()).includes('Authorization'));
});
