// Jaeger (built from source by the test build: tests/backends/jaeger) as the
// integration tests' backend: started on free loopback ports with the
// repository's config, waited on through its health endpoint, and read back
// through its query API (HTTP api/v3, which returns OTLP JSON).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { killIfRunning, launch } from './process_helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const JAEGER_CONFIG = join(here, '..', 'backends', 'jaeger', 'backend.yaml');
export const COLLECTOR_CONFIG = join(here, '..', 'backends', 'jaeger', 'collector.yaml');
export const TAIL_SAMPLING_CONFIG = join(here, '..', 'backends', 'jaeger', 'tail_sampling.yaml');
// Laid over backend.yaml: the remote sampling extension serving a strategies file.
export const REMOTE_SAMPLING_CONFIG = join(here, '..', 'backends', 'jaeger', 'remote_sampling.yaml');

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// JAEGER names the binary the build made.
export function requireJaeger() {
  const binary = process.env.JAEGER;
  assert.ok(binary, 'JAEGER must name the jaeger binary (built from tests/backends/jaeger)');
  assert.ok(existsSync(binary), `JAEGER=${binary} does not exist: the build makes it with Go 1.24 or newer`);
  return binary;
}

// n distinct ports that were free a moment ago (listened on, then closed; all
// held open together so that none repeats).
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

// One port that was free a moment ago.
export async function freePort() {
  return (await freePorts(1))[0];
}

const PORT_NAMES = ['health', 'queryHttp', 'queryGrpc', 'otlpGrpc', 'otlpHttp', 'otlpGrpcTls', 'otlpHttpTls', 'zipkin',
                    'samplingGrpc'];

// Starts Jaeger with a config of tests/backends/jaeger (backend.yaml unless
// said otherwise; an array of configs is merged in order, as the Collector
// merges repeated --config flags). tls is { cert, key } for backend.yaml's TLS receivers;
// ports are new free ones unless given (a restart passes the first run's);
// env adds to the environment (collector.yaml's JAEGER_BACKEND_OTLP_GRPC_PORT).
// Resolves once the health endpoint answers 200, with the ports and helpers.
export async function startJaeger(binary, tls, { config = JAEGER_CONFIG, ports, env: extraEnv = {} } = {}) {
  if (!ports) {
    const free = await freePorts(PORT_NAMES.length);
    ports = Object.fromEntries(PORT_NAMES.map((name, i) => [name, free[i]]));
  }
  const { health, queryHttp, queryGrpc, otlpGrpc, otlpHttp, otlpGrpcTls, otlpHttpTls, zipkin, samplingGrpc } = ports;
  const env = {
    ...process.env,
    JAEGER_HEALTH_PORT: String(health),
    JAEGER_QUERY_HTTP_PORT: String(queryHttp),
    JAEGER_QUERY_GRPC_PORT: String(queryGrpc),
    JAEGER_OTLP_GRPC_PORT: String(otlpGrpc),
    JAEGER_OTLP_HTTP_PORT: String(otlpHttp),
    JAEGER_OTLP_GRPC_TLS_PORT: String(otlpGrpcTls),
    JAEGER_OTLP_HTTP_TLS_PORT: String(otlpHttpTls),
    JAEGER_ZIPKIN_PORT: String(zipkin),
    JAEGER_SAMPLING_GRPC_PORT: String(samplingGrpc),
    ...(tls ? { JAEGER_TLS_CERT: tls.cert, JAEGER_TLS_KEY: tls.key } : {}),
    ...extraEnv,
  };
  const configArgs = [config].flat().flatMap((c) => ['--config', c]);
  const run = launch(binary, configArgs, { env });
  const describe = () => `jaeger stdout:\n${run.stdout}\njaeger stderr:\n${run.stderr}`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let healthy = false;
  while (!healthy && Date.now() < deadline) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) break;
    try {
      healthy = (await fetch(`http://127.0.0.1:${health}/status`)).status === 200;
    } catch {
      // not listening yet
    }
    if (!healthy) await sleep(100);
  }
  if (!healthy) {
    killIfRunning(run);
    throw new Error(`jaeger did not become healthy within ${HEALTH_TIMEOUT_MS} ms\n${describe()}`);
  }
  const queryBase = `http://127.0.0.1:${queryHttp}`;
  return {
    pid: run.child.pid,
    ports,
    describe,
    // One trace by id as OTLP JSON resource spans; [] while Jaeger has none.
    async trace(traceId) {
      const r = await fetch(`${queryBase}/api/v3/traces/${traceId}`);
      const text = await r.text();
      if (r.status === 404) return [];
      assert.equal(r.status, 200, `GET /api/v3/traces/${traceId}: ${text}`);
      return JSON.parse(text).result?.resourceSpans ?? [];
    },
    // The service names Jaeger has seen.
    async services() {
      const r = await fetch(`${queryBase}/api/v3/services`);
      assert.equal(r.status, 200);
      return (await r.json()).services ?? [];
    },
    // SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. Jaeger's own shutdown is
    // not what the tests examine (now and then it waits past the limit for a
    // connection to drain), so a kill is reported, not thrown.
    async stop() {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS); });
      const result = await Promise.race([run.exited, timeout]);
      clearTimeout(timer);
      if (result !== null) return { ...result, killed: false };
      killIfRunning(run);
      return { ...(await run.exited), killed: true };
    },
    kill: () => killIfRunning(run),
  };
}

