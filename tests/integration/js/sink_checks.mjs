// What tests/integration/otlp_sink_js.test.mjs reads from otlp-sink and what it
// expects of the trace emit_trace.mjs sent. Pure functions over text, so the
// parsing can be checked without a running sink.
import assert from 'node:assert/strict';

// The root span's attributes as emit_trace.mjs sets them, with the JSON type
// each must keep through OTLP and the sink's JSON line.
export const ROOT_ATTRIBUTES = {
  'js.string': 'hello from js',
  'js.bool': true,
  'js.int': 42,
  'js.negative_int': -7,
  'js.double': 3.25,
  'js.string_array': ['alpha', 'beta', 'gamma'],
  'js.int_array': [1, 2, 3],
};
export const EVENT_ATTRIBUTES = { 'js.event.attr': 'event-value', 'js.event.count': 7 };
export const LINK_ATTRIBUTES = { 'js.link.attr': 'link-value' };
export const SCOPE_NAME = 'qtrace-js-peer';
export const SERVICE_NAME = 'js-emitter';

const OTLP_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

// "otlp-sink: grpc listening on 127.0.0.1:PORT" and the http one → { grpc, http }
// (ports as numbers; a side not printed yet is absent).
export function parseListening(stdout) {
  const ports = {};
  for (const m of stdout.matchAll(/^otlp-sink: (grpc|http) listening on 127\.0\.0\.1:(\d+)\r?$/gm)) {
    ports[m[1]] = Number(m[2]);
  }
  return ports;
}

// "otlp-sink: requests=R spans=S bytes=B errors=E" → numbers, or null when absent.
export function parseSummary(stdout) {
  const m = stdout.match(/^otlp-sink: requests=(\d+) spans=(\d+) bytes=(\d+) errors=(\d+)\r?$/m);
  if (!m) return null;
  return { requests: Number(m[1]), spans: Number(m[2]), bytes: Number(m[3]), errors: Number(m[4]) };
}

// One JSON object per non-empty line; a line that does not parse is an error naming it.
export function parseJsonl(text) {
  const spans = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      spans.push(JSON.parse(line));
    } catch (e) {
      throw new Error(`JSON line ${i + 1} does not parse (${e.message}): ${line.slice(0, 200)}`);
    }
  });
  return spans;
}

// emit_trace.mjs's stdout: exactly one JSON line.
export function parseEmitted(stdout) {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `emit_trace.mjs printed ${lines.length} lines, expected one:\n${stdout}`);
  return JSON.parse(lines[0]);
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const DIGITS = /^[0-9]+$/;

