// The zipkin-js set-up its two stand-ins (zipkin_client.mjs, zipkin_tracker.mjs)
// share: a Tracer whose spans are kept in memory (Zipkin v2 JSON) rather than
// sent anywhere, so that a test reads them from the stand-in's stdout.
import zipkin from 'zipkin';

const { BatchRecorder, ExplicitContext, jsonEncoder, Tracer } = zipkin;

// traceId128Bit false is zipkin-js's default: 64-bit (16 hex) trace ids.
export function makeZipkinTracer({ serviceName, traceId128Bit = false }) {
  const spans = [];
  const recorder = new BatchRecorder({
    logger: { logSpan: (span) => spans.push(JSON.parse(jsonEncoder.JSON_V2.encode(span))) },
  });
  // ExplicitContext: the current id is set around each synchronous call
  // (letId, scoped), nothing is carried across awaits behind the scenes.
  const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder, localServiceName: serviceName, traceId128Bit });
  return { tracer, spans };
}

// A zipkin TraceId as plain JSON (absent options as null).
export function idJson(id) {
  return {
    trace_id: id.traceId,
    span_id: id.spanId,
    parent_span_id: id.parentSpanId.getOrElse(null),
    sampled: id.sampled.getOrElse(null),
    shared: id.isShared(),
  };
}
