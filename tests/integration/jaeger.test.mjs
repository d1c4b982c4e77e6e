// qa-pms-api against a real backend: Jaeger, built from source
// (tests/backends/jaeger), started with an in-memory store, and read back
// through its query API (HTTP api/v3), never through our own sink.
//
//   1. The cross-service trace: the official JS SDK client → qa-pms-api → the
//      JS SDK tracker, all three exporting to Jaeger, is one trace of three
//      services with the right parent links (assertCrossServiceTrace).
//   2. The same tour with qa-pms-api exporting over each protocol (gRPC,
//      HTTP/protobuf, HTTP/JSON), plain, gzip and TLS: every request once, the
//      tree, service name and version, resource attributes, kinds, the request
//      id, int attributes still ints.
//   3. A failing request: error status and message on the server and client
//      spans, and the client's exception event, as Jaeger stored them.
//   4. The same over Zipkin's v2 JSON (OTEL_TRACES_EXPORTER=zipkin) into
//      Jaeger's Zipkin receiver: the tour and the failing request.
//
//   JAEGER=build/release/tests/backends/jaeger/jaeger OTLP_SINK=... QA_PMS_API=... \
//     node --test tests/integration/jaeger.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { assertCrossServiceTrace, KIND, SYNC_ROUTE_SPAN, tree } from './cross_service_checks.mjs';
import { requireTools, runOtelTour } from './cross_service_helpers.mjs';
import { asSinkSpans, freePort, jaegerTourBackend, requireJaeger, startJaeger } from './jaeger_helpers.mjs';
import { makeCertificates } from './process_helpers.mjs';
import { call, projectWithFailedResult, startService } from './service_helpers.mjs';

const TEST_TIMEOUT_MS = 120_000;
const STATUS_ERROR = 2;
const tools = requireTools();
const jaegerBinary = requireJaeger();

let certs;
let jaeger;

before(async () => {
  certs = makeCertificates();
  jaeger = await startJaeger(jaegerBinary, { cert: certs.serverCert, key: certs.serverKey });
});

after(async () => {
  if (!jaeger) return;
  const stopped = await jaeger.stop();
  if (stopped.killed) process.stderr.write(`jaeger did not stop on SIGTERM in time and was killed\n${jaeger.describe()}\n`);
});

test('the cross-service trace is one trace of three services in Jaeger', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { tour, spans, trackerPort } = await runOtelTour(tools, { backend: jaegerTourBackend(jaeger) });
  assert.equal(tour.sync_status, 200, 'sync status');
  assertCrossServiceTrace(spans, tour, trackerPort);
  const services = await jaeger.services();
  for (const name of ['js-client', 'qa-pms-api', 'issue-tracker']) {
    assert.ok(services.includes(name), `Jaeger lists the service ${name}: ${services}`);
  }
});

// How qa-pms-api reaches Jaeger for each protocol and transport.
function exportEnv(protocol, transport) {
  const grpc = protocol === 'grpc';
  const tls = transport === 'tls';
  const port = grpc ? (tls ? jaeger.ports.otlpGrpcTls : jaeger.ports.otlpGrpc)
                    : (tls ? jaeger.ports.otlpHttpTls : jaeger.ports.otlpHttp);
  const base = `${tls ? 'https' : 'http'}://${tls ? 'localhost' : '127.0.0.1'}:${port}`;
  return {
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    // The signal's own endpoint wins over the general one the tour sets for
    // every peer; for HTTP it is the full URL.
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: grpc ? base : `${base}/v1/traces`,
    OTEL_EXPORTER_OTLP_COMPRESSION: transport === 'gzip' ? 'gzip' : 'none',
    ...(tls ? { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.ca } : {}),
    OTEL_RESOURCE_ATTRIBUTES: `test.export=${protocol}+${transport},deployment.region=loopback`,
  };
}

