// js_client.mjs: a QA tour through qa-pms-api by a client instrumented with
// the official OpenTelemetry JavaScript SDK (service.name "js-client").
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT [PEER_PROPAGATOR=b3] [PEER_ID_GENERATOR=xray] \
//     node js_client.mjs http://127.0.0.1:API_PORT
//
// Under one root INTERNAL span "qa tour" it walks the tour of qa_tour.mjs
// through node:http, patched by HttpInstrumentation, which makes a CLIENT span
// per request and injects its context with the official propagator
// PEER_PROPAGATOR names (peer_propagation.mjs; default W3C trace context), and
// prints one JSON line on stdout:
//   {"trace_id","project_id","sync_status","root_span_id","propagator","requests":[{"method","path",
//    "status","span_id","traceparent","headers","traceresponse"}…], …}
// where headers are the propagator's own headers as sent (traceparent is null
// for another propagator). Every request's headers are checked, read back
// with that propagator, to carry the tour's trace id and the request's own
// CLIENT span id, sampled (for W3C: traceparent is exactly 00-trace-span-01).
// The provider is force-flushed and shut down before exit. Exit codes: 0 all
// as expected; 1 an unexpected status, missing or wrong propagation headers or
// a failed export; 2 bad arguments. Diagnostics go to stderr.
import { createRequire } from 'node:module';

import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AlwaysOnSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { makeLog, startPeerTracing, stopPeerTracing } from './otel_peer.mjs';
import { pickFields, readTraceContext } from './peer_propagation.mjs';
import { baseUrlArgument, callJson, Unexpected, walkTour } from './qa_tour.mjs';

const log = makeLog('js_client');
const base = baseUrlArgument('js_client.mjs', log);
const tracing = startPeerTracing({
  serviceName: 'js-client',
  log,
  makeProcessor: (exporter) => new SimpleSpanProcessor(exporter),
  providerConfig: { sampler: new AlwaysOnSampler() },
});
const { provider, propagation } = tracing;

// The propagation headers each outgoing request really carried, by CLIENT span id.
const sentHeaders = new Map();
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: () => true,
      requestHook: (span, request) => {
        // The exporter's own requests run with tracing suppressed: their spans
        // are non-recording and are not ours.
        if (span.isRecording() && typeof request.getHeader === 'function') {
          sentHeaders.set(span.spanContext().spanId, pickFields(propagation.fields, (f) => request.getHeader(f)));
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

// Throws Unexpected unless the headers sent carry traceId and spanId, sampled.
function checkSentHeaders(what, headers, traceId, spanId) {
  if (propagation.name === 'tracecontext') {
    const want = `00-${traceId}-${spanId}-01`;
    if (headers.traceparent !== want) {
      throw new Unexpected(`${what}: traceparent sent was ${headers.traceparent}, expected ${want}`);
    }
    return;
  }
  const got = readTraceContext(propagation.name, headers);
  const want = { traceId, spanId, sampled: true };
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Unexpected(`${what}: ${propagation.name} headers sent were ${JSON.stringify(headers)}, ` +
                         `read back as ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

async function tour(root) {
  const traceId = root.spanContext().traceId;
  const requests = [];
  const step = async (method, path, body, expected) => {
    const before = new Set(sentHeaders.keys());
    const r = await callJson(http, agent, base, method, path, body);
    // The CLIENT span made for this request is the one new entry.
    const spanIds = [...sentHeaders.keys()].filter((k) => !before.has(k));
    const spanId = spanIds.length === 1 ? spanIds[0] : null;
    const headers = spanId ? sentHeaders.get(spanId) : {};
    requests.push({ method, path, status: r.status, span_id: spanId, traceparent: headers.traceparent ?? null,
                    headers, traceresponse: r.headers.traceresponse ?? null });
    if (!spanId) throw new Unexpected(`${method} ${path}: HttpInstrumentation made ${spanIds.length} client span(s)`);
    checkSentHeaders(`${method} ${path}`, headers, traceId, spanId);
    if (r.status !== expected) {
      throw new Unexpected(`${method} ${path}: status ${r.status} (expected ${expected}): ${JSON.stringify(r.body)}`);
    }
    return r.body;
  };
  const walked = await walkTour(step);
  return { trace_id: traceId, root_span_id: root.spanContext().spanId, propagator: propagation.name, ...walked, requests };
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
  const problems = await stopPeerTracing(tracing);
  if (tracing.exportResults.length === 0) problems.push('export failed: the exporter never reported');
  for (const p of problems) log(p);
  if (problems.length > 0) code = 1;
  if (line) process.stdout.write(`${JSON.stringify(line)}\n`);
  return code;
}

const code = await main().catch((e) => {
  log(e?.stack ?? String(e));
  return 1;
});
process.exitCode = code;
setTimeout(() => process.exit(code), 3000).unref();
