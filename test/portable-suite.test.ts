// The portable subset of the suite on every runtime at hand (issue 9): Node (this one, and Node 24
// from node_modules), Bun and Deno, each with TLSKIT_PROVIDER=portable. See
// scripts/run-portable-suite.mjs for what the subset holds and why. Time-boxed per runtime; a
// runtime that fails is run once more, and a failure that does not come back is reported (as a
// diagnostic naming the test) rather than failing this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { missingRuntime, type RuntimeName } from './helpers/runtimes.js';

const script = fileURLToPath(new URL('../../scripts/run-portable-suite.mjs', import.meta.url));

interface RuntimeResult {
  runtime: string;
  version?: string;
  status: string;
  passed?: number;
  failed?: number;
  skipped?: number;
  seconds?: number;
  failures?: string[];
  flaky?: string[];
  tail?: string;
}

// It covers every runtime itself, so a second pass of the whole suite under another Node (CI runs
// one under Node 24) need not run it again: TLSKIT_PORTABLE_SUITE=skip says so.
const skip = process.env['TLSKIT_PORTABLE_SUITE'] === 'skip' ? 'run once per CI run (TLSKIT_PORTABLE_SUITE=skip)' : false;

test('the portable subset passes on Node, Node 24, Bun and Deno (those installed)', { timeout: 20 * 60_000, skip }, (t) => {
  const r = spawnSync(process.execPath, [script, '--json', '--timeout', '300', '--retry', '1'], {
    encoding: 'utf8',
    timeout: 19 * 60_000,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.ok(r.stdout, `the runner printed nothing: ${r.stderr}`);
  const results = JSON.parse(r.stdout) as RuntimeResult[];
  for (const result of results) {
    const counts =
      result.passed === undefined ? '' : `: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped in ${result.seconds?.toFixed(1)} s`;
    t.diagnostic(`${result.runtime} ${result.version ?? ''} ${result.status}${counts}`);
    for (const line of result.flaky ?? []) t.diagnostic(`  flaky on ${result.runtime} (passed on the retry): ${line.trim()}`);
  }
  // A runtime that is not installed is skipped with a message, or fails the test where
  // TLSKIT_INTEROP_REQUIRE_PEERS=1 (CI, after npm run setup:runtimes).
  for (const result of results) if (result.status.startsWith('not installed')) t.diagnostic(`skipped: ${missingRuntime(result.runtime as RuntimeName)}`);
  for (const result of results) {
    if (result.passed === undefined) continue; // not installed, or the same binary as another
    assert.match(result.status, /^ok/, `${result.runtime}: ${result.status}\n${(result.failures ?? []).join('\n')}\n${result.tail ?? ''}`);
    assert.equal(result.failed, 0);
    assert.ok(result.passed! >= 200, `${result.runtime}: only ${result.passed} tests passed`);
  }
  assert.ok(
    results.some((x) => x.runtime === 'node' && x.status === 'ok'),
    'at least this Node ran the subset',
  );
  assert.equal(r.status, 0);
});
