// zipkin_tracker.mjs: the issue tracker of issue_tracker.mjs traced by
// zipkin-js's own HTTP server instrumentation (Instrumentation.HttpServer on
// node:http), standing in for tracker_service.mjs behind qa-pms-api's sync
// route when qa-pms-api propagates B3 (X-B3-* headers, which is what that
// instrumentation reads).
//
//   node zipkin_tracker.mjs
//
// Each `tracker: request {json}` line also holds "zipkin": the id the
// instrumentation derived from the B3 headers (idJson of zipkin_peer.mjs), and
// "spans": the spans the tracer finished for the request (Zipkin v2 JSON).
// zipkin-js joins the caller's span by default (supportsJoin): its SERVER
// span takes the caller's span id, as Zipkin's shared spans do. Exits 0 on
// SIGTERM/SIGINT. Diagnostics go to stderr.
import http from 'node:http';

import zipkin from 'zipkin';

import { serveIssues } from './issue_tracker.mjs';
import { idJson, makeZipkinTracer } from './zipkin_peer.mjs';

const { Instrumentation, option: { None, Some } } = zipkin;

const log = (message) => process.stderr.write(`zipkin_tracker: ${message}\n`);
const { tracer, spans } = makeZipkinTracer({ serviceName: 'zipkin-tracker' });

let instrumentation = null; // made at the first request: it wants the port
const server = serveIssues({
  http,
  log,
  onRequest: (req) => {
    const { port } = server.address();
    instrumentation ??= new Instrumentation.HttpServer({ tracer, port });
    const readHeader = (name) => {
      const value = req.headers[name.toLowerCase()];
      return value === undefined ? None : new Some(value);
    };
    const id = tracer.scoped(() => instrumentation.recordRequest(req.method, `http://127.0.0.1:${port}${req.url}`, readHeader));
    return id;
  },
  onResponse: (req, res, id) => {
    const before = spans.length;
    tracer.scoped(() => instrumentation.recordResponse(id, res.statusCode));
    return { zipkin: idJson(id), spans: spans.slice(before) };
  },
});
