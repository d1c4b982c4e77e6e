// `qa-pms-api --print-config` resolves the environment and flags into one
// configuration and prints it as JSON; bad values warn, fatal ones exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binary = process.env.QA_PMS_API;
assert.ok(binary, 'QA_PMS_API must name the qa-pms-api binary');

function run(args, env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const r = spawnSync(binary, args, { env: { ...clean, ...env }, encoding: 'utf8', timeout: 10000 });
  const warnings = r.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return { status: r.status, stdout: r.stdout, warnings };
}

test('variables and flags are each applied', () => {
  const r = run(['--print-config', '--otlp-protocol', 'grpc', '--otlp-endpoint=http://127.0.0.1:14317',
                 '--environment', 'production'], {
    OTEL_SERVICE_NAME: 'checkout',
    OTEL_RESOURCE_ATTRIBUTES: 'team=qa%20core',
    OTEL_BSP_MAX_QUEUE_SIZE: '4096',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_PROPAGATORS: 'tracecontext',
  });
  assert.equal(r.status, 0);
  assert.deepEqual(r.warnings, []);
  const all = JSON.parse(r.stdout);
  const c = all.tracing;
  assert.equal(c.service_name, 'checkout');
  assert.equal(c.environment, 'production');
  assert.equal(c.sampler.ratio, 0.1);
  assert.equal(c.resource_attributes.team, 'qa core');
  assert.equal(c.batch.max_queue_size, 4096);
  assert.equal(c.exporter.protocol, 'grpc', 'the flag wins over OTEL_EXPORTER_OTLP_PROTOCOL');
  assert.equal(c.exporter.endpoint, 'http://127.0.0.1:14317');
  assert.deepEqual(c.exporter.headers, { 'x-api-key': '<redacted>' });
  assert.ok(!r.stdout.includes('s3cret'), 'header values never printed');
  assert.deepEqual(c.propagators, ['tracecontext']);
});

test('the service names itself where the environment does not (the engine alone says unknown_service)', () => {
  const r = run(['--print-config'], {});
  assert.equal(r.status, 0);
  const c = JSON.parse(r.stdout).tracing;
  assert.equal(c.service_name, 'qa-pms-api');
  assert.match(c.service_version, /^\d+\.\d+\.\d+/);
  assert.equal(c.environment, 'development');
  assert.equal(c.sampler.ratio, 1);
  const named = JSON.parse(run(['--print-config'], { OTEL_SERVICE_NAME: 'qa-pms-eu' }).stdout).tracing;
  assert.equal(named.service_name, 'qa-pms-eu');
});

test('a bad value warns once, naming the variable and value, and the default is used', () => {
  const r = run(['--print-config'], { OTEL_SAMPLING_RATIO: 'lots', OTEL_BSP_SCHEDULE_DELAY: '-1' });
  assert.equal(r.status, 0);
  const c = JSON.parse(r.stdout).tracing;
  assert.equal(c.sampler.ratio, 1);
  assert.equal(c.batch.schedule_delay_ms, 5000);
  assert.equal(r.warnings.length, 2);
  assert.ok(r.warnings.every((w) => w.level === 'warn'));
  assert.match(r.warnings.map((w) => w.message).join('\n'), /OTEL_SAMPLING_RATIO='lots'/);
  assert.match(r.warnings.map((w) => w.message).join('\n'), /OTEL_BSP_SCHEDULE_DELAY='-1'/);
});

test('a malformed endpoint exits 2 with a clear error', () => {
  const r = run(['--print-config'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.warnings[0].message, /OTEL_EXPORTER_OTLP_ENDPOINT.*collector:4318/);
});

test('a certificate file that does not exist exits 2', () => {
  const r = run(['--print-config'], { OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem' });
  assert.equal(r.status, 2);
  assert.match(r.warnings[0].message, /\/nonexistent\/ca\.pem/);
  const dir = mkdtempSync(join(tmpdir(), 'qa-pms-'));
  writeFileSync(join(dir, 'ca.pem'), 'x');
  assert.equal(run(['--print-config'], { OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'ca.pem') }).status, 0);
});

test('unknown flags and bad flag values are usage errors', () => {
  assert.equal(run(['--no-such-flag', 'x']).status, 2);
  assert.equal(run(['--sampling-ratio', '7']).status, 2);
  assert.equal(run(['--otlp-protocol']).status, 2);
});

test('service settings come from the environment and flags; the database password is redacted', () => {
  const r = run(['--print-config', '--listen', '127.0.0.1:9999', '--workers', '4'], {
    DATABASE_URL: 'postgres://qa:hunter2@db.internal:5432/qa_pms',
    QA_PMS_TRACKER_URL: 'http://tracker:8000/',
    QA_PMS_DRAIN_TIMEOUT_MS: '2500',
  });
  assert.equal(r.status, 0, JSON.stringify(r.warnings));
  const s = JSON.parse(r.stdout).service;
  assert.equal(s.listen, '127.0.0.1:9999');
  assert.equal(s.workers, 4);
  assert.equal(s.database_url, 'postgres://qa:REDACTED@db.internal:5432/qa_pms');
  assert.equal(s.tracker_url, 'http://tracker:8000');
  assert.equal(s.drain_timeout_ms, 2500);
  assert.ok(!r.stdout.includes('hunter2'));
  assert.equal(run(['--print-config'], { DATABASE_URL: 'mysql://x' }).status, 2);
});

// Review item 9: the tracker URL's user information and query values are
// redacted like the database password.
test('the tracker URL is printed without its credentials', () => {
  const r = run(['--print-config', '--tracker-url', 'http://user:secret@tracker:8000/api?token=t0ps3cret']);
  assert.equal(r.status, 0, JSON.stringify(r.warnings));
  const s = JSON.parse(r.stdout).service;
  assert.equal(s.tracker_url, 'http://REDACTED:REDACTED@tracker:8000/api?token=REDACTED');
  assert.ok(!r.stdout.includes('secret') && !r.stdout.includes('t0ps3cret'), r.stdout);
  assert.ok(!JSON.stringify(r.warnings).includes('secret'));
});
