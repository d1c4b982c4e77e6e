// Starting qa-pms-api and a stand-in issue tracker for the service tests.
import http from 'node:http';
import { startProcess } from './process_helpers.mjs';

// Starts qa-pms-api; resolves with its base URL once it listens.
export async function startService(binary, args = [], env = {}) {
  const p = await startProcess(binary, ['--listen', '127.0.0.1:0', ...args], env,
                               [/qa-pms-api: listening on 127\.0\.0\.1:(\d+)/]);
  return {
    base: `http://127.0.0.1:${p.captures[0]}`,
    pid: p.pid,
    logs: () => p.stderr().split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } }),
    stop: p.stop,
    kill: p.kill,
  };
}

// A plain issue tracker: remembers the requests it got (with headers).
export async function startTracker(status = 201) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issue: `QA-${requests.length}` }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

export async function call(base, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, json, text };
}

// A project with one test case whose run result is "failed": what the sync
// route sends to the tracker. Resolves with the project's id.
export async function projectWithFailedResult(base, name) {
  const p = await call(base, 'POST', '/api/v1/projects', { name });
  const c = await call(base, 'POST', `/api/v1/projects/${p.json.id}/cases`, { title: 'fails' });
  const run = await call(base, 'POST', `/api/v1/projects/${p.json.id}/runs`, { name: 'r' });
  await call(base, 'PUT', `/api/v1/runs/${run.json.id}/results/${c.json.id}`, { status: 'failed' });
  return p.json.id;
}
