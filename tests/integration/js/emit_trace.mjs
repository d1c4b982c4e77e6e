// emit_trace.mjs: the official OpenTelemetry JavaScript SDK as a peer. It
// sends ONE trace of three spans through the chosen official OTLP exporter and
// prints one JSON line on stdout describing what it sent:
//
//   {"trace_id":"…","service":"…","scope":"…","protocol":"…","gzip":false,
//    "exported_spans":3,"spans":[{"name","span_id","parent_span_id","kind"}…]}
//
// kind is the OTLP number (1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER).
//
// usage: node emit_trace.mjs --protocol grpc|http/protobuf|http/json --endpoint URL
//                            [--service NAME] [--gzip] [--processor batch|simple]
//                            [--timeout-ms MS] [--verbose]
//
//   grpc:           --endpoint http://127.0.0.1:PORT
//   http/protobuf:  --endpoint http://127.0.0.1:PORT/v1/traces (a bare origin gets /v1/traces added)
//   http/json:      the same as http/protobuf
//
// Exit codes: 0 every export succeeded and carried all spans; 1 an export failed
// (or never reported); 2 bad arguments. Diagnostics go to stderr only.
import { parseArgs } from 'node:util';

import { diag, DiagLogLevel, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';

const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'];
const SCOPE_NAME = 'qtrace-js-peer';
const SCOPE_VERSION = '1.0.0';

// What the root span carries: one attribute of every OTLP AnyValue kind the
// SDK produces (a non-integral number becomes doubleValue, an integral one intValue).
// sink_checks.mjs holds the same values as the test's expectation: change both.
const ROOT_ATTRIBUTES = {
  'js.string': 'hello from js',
  'js.bool': true,
  'js.int': 42,
  'js.negative_int': -7,
  'js.double': 3.25,
  'js.string_array': ['alpha', 'beta', 'gamma'],
  'js.int_array': [1, 2, 3],
};

function usage(message) {
  process.stderr.write(
    `emit_trace: ${message}\n` +
      'usage: node emit_trace.mjs --protocol grpc|http/protobuf|http/json --endpoint URL ' +
      '[--service NAME] [--gzip] [--processor batch|simple] [--timeout-ms MS] [--verbose]\n',
  );
  process.exit(2);
}

function parseCommandLine() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        protocol: { type: 'string' },
        endpoint: { type: 'string' },
        service: { type: 'string', default: 'js-emitter' },
        gzip: { type: 'boolean', default: false },
        processor: { type: 'string', default: 'batch' },
        'timeout-ms': { type: 'string', default: '10000' },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usage(e.message);
  }
  if (!PROTOCOLS.includes(values.protocol)) usage(`--protocol must be one of ${PROTOCOLS.join(', ')}`);
  if (!values.endpoint) usage('--endpoint is required');
  let url;
  try {
    url = new URL(values.endpoint);
  } catch {
    usage(`--endpoint '${values.endpoint}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage('--endpoint must be http:// or https://');
  if (!['batch', 'simple'].includes(values.processor)) usage('--processor must be batch or simple');
  const timeoutMillis = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMillis) || timeoutMillis <= 0) usage('--timeout-ms must be a positive integer');

  let endpoint = values.endpoint;
  if (values.protocol !== 'grpc' && (url.pathname === '/' || url.pathname === '')) {
    endpoint = `${url.origin}/v1/traces`;
  }
  return { ...values, endpoint, timeoutMillis };
}

// Diagnostics go to stderr: stdout carries only the one JSON line.
function installDiagLogger(verbose) {
  const write = (level) => (message, ...args) => {
    const extra = args.map((a) => (a instanceof Error ? a.stack ?? a.message : typeof a === 'string' ? a : JSON.stringify(a)));
    process.stderr.write(`emit_trace: [otel ${level}] ${[message, ...extra].join(' ')}\n`);
  };
  diag.setLogger(
    { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'), verbose: write('verbose') },
    { logLevel: verbose ? DiagLogLevel.DEBUG : DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

function createExporter({ protocol, endpoint, gzip, timeoutMillis }) {
  const config = { url: endpoint, compression: gzip ? 'gzip' : 'none', timeoutMillis };
  switch (protocol) {
    case 'grpc':
      return new GrpcExporter(config);
    case 'http/protobuf':
      return new ProtoExporter(config);
    case 'http/json':
      return new JsonExporter(config);
  }
  throw new Error(`unreachable protocol ${protocol}`);
}

// Exporters report failure only through the result callback (and the diag
// logger); the span processors swallow it. Wrap export() to keep every result.
function recordExports(exporter) {
  const results = [];
  const original = exporter.export.bind(exporter);
  exporter.export = (spans, resultCallback) => {
    original(spans, (result) => {
      results.push({ code: result.code, error: result.error, spans: spans.length });
      resultCallback(result);
    });
  };
  return results;
}

const OTLP_KIND = {
  [SpanKind.INTERNAL]: 1,
  [SpanKind.SERVER]: 2,
  [SpanKind.CLIENT]: 3,
  [SpanKind.PRODUCER]: 4,
  [SpanKind.CONSUMER]: 5,
};

async function main() {
  const options = parseCommandLine();
  installDiagLogger(options.verbose);

  const exporter = createExporter(options);
  const results = recordExports(exporter);
  const processor =
    options.processor === 'simple'
      ? new SimpleSpanProcessor(exporter)
      : new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60000, exportTimeoutMillis: options.timeoutMillis + 5000 });

  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service })),
    sampler: new AlwaysOnSampler(), // an inherited OTEL_TRACES_SAMPLER must not drop the trace
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer(SCOPE_NAME, SCOPE_VERSION);

  const root = tracer.startSpan('js-root', { kind: SpanKind.SERVER, attributes: ROOT_ATTRIBUTES }, ROOT_CONTEXT);
  root.addEvent('js-event', { 'js.event.attr': 'event-value', 'js.event.count': 7 });
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'js-error' });

  const child = tracer.startSpan(
    'js-child',
    {
      kind: SpanKind.CLIENT,
      links: [{ context: root.spanContext(), attributes: { 'js.link.attr': 'link-value' } }],
    },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  const grandchild = tracer.startSpan('js-grandchild', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, child));

  grandchild.end();
  child.end();
  root.end();

  const sent = [
    { span: root, name: 'js-root', parent: '', kind: SpanKind.SERVER },
    { span: child, name: 'js-child', parent: root.spanContext().spanId, kind: SpanKind.CLIENT },
    { span: grandchild, name: 'js-grandchild', parent: child.spanContext().spanId, kind: SpanKind.INTERNAL },
  ];

  let failure = null;
  try {
    await provider.forceFlush();
  } catch (e) {
    failure = `forceFlush failed: ${e?.message ?? e}`;
  }
  try {
    await provider.shutdown();
  } catch (e) {
    failure ??= `shutdown failed: ${e?.message ?? e}`;
  }

  const exported = results.filter((r) => r.code === ExportResultCode.SUCCESS).reduce((n, r) => n + r.spans, 0);
  const failed = results.filter((r) => r.code !== ExportResultCode.SUCCESS);
  if (failed.length > 0) {
    failure = failed.map((r) => `export of ${r.spans} span(s) failed: ${r.error?.message ?? 'no error given'}`).join('; ');
  } else if (results.length === 0) {
    failure ??= 'the exporter never reported a result';
  } else if (exported !== sent.length) {
    failure ??= `exported ${exported} span(s), expected ${sent.length}`;
  }
  if (failure) {
    process.stderr.write(`emit_trace: ${options.protocol} to ${options.endpoint}: ${failure}\n`);
    return 1;
  }

  const line = {
    trace_id: root.spanContext().traceId,
    service: options.service,
    scope: SCOPE_NAME,
    protocol: options.protocol,
    gzip: options.gzip,
    exports: results.length,
    exported_spans: exported,
    spans: sent.map((s) => ({
      name: s.name,
      span_id: s.span.spanContext().spanId,
      parent_span_id: s.parent,
      kind: OTLP_KIND[s.kind],
    })),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return 0;
}

const code = await main().catch((e) => {
  process.stderr.write(`emit_trace: ${e?.stack ?? e}\n`);
  return 1;
});
process.exitCode = code;
// A transport that keeps a handle open must not keep the process alive.
setTimeout(() => process.exit(code), 3000).unref();