// Asserts that the spans the sink wrote (parsed JSON lines) are exactly the
// trace emit_trace.mjs reported sending, over `transport`.
export function checkTrace(spans, emitted, transport) {
  assert.equal(emitted.spans.length, 3, 'emit_trace.mjs reports three spans');
  const names = spans.map((s) => s.name).sort();
  assert.deepEqual(names, ['js-child', 'js-grandchild', 'js-root'], 'each of the three spans arrived exactly once');
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  const sent = Object.fromEntries(emitted.spans.map((s) => [s.name, s]));
  const root = byName['js-root'];
  const child = byName['js-child'];
  const grandchild = byName['js-grandchild'];

  assert.match(emitted.trace_id, HEX32);
  for (const s of spans) {
    const where = `span ${s.name}`;
    assert.equal(s.trace_id, emitted.trace_id, `${where}: trace id`);
    assert.match(s.span_id, HEX16, `${where}: span id is 16 hex digits`);
    assert.equal(s.span_id, sent[s.name].span_id, `${where}: span id as sent`);
    assert.equal(s.parent_span_id, sent[s.name].parent_span_id, `${where}: parent span id as sent`);
    assert.equal(s.kind, sent[s.name].kind, `${where}: kind as sent`);
    assert.equal(s.service, SERVICE_NAME, `${where}: service`);
    assert.equal(s.resource['service.name'], SERVICE_NAME, `${where}: resource service.name`);
    assert.equal(s.resource['telemetry.sdk.language'], 'nodejs', `${where}: resource telemetry.sdk.language`);
    assert.equal(s.scope, SCOPE_NAME, `${where}: instrumentation scope`);
    assert.equal(s.transport, transport, `${where}: transport`);
    assert.match(s.start_unix_nano, DIGITS, `${where}: start_unix_nano is a string of digits`);
    assert.match(s.end_unix_nano, DIGITS, `${where}: end_unix_nano is a string of digits`);
    assert.ok(BigInt(s.start_unix_nano) > 0n, `${where}: start time set`);
    assert.ok(BigInt(s.end_unix_nano) >= BigInt(s.start_unix_nano), `${where}: ends after it starts`);
    assert.equal(typeof s.flags, 'number', `${where}: flags`);
    assert.equal(s.flags & 0xff, 1, `${where}: flags carry the sampled trace flag`);
    assert.equal(s.trace_state, '', `${where}: no trace state`);
  }

  // root → child → grandchild
  assert.equal(root.parent_span_id, '', 'js-root has no parent');
  assert.equal(child.parent_span_id, root.span_id, 'js-child is a child of js-root');
  assert.equal(grandchild.parent_span_id, child.span_id, 'js-grandchild is a child of js-child');
  assert.equal(root.kind, OTLP_KIND.SERVER, 'js-root is SERVER');
  assert.equal(child.kind, OTLP_KIND.CLIENT, 'js-child is CLIENT');
  assert.equal(grandchild.kind, OTLP_KIND.INTERNAL, 'js-grandchild is INTERNAL');

  // Every attribute of the root, value and JSON type.
  assert.deepEqual(root.attributes, ROOT_ATTRIBUTES, 'js-root attributes, values and types');
  assert.ok(Number.isInteger(root.attributes['js.int']), 'js.int stays an integer');
  assert.ok(!Number.isInteger(root.attributes['js.double']), 'js.double stays non-integral');
  assert.deepEqual(child.attributes, {}, 'js-child has no attributes');
  assert.deepEqual(grandchild.attributes, {}, 'js-grandchild has no attributes');

  // The event.
  assert.equal(root.events.length, 1, 'js-root has one event');
  const [event] = root.events;
  assert.equal(event.name, 'js-event');
  assert.deepEqual(event.attributes, EVENT_ATTRIBUTES, 'event attributes');
  assert.match(event.time_unix_nano, DIGITS, 'event time is a string of digits');
  assert.ok(BigInt(event.time_unix_nano) >= BigInt(root.start_unix_nano), 'event after the root starts');
  assert.ok(BigInt(event.time_unix_nano) <= BigInt(root.end_unix_nano), 'event before the root ends');
  assert.deepEqual(child.events, []);
  assert.deepEqual(grandchild.events, []);

  // The status.
  assert.deepEqual(root.status, { code: STATUS_ERROR, message: 'js-error' }, 'js-root status');
  assert.deepEqual(child.status, { code: STATUS_UNSET, message: '' }, 'js-child status');
  assert.deepEqual(grandchild.status, { code: STATUS_UNSET, message: '' }, 'js-grandchild status');

  // The link from child to root.
  assert.equal(child.links.length, 1, 'js-child has one link');
  const [link] = child.links;
  assert.equal(link.trace_id, emitted.trace_id, 'link trace id');
  assert.equal(link.span_id, root.span_id, 'link points at js-root');
  assert.equal(link.trace_state, '', 'link trace state');
  assert.deepEqual(link.attributes, LINK_ATTRIBUTES, 'link attributes');
  assert.deepEqual(root.links, []);
  assert.deepEqual(grandchild.links, []);
}

// The summary the sink prints at SIGTERM after this one trace.
export function checkSummary(summary) {
  assert.ok(summary, 'the sink printed its summary line');
  assert.equal(summary.spans, 3, 'summary counts three spans');
  assert.equal(summary.errors, 0, 'summary counts no errors');
  assert.ok(summary.requests >= 1, 'summary counts at least one request');
  assert.ok(summary.bytes > 0, 'summary counts bytes');
}
