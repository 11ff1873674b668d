#!/usr/bin/env node
// Runs BoringSSL's TLS test runner ("BoGo", ../shared/bogo) against tlskit's shim (test/bogo).
// Usage (after `npm run build`; `npm run bogo` does both):
//   node scripts/bogo.mjs [--json FILE] [--test 'Pattern*;Other'] [--workers N] [--verbose] [--disabled-report]
// The runner is built once per version of its sources, into build/bogo/<hash of the sources>.
// Prints "N passed, N failed, N unimplemented, N disabled", the unimplemented tests counted by the
// flag the shim lacked, and the failing tests' names; --disabled-report adds the disabled tests
// counted by config.json reason and glob. The runner's full output (each failure's details) goes to
// build/bogo/last-run.log. Exit status 1 when a test failed; unimplemented and disabled tests do not
// fail the run.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bogoSource = resolve(process.env.TLSKIT_BOGO_DIR ?? join(root, '..', 'shared', 'bogo'));
const shimJs = join(root, 'dist', 'test', 'bogo', 'shim.js');
const configPath = join(root, 'test', 'bogo', 'config.json');
const node = process.env.TLSKIT_TEST_NODE || process.env.npm_node_execpath || process.execPath;

function usage(message) {
  console.error(`${message}\nusage: node scripts/bogo.mjs [--json FILE] [--test 'Pattern*;Other'] [--workers N] [--verbose] [--disabled-report]`);
  process.exit(2);
}

const args = { json: undefined, test: undefined, workers: 2, verbose: false, disabledReport: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const value = () => process.argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--json') args.json = resolve(value());
  else if (a === '--test') args.test = value();
  else if (a === '--workers') args.workers = Number(value());
  else if (a === '--verbose') args.verbose = true;
  else if (a === '--disabled-report') args.disabledReport = true;
  else usage(`unknown argument ${a}`);
}
if (!Number.isInteger(args.workers) || args.workers < 1) usage('--workers takes a positive integer');
if (!existsSync(join(bogoSource, 'build.sh'))) usage(`no BoGo runner at ${bogoSource} (set TLSKIT_BOGO_DIR)`);
if (!existsSync(shimJs)) usage(`${relative(root, shimJs)} is missing: run npm run build first`);

// ---- build the runner, cached by a hash of its sources ----

