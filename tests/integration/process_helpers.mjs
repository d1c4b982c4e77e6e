// Starting and stopping the project's programs from node:test integration
// tests: otlp-sink (with its chosen ports), tracegen, and test certificates.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  return { ...env, ...extra };
}

// A child process with its output gathered as it arrives; options go to
// spawn (env defaults to cleanEnv()). `exited` resolves on 'close', after
// stdout and stderr are drained.
export function launch(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(), ...options });
  const run = { child, stdout: '', stderr: '', exited: null, name: command };
  child.stdout.setEncoding('utf8').on('data', (d) => { run.stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { run.stderr += d; });
  run.exited = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal, error: null }));
  });
  return run;
}

// SIGKILL by the child's own pid when it started and is still running.
export function killIfRunning(run) {
  if (run && run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
    try {
      process.kill(run.child.pid, 'SIGKILL');
    } catch {
      // it exited meanwhile
    }
  }
}

// What a launched process printed, for an assertion message.
export function describe(run) {
  return `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

// Waits for `<prefix> listening on 127.0.0.1:<port>` on the process's stdout.
export async function waitForListening(run, prefix) {
  const pattern = new RegExp(`${prefix}: listening on 127\\.0\\.0\\.1:(\\d+)`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const m = pattern.exec(run.stdout);
    if (m) return Number(m[1]);
    if (run.child.exitCode !== null || run.child.signalCode !== null) break;
    await sleep(20);
  }
  throw new Error(`${prefix} did not report listening\n${describe(run)}`);
}

export async function waitForExit(run, what, timeoutMs = 15_000) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
  const result = await Promise.race([run.exited, timeout]);
  clearTimeout(timer);
  if (result === null) throw new Error(`${what} did not exit within ${timeoutMs} ms\n${describe(run)}`);
  return result;
}

// Starts a program and waits until its stdout matches every pattern in
// ready (each with one capture group). Resolves with the captures and
// handles to read its output, stop it (a signal, then SIGKILL after a limit)
// and kill it.
export async function startProcess(binary, args, env, ready, { timeoutMs = 15000 } = {}) {
  const name = binary.split('/').pop();
  const proc = spawn(binary, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const matches = ready.map((pattern) => pattern.exec(stdout));
    if (matches.every(Boolean)) {
      return {
        captures: matches.map((m) => m[1]),
        pid: proc.pid,
        output: () => stdout,
        stderr: () => stderr,
        async stop(signal = 'SIGTERM', limitMs = 20000) {
          const started = Date.now();
          if (proc.exitCode === null) proc.kill(signal);
          const r = await Promise.race([exited, new Promise((res) => setTimeout(() => res(null), limitMs).unref())]);
          if (r === null) { proc.kill('SIGKILL'); throw new Error(`${name} did not stop on ${signal}`); }
          return { ...r, ms: Date.now() - started };
        },
        kill() { if (proc.exitCode === null) proc.kill('SIGKILL'); },
      };
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  throw new Error(`${name} did not start:\n${stdout}\n${stderr}`);
}

// Starts otlp-sink on free loopback ports; resolves once both ports are known.
// With jsonl false the sink only counts what it receives (benchmarks: writing
// a JSON line per span would take the CPU the measured service needs).
export async function startSink(binary, args = [], { jsonl: keepJsonl = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sink-'));
  const jsonl = join(dir, 'spans.jsonl');
  const output = keepJsonl ? ['--jsonl', jsonl] : [];
  const p = await startProcess(binary, ['--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', ...output, '--no-tree', ...args],
                               {}, [/grpc listening on 127\.0\.0\.1:(\d+)/, /http listening on 127\.0\.0\.1:(\d+)/]);
  return {
    pid: p.pid,
    grpcPort: Number(p.captures[0]),
    httpPort: Number(p.captures[1]),
    output: p.output,
    stderr: p.stderr,
    spans: () => (existsSync(jsonl) ? readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    async stop() {
      const result = await p.stop('SIGTERM', 10000);
      // With --distinct the sink also counts distinct spans and duplicates.
      const m = /requests=(\d+) spans=(\d+) bytes=(\d+) errors=(\d+)(?: distinct=(\d+) duplicates=(\d+))?/.exec(p.output());
      return {
        ...result,
        summary: m && { requests: +m[1], spans: +m[2], bytes: +m[3], errors: +m[4],
                        distinct: m[5] === undefined ? undefined : +m[5], duplicates: m[6] === undefined ? undefined : +m[6] },
      };
    },
    kill: p.kill,
  };
}

// Runs tracegen to completion and parses its summary line.
export function runTracegen(binary, args, env = {}, timeoutMs = 60000) {
  const started = Date.now();
  const r = spawnSync(binary, args, { env: cleanEnv(env), encoding: 'utf8', timeout: timeoutMs });
  const wallMs = Date.now() - started;
  const m = /created=(\d+) sampled=(\d+) exported=(\d+) dropped=(\d+) failed=(\d+) elapsed_s=([\d.e-]+)/.exec(r.stdout);
  return {
    status: r.status, stdout: r.stdout, stderr: r.stderr, wallMs,
    summary: m && { created: +m[1], sampled: +m[2], exported: +m[3], dropped: +m[4], failed: +m[5], elapsedS: +m[6] },
  };
}

// A CA, a server certificate for localhost/127.0.0.1 signed by it, a client
// certificate signed by it, and an unrelated CA. Made with the openssl CLI.
export function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), 'certs-'));
  const run = (args) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ca = (name) => run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
                            '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  ca('ca');
  ca('wrong-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who === 'server' ? 'localhost' : 'qtrace-client'}`,
         '-keyout', `${who}.key`, '-out', `${who}.csr`]);
    run(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
         ...(who === 'server' ? ['-extfile', 'san.ext'] : []), '-out', `${who}.pem`]);
  }
  return {
    dir, ca: join(dir, 'ca.pem'), wrongCa: join(dir, 'wrong-ca.pem'),
    serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'), clientKey: join(dir, 'client.key'),
  };
}
