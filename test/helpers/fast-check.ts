// fast-check settings shared by property tests: bounded runs, and a seed that is printed so a failure
// can be replayed (TLSKIT_FC_SEED=<seed> npm test); TLSKIT_FC_RUNS=<n> runs longer hunts. fast-check's own failure message repeats the seed
// and the counterexample's path; failing seeds become ordinary tests.
import type { Parameters } from 'fast-check';

export function fcParameters<T>(numRuns: number): Parameters<T> {
  const fromEnv = process.env.TLSKIT_FC_SEED;
  const seed = fromEnv !== undefined ? Number(fromEnv) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  const runsFromEnv = process.env.TLSKIT_FC_RUNS;
  return {
    numRuns: runsFromEnv !== undefined ? Number(runsFromEnv) : numRuns,
    seed,
    endOnFailure: true,
    reporter: (details) => {
      if (details.failed) {
        throw new Error(
          `property failed with seed ${details.seed} (replay: TLSKIT_FC_SEED=${details.seed}), path ${details.counterexamplePath}: ${details.errorInstance instanceof Error ? details.errorInstance.stack : String(details.errorInstance)}\ncounterexample: ${safeStringify(details.counterexample)}`,
        );
      }
    },
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)).slice(0, 4000);
  } catch {
    return String(value);
  }
}
