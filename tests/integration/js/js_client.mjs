// js_client.mjs: a QA tour through qa-pms-api by a client instrumented with
// the official OpenTelemetry JavaScript SDK (service.name "js-client").
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT node js_client.mjs http://127.0.0.1:API_PORT
//
// Under one root INTERNAL span "qa tour" it makes, through node:http (patched
// by HttpInstrumentation, which makes a CLIENT span per request and injects
// W3C traceparent into its headers):
//   POST /api/v1/projects                          → 201
//   POST /api/v1/projects/{id}/cases               → 201
//   POST /api/v1/projects/{id}/runs                → 201 (results hold the case)
//   PUT  /api/v1/runs/{run}/results/{case} failed  → 200
//   POST /api/v1/projects/{id}/sync                → 200 (tracker_status 201)
// and prints one JSON line on stdout:
//   {"trace_id","project_id","sync_status","root_span_id","requests":[{"method","path",
//    "status","span_id","traceparent","traceresponse"}…]}
// Every request's traceparent is checked to carry the tour's trace id and the
// request's own CLIENT span id. The provider is force-flushed and shut down
// before exit. Exit codes: 0 all as expected; 1 an unexpected status, a missing
// traceparent or a failed export; 2 bad arguments. Diagnostics go to stderr.
import { createRequire } from 'node:module';

import { context, diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const SERVICE_NAME = 'js-client';
const log = (message) => process.stderr.write(`js_client: ${message}\n`);

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

const baseArg = process.argv[2];
if (!baseArg || process.argv.length > 3) {
  log('usage: node js_client.mjs <base-url>');
  process.exit(2);
}
let base;
try {
  base = new URL(baseArg);
} catch {
  log(`'${baseArg}' is not a URL`);
  process.exit(2);
}
if (base.protocol !== 'http:') {
  log('the base URL must be http://');
  process.exit(2);
}
const otlpBase = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (!otlpBase) {
  log('OTEL_EXPORTER_OTLP_ENDPOINT is not set');
  process.exit(2);
}

const exporter = new OTLPTraceExporter({ url: `${otlpBase.replace(/\/+$/, '')}/v1/traces` });
const exportResults = [];
const originalExport = exporter.export.bind(exporter);
exporter.export = (spans, done) => {
  originalExport(spans, (result) => {
    exportResults.push({ ok: result.code === ExportResultCode.SUCCESS, spans: spans.length, error: result.error });
    done(result);
  });
};

const provider = new NodeTracerProvider({
  resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME })),
  sampler: new AlwaysOnSampler(),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
provider.register();

// The traceparent each outgoing request really carried, by CLIENT span id.
const sentTraceparent = new Map();
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: () => true,
      requestHook: (span, request) => {
        // The exporter's own requests run with tracing suppressed: their spans
        // are non-recording and are not ours.
        if (span.isRecording() && typeof request.getHeader === 'function') {
          sentTraceparent.set(span.spanContext().spanId, request.getHeader('traceparent'));
        }
      },
    }),
  ],
});

// Loaded after registration so that the instrumentation patches it.
const require = createRequire(import.meta.url);
const http = require('node:http');

const tracer = provider.getTracer('qa-tour', '1.0.0');
const agent = new http.Agent({ keepAlive: false });

