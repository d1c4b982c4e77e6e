// tracker_service.mjs: a tiny issue tracker instrumented with the official
// OpenTelemetry JavaScript SDK, the downstream peer of qa-pms-api's
// POST /api/v1/projects/{id}/sync.
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT [PEER_PROPAGATOR=b3] node tracker_service.mjs
//
// It serves issue_tracker.mjs (listening line, POST /issues, one
// `tracker: request {json}` line per request with the headers it received).
// The only spans it records are the SERVER spans HttpInstrumentation makes for
// incoming requests (service.name "issue-tracker", exported as http/protobuf
// to OTEL_EXPORTER_OTLP_ENDPOINT), whose parents it reads with the official
// propagator PEER_PROPAGATOR names (peer_propagation.mjs; default W3C trace
// context and baggage).
//
// On SIGTERM/SIGINT it closes the server, shuts the tracer provider down (which
// flushes) and exits 0; it exits 1 when a request was served without an active
// recording SERVER span (the instrumentation did not hook node:http) or when an
// export failed. Diagnostics go to stderr.
import { createRequire } from 'node:module';

import { trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { serveIssues } from './issue_tracker.mjs';
import { makeLog, startPeerTracing, stopPeerTracing } from './otel_peer.mjs';
import { pickFields } from './peer_propagation.mjs';

const log = makeLog('tracker');
const tracing = startPeerTracing({
  serviceName: 'issue-tracker',
  log,
  makeProcessor: (exporter) => new BatchSpanProcessor(exporter, { scheduledDelayMillis: 100 }),
});

registerInstrumentations({
  tracerProvider: tracing.provider,
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

let unTracedRequests = 0;

serveIssues({
  http,
  log,
  onRequest: (req) => {
    // The instrumentation must have made (and activated) a SERVER span.
    const active = trace.getActiveSpan();
    if (!active || !active.isRecording()) {
      unTracedRequests += 1;
      const sent = pickFields(tracing.propagation.fields, (f) => req.headers[f]);
      log(`no recording server span for ${req.method} ${req.url} (${tracing.propagation.name} headers ${JSON.stringify(sent)})`);
    }
  },
  onStop: async () => {
    const problems = await stopPeerTracing(tracing);
    if (unTracedRequests > 0) problems.push(`${unTracedRequests} request(s) were served without a server span`);
    for (const p of problems) log(p);
    return problems.length === 0 ? 0 : 1;
  },
});
