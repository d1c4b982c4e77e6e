// The official OpenTelemetry JavaScript SDK (tests/integration/js, pinned in
// its package-lock.json) sends one trace to otlp-sink over each OTLP protocol,
// with and without gzip; the sink's JSON lines must hold exactly what the SDK
// reports having sent. This proves the sink reads what the official encoders write.
//
//   cd tests/integration/js && npm ci
//   OTLP_SINK=build/release/tools/otlp-sink node --test tests/integration/otlp_sink_js.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  checkSummary,
  checkTrace,
  parseEmitted,
  parseJsonl,
  parseListening,
  parseSummary,
} from './js/sink_checks.mjs';
import { killIfRunning, launch } from './process_helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const jsDir = join(here, 'js');
const emitScript = join(jsDir, 'emit_trace.mjs');
const sinkBinary = process.env.OTLP_SINK;

const LISTEN_TIMEOUT_MS = 10_000;
const EMIT_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 60_000;

assert.ok(sinkBinary, 'OTLP_SINK must name the otlp-sink binary');
assert.ok(existsSync(sinkBinary), `OTLP_SINK=${sinkBinary} does not exist`);
assert.ok(
  existsSync(join(jsDir, 'node_modules', '@opentelemetry', 'sdk-trace-base')),
  `the OpenTelemetry JS SDK is not installed: run 'npm ci' in ${jsDir}`,
);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Resolves with { grpc, http } once the sink printed both listening lines.
function waitForListening(sink) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const check = () => {
        const ports = parseListening(sink.stdout);
        if (ports.grpc !== undefined && ports.http !== undefined) {
          sink.child.stdout.off('data', check);
          resolve(ports);
        }
      };
      sink.child.stdout.on('data', check);
      sink.exited.then((r) => reject(new Error(`otlp-sink exited before listening (code ${r.code}, signal ${r.signal})`)));
      check();
    }),
    LISTEN_TIMEOUT_MS,
    'otlp-sink listening lines',
  );
}

async function emit(protocol, endpoint, gzip) {
  const args = [emitScript, '--protocol', protocol, '--endpoint', endpoint];
  if (gzip) args.push('--gzip');
  const emitter = launch(process.execPath, args, { cwd: jsDir });
  try {
    const result = await withTimeout(emitter.exited, EMIT_TIMEOUT_MS, 'emit_trace.mjs');
    return { ...result, stdout: emitter.stdout, stderr: emitter.stderr };
  } finally {
    killIfRunning(emitter);
  }
}

// Multi-line text as one diagnostic line each, so a failure shows it readably.
function diagnose(t, title, text) {
  t.diagnostic(`${title}:`);
  for (const line of text.split('\n')) if (line !== '') t.diagnostic(`  ${line}`);
}

const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'];

for (const protocol of PROTOCOLS) {
  for (const gzip of [false, true]) {
    test(`OpenTelemetry JS over ${protocol}${gzip ? ' with gzip' : ''} reaches otlp-sink intact`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'otlp-sink-js-'));
      const jsonl = join(dir, 'spans.jsonl');
      const sink = launch(sinkBinary, ['--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--jsonl', jsonl, '--quiet-ms', '200']);
      let emitted = null;
      try {
        const ports = await waitForListening(sink);
        const endpoint = protocol === 'grpc' ? `http://127.0.0.1:${ports.grpc}` : `http://127.0.0.1:${ports.http}/v1/traces`;

        const run = await emit(protocol, endpoint, gzip);
        assert.equal(run.error, null, `emit_trace.mjs could not start: ${run.error?.message}`);
        assert.equal(run.code, 0, `emit_trace.mjs exited ${run.code} (signal ${run.signal}):\n${run.stderr}`);
        emitted = parseEmitted(run.stdout);
        assert.equal(emitted.protocol, protocol);
        assert.equal(emitted.exported_spans, 3, 'the exporter reports three spans exported');

        process.kill(sink.child.pid, 'SIGTERM');
        const exit = await withTimeout(sink.exited, EXIT_TIMEOUT_MS, 'otlp-sink exit after SIGTERM');
        assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, `otlp-sink exit; stderr:\n${sink.stderr}`);
        checkSummary(parseSummary(sink.stdout));

        const spans = parseJsonl(readFileSync(jsonl, 'utf8'));
        checkTrace(spans, emitted, protocol);
      } catch (error) {
        diagnose(t, 'otlp-sink stdout', sink.stdout);
        diagnose(t, 'otlp-sink stderr', sink.stderr);
        if (emitted) diagnose(t, 'emitted', JSON.stringify(emitted));
        if (existsSync(jsonl)) diagnose(t, 'JSON lines', readFileSync(jsonl, 'utf8'));
        throw error;
      } finally {
        killIfRunning(sink);
        await withTimeout(sink.exited, EXIT_TIMEOUT_MS, 'otlp-sink exit').catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}