// Flattens OTLP JSON resource spans into spans that carry their resource's
// and scope's attributes, every attribute decoded to { type, value } so that a
// test can tell an int from a double or a string as Jaeger stored it.
export function flattenSpans(resourceSpans) {
  const out = [];
  for (const rs of resourceSpans) {
    const resource = decodeAttributes(rs.resource?.attributes ?? []);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          ...s,
          resource,
          scope: ss.scope ?? {},
          attrs: decodeAttributes(s.attributes ?? []),
          events: (s.events ?? []).map((e) => ({ ...e, attrs: decodeAttributes(e.attributes ?? []) })),
        });
      }
    }
  }
  return out;
}

// { key: { type, value } } with type one of string, int, double, bool, array.
export function decodeAttributes(list) {
  const out = {};
  for (const { key, value } of list) out[key] = decodeValue(value ?? {});
  return out;
}

function decodeValue(v) {
  if ('stringValue' in v) return { type: 'string', value: v.stringValue };
  if ('intValue' in v) return { type: 'int', value: Number(v.intValue) };
  if ('doubleValue' in v) return { type: 'double', value: Number(v.doubleValue) };
  if ('boolValue' in v) return { type: 'bool', value: v.boolValue };
  if ('arrayValue' in v) return { type: 'array', value: (v.arrayValue.values ?? []).map(decodeValue) };
  return { type: 'unknown', value: v };
}

// Polls until predicate(spans) holds for the trace or the time is up; returns
// the last spans read.
export async function waitForTrace(jaeger, traceId, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let spans = [];
  while (Date.now() < deadline) {
    spans = flattenSpans(await jaeger.trace(traceId));
    if (predicate(spans)) return spans;
    await sleep(200);
  }
  return spans;
}

// The spans of one trace in the form otlp-sink writes them (its JSON lines),
// so that the checks written for the sink (cross_service_checks.mjs) read
// what Jaeger stored: service from the resource, ids as hex, attribute values
// plain (an int that Jaeger kept as an int is a Number).
export function asSinkSpans(resourceSpans) {
  const plain = (attrs) => Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, plainValue(v)]));
  return flattenSpans(resourceSpans).map((s) => ({
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: s.parentSpanId ?? '',
    name: s.name,
    kind: s.kind,
    service: s.resource['service.name']?.value,
    resource: plain(s.resource),
    attributes: plain(s.attrs),
    events: s.events.map((e) => ({ name: e.name, attributes: plain(e.attrs) })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
    start_unix_nano: s.startTimeUnixNano,
    end_unix_nano: s.endTimeUnixNano,
  }));
}

function plainValue(v) {
  return v.type === 'array' ? v.value.map(plainValue) : v.value;
}

// A running Jaeger as runTour's backend (cross_service_helpers.mjs): the peers
// export OTLP over HTTP to it, and a tour's trace is read back by its id.
export function jaegerTourBackend(jaeger) {
  return {
    otlpEndpoint: `http://127.0.0.1:${jaeger.ports.otlpHttp}`,
    spans: async (tour) => asSinkSpans(await jaeger.trace(tour.trace_id)),
  };
}
