// The span pipeline against tools/otlp-sink: tracegen (our SDK, batch
// processor, encoder and senders) exports over gRPC, HTTP/protobuf and
// HTTP/JSON, with and without gzip, in plaintext, TLS and mTLS; every span
// arrives exactly once. Then each fault mode of the sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSink, runTracegen, makeCertificates } from './process_helpers.mjs';

const SINK = process.env.OTLP_SINK;
const TRACEGEN = process.env.TRACEGEN;
assert.ok(SINK && TRACEGEN, 'OTLP_SINK and TRACEGEN must name the binaries');

const certs = makeCertificates();
const fast = { OTEL_BSP_SCHEDULE_DELAY: '50' };

function endpoint(sink, protocol, scheme = 'http') {
  const host = scheme === 'https' ? 'localhost' : '127.0.0.1';
  return `${scheme}://${host}:${protocol === 'grpc' ? sink.grpcPort : sink.httpPort}`;
}

function assertExactlyOnce(spans, count) {
  const ids = new Set(spans.map((s) => s.span_id));
  assert.equal(spans.length, count, 'span lines at the sink');
  assert.equal(ids.size, count, 'every span exactly once');
}

const modes = {
  plaintext: { sinkArgs: [], scheme: 'http', env: {} },
  tls: { sinkArgs: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey], scheme: 'https',
         env: { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.ca } },
  mtls: { sinkArgs: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--client-ca', certs.ca],
          scheme: 'https',
          env: { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.ca, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCert,
                 OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKey } },
};

