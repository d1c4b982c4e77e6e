// The README's embedding guide, built against the installed package (by
// install_package.cmake, with CMake and with pkg-config), exports its trace
// to otlp-sink over gRPC and HTTP/protobuf: three spans of one trace, the
// two children under the server span, one of them made on another thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cleanEnv, startSink } from './process_helpers.mjs';

const SINK = process.env.OTLP_SINK;
const EXAMPLES = { cmake: process.env.EXAMPLE_CMAKE, 'pkg-config': process.env.EXAMPLE_PKGCONFIG };

for (const [build, binary] of Object.entries(EXAMPLES)) {
  for (const protocol of ['grpc', 'http/protobuf']) {
    test(`example built with ${build}, ${protocol}: the trace arrives whole`, { timeout: 60000 }, async () => {
      const sink = await startSink(SINK);
      try {
        const port = protocol === 'grpc' ? sink.grpcPort : sink.httpPort;
        const r = spawnSync(binary, [], {
          encoding: 'utf8',
          timeout: 30000,
          env: cleanEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }),
        });
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /shutdown: OK/);
        const stopped = await sink.stop();
        assert.equal(stopped.code, 0);
        const spans = sink.spans();
        assert.deepEqual(spans.map((s) => s.name).sort(), ['GET /cart', 'load cart', 'price items']);
        assert.ok(spans.every((s) => s.transport === protocol && s.service === 'checkout' && s.scope === 'checkout'));
        const server = spans.find((s) => s.name === 'GET /cart');
        assert.equal(server.kind, 2, 'SPAN_KIND_SERVER');
        assert.equal(server.parent_span_id, '');
        for (const child of spans.filter((s) => s !== server)) {
          assert.equal(child.trace_id, server.trace_id, `${child.name}: same trace`);
          assert.equal(child.parent_span_id, server.span_id, `${child.name}: child of the server span`);
        }
      } finally {
        sink.kill();
      }
    });
  }
}