// One JSON request through node:http; resolves {status, body, headers, spanId, traceparent}.
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, base);
    // An explicit content-length, also 0 for a bodiless POST (node would send it chunked).
    const headers = { accept: 'application/json', 'content-length': payload === undefined ? 0 : Buffer.byteLength(payload) };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const req = http.request(url, { method, headers, agent, timeout: 15000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let parsed = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = { unparsed: text };
        }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

class Unexpected extends Error {}

async function tour(root) {
  const traceId = root.spanContext().traceId;
  const requests = [];
  const step = async (method, path, body, expected) => {
    const before = new Set(sentTraceparent.keys());
    const r = await call(method, path, body);
    // The CLIENT span made for this request is the one new entry.
    const spanIds = [...sentTraceparent.keys()].filter((k) => !before.has(k));
    const spanId = spanIds.length === 1 ? spanIds[0] : null;
    const traceparent = spanId ? sentTraceparent.get(spanId) : undefined;
    requests.push({ method, path, status: r.status, span_id: spanId, traceparent: traceparent ?? null,
                    traceresponse: r.headers.traceresponse ?? null });
    if (!spanId) throw new Unexpected(`${method} ${path}: HttpInstrumentation made ${spanIds.length} client span(s)`);
    const want = `00-${traceId}-${spanId}-01`;
    if (traceparent !== want) {
      throw new Unexpected(`${method} ${path}: traceparent sent was ${traceparent}, expected ${want}`);
    }
    if (r.status !== expected) {
      throw new Unexpected(`${method} ${path}: status ${r.status} (expected ${expected}): ${JSON.stringify(r.body)}`);
    }
    return r.body;
  };

  const project = await step('POST', '/api/v1/projects', { name: `cross-service ${Date.now()}`,
                                                          description: 'js client → qa-pms-api → issue tracker' }, 201);
  const projectId = project?.id;
  if (projectId === undefined) throw new Unexpected(`project has no id: ${JSON.stringify(project)}`);
  const testCase = await step('POST', `/api/v1/projects/${projectId}/cases`, { title: 'login works' }, 201);
  const caseId = testCase?.id;
  if (caseId === undefined) throw new Unexpected(`case has no id: ${JSON.stringify(testCase)}`);
  const run = await step('POST', `/api/v1/projects/${projectId}/runs`, { name: 'nightly' }, 201);
  if (run?.id === undefined) throw new Unexpected(`run has no id: ${JSON.stringify(run)}`);
  if (!Array.isArray(run.results) || !run.results.some((r) => r.case_id === caseId)) {
    throw new Unexpected(`run results do not hold case ${caseId}: ${JSON.stringify(run)}`);
  }
  await step('PUT', `/api/v1/runs/${run.id}/results/${caseId}`, { status: 'failed', note: 'button does nothing' }, 200);
  const sync = await step('POST', `/api/v1/projects/${projectId}/sync`, undefined, 200);
  if (sync?.tracker_status !== 201) throw new Unexpected(`tracker_status is not 201: ${JSON.stringify(sync)}`);
  let issue = null;
  try {
    issue = JSON.parse(sync.tracker_response).issue ?? null;
  } catch {
    throw new Unexpected(`tracker_response is not JSON: ${JSON.stringify(sync)}`);
  }
  if (!/^QA-\d+$/.test(issue ?? '')) throw new Unexpected(`tracker_response names no issue: ${JSON.stringify(sync)}`);
  return { trace_id: traceId, project_id: projectId, sync_status: 200, root_span_id: root.spanContext().spanId,
           run_id: run.id, case_id: caseId, issue, requests };
}

async function main() {
  let line = null;
  let code = 0;
  await tracer.startActiveSpan('qa tour', { kind: SpanKind.INTERNAL }, ROOT_CONTEXT, async (root) => {
    try {
      line = await tour(root);
    } catch (e) {
      root.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
      log(e instanceof Unexpected ? e.message : (e?.stack ?? String(e)));
      code = 1;
    } finally {
      root.end();
    }
  });
  // Nothing may stay active after the tour.
  if (trace.getSpan(context.active())) log('warning: a span is still active after the tour');
  try {
    await provider.forceFlush();
    await provider.shutdown();
  } catch (e) {
    log(`flush/shutdown failed: ${e?.message ?? e}`);
    code = 1;
  }
  const failed = exportResults.filter((r) => !r.ok);
  if (failed.length > 0 || exportResults.length === 0) {
    log(`export failed: ${failed.map((r) => `${r.spans} span(s): ${r.error?.message ?? 'no error'}`).join('; ') ||
        'the exporter never reported'}`);
    code = 1;
  }
  if (line) process.stdout.write(`${JSON.stringify(line)}\n`);
  return code;
}

const code = await main().catch((e) => {
  log(e?.stack ?? String(e));
  return 1;
});
process.exitCode = code;
setTimeout(() => process.exit(code), 3000).unref();
