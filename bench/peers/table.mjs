// Reads the runs.tsv that bench/peers/run.sh writes (one line per run) and
// prints a Markdown table: per program, protocol and mode, the median over
// the repetitions of each figure, and each peer's ratios to our tracegen.
//
//   node bench/peers/table.mjs build/peers/results/<time>/runs.tsv
import { readFileSync } from 'node:fs';

const PEER_NAMES = {
  ours: 'ours (tracegen)',
  go: 'opentelemetry-go',
  'rust-story': 'tracing + otel-rust 0.21',
  'rust-current': 'opentelemetry-rust (current)',
};

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function fixed(x, digits) {
  if (!Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function percent(x) {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–';
}

export function readRuns(text) {
  const [header, ...lines] = text.trim().split('\n');
  const names = header.split('\t');
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const cells = l.split('\t');
      const row = Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
      const num = (k) => (row[k] === '' ? NaN : Number(row[k]));
      const created = num('created');
      const sink = num('sink_spans');
      const elapsed = num('elapsed_s');
      const cpu = num('user_s') + num('sys_s');
      return {
        peer: row.peer,
        protocol: row.protocol,
        mode: row.mode,
        nsPerSpan: num('ns_per_span'),
        exportedPerS: sink / elapsed,
        dropped: created > 0 ? 1 - sink / created : NaN,
        rssMiB: num('max_rss_kb') / 1024,
        cpuNsPerExported: sink > 0 ? (cpu * 1e9) / sink : NaN,
        selfExported: num('self_exported'),
        steal: num('steal'),  // absent (NaN) in results from before the column
        sink,
        ok: row.exit === '0' || (row.peer === 'ours' && row.exit === '1'), // tracegen: 1 = some spans dropped
      };
    });
}

export function summarize(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.peer}\u0000${r.protocol}\u0000${r.mode}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const rows = [];
  for (const [key, rs] of groups) {
    const [peer, protocol, mode] = key.split('\u0000');
    const m = (k) => median(rs.map((r) => r[k]));
    rows.push({
      peer,
      protocol,
      mode,
      runs: rs.length,
      failed: rs.filter((r) => !r.ok).length,
      lossless: rs.every((r) => r.dropped === 0),
      nsPerSpan: m('nsPerSpan'),
      exportedPerS: m('exportedPerS'),
      dropped: m('dropped'),
      rssMiB: m('rssMiB'),
      cpuNsPerExported: m('cpuNsPerExported'),
      steal: m('steal'),
    });
  }
  const ours = (protocol, mode) => rows.find((r) => r.peer === 'ours' && r.protocol === protocol && r.mode === mode);
  for (const r of rows) {
    const o = ours(r.protocol, r.mode);
    r.nsRatio = o ? r.nsPerSpan / o.nsPerSpan : NaN;
    r.throughputRatio = o ? r.exportedPerS / o.exportedPerS : NaN;
  }
  const order = Object.keys(PEER_NAMES);
  const modeRank = (mode) => (mode === 'flat out' ? 0 : parseInt(mode, 10));
  rows.sort(
    (a, b) =>
      a.protocol.localeCompare(b.protocol) ||
      modeRank(a.mode) - modeRank(b.mode) ||
      order.indexOf(a.peer) - order.indexOf(b.peer),
  );
  return rows;
}

export function markdown(rows) {
  const out = [
    '| program | protocol | mode | ns per span (loop) | exported spans/s | dropped | peak RSS | CPU per exported span | ns per span vs ours | throughput vs ours | runs | steal |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const runs = r.failed ? `${r.runs} (${r.failed} failed)` : `${r.runs}`;
    out.push(
      `| ${PEER_NAMES[r.peer] ?? r.peer} | ${r.protocol} | ${r.mode} | ${fixed(r.nsPerSpan, 0)} | ` +
        `${fixed(r.exportedPerS, 0)} | ${percent(r.dropped)} | ${fixed(r.rssMiB, 1)} MiB | ` +
        `${fixed(r.cpuNsPerExported, 0)} ns | ${r.peer === 'ours' ? '1' : fixed(r.nsRatio, 2)} | ` +
        `${r.peer === 'ours' ? '1' : fixed(r.throughputRatio, 2)} | ${runs} | ${percent(r.steal)} |`,
    );
  }
  return out.join('\n');
}

// Per program and protocol, the highest paced rate at which every
// repetition delivered every span and the producer held the rate (its loop
// within 2 % of the rate's interval); with the ratio of ours to it. Empty
// when the run had one paced rate or none.
export function sustained(rows) {
  const paced = rows.filter((r) => r.mode !== 'flat out');
  if (new Set(paced.map((r) => r.mode)).size < 2) return '';
  const best = new Map();
  for (const r of paced) {
    const rate = parseInt(r.mode, 10);
    const held = r.nsPerSpan <= (1e9 / rate) * 1.02;
    const key = `${r.peer}\u0000${r.protocol}`;
    if (!best.has(key)) best.set(key, { peer: r.peer, protocol: r.protocol, rate: 0, tried: 0 });
    const b = best.get(key);
    b.tried = Math.max(b.tried, rate);
    if (r.lossless && held && r.failed === 0) b.rate = Math.max(b.rate, rate);
  }
  const out = [
    '| program | protocol | highest rate without a lost span | ours / it |',
    '|---|---|---|---|',
  ];
  const entries = [...best.values()].sort(
    (a, b) => a.protocol.localeCompare(b.protocol) || Object.keys(PEER_NAMES).indexOf(a.peer) - Object.keys(PEER_NAMES).indexOf(b.peer),
  );
  for (const b of entries) {
    const ours = best.get(`ours\u0000${b.protocol}`);
    const shown = b.rate === 0 ? 'none of those tried' : b.rate === b.tried ? `≥ ${fixed(b.rate, 0)}/s (the highest tried)` : `${fixed(b.rate, 0)}/s`;
    const ratio = b.peer === 'ours' ? '1' : b.rate > 0 && ours ? `${ours.rate === ours.tried ? '≥ ' : ''}${fixed(ours.rate / b.rate, 2)}` : '–';
    out.push(`| ${PEER_NAMES[b.peer] ?? b.peer} | ${b.protocol} | ${shown} | ${ratio} |`);
  }
  return out.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/peers/table.mjs RUNS.tsv');
    process.exit(2);
  }
  const runs = readRuns(readFileSync(file, 'utf8'));
  const rows = summarize(runs);
  console.log(markdown(rows));
  const sweep = sustained(rows);
  if (sweep) console.log(`\n${sweep}`);
  // The programs' own export counts against the sink's, as a check.
  const mismatched = runs.filter((r) => r.selfExported >= 0 && Number.isFinite(r.sink) && r.selfExported !== r.sink);
  if (mismatched.length > 0) {
    console.log(
      `\n${mismatched.length} run(s) where the program's own exported count differs from the sink's ` +
        '(the table uses the sink\'s): ' +
        mismatched.map((r) => `${r.peer} ${r.protocol} ${r.mode}: ${r.selfExported} vs ${r.sink}`).join('; '),
    );
  }
}
