// Runs the x509-limbo harness over the whole suite and holds the line recorded in
// limbo-baseline.json: no fewer passes, and never a chain accepted that must be rejected.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { limboPath, loadLimbo, runAll, summarize } from '../../scripts/limbo-harness.js';

const baselineFile = new URL('../../../test/x509/limbo-baseline.json', import.meta.url);
const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as { passed: number; wronglyAccepted: number };
const suite = limboPath();

test('x509-limbo: passes do not regress and nothing that must be rejected is accepted', {
  skip: existsSync(suite) ? false : `x509-limbo suite missing: ${suite} (set TLSKIT_SHARED to the shared directory)`,
  timeout: 120_000,
}, async () => {
  const cases = loadLimbo(suite);
  const summary = summarize(cases, await runAll(cases));
  assert.deepEqual(summary.wronglyAccepted, [], 'chains that must be rejected were accepted');
  assert.ok(
    summary.passed >= baseline.passed,
    `x509-limbo passes fell to ${summary.passed} (baseline ${baseline.passed}); failing: ${summary.failedIds.join(', ')}`,
  );
});
