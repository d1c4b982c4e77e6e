// bench/check_budgets.mjs against results written the way Google Benchmark
// writes them, including the bare NaN it prints for a counter's coefficient
// of variation when the counter is 0 in every repetition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
const { factor, budgets } = JSON.parse(readFileSync(join(bench, 'budgets.json'), 'utf8'));

// One results file per budgeted program; every benchmark at `scale` x its
// budget, with median and cv aggregates as --benchmark_repetitions writes them.
function writeResults(dir, scale) {
  for (const [program, entries] of Object.entries(budgets)) {
    const rows = Object.entries(entries).flatMap(([name, ns]) => [
      { name: `${name}_median`, run_name: name, aggregate_name: 'median', real_time: ns * scale, time_unit: 'ns', dropped: 0 },
      { name: `${name}_cv`, run_name: name, aggregate_name: 'cv', real_time: 0.01, time_unit: 'ns', dropped: 'NAN_HERE' },
    ]);
    const text = JSON.stringify({ context: {}, benchmarks: rows }, null, 2).replaceAll('"NAN_HERE"', 'NaN');
    writeFileSync(join(dir, `${program}.json`), text);
  }
}

function check(scale) {
  const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
  try {
    writeResults(dir, scale);
    return spawnSync(process.execPath, [join(bench, 'check_budgets.mjs'), dir], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('results with a bare NaN counter are read, and within budget they pass', () => {
  const r = check(1);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, / 0 failed$/m);
  assert.doesNotMatch(r.stdout, /FAIL|MISSING/);
});

test('a benchmark over factor x its budget fails the check', () => {
  const r = check(factor * 1.1);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^FAIL /m);
});
