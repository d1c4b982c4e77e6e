// The QA tour the JS clients (js_client.mjs on the OpenTelemetry SDK,
// zipkin_client.mjs on zipkin-js) walk through qa-pms-api, and the one JSON
// request each of its steps makes. Each client brings its own node:http (the
// OpenTelemetry one is patched by its instrumentation) and its own `step`,
// which traces the request its way.
//
//   POST /api/v1/projects                          → 201
//   POST /api/v1/projects/{id}/cases               → 201
//   POST /api/v1/projects/{id}/runs                → 201 (results hold the case)
//   PUT  /api/v1/runs/{run}/results/{case} failed  → 200
//   POST /api/v1/projects/{id}/sync                → 200 (tracker_status 201):
//        the one route that calls the issue tracker, which it does only for a
//        run with a failed result.

// A failure the tour itself detected (as opposed to a crash): only its message is shown.
export class Unexpected extends Error {}

// One JSON request through the given node:http; resolves {status, body, headers}.
export function callJson(http, agent, base, method, path, body, extraHeaders = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, base);
    // An explicit content-length, also 0 for a bodiless POST (node would send it chunked).
    const headers = { ...extraHeaders, accept: 'application/json',
                      'content-length': payload === undefined ? 0 : Buffer.byteLength(payload) };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const req = http.request(url, { method, headers, agent, timeout: 15000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let parsed = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = { unparsed: text };
        }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Walks the tour; step(method, path, body, expectedStatus) makes one request,
// throws Unexpected on another status, and resolves with the response body.
export async function walkTour(step) {
  const project = await step('POST', '/api/v1/projects', { name: `cross-service ${Date.now()}`,
                                                          description: 'js client → qa-pms-api → issue tracker' }, 201);
  const projectId = project?.id;
  if (projectId === undefined) throw new Unexpected(`project has no id: ${JSON.stringify(project)}`);
  const testCase = await step('POST', `/api/v1/projects/${projectId}/cases`, { title: 'login works' }, 201);
  const caseId = testCase?.id;
  if (caseId === undefined) throw new Unexpected(`case has no id: ${JSON.stringify(testCase)}`);
  const run = await step('POST', `/api/v1/projects/${projectId}/runs`, { name: 'nightly' }, 201);
  if (run?.id === undefined) throw new Unexpected(`run has no id: ${JSON.stringify(run)}`);
  if (!Array.isArray(run.results) || !run.results.some((r) => r.case_id === caseId)) {
    throw new Unexpected(`run results do not hold case ${caseId}: ${JSON.stringify(run)}`);
  }
  await step('PUT', `/api/v1/runs/${run.id}/results/${caseId}`, { status: 'failed', note: 'button does nothing' }, 200);
  const sync = await step('POST', `/api/v1/projects/${projectId}/sync`, undefined, 200);
  if (sync?.tracker_status !== 201) throw new Unexpected(`tracker_status is not 201: ${JSON.stringify(sync)}`);
  let issue = null;
  try {
    issue = JSON.parse(sync.tracker_response).issue ?? null;
  } catch {
    throw new Unexpected(`tracker_response is not JSON: ${JSON.stringify(sync)}`);
  }
  if (!/^QA-\d+$/.test(issue ?? '')) throw new Unexpected(`tracker_response names no issue: ${JSON.stringify(sync)}`);
  return { project_id: projectId, sync_status: 200, run_id: run.id, case_id: caseId, issue };
}

// The base URL from argv (the only argument), or exit 2 with usage.
export function baseUrlArgument(script, log) {
  const arg = process.argv[2];
  if (!arg || process.argv.length > 3) {
    log(`usage: node ${script} <base-url>`);
    process.exit(2);
  }
  let base;
  try {
    base = new URL(arg);
  } catch {
    log(`'${arg}' is not a URL`);
    process.exit(2);
  }
  if (base.protocol !== 'http:') {
    log('the base URL must be http://');
    process.exit(2);
  }
  return base;
}