for (const protocol of ['grpc', 'http/protobuf', 'http/json']) {
  for (const transport of ['plain', 'gzip', 'tls']) {
    test(`${protocol} ${transport}: the tour reads back whole from Jaeger's query API`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const { tour, spans, trackerPort } = await runOtelTour(tools, {
        backend: jaegerTourBackend(jaeger),
        apiEnv: exportEnv(protocol, transport),
      });
      const shown = `spans of trace ${tour.trace_id}:\n${tree(spans)}`;
      assertCrossServiceTrace(spans, tour, trackerPort);

      const ours = spans.filter((s) => s.service === 'qa-pms-api');
      // Every request the client made is one server span, no more.
      const servers = ours.filter((s) => s.kind === KIND.SERVER);
      assert.equal(servers.length, tour.requests.length, `one SERVER span per request\n${shown}`);
      assert.equal(new Set(ours.map((s) => s.span_id)).size, ours.length, 'no span stored twice');
      for (const s of ours) {
        assert.equal(s.resource['service.version'], '0.1.0', 'service.version');
        assert.equal(s.resource['test.export'], `${protocol}+${transport}`, 'our resource attribute');
        assert.equal(s.resource['deployment.region'], 'loopback', 'our resource attribute');
        assert.equal(s.resource['telemetry.sdk.name'], 'qtrace', 'telemetry.sdk.name');
        assert.equal(typeof s.resource['process.pid'], 'number', 'process.pid is an int');
      }
      for (const s of servers) {
        assert.match(String(s.attributes['http.request_id']), /^[0-9a-f-]{36}$/, `request id on ${s.name}`);
        assert.equal(typeof s.attributes['http.response.status_code'], 'number', 'status code is an int');
        assert.equal(typeof s.attributes['server.port'], 'number', 'server.port is an int');
        assert.equal(s.status.code, 0, `${s.name} has no error status`);
      }
      const sync = servers.find((s) => s.name === SYNC_ROUTE_SPAN);
      const dbRows = ours.filter((s) => s.parent_span_id === sync.span_id && 'db.response.returned_rows' in s.attributes);
      assert.ok(dbRows.length > 0, `database spans under the sync span carry returned rows\n${shown}`);
      for (const s of dbRows) assert.equal(typeof s.attributes['db.response.returned_rows'], 'number', 'rows is an int');
    });
  }
}

