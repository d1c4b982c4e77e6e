// Which official OpenTelemetry propagator and id generator a JS peer uses,
// chosen by environment variables, and reading a trace context back out of
// headers with the same official propagator (so that what a header carries is
// judged by the reference implementation, not by a parser of our own).
//
//   PEER_PROPAGATOR    tracecontext (default) | b3 | b3multi | jaeger | xray | ottrace
//                      (the OTEL_PROPAGATORS names: b3 is the single `b3`
//                      header, b3multi the X-B3-* headers)
//   PEER_ID_GENERATOR  random (default) | xray (AWS X-Ray: the first 4 bytes of
//                      a trace id are epoch seconds) | 64bit (the upper half of
//                      a trace id is zero, as with a 64-bit tracer: the ot-tracer
//                      headers carry only the lower 64 bits, so a 128-bit id
//                      would not survive a hop through them)
import { ROOT_CONTEXT, defaultTextMapGetter, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import { OTTracePropagator } from '@opentelemetry/propagator-ot-trace';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';

const PROPAGATORS = {
  tracecontext: () => new W3CTraceContextPropagator(),
  b3: () => new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  b3multi: () => new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  jaeger: () => new JaegerPropagator(),
  xray: () => new AWSXRayPropagator(),
  ottrace: () => new OTTracePropagator(),
};

class TraceId64Generator {
  #random = new RandomIdGenerator();
  generateTraceId = () => `${'0'.repeat(16)}${this.#random.generateSpanId()}`;
  generateSpanId = () => this.#random.generateSpanId();
}

const ID_GENERATORS = {
  random: () => undefined, // the SDK's own default
  xray: () => new AWSXRayIdGenerator(),
  '64bit': () => new TraceId64Generator(),
};

export const PROPAGATOR_NAMES = Object.keys(PROPAGATORS);

function pick(table, variable, value) {
  const make = table[value];
  if (!make) throw new Error(`${variable}=${value} is not one of ${Object.keys(table).join(', ')}`);
  return make();
}

export function makePropagator(name) {
  return pick(PROPAGATORS, 'PEER_PROPAGATOR', name);
}

// The header names the named propagator writes (lower case, as node reads them).
export function propagatorFields(name) {
  return makePropagator(name).fields();
}

// The peer's choice from the environment. tracerConfig goes into the tracer
// provider's constructor, registerConfig into its register(): for
// tracecontext both are empty, which keeps the SDK's defaults (W3C trace
// context and baggage) exactly as a peer without these variables has them.
export function peerPropagation(env = process.env) {
  const name = env.PEER_PROPAGATOR || 'tracecontext';
  const propagator = makePropagator(name);
  const idGenerator = pick(ID_GENERATORS, 'PEER_ID_GENERATOR', env.PEER_ID_GENERATOR || 'random');
  return {
    name,
    propagator,
    fields: propagator.fields(),
    tracerConfig: idGenerator ? { idGenerator } : {},
    registerConfig: name === 'tracecontext' ? {} : { propagator },
  };
}

// What the named propagator reads from headers (an object keyed by lower-case
// names): { traceId, spanId, sampled }, or null when it finds no valid context.
export function readTraceContext(name, headers) {
  const context = makePropagator(name).extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(context);
  if (!spanContext || !isSpanContextValid(spanContext)) return null;
  const { traceId, spanId, traceFlags } = spanContext;
  return { traceId, spanId, sampled: (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED };
}

// The propagator's own headers among headers, keyed by their names.
export function pickFields(fields, readHeader) {
  const picked = {};
  for (const field of fields) {
    const value = readHeader(field);
    if (value !== undefined && value !== null) picked[field] = String(value);
  }
  return picked;
}
