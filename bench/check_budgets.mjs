// Compares Google Benchmark JSON results with bench/budgets.json.
//   node bench/check_budgets.mjs <results dir>    (one <program>.json per program)
// Prints each benchmark's median against its budget; exits 1 when any is over
// factor x budget, or when a budgeted benchmark is missing from the results.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2];
const { factor, budgets } = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'budgets.json'), 'utf8'));
const scale = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
// Google Benchmark writes a counter it cannot compute as a bare NaN or
// Infinity (the coefficient of variation of a counter that is 0 in every
// repetition is 0/0), which JSON does not allow. Those become null here.
function parseBenchmarkJson(text) {
  return JSON.parse(text.replace(/:(\s*)-?(NaN|Infinity)\b/g, ':$1null'));
}

let failures = 0;
let passed = 0;
for (const [program, entries] of Object.entries(budgets)) {
  const file = join(dir, `${program}.json`);
  if (!existsSync(file)) {
    console.log(`MISSING ${program}: no results at ${file}`);
    failures++;
    continue;
  }
  const results = parseBenchmarkJson(readFileSync(file, 'utf8')).benchmarks;
  for (const [name, budgetNs] of Object.entries(entries)) {
    // The median aggregate when repetitions ran, else the single run.
    const row = results.find((b) => b.run_name === name && b.aggregate_name === 'median') ||
                results.find((b) => b.name === name);
    if (!row) {
      console.log(`MISSING ${program} ${name}`);
      failures++;
      continue;
    }
    const ns = row.real_time * scale[row.time_unit];
    const ratio = ns / budgetNs;
    const verdict = ratio > factor ? 'FAIL' : ratio > 1 ? 'over budget (tolerated)' : 'ok';
    console.log(`${verdict.padEnd(24)} ${program} ${name}: ${ns.toFixed(1)} ns, budget ${budgetNs} ns (${ratio.toFixed(2)}x)`);
    if (ratio > factor) failures++; else passed++;
  }
}
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures > 0 ? 1 : 0);