// A failing request (the tracker unreachable) exported one way; resolves with
// its trace as Jaeger stored it.
async function failingSyncTrace(exportEnv) {
  const deadTracker = `http://127.0.0.1:${await freePort()}`;  // nothing listens there
  const api = await startService(tools.apiBinary, ['--database-url', 'sqlite::memory:', '--tracker-url', deadTracker], {
    ...exportEnv, OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  let traceId;
  try {
    const projectId = await projectWithFailedResult(api.base, 'unreachable tracker');
    const sync = await call(api.base, 'POST', `/api/v1/projects/${projectId}/sync`);
    assert.equal(sync.status, 502, sync.text);
    traceId = sync.headers.get('traceresponse').split('-')[1];
    assert.equal((await api.stop()).code, 0);
  } finally {
    api.kill();
  }
  let spans = [];
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    spans = asSinkSpans(await jaeger.trace(traceId));
    if (spans.some((s) => s.kind === KIND.CLIENT && 'url.full' in s.attributes)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { traceId, spans };
}

// The client span's exception event as the backend kept it, { type, message }:
// an OTLP event with attributes, or a Zipkin annotation whose value is the
// event's name and attributes as JSON (exporter/zipkin_encoder.cc).
function otlpException(span) {
  const e = span.events.find((event) => event.name === 'exception');
  return e && { type: e.attributes['exception.type'], message: e.attributes['exception.message'] };
}
function zipkinException(span) {
  const prefix = '"exception": ';
  const e = span.events.find((event) => event.name.startsWith(prefix));
  if (!e) return undefined;
  const attributes = JSON.parse(e.name.slice(prefix.length));
  return { type: attributes['exception.type'], message: attributes['exception.message'] };
}

// statusCode(502) is the status code attribute as it reads back; messageOf(span)
// the status message as the backend kept it; exceptionOf(span) its exception event.
function assertFailingSync({ traceId, spans }, statusCode, messageOf, exceptionOf) {
  const shown = `spans of trace ${traceId}:\n${tree(spans)}`;
  const server = spans.find((s) => s.kind === KIND.SERVER);
  assert.ok(server, `the server span\n${shown}`);
  assert.equal(server.status.code, STATUS_ERROR, 'a 502 is an error on the server span');
  assert.equal(server.attributes['http.response.status_code'], statusCode(502));
  assert.equal(server.attributes['error.type'], '502');
  const client = spans.find((s) => s.kind === KIND.CLIENT && 'url.full' in s.attributes);
  assert.ok(client, `the client span\n${shown}`);
  assert.equal(client.parent_span_id, server.span_id);
  assert.equal(client.status.code, STATUS_ERROR, 'the failed call is an error on the client span');
  assert.ok(messageOf(client).length > 0, `with a message saying why: ${JSON.stringify(client)}`);
  assert.ok(client.attributes['error.type'], 'and an error.type');
  assert.deepEqual(exceptionOf(client), { type: 'libcurl error 7', message: "Couldn't connect to server" },
                   `and the exception event of the failed call: ${JSON.stringify(client.events)}`);
}

test('a failing request: error status and message on the server and client spans', { timeout: TEST_TIMEOUT_MS }, async () => {
  const trace = await failingSyncTrace({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${jaeger.ports.otlpGrpc}`,
  });
  assertFailingSync(trace, (code) => code, (span) => span.status.message, otlpException);
});

// Zipkin's v2 JSON (OTEL_TRACES_EXPORTER=zipkin) into Jaeger's Zipkin
// receiver. Zipkin tags are strings, so ints come back as strings; everything
// else reads back as the OTLP tests above read it.
const zipkinEnv = () => ({
  OTEL_TRACES_EXPORTER: 'zipkin',
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: `http://127.0.0.1:${jaeger.ports.zipkin}/api/v2/spans`,
});

test('zipkin: the tour reads back from Jaeger as it went out', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { tour, spans, trackerPort } = await runOtelTour(tools, { backend: jaegerTourBackend(jaeger), apiEnv: zipkinEnv() });
  const shown = `spans of trace ${tour.trace_id}:\n${tree(spans)}`;
  const ours = spans.filter((s) => s.service === 'qa-pms-api');
  const servers = ours.filter((s) => s.kind === KIND.SERVER);
  assert.equal(servers.length, tour.requests.length, `one SERVER span per request\n${shown}`);
  for (const r of tour.requests) {
    const server = servers.find((s) => s.parent_span_id === r.span_id);
    assert.ok(server, `the server span of ${r.method} ${r.path} is the child of the client's span\n${shown}`);
    assert.equal(server.attributes['url.path'], r.path);
    assert.match(String(server.attributes['http.request_id']), /^[0-9a-f-]{36}$/, 'request id');
  }
  const sync = servers.find((s) => s.name === SYNC_ROUTE_SPAN);
  assert.ok(sync, `the sync server span\n${shown}`);
  assert.equal(String(sync.attributes['http.response.status_code']), '200');
  const db = ours.filter((s) => s.parent_span_id === sync.span_id && s.attributes['db.system.name'] === 'sqlite');
  assert.ok(db.length >= 2, `database spans under the sync span\n${shown}`);
  for (const s of db) assert.equal(s.kind, KIND.CLIENT, 'a database span is a CLIENT span');
  const call = ours.find((s) => s.kind === KIND.CLIENT && String(s.attributes['url.full'] ?? '').endsWith('/issues'));
  assert.ok(call, `the client span to the tracker\n${shown}`);
  assert.equal(call.parent_span_id, sync.span_id);
  assert.equal(call.attributes['url.full'], `http://127.0.0.1:${trackerPort}/issues`);
  assert.equal(String(call.attributes['http.response.status_code']), '201');
  const trackerServer = spans.find((s) => s.service === 'issue-tracker' && s.kind === KIND.SERVER);
  assert.ok(trackerServer, `the tracker's span (OTLP) joins ours (Zipkin) in one trace\n${shown}`);
  assert.equal(trackerServer.parent_span_id, call.span_id);
  for (const s of ours) assert.equal(s.status.code, 0, `${s.name}: no error status`);
});

// The Zipkin mapping carries the status message in the "error" tag; Jaeger's
// receiver turns that tag into the error status and keeps the tag itself.
test('zipkin: a failing request keeps its error status and message', { timeout: TEST_TIMEOUT_MS }, async () => {
  assertFailingSync(await failingSyncTrace(zipkinEnv()), (code) => String(code), (span) => String(span.attributes.error ?? ''),
                    zipkinException);
});