for (const [modeName, mode] of Object.entries(modes)) {
  for (const protocol of ['grpc', 'http/protobuf', 'http/json']) {
    for (const gzip of [false, true]) {
      test(`${protocol} ${modeName}${gzip ? ' gzip' : ''}: every span exactly once`, { timeout: 60000 }, async () => {
        const sink = await startSink(SINK, mode.sinkArgs);
        try {
          const r = runTracegen(TRACEGEN, ['--count', '600', '--threads', '2', '--otlp-protocol', protocol,
                                           '--otlp-endpoint', endpoint(sink, protocol, mode.scheme)],
                                { ...fast, ...mode.env, ...(gzip ? { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' } : {}) });
          assert.equal(r.status, 0, r.stderr + r.stdout);
          assert.equal(r.summary.exported, 600);
          assert.equal(r.summary.failed, 0);
          const stopped = await sink.stop();
          assert.equal(stopped.code, 0);
          assert.equal(stopped.summary.errors, 0);
          assertExactlyOnce(sink.spans(), 600);
          const transport = protocol === 'grpc' ? 'grpc' : protocol;
          assert.ok(sink.spans().every((s) => s.transport === transport && s.service === 'tracegen'));
        } finally {
          sink.kill();
        }
      });
    }
  }
}

for (const protocol of ['grpc', 'http/protobuf']) {
  test(`${protocol}: transient failures lose nothing`, { timeout: 60000 }, async () => {
    const sink = await startSink(SINK, ['--fail-first', '2']);
    try {
      const r = runTracegen(TRACEGEN, ['--count', '200', '--otlp-protocol', protocol, '--otlp-endpoint', endpoint(sink, protocol)], fast);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.summary.exported, 200);
      const stopped = await sink.stop();
      assert.equal(stopped.summary.errors, 2, 'two refused attempts');
      assertExactlyOnce(sink.spans(), 200);
    } finally {
      sink.kill();
    }
  });

  test(`${protocol}: throttling waits the announced time (±20 %)`, { timeout: 60000 }, async () => {
    const sink = await startSink(SINK, ['--throttle-first', '1', '--retry-after', '2']);
    try {
      const r = runTracegen(TRACEGEN, ['--count', '50', '--otlp-protocol', protocol, '--otlp-endpoint', endpoint(sink, protocol)], fast);
      assert.equal(r.status, 0, r.stderr);
      await sink.stop();
      const throttledAt = Number(/injected throttling \(--throttle-first\) at (\d+)/.exec(sink.output())[1]);
      const spans = sink.spans();
      assertExactlyOnce(spans, 50);
      const waitedS = (Number(spans[0].received_unix_nano) - throttledAt) / 1e9;
      assert.ok(waitedS >= 1.6 && waitedS <= 2.4, `waited ${waitedS} s for a 2 s Retry-After`);
    } finally {
      sink.kill();
    }
  });

  test(`${protocol}: permanent errors are not retried`, { timeout: 60000 }, async () => {
    const sink = await startSink(SINK, ['--bad-request-first', '1']);
    try {
      const r = runTracegen(TRACEGEN, ['--count', '40', '--otlp-protocol', protocol, '--otlp-endpoint', endpoint(sink, protocol)], fast);
      assert.equal(r.status, 1, 'tracegen reports the loss');
      assert.equal(r.summary.failed, 40);
      assert.match(r.stderr, /not retryable/);
      const stopped = await sink.stop();
      assert.equal(stopped.summary.requests, 1, 'one attempt only');
    } finally {
      sink.kill();
    }
  });

  test(`${protocol}: partial success is counted`, { timeout: 60000 }, async () => {
    const sink = await startSink(SINK, ['--reject-spans', '5']);
    try {
      const r = runTracegen(TRACEGEN, ['--count', '30', '--otlp-protocol', protocol, '--otlp-endpoint', endpoint(sink, protocol)], fast);
      assert.equal(r.summary.exported, 25);
      assert.equal(r.summary.failed, 5);
      assert.match(r.stderr, /partial success/);
    } finally {
      sink.kill();
    }
  });

  test(`${protocol}: a wrong CA is a clear error naming the endpoint`, { timeout: 60000 }, async () => {
    const sink = await startSink(SINK, modes.tls.sinkArgs);
    try {
      const url = endpoint(sink, protocol, 'https');
      const r = runTracegen(TRACEGEN, ['--count', '10', '--otlp-protocol', protocol, '--otlp-endpoint', url],
                            { ...fast, OTEL_EXPORTER_OTLP_CERTIFICATE: certs.wrongCa });
      assert.equal(r.summary.exported, 0);
      assert.ok(r.stderr.includes(`127.0.0.1`) || r.stderr.includes('localhost'), r.stderr);
      assert.match(r.stderr, /certificate|TLS|SSL/i);
      assert.ok(r.wallMs < 10000, 'not retried until the export timeout');
    } finally {
      sink.kill();
    }
  });

  // Review item 8: mutual TLS without a client certificate reads as "Socket
  // closed" or a receive error; the exporter says what is missing instead,
  // and does not retry for the whole export timeout.
  test(`${protocol}: a collector that requires a client certificate says so`, { timeout: 60000 }, async () => {
    const sink = await startSink(SINK, modes.mtls.sinkArgs);
    try {
      const r = runTracegen(TRACEGEN, ['--count', '10', '--otlp-protocol', protocol,
                                       '--otlp-endpoint', endpoint(sink, protocol, 'https')],
                            { ...fast, OTEL_EXPORTER_OTLP_CERTIFICATE: certs.ca });
      assert.equal(r.summary.exported, 0);
      assert.match(r.stderr, /requires a client certificate \(mutual TLS\).*OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE/);
      assert.match(r.stderr, /not retryable/);
      assert.ok(r.wallMs < 10000, `not retried until the export timeout (${r.wallMs} ms)`);
    } finally {
      sink.kill();
    }
  });

  test(`${protocol}: dead endpoint: shutdown(5 s) returns within 5.5 s and spans never waited`, { timeout: 60000 }, async () => {
    // A port that nothing listens on: start a sink, note a port, stop it.
    const sink = await startSink(SINK);
    const deadPort = protocol === 'grpc' ? sink.grpcPort : sink.httpPort;
    await sink.stop();
    const r = runTracegen(TRACEGEN, ['--count', '2000', '--otlp-protocol', protocol, '--otlp-endpoint',
                                     `http://127.0.0.1:${deadPort}`, '--shutdown-timeout-ms', '5000'],
                          { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BSP_EXPORT_TIMEOUT: '60000' });
    assert.equal(r.summary.exported, 0);
    // A refused connection is transient: retried until shutdown, never
    // dropped as a permanent rejection.
    assert.doesNotMatch(r.stderr, /not retryable/, r.stderr);
    assert.match(r.stderr, /retrying in .*; \d+ spans dropped so far because the queue was full/, r.stderr);
    assert.ok(r.summary.elapsedS < 1.0, `creating 2000 spans took ${r.summary.elapsedS} s: the request path waited`);
    assert.ok(r.wallMs < 5500 + 1000, `tracegen took ${r.wallMs} ms with a 5 s shutdown timeout`);
  });
}

// bench/peers/ compares the peer SDKs with `tracegen --span http-server`:
// each root is the span the peers make.
test('--span http-server makes the peers\' span', { timeout: 60000 }, async () => {
  const sink = await startSink(SINK, []);
  try {
    const r = runTracegen(TRACEGEN, ['--count', '20', '--depth', '1', '--span', 'http-server', '--otlp-protocol', 'grpc',
                                     '--otlp-endpoint', endpoint(sink, 'grpc')], fast);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    await sink.stop();
    const spans = sink.spans();
    assert.equal(spans.length, 20);
    for (const s of spans) {
      assert.equal(s.name, 'GET /api/v1/projects/{id}');
      assert.equal(s.kind, 2);
      assert.deepEqual(s.attributes, { 'http.request.method': 'GET', 'http.route': '/api/v1/projects/{id}',
                                       'url.path': '/api/v1/projects/42', 'http.response.status_code': 200,
                                       'server.port': 8080 });
    }
  } finally {
    sink.kill();
  }
});
