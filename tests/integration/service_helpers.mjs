// Starting qa-pms-api and a stand-in issue tracker for the service tests.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { cleanEnv } from './process_helpers.mjs';

// Starts qa-pms-api; resolves with its base URL once it listens.
export async function startService(binary, args = [], env = {}, { timeoutMs = 15000 } = {}) {
  const proc = spawn(binary, ['--listen', '127.0.0.1:0', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /qa-pms-api: listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
    if (m) {
      return {
        base: `http://127.0.0.1:${m[1]}`,
        pid: proc.pid,
        logs: () => stderr.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } }),
        async stop(signal = 'SIGTERM', limitMs = 20000) {
          const started = Date.now();
          if (proc.exitCode === null) proc.kill(signal);
          const r = await Promise.race([exited, new Promise((res) => setTimeout(() => res(null), limitMs).unref())]);
          if (r === null) { proc.kill('SIGKILL'); throw new Error('qa-pms-api did not stop'); }
          return { ...r, ms: Date.now() - started };
        },
        kill() { if (proc.exitCode === null) proc.kill('SIGKILL'); },
      };
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  throw new Error(`qa-pms-api did not start:\n${stdout}\n${stderr}`);
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
