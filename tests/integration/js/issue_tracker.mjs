// The issue tracker the JS stand-ins (tracker_service.mjs on the OpenTelemetry
// SDK, zipkin_tracker.mjs on zipkin-js) serve to qa-pms-api's sync route.
//
// It listens on 127.0.0.1 (a free port) and prints `tracker: listening on
// 127.0.0.1:<port>` on stdout; it answers POST /issues with 201
// {"issue":"QA-<n>"} (a body that is not JSON: 400; anything else: 404). After
// each response it prints `tracker: request {json}` on stdout with the
// method, path, status and every header received (so that a test can read
// what the caller propagated), plus what onResponse adds. With
// TRACKER_FAIL_EVERY=n in the environment every n-th POST /issues answers
// 500 instead (a failing downstream for the tail-sampling test). On
// SIGTERM/SIGINT it closes the server, then exits with the code onStop
// resolves with.

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// http: the node:http to serve with (the OpenTelemetry stand-in passes the one
// its instrumentation patched). onRequest(req) runs first, synchronously
// within the request's callback, and its result is handed to
// onResponse(req, res, state), which returns extra fields for the request line.
export function serveIssues({ http, log, onRequest = () => undefined, onResponse = () => ({}), onStop = async () => 0 }) {
  let nextIssue = 1;
  let posts = 0;
  const failEvery = Number(process.env.TRACKER_FAIL_EVERY ?? 0);
  const server = http.createServer((req, res) => {
    const state = onRequest(req);
    const path = (req.url ?? '').split('?')[0];
    res.on('finish', () => {
      const line = { method: req.method, path, status: res.statusCode, headers: req.headers,
                     ...onResponse(req, res, state) };
      process.stdout.write(`tracker: request ${JSON.stringify(line)}\n`);
    });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || path !== '/issues') {
        send(res, 404, { error: 'not found' });
        return;
      }
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(res, 400, { error: 'body is not JSON' });
        return;
      }
      posts++;
      if (failEvery > 0 && posts % failEvery === 0) {
        send(res, 500, { error: 'tracker failure (TRACKER_FAIL_EVERY)' });
        return;
      }
      send(res, 201, { issue: `QA-${nextIssue++}` });
    });
  });

  server.listen(0, '127.0.0.1', () => {
    const { address, port } = server.address();
    process.stdout.write(`tracker: listening on ${address}:${port}\n`);
  });

  let stopping = false;
  async function stop(signal) {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections?.();
      setTimeout(() => server.closeAllConnections?.(), 2000).unref();
    });
    process.exit(await onStop());
  }
  process.on('SIGTERM', () => { stop('SIGTERM'); });
  process.on('SIGINT', () => { stop('SIGINT'); });
  return server;
}
