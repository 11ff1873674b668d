#!/usr/bin/env node
// Runs the portable subset of the test suite with TLSKIT_PROVIDER=portable on every JavaScript
// runtime at hand — the Node running this script, Node 24, Bun and Deno (installed under runtimes/
// by `npm run setup:runtimes`, found by scripts/runtimes.mjs) — and reports pass counts per
// runtime; a runtime that is not installed is reported as such.
//
// The subset (SUBSET below) is the engine suite (test/engine/: handshakes, records, close,
// TLS 1.2, TLS 1.3 features, asynchronous steps, RSA through WebCrypto) plus the unit tests of
// the DER reader, key parsers, host names and WebCrypto RSA. The code under test reaches no Node built-in:
// crypto is the portable provider (noble + the runtime's WebCrypto). The tests themselves use
// node:test and node:assert, which Bun and Deno provide, and make their test certificates with
// src/devcert (node:crypto), which both implement; what a runtime's node:crypto cannot make
// (RSA-PSS keys on Bun and Deno) is skipped with that reason. Left out: tests whose subject is
// Node itself (node:tls interop, the Duplex adapter, the CLI) or that compare against node:crypto
// (src/crypto/portable/provider.test.ts: Bun and Deno differ there, not tlskit).
//
// Usage: node scripts/run-portable-suite.mjs [--json] [--only node,bun,...] [--timeout seconds] [--retry 1]
// Needs the build (npm run build). Exit status 1 when any runtime that ran had a failure.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runtimePath } from './runtimes.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = args.includes('--json');
const only = option('--only')?.split(',');
const timeoutMs = Number(option('--timeout') ?? 300) * 1000;
const retries = Number(option('--retry') ?? 0);

export const SUBSET = [
  ...readdirSafe('dist/test/engine')
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => `dist/test/engine/${f}`),
  'dist/src/crypto/portable/webcrypto-rsa.test.js',
  'dist/src/crypto/portable/keys.test.js',
  'dist/src/asn1/der.test.js',
  'dist/src/x509/hostname.test.js',
];

function readdirSafe(dir) {
  try {
    return readdirSync(join(root, dir)).sort();
  } catch {
    return [];
  }
}

function version(command, flag = '--version') {
  const r = spawnSync(command, [flag], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim().split('\n')[0].split(' (')[0] : undefined;
}

/** Each runtime: how to run the files, and how to read its counts. */
const runtimes = [
  { name: 'node', command: process.execPath, args: (files) => ['--test', '--test-reporter=tap', '--test-concurrency=2', ...files], parse: parseNodeTap },
  { name: 'node24', command: runtimePath('node24'), args: (files) => ['--test', '--test-reporter=tap', '--test-concurrency=2', ...files], parse: parseNodeTap },
  { name: 'bun', command: runtimePath('bun'), args: (files) => ['test', '--timeout', '60000', ...files.map((f) => `./${f}`)], parse: parseBun },
  {
    name: 'deno',
    command: runtimePath('deno'),
    args: (files, out) => ['test', '--allow-all', '--no-lock', '--quiet', '--reporter=dot', `--junit-path=${out}`, ...files],
    parse: parseDenoJunit,
  },
];

function parseNodeTap(stdout) {
  const count = (label) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(stdout)?.[1] ?? NaN);
  return { passed: count('pass'), failed: count('fail') + (count('cancelled') || 0), skipped: count('skipped') + (count('todo') || 0) };
}

function parseBun(stdout) {
  const count = (label) => Number(new RegExp(`^\\s*(\\d+) ${label}$`, 'm').exec(stdout)?.[1] ?? 0);
  const ran = /^Ran \d+ tests?/m.test(stdout);
  return ran
    ? { passed: count('pass'), failed: count('fail') + count('errors?'), skipped: count('skip') + count('todo') }
    : { passed: NaN, failed: NaN, skipped: NaN };
}

/** Deno reports describe() blocks and their tests alike: count the leaves (names no other name nests under). */
function parseDenoJunit(_stdout, junitPath) {
  if (!existsSync(junitPath)) return { passed: NaN, failed: NaN, skipped: NaN };
  const xml = readFileSync(junitPath, 'utf8');
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)].map((m) => ({ name: m[1], body: m[2] }));
  const names = cases.map((c) => c.name);
  const leaves = cases.filter((c) => !names.some((n) => n.startsWith(`${c.name} &gt; `)));
  const failed = leaves.filter((c) => /<failure|<error/.test(c.body)).length;
  const skipped = leaves.filter((c) => /<skipped/.test(c.body)).length;
  return { passed: leaves.length - failed - skipped, failed, skipped };
}

