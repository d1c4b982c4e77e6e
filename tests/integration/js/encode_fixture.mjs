// encode_fixture.mjs: the official OpenTelemetry JavaScript OTLP encoder
// (@opentelemetry/otlp-transformer's ProtobufTraceSerializer, the one
// @opentelemetry/exporter-trace-otlp-proto sends with) applied to a FIXED set
// of spans, written as ExportTraceServiceRequest bytes to the file argv[2].
//
// tests/exporter/otlp_encoder_js_compat_test.cc builds the same spans as
// qtrace span records, encodes them with OtlpEncoder and compares the parsed
// messages. The two descriptions must stay in step: change both.
//
// The spans are ReadableSpan objects written out by hand (the interface the
// serializer takes) rather than made by a tracer, so that ids, timestamps,
// dropped counts and remote parents are exactly what the C++ side builds. The
// resource is made from explicit attributes only (resourceFromAttributes, not
// defaultResource), so that no telemetry.sdk.* or process attributes appear.
//
// usage: node encode_fixture.mjs OUTPUT.pb
import { writeFileSync } from 'node:fs';

import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';

const output = process.argv[2];
if (!output) {
  process.stderr.write('usage: node encode_fixture.mjs OUTPUT.pb\n');
  process.exit(2);
}

const resource = resourceFromAttributes({
  'service.name': 'qtrace-compat',
  'service.version': '0.1.0',
  'host.cpus': 2,
  'deployment.canary': false,
});

// Two scopes; spans of one scope share the object (the serializer groups by
// identity), and the batch interleaves them.
const HTTP_SCOPE = { name: 'qtrace.compat.http', version: '2.1.0' };
const DB_SCOPE = { name: 'qtrace.compat.db' };

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

// Nanoseconds since the epoch as HrTime [seconds, nanoseconds].
const hr = (seconds, nanos) => [seconds, nanos];

function span({
  name,
  kind,
  spanId,
  traceFlags = TraceFlags.SAMPLED,
  traceState,
  parent,
  start,
  end,
  attributes = {},
  droppedAttributesCount = 0,
  events = [],
  droppedEventsCount = 0,
  links = [],
  droppedLinksCount = 0,
  status = { code: SpanStatusCode.UNSET },
  scope,
}) {
  const context = { traceId: TRACE_ID, spanId, traceFlags, isRemote: false, traceState };
  return {
    name,
    kind,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime: start,
    endTime: end,
    duration: [0, 0],
    ended: true,
    status,
    attributes,
    links,
    events,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount,
    droppedEventsCount,
    droppedLinksCount,
  };
}

const spans = [
  // A server span under a remote parent, with every attribute type, an event,
  // a link and an error status.
  span({
    name: 'GET /projects/{id}',
    kind: SpanKind.SERVER,
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
    parent: { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true },
    start: hr(1712345678, 123456789),
    end: hr(1712345678, 987654321),
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/projects/{id}',
      'string.empty': '',
      'string.unicode': 'h\u00e9llo \u20ac \u{1F600}',
      'bool.true': true,
      'bool.false': false,
      'int.answer': 42,
      'int.zero': 0,
      'int.negative': -7,
      'int.max_safe': 9007199254740991,
      'int.min_safe': -9007199254740991,
      'double.quarter': 3.25,
      'double.negative': -0.5,
      'double.tiny': 1e-10,
      'double.max': 1.7976931348623157e308,
      'array.string': ['alpha', '', 'gamma'],
      'array.bool': [true, false],
      'array.int': [1, -2, 3000000000],
      'array.double': [1.5, -2.25],
      'array.empty': [],
    },
    droppedAttributesCount: 2,
    events: [
      {
        name: 'exception',
        time: hr(1712345678, 500000000),
        attributes: { 'exception.type': 'Error', 'exception.message': 'boom', 'exception.escaped': true },
        droppedAttributesCount: 1,
      },
      { name: 'retry', time: hr(1712345678, 600000001), attributes: {} },
    ],
    droppedEventsCount: 1,
    links: [
      {
        context: {
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '53995c3f42cd8ad8',
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
          traceState: new TraceState('vendor=link'),
        },
        attributes: { 'link.kind': 'follows_from', 'link.n': 2 },
        droppedAttributesCount: 3,
      },
      {
        context: { traceId: TRACE_ID, spanId: 'a1a2a3a4a5a6a7a8', traceFlags: TraceFlags.NONE, isRemote: false },
        attributes: {},
      },
    ],
    droppedLinksCount: 4,
    status: { code: SpanStatusCode.ERROR, message: 'upstream "db" failed' },
    scope: HTTP_SCOPE,
  }),
  // A client span under a local parent, unsampled, status OK, other scope.
  span({
    name: 'SELECT projects',
    kind: SpanKind.CLIENT,
    spanId: 'c1c2c3c4c5c6c7c8',
    traceFlags: TraceFlags.NONE,
    parent: { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: false },
    start: hr(1712345678, 200000000),
    end: hr(1712345678, 300000000),
    attributes: { 'db.system.name': 'sqlite', 'db.response.returned_rows': 3 },
    status: { code: SpanStatusCode.OK },
    scope: DB_SCOPE,
  }),
  // A root span, back in the first scope: nothing but the required fields.
  span({
    name: 'background tick',
    kind: SpanKind.INTERNAL,
    spanId: 'd1d2d3d4d5d6d7d8',
    start: hr(1712345679, 0),
    end: hr(1712345679, 1),
    scope: HTTP_SCOPE,
  }),
  // Producer and consumer in the second scope.
  span({
    name: 'publish jobs',
    kind: SpanKind.PRODUCER,
    spanId: 'e1e2e3e4e5e6e7e8',
    parent: { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: false },
    start: hr(1712345678, 400000000),
    end: hr(1712345678, 410000000),
    scope: DB_SCOPE,
  }),
  span({
    name: 'process jobs',
    kind: SpanKind.CONSUMER,
    spanId: 'f1f2f3f4f5f6f7f8',
    parent: { traceId: TRACE_ID, spanId: 'e1e2e3e4e5e6e7e8', traceFlags: TraceFlags.SAMPLED, isRemote: true },
    start: hr(1712345678, 420000000),
    end: hr(1712345678, 430000000),
    scope: DB_SCOPE,
  }),
];

const bytes = ProtobufTraceSerializer.serializeRequest(spans);
if (!bytes || bytes.length === 0) {
  process.stderr.write('encode_fixture: the serializer returned nothing\n');
  process.exit(1);
}
writeFileSync(output, bytes);
process.stdout.write(`encode_fixture: ${bytes.length} bytes, ${spans.length} spans -> ${output}\n`);
