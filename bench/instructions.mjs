// The driver of bench/instructions.sh (see there): GET /api/v1/projects/{id}
// (a server span and a database span per request) under wrk, the service run
// by valgrind's callgrind, which counts the instructions every thread
// executes while wrk runs (not during start-up or the warm-up). Tracing off,
// at 10 %, at 100 % and at 10 % without errors always kept; then the
// instructions per request of each mode, what tracing adds, and the
// functions that add it.
//
// Unlike CPU time, an instruction count hardly moves between runs of one
// build, so it shows a change of a few hundred instructions per request that
// CPU time, whose spread between runs is several microseconds on a small
// machine, cannot. It does not show what memory costs: valgrind runs the
// threads one at a time on one simulated core, so the lines a record carries
// from one core to the other cost nothing here. Read it beside
// bench/overhead.sh and bench/profile.sh, not instead of them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ratioSampler, runWrk, tracedServiceEnv } from './bench_helpers.mjs';
import { startProcess, startSink } from '../tests/integration/process_helpers.mjs';
import { call } from '../tests/integration/service_helpers.mjs';

const seconds = Number(process.argv[2] || 10);
const protocol = process.argv[3] || 'http/protobuf';
const TOP = 25;
// QTRACE_BENCH_API names another build of the service, as in bench/overhead.sh.
const API = process.env.QTRACE_BENCH_API || 'build/release/api_server/qa-pms-api';
const SINK = 'build/release/tools/otlp-sink';
const work = mkdtempSync(join(tmpdir(), 'qa-pms-instructions-'));
const tmpfs = mkdtempSync('/dev/shm/qa-pms-instructions-');

const modes = [
  { name: 'off', env: { OTEL_SDK_DISABLED: 'true' } },
  { name: '10%', env: ratioSampler('0.1') },
  { name: '100%', env: ratioSampler('1.0') },
  // What recording the dropped requests in case they fail costs: the 10 %
  // mode without it.
  { name: '10% no-keep', env: { ...ratioSampler('0.1'), QTRACE_KEEP_ERROR_TRACES: 'false' } },
];

function callgrindControl(args) {
  const r = spawnSync('callgrind_control', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`callgrind_control ${args.join(' ')} failed: ${r.stderr}`);
}

// A function's name as callgrind_annotate prints it, without its file, its
// object and its parameter list: "qtrace::AttributeList::Set".
function shortName(text) {
  let name = text.replace(/\s+\[[^\]]*\]\s*$/, '');
  const colon = name.indexOf(':');
  if (colon >= 0 && (name.startsWith('???') || name.startsWith('.') || name.startsWith('/'))) name = name.slice(colon + 1);
  name = name.replaceAll('(anonymous namespace)::', '').replaceAll('[abi:cxx11]', '');
  const paren = name.indexOf('(');
  return (paren > 0 ? name.slice(0, paren) : name).trim();
}

// Instructions executed by each function itself (not what it calls).
function selfInstructions(file) {
  const r = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`callgrind_annotate failed: ${r.stderr}`);
  const counts = new Map();
  let total = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1].replaceAll(',', ''));
    if (m[2].startsWith('PROGRAM TOTALS')) { total = n; continue; }
    const name = shortName(m[2]);
    counts.set(name, (counts.get(name) || 0) + n);
  }
  return { total, counts };
}

async function measure(mode) {
  const sink = await startSink(SINK, [], { jsonl: false });
  const endpoint = protocol === 'grpc' ? `http://127.0.0.1:${sink.grpcPort}` : `http://127.0.0.1:${sink.httpPort}`;
  const file = mode.name.replace(/\W/g, '');
  const out = join(work, `${file}.callgrind`);
  const api = await startProcess('valgrind', [
    '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`,
    API, '--listen', '127.0.0.1:0', '--database-url', `sqlite:${tmpfs}/${file}.db`,
  ], {
    ...tracedServiceEnv(endpoint), OTEL_EXPORTER_OTLP_PROTOCOL: protocol, QTRACE_SPOOL_DIR: 'none', ...mode.env,
  }, [/qa-pms-api: listening on 127\.0\.0\.1:(\d+)/], { timeoutMs: 120000 });
  try {
    const base = `http://127.0.0.1:${api.captures[0]}`;
    const project = await call(base, 'POST', '/api/v1/projects', { name: 'instructions' });
    const url = `${base}/api/v1/projects/${project.json.id}`;
    runWrk(url, { threads: 1, connections: 8, seconds: 3 });  // warm-up: valgrind translates the code once
    callgrindControl(['-i', 'on', String(api.pid)]);
    const { requests } = runWrk(url, { threads: 1, connections: 8, seconds });
    callgrindControl(['-i', 'off', String(api.pid)]);
    callgrindControl(['-d', String(api.pid)]);
    // The dump is written as <out>.1 while the process goes on; its last
    // line is the totals.
    const dump = `${out}.1`;
    const written = () => existsSync(dump) && readFileSync(dump, 'utf8').includes('\ntotals:');
    for (let i = 0; i < 100 && !written(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!written()) throw new Error(`callgrind wrote no dump to ${dump}`);
    const { total, counts } = selfInstructions(dump);
    return { requests, perRequest: total / requests, counts };
  } finally {
    api.kill();
    sink.kill();
  }
}

const results = {};
for (const mode of modes) results[mode.name] = await measure(mode);

const off = results.off;
const n = (x) => Math.round(x).toLocaleString('en-US').padStart(9);
const signed = (x) => `${x >= 0 ? '+' : '-'}${Math.round(Math.abs(x)).toLocaleString('en-US')}`.padStart(9);
console.log(`GET /api/v1/projects/{id} under wrk -t1 -c8 for ${seconds} s, qa-pms-api under callgrind; ` +
            `tracing on: ${protocol}, errors always kept (but in "10% no-keep")`);
console.log('mode         requests   instructions/request      added   share of off');
for (const mode of modes) {
  const r = results[mode.name];
  const added = r.perRequest - off.perRequest;
  console.log(`${mode.name.padEnd(11)} ${String(r.requests).padStart(9)} ${n(r.perRequest)}              ${signed(added)}   ` +
              `${((100 * added) / off.perRequest).toFixed(1).padStart(6)} %`);
}
for (const mode of modes.slice(1)) {
  const r = results[mode.name];
  const rows = [];
  for (const name of new Set([...r.counts.keys(), ...off.counts.keys()])) {
    const before = (off.counts.get(name) || 0) / off.requests;
    const after = (r.counts.get(name) || 0) / r.requests;
    rows.push({ name, before, after, added: after - before });
  }
  rows.sort((a, b) => b.added - a.added);
  console.log(`\nfunctions adding the most instructions per request at ${mode.name} (their own, not what they call)`);
  console.log('    added       off        on  function');
  for (const row of rows.slice(0, TOP)) console.log(`${signed(row.added)} ${n(row.before)} ${n(row.after)}  ${row.name}`);
}
rmSync(work, { recursive: true, force: true });
rmSync(tmpfs, { recursive: true, force: true });