/** The lines naming failed tests, in each runtime's own words (TAP `not ok`, Bun `(fail)`, Deno `FAILED`). */
function failureLines(output) {
  return output
    .split('\n')
    .filter((line) => /^\s*not ok |^\(fail\) |\bFAILED\b/.test(line) && !/^\s*not ok \d+ - \S+\.test\.js$/.test(line))
    .slice(0, 50);
}

const files = SUBSET.filter((f) => existsSync(join(root, f)));
if (files.length === 0) {
  console.error('run-portable-suite: no compiled test files (run npm run build first)');
  process.exit(2);
}

// NODE_TEST_CONTEXT (set when this runs under node --test) would make a child `node --test`
// report to our parent instead of printing its own summary.
const { NODE_TEST_CONTEXT: _ignored, ...inherited } = process.env;
const childEnv = { ...inherited, TLSKIT_PROVIDER: 'portable', NO_COLOR: '1', FORCE_COLOR: '0' };

const results = [];
const seen = new Set();
for (const runtime of runtimes) {
  if (only && !only.includes(runtime.name)) continue;
  const v = runtime.command && existsSync(runtime.command) ? version(runtime.command) : undefined;
  if (!v) {
    results.push({ runtime: runtime.name, version: undefined, status: 'not installed (npm run setup:runtimes installs it)' });
    continue;
  }
  // The same binary twice (the running Node is Node 24) is run once.
  if (seen.has(`${runtime.name.replace(/\d+$/, '')}:${v}`)) {
    results.push({ runtime: runtime.name, version: v, status: 'same as another runtime' });
    continue;
  }
  seen.add(`${runtime.name.replace(/\d+$/, '')}:${v}`);
  let result = runOnce(runtime, v);
  if (retries > 0 && result.status !== 'ok') {
    // Once more, so that one flaky test is reported as such rather than failing the run; a failure
    // that comes back fails it. The first attempt's failures stay in the result.
    const again = runOnce(runtime, v);
    if (again.status === 'ok') result = { ...again, status: 'ok after a retry', flaky: result.failures ?? [] };
  }
  results.push(result);
}

/** One run of the subset on one runtime. */
function runOnce(runtime, v) {
  const scratch = mkdtempSync(join(tmpdir(), 'tlskit-portable-suite-'));
  const junit = join(scratch, 'junit.xml');
  const started = Date.now();
  const r = spawnSync(runtime.command, runtime.args(files, junit), {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    env: childEnv,
  });
  const seconds = (Date.now() - started) / 1000;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const counts = runtime.parse(output, junit);
  rmSync(scratch, { recursive: true, force: true });
  const timedOut = r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL';
  const ok = !timedOut && r.status === 0 && counts.failed === 0 && counts.passed > 0;
  return {
    runtime: runtime.name,
    version: v,
    status: timedOut ? `timed out after ${timeoutMs / 1000} s` : ok ? 'ok' : `failed (exit ${r.status})`,
    ...counts,
    seconds,
    files: files.length,
    ...(ok ? {} : { failures: failureLines(output), tail: output.split('\n').slice(-40).join('\n') }),
  };
}

if (json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`portable suite (TLSKIT_PROVIDER=portable), ${files.length} files:`);
  for (const r of results) {
    const counts = r.passed === undefined ? '' : ` ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${r.seconds.toFixed(1)} s`;
    console.log(`  ${r.runtime.padEnd(7)} ${(r.version ?? '-').padEnd(22)} ${r.status}${counts}`);
    if (r.flaky?.length) console.log(r.flaky.map((line) => `    flaky (passed on the retry): ${line.trim()}`).join('\n'));
    if (r.failures?.length) console.log(r.failures.map((line) => `    ✖ ${line.trim()}`).join('\n'));
    if (r.tail) console.log(r.tail.replace(/^/gm, '    | '));
  }
}
process.exit(results.some((r) => !r.status.startsWith('ok') && r.passed !== undefined) ? 1 : 0);
