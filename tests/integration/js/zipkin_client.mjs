// zipkin_client.mjs: the QA tour of qa_tour.mjs through qa-pms-api by a client
// traced with zipkin-js (the Zipkin project's JavaScript tracer), whose own
// HTTP client instrumentation (Instrumentation.HttpClient) adds the B3
// X-B3-* headers to each request.
//
//   [ZIPKIN_TRACE_ID_128BIT=1] node zipkin_client.mjs http://127.0.0.1:API_PORT
//
// Under one local root span "qa tour" each request is a CLIENT span. Trace ids
// are zipkin-js's default 64 bits (16 hex), or 128 bits with
// ZIPKIN_TRACE_ID_128BIT=1 (its traceId128Bit option). Spans stay in memory;
// it prints one JSON line on stdout:
//   {"trace_id","root_span_id","trace_id_128bit","project_id","sync_status",…,
//    "requests":[{"method","path","status","span_id","parent_span_id","headers"}…],
//    "spans":[Zipkin v2 JSON…]}
// where headers are the X-B3-* headers as sent. Exit codes: 0 all as
// expected; 1 an unexpected status or span; 2 bad arguments. Diagnostics go to
// stderr.
import http from 'node:http';

import zipkin from 'zipkin';

import { baseUrlArgument, callJson, Unexpected, walkTour } from './qa_tour.mjs';
import { idJson, makeZipkinTracer } from './zipkin_peer.mjs';

const { Instrumentation } = zipkin;

const log = (message) => process.stderr.write(`zipkin_client: ${message}\n`);
const base = baseUrlArgument('zipkin_client.mjs', log);
const traceId128Bit = process.env.ZIPKIN_TRACE_ID_128BIT === '1';
const { tracer, spans } = makeZipkinTracer({ serviceName: 'zipkin-client', traceId128Bit });
const instrumentation = new Instrumentation.HttpClient({ tracer, remoteServiceName: 'qa-pms-api' });
const agent = new http.Agent({ keepAlive: false });

// The root's id is captured while tracer.local has it current and set again
// around each request: ExplicitContext does not follow the awaits.
async function tour(rootId) {
  const requests = [];
  const step = async (method, path, body, expected) => {
    const url = new URL(path, base).href;
    const { headers, id } = tracer.letId(rootId, () => {
      const request = instrumentation.recordRequest({ headers: {} }, url, method);
      return { headers: request.headers, id: tracer.id };
    });
    let r;
    try {
      r = await callJson(http, agent, base, method, path, body, headers);
    } catch (e) {
      tracer.scoped(() => instrumentation.recordError(id, e));
      throw e;
    }
    tracer.scoped(() => instrumentation.recordResponse(id, r.status));
    const { span_id: spanId, parent_span_id: parentSpanId } = idJson(id);
    requests.push({ method, path, status: r.status, span_id: spanId, parent_span_id: parentSpanId, headers });
    if (r.status !== expected) {
      throw new Unexpected(`${method} ${path}: status ${r.status} (expected ${expected}): ${JSON.stringify(r.body)}`);
    }
    return r.body;
  };
  const walked = await walkTour(step);
  return { trace_id: rootId.traceId, root_span_id: rootId.spanId, trace_id_128bit: traceId128Bit, ...walked, requests };
}

async function main() {
  let line;
  try {
    line = await tracer.local('qa tour', () => tour(tracer.id));
  } catch (e) {
    log(e instanceof Unexpected ? e.message : (e?.stack ?? String(e)));
    return 1;
  }
  // The root and one CLIENT span per request, all finished.
  if (spans.length !== line.requests.length + 1) {
    log(`${spans.length} span(s) finished, expected ${line.requests.length + 1}: ${JSON.stringify(spans)}`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ ...line, spans })}\n`);
  return 0;
}

process.exitCode = await main();
