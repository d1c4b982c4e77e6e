// Our HTTP server core against nginx, side by side in one run (see
// http_vs_nginx.sh): wrk with the same load on a trivial route (ours) and a
// static file of the same size (nginx), alternating A B A B.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, median, runWrk } from './bench_helpers.mjs';

const [build, rounds, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const BODY_BYTES = 13;
const work = mkdtempSync(join(tmpdir(), 'http-vs-nginx-'));
const children = [];
const cleanup = () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);

const nginxPort = await freePort();
writeFileSync(join(work, 'hello'), 'x'.repeat(BODY_BYTES));
writeFileSync(join(work, 'nginx.conf'), `worker_processes auto;
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${nginxPort}; root ${work}; location / { } }
}
`);
children.push(spawn('nginx', ['-c', join(work, 'nginx.conf'), '-p', work], { stdio: 'ignore' }));
const oursPort = await freePort();
children.push(spawn(`${build}/bench/trivial_http_server`,
                    ['--port', String(oursPort), '--body-bytes', String(BODY_BYTES), '--io-threads', '2'],
                    { stdio: 'ignore' }));
await new Promise((r) => setTimeout(r, 1000));

const load = { threads: 2, connections: 64, seconds };
const results = { ours: [], nginx: [] };
for (let round = 1; round <= rounds; ++round) {
  for (const [name, port] of [['ours', oursPort], ['nginx', nginxPort]]) {
    const r = runWrk(`http://127.0.0.1:${port}/hello`, load);
    results[name].push(r);
    console.log(`round ${round} ${name.padEnd(5)}: ${r.rps} req/s, p99 ${r.p99} ms`);
  }
}
const rps = (name) => median(results[name].map((r) => r.rps));
const p99 = (name) => median(results[name].map((r) => r.p99));
console.log(`median ours : ${rps('ours')} req/s, p99 ${p99('ours')} ms`);
console.log(`median nginx: ${rps('nginx')} req/s, p99 ${p99('nginx')} ms`);
console.log(`ours/nginx requests per second: ${(rps('ours') / rps('nginx')).toFixed(2)} (goal >= 0.80)`);
// The servers would keep node's event loop, and so this script, alive.
process.exit(0);