function files(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}
const hash = createHash('sha256');
for (const path of files(bogoSource)) hash.update(relative(bogoSource, path)).update('\0').update(readFileSync(path)).update('\0');
const buildRoot = join(root, 'build', 'bogo');
const cache = join(buildRoot, hash.digest('hex').slice(0, 16));
const runner = join(cache, 'runner.test');
if (!existsSync(runner)) {
  console.log(`building the BoGo runner into ${relative(root, cache)} ...`);
  const built = spawnSync(join(bogoSource, 'build.sh'), [cache], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// The runner starts the shim as an executable: a wrapper that runs the compiled shim on this Node.
const shim = join(buildRoot, 'shim.sh');
writeFileSync(shim, `#!/bin/sh\nexec '${node}' '${shimJs}' "$@"\n`);
chmodSync(shim, 0o755);

// ---- run ----

const json = args.json ?? join(buildRoot, 'results.json');
const runnerArgs = [
  '-test.run',
  'TestAll',
  '-resource-dir',
  join(cache, 'runner'),
  '-shim-path',
  shim,
  '-shim-config',
  configPath,
  '-num-workers',
  String(args.workers),
  '-json-output',
  json,
  '-pipe',
  ...(args.test !== undefined ? ['-test', args.test] : []),
];
// The shim appends one JSON line here each time it exits as unimplemented (test/bogo/shim.ts).
const unimplementedLog = join(buildRoot, 'unimplemented.log');
writeFileSync(unimplementedLog, '');
const started = Date.now();
const run = spawnSync(runner, runnerArgs, {
  cwd: join(cache, 'runner'),
  encoding: 'utf8',
  maxBuffer: 1 << 30,
  env: { ...process.env, TLSKIT_BOGO_UNIMPLEMENTED_LOG: unimplementedLog },
});
const seconds = ((Date.now() - started) / 1000).toFixed(0);
const output = (run.stdout ?? '') + (run.stderr ?? '');
writeFileSync(join(buildRoot, 'last-run.log'), output);
if (args.verbose) process.stdout.write(output);
if (!existsSync(json)) {
  process.stdout.write(output);
  console.error(`the runner wrote no results (exit status ${run.status})`);
  process.exit(1);
}

// ---- summary ----

const results = JSON.parse(readFileSync(json, 'utf8'));
const counts = { PASS: 0, FAIL: 0, SKIP: 0 };
const failed = [];
for (const [name, r] of Object.entries(results.tests ?? {})) {
  counts[r.actual] = (counts[r.actual] ?? 0) + 1;
  if (r.actual === 'FAIL') failed.push(name);
}

// Disabled tests are not in the runner's results: count the selected tests that a DisabledTests
// glob matches, from the runner's list of tests (a dry run against a shim that implements nothing).
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const globs = Object.entries(config.DisabledTests ?? {}).map(([glob, reason]) => ({ glob, reason, re: globToRegExp(glob) }));
// Each disabled test is counted once, under the first glob (in config.json's order) that matches it.
const disabledBy = new Map();
let disabled = 0;
for (const name of allTestNames()) {
  const g = globs.find((x) => x.re.test(name));
  if (!g) continue;
  disabled++;
  const byGlob = disabledBy.get(g.reason) ?? new Map();
  byGlob.set(g.glob, (byGlob.get(g.glob) ?? 0) + 1);
  disabledBy.set(g.reason, byGlob);
}

console.log(`${counts.PASS} passed, ${counts.FAIL} failed, ${counts.SKIP} unimplemented, ${disabled} disabled (${seconds} s, ${args.workers} workers)`);
if (args.disabledReport) {
  console.log('disabled, by reason (tests, then each glob that matched first):');
  const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  for (const [reason, byGlob] of [...disabledBy].sort((a, b) => sum(b[1]) - sum(a[1]))) {
    console.log(`  ${String(sum(byGlob)).padStart(5)}  ${reason}`);
    console.log(
      `         ${[...byGlob]
        .sort((a, b) => b[1] - a[1])
        .map(([g, n]) => `${g} (${n})`)
        .join(', ')}`,
    );
  }
}
printUnimplemented();
if (failed.length > 0) {
  console.log(
    `failed:\n${failed
      .sort()
      .map((n) => `  ${n}`)
      .join('\n')}`,
  );
  console.log(`details: ${relative(process.cwd(), join(buildRoot, 'last-run.log'))}`);
}
process.exit(failed.length > 0 ? 1 : 0);

/**
 * The unimplemented tests by what the shim lacked: per flag, the tests that passed it (a test may
 * lack several) and the tests for which it was the only one missing; other reasons (a cipher, a
 * version, a combination the shim refuses) by their message.
 */
function printUnimplemented() {
  const lines = readFileSync(unimplementedLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  if (lines.length === 0) return;
  const byFlag = new Map();
  const byReason = new Map();
  for (const { flags, reason } of lines) {
    if (flags.length === 0) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    for (const f of new Set(flags)) {
      const c = byFlag.get(f) ?? { tests: 0, only: 0 };
      c.tests++;
      if (new Set(flags).size === 1) c.only++;
      byFlag.set(f, c);
    }
  }
  console.log(`unimplemented (${lines.length} shim exits), by missing flag: tests passing it / tests lacking only it:`);
  for (const [f, c] of [...byFlag].sort((a, b) => b[1].tests - a[1].tests || a[0].localeCompare(b[0])))
    console.log(`  ${String(c.tests).padStart(5)} ${String(c.only).padStart(5)}  ${f}`);
  if (byReason.size > 0) {
    console.log('unimplemented, other reasons:');
    for (const [r, n] of [...byReason].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(5)}  ${r}`);
  }
}

/** Go's filepath.Match over test names (which hold no '/'): '*', '?', and '[...]' classes. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new Error(`bad glob ${glob}`);
      re += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) re += glob[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function allTestNames() {
  const listShim = join(buildRoot, 'list-shim.sh');
  writeFileSync(listShim, '#!/bin/sh\n[ "$1" = "-is-handshaker-supported" ] && { echo No; exit 0; }\nexit 89\n');
  chmodSync(listShim, 0o755);
  const listed = spawnSync(
    runner,
    [
      '-test.run',
      'TestAll',
      '-resource-dir',
      join(cache, 'runner'),
      '-shim-path',
      listShim,
      '-shim-config',
      configPath,
      '-include-disabled',
      '-num-workers',
      String(args.workers),
      '-pipe',
      ...(args.test !== undefined ? ['-test', args.test] : []),
    ],
    { cwd: join(cache, 'runner'), encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  return [...(listed.stdout ?? '').matchAll(/^UNIMPLEMENTED \((.*)\)$/gm)].map((m) => m[1]);
}
