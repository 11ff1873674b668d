// npm run limbo -- [--out results.json] [--verbose] [--only SUBSTRING]
// Runs the x509-limbo suite, writes the results file and prints pass counts per namespace.
import { writeFileSync } from 'node:fs';
import { loadLimbo, runAll, summarize } from './limbo-harness.js';
import { describeRuntime } from '../test/helpers/runtimes.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = option('--out');
const only = option('--only');
const verbose = args.includes('--verbose');

const cases = loadLimbo().filter((c) => only === undefined || c.id.includes(only));
console.log(`x509-limbo on ${describeRuntime()}`);
const started = performance.now();
const results = await runAll(cases);
const elapsed = performance.now() - started;
if (out) writeFileSync(out, `${JSON.stringify({ version: 1, harness: 'tlskit', results }, null, 2)}\n`);

const summary = summarize(cases, results);
const expected = new Map(cases.map((c) => [c.id, c.expected_result]));
for (const r of results) {
  const ok = r.actual_result === 'SKIPPED' || r.actual_result === expected.get(r.id);
  if (verbose || !ok)
    console.log(
      `${ok ? (r.actual_result === 'SKIPPED' ? 'skip' : 'pass') : 'FAIL'}  ${r.id}  expected ${expected.get(r.id)}, got ${r.actual_result}: ${r.context.split('\n')[0]}`,
    );
}
console.log('\nnamespace          passed  failed  skipped');
for (const [ns, row] of Object.entries(summary.byNamespace).sort()) {
  console.log(`${ns.padEnd(18)} ${String(row.passed).padStart(6)}  ${String(row.failed).padStart(6)}  ${String(row.skipped).padStart(7)}`);
}
console.log(
  `${'total'.padEnd(18)} ${String(summary.passed).padStart(6)}  ${String(summary.failed).padStart(6)}  ${String(summary.skipped).padStart(7)}   (${cases.length} cases, ${(elapsed / 1000).toFixed(1)} s)`,
);
console.log(
  `wrongly accepted (must be rejected): ${summary.wronglyAccepted.length}${summary.wronglyAccepted.length ? `: ${summary.wronglyAccepted.join(', ')}` : ''}`,
);
