// What the end-to-end benchmark scripts share: reading wrk's report, the
// service's memory and its /metrics counters, and medians.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

// wrk's report → requests/s and requests, and, with --latency, p50 and p99 in
// milliseconds (NaN without it). A report without its totals is an error.
export function parseWrk(text) {
  const field = (re, what) => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrk's report has no ${what}:\n${text}`);
    return m[1];
  };
  const unit = (v) => (v.endsWith('us') ? parseFloat(v) / 1000 : v.endsWith('ms') ? parseFloat(v) : parseFloat(v) * 1000);
  const percentile = (p) => {
    const m = new RegExp(`\\s${p}%\\s+(\\S+)`).exec(text);
    return m ? unit(m[1]) : NaN;
  };
  return {
    rps: Number(field(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')),
    p50: percentile(50),
    p99: percentile(99),
    requests: Number(field(/(\d+) requests in/, 'request count')),
  };
}

// wrk with a pause of pauseMs before every request on each connection: a
// bounded load (connections / (pauseMs + latency) requests a second) that
// leaves the machine headroom, unlike plain wrk, which saturates it.
export function paceScript(dir, pauseMs) {
  const path = `${dir}/pace.lua`;
  writeFileSync(path, `function delay()\n  return ${pauseMs}\nend\n`);
  return path;
}

export function runWrk(url, { threads = 1, connections = 8, seconds, script } = {}) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  return parseWrk(r.stdout);
}

// The same, without waiting: resolves with the parsed report when wrk ends.
export function startWrk(url, options) {
  const { threads = 1, connections = 8, seconds, script } = options;
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const proc = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => proc.on('exit', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error('wrk failed')))));
}

function statusKb(pid, field) {
  try { return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return 0; }
}
export const peakRssKb = (pid) => statusKb(pid, 'VmHWM');

// User + system CPU time in a /proc stat file (of a process or of one of its
// threads), in microseconds.
function statCpuMicros(statPath) {
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const fields = readFileSync(statPath, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * (1e6 / 100);  // USER_HZ is 100 on Linux
}

// CPU time a process has used so far (user + system), in microseconds.
export function cpuMicros(pid) {
  try { return statCpuMicros(`/proc/${pid}/stat`); } catch { return 0; }
}
export const rssKb = (pid) => statusKb(pid, 'VmRSS');

// CPU time (µs) one thread of pid has used so far, the thread found by its
// name (/proc/<pid>/task/<tid>/comm; the SDK names its exporter thread
// "qtrace-export"); 0 when no thread has that name.
export function threadCpuMicros(pid, name) {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== name) continue;
      return statCpuMicros(`/proc/${pid}/task/${tid}/stat`);
    }
  } catch { /* the process ended */ }
  return 0;
}

// The whole machine's CPU time so far (/proc/stat, in ticks): all of it, and
// the part the hypervisor gave to other guests while ours waited ("steal").
// Steal comes in slices of milliseconds: a run that had much of it has
// slower threads and longer stalls, and reads more CPU per request and more
// lost spans than a quiet run of the same build.
export function machineCpuTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] };
}

// The share of the machine's CPU time stolen between two machineCpuTicks().
export function stealShare(before, after) {
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : 0;
}

// One sample of a Prometheus text exposition, 0 when absent.
export function metricValue(text, name, labels = '') {
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[{}()[\].*+?^$|\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// A loopback port that nothing listens on (taken, then released).
export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

// The traced service as the end-to-end scripts run it: spans to endpoint, the
// queue and batch sized for wrk's load (a batch every 200 ms), errors always
// kept (the default, named so that the scripts say what they measure), and
// warnings only. Each mode adds its sampler and protocol.
export function tracedServiceEnv(endpoint) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '65536',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', QTRACE_KEEP_ERROR_TRACES: 'true', OTEL_LOG_LEVEL: 'warn',
  };
}

// Head sampling at ratio r. The ratio goes with the sampler that takes it:
// OTEL_TRACES_SAMPLER_ARG alone is ignored (with a warning), as the
// specification says.
export const ratioSampler = (r) => ({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: r });
