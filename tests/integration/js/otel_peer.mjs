// The OpenTelemetry SDK set-up the JS peers (js_client.mjs, tracker_service.mjs)
// share: diagnostics on stderr, an http/protobuf exporter whose every result
// is kept (failures are reported only through its callback), and a registered
// NodeTracerProvider with the propagator and id generator chosen by
// PEER_PROPAGATOR and PEER_ID_GENERATOR (peer_propagation.mjs).
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

import { peerPropagation } from './peer_propagation.mjs';

// stderr lines prefixed with the peer's name.
export function makeLog(prefix) {
  return (message) => process.stderr.write(`${prefix}: ${message}\n`);
}

function setDiagLogger(log) {
  const show = (level) => (m, ...a) => log(`[otel ${level}] ${m} ${a.map(String).join(' ')}`);
  diag.setLogger(
    { error: show('error'), warn: show('warn'), info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT
// + /v1/traces; exits 2 when neither is set.
function tracesUrl(log) {
  if (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) {
    log('OTEL_EXPORTER_OTLP_ENDPOINT is not set');
    process.exit(2);
  }
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

// makeProcessor(exporter) builds the span processor. Returns { provider,
// propagation, exportResults }; exportResults gains one { ok, spans, error }
// per export.
export function startPeerTracing({ serviceName, log, makeProcessor, providerConfig = {} }) {
  setDiagLogger(log);
  let propagation;
  try {
    propagation = peerPropagation();
  } catch (e) {
    log(e.message);
    process.exit(2);
  }
  const exporter = new OTLPTraceExporter({ url: tracesUrl(log) });
  const exportResults = [];
  const originalExport = exporter.export.bind(exporter);
  exporter.export = (spans, done) => {
    originalExport(spans, (result) => {
      exportResults.push({ ok: result.code === ExportResultCode.SUCCESS, spans: spans.length, error: result.error });
      done(result);
    });
  };
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
    spanProcessors: [makeProcessor(exporter)],
    ...providerConfig,
    ...propagation.tracerConfig,
  });
  // Global tracer provider, AsyncLocalStorage context manager, the chosen propagator.
  provider.register(propagation.registerConfig);
  return { provider, propagation, exportResults };
}

// Flushes and shuts the provider down; the failures of that and of every
// export, as messages (empty when all went well).
export async function stopPeerTracing({ provider, exportResults }) {
  const problems = [];
  try {
    await provider.forceFlush();
    await provider.shutdown();
  } catch (e) {
    problems.push(`flush/shutdown failed: ${e?.message ?? e}`);
  }
  const failed = exportResults.filter((r) => !r.ok);
  if (failed.length > 0) {
    problems.push(`export failed: ${failed.map((r) => `${r.spans} span(s): ${r.error?.message ?? 'no error given'}`).join('; ')}`);
  }
  return problems;
}
