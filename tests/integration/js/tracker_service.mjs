// tracker_service.mjs: a tiny issue tracker instrumented with the official
// OpenTelemetry JavaScript SDK, the downstream peer of qa-pms-api's
// POST /api/v1/projects/{id}/sync.
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT node tracker_service.mjs
//
// It listens on 127.0.0.1 (a free port), prints `tracker: listening on
// 127.0.0.1:<port>` on stdout, and answers POST /issues with
// 201 {"issue":"QA-<n>"} (anything else: 404). The only spans it records are
// the SERVER spans HttpInstrumentation makes for incoming requests (service.name
// "issue-tracker", exported as http/protobuf to OTEL_EXPORTER_OTLP_ENDPOINT).
//
// On SIGTERM/SIGINT it closes the server, shuts the tracer provider down (which
// flushes) and exits 0; it exits 1 when a request was served without an active
// recording SERVER span (the instrumentation did not hook node:http) or when an
// export failed. Diagnostics go to stderr.
import { createRequire } from 'node:module';

import { diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const SERVICE_NAME = 'issue-tracker';
const log = (message) => process.stderr.write(`tracker: ${message}\n`);

diag.setLogger(
  {
    error: (m, ...a) => log(`[otel error] ${m} ${a.map(String).join(' ')}`),
    warn: (m, ...a) => log(`[otel warn] ${m} ${a.map(String).join(' ')}`),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
);

function tracesUrl() {
  const base = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) {
    log('OTEL_EXPORTER_OTLP_ENDPOINT is not set');
    process.exit(2);
  }
  if (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return base;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

const exporter = new OTLPTraceExporter({ url: tracesUrl() });
// Export failures are reported only through the callback: keep them.
const failedExports = [];
const originalExport = exporter.export.bind(exporter);
exporter.export = (spans, done) => {
  originalExport(spans, (result) => {
    if (result.code !== ExportResultCode.SUCCESS) {
      failedExports.push(`${spans.length} span(s): ${result.error?.message ?? 'no error given'}`);
    }
    done(result);
  });
};

const provider = new NodeTracerProvider({
  resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME })),
  spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 100 })],
});
// Global tracer provider, AsyncLocalStorage context manager, W3C propagators.
provider.register();

registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      // The tracker records its incoming requests and nothing else.
      ignoreOutgoingRequestHook: () => true,
    }),
  ],
});

// Loaded only now, through require, so that the instrumentation's
// require hook patches it (a static ESM import would be evaluated before
// registerInstrumentations ran).
const require = createRequire(import.meta.url);
const http = require('node:http');

let nextIssue = 1;
let unTracedRequests = 0;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  // The instrumentation must have made (and activated) a SERVER span.
  const active = trace.getActiveSpan();
  if (!active || !active.isRecording()) {
    unTracedRequests += 1;
    log(`no recording server span for ${req.method} ${req.url} (traceparent ${req.headers.traceparent ?? 'none'})`);
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/issues') {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        JSON.parse(text);
      } catch {
        send(res, 400, { error: 'body is not JSON' });
        return;
      }
      send(res, 201, { issue: `QA-${nextIssue++}` });
      return;
    }
    send(res, 404, { error: 'not found' });
  });
});

server.listen(0, '127.0.0.1', () => {
  const { address, port } = server.address();
  process.stdout.write(`tracker: listening on ${address}:${port}\n`);
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  await new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections?.();
    setTimeout(() => server.closeAllConnections?.(), 2000).unref();
  });
  let code = 0;
  try {
    await provider.forceFlush();
    await provider.shutdown();
  } catch (e) {
    log(`shutdown failed: ${e?.message ?? e}`);
    code = 1;
  }
  if (failedExports.length > 0) {
    log(`export failed: ${failedExports.join('; ')}`);
    code = 1;
  }
  if (unTracedRequests > 0) {
    log(`${unTracedRequests} request(s) were served without a server span`);
    code = 1;
  }
  process.exit(code);
}
process.on('SIGTERM', () => { stop('SIGTERM'); });
process.on('SIGINT', () => { stop('SIGINT'); });
