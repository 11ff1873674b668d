// Node 24, Bun, Deno and workerd for the tests that need them: installed by `npm run
// setup:runtimes` under runtimes/, found by scripts/runtimes.mjs (the one place that knows where;
// scripts use it directly). A test that needs one skips with missingRuntime(name)'s reason, or
// fails when TLSKIT_INTEROP_REQUIRE_PEERS=1:
//
//   const bun = runtimePath('bun');
//   test('... on Bun', { skip: missingRuntime('bun') }, () => { spawn(bun!, [...]) });
import type * as Runtimes from '../../scripts/runtimes.mjs';

export type { RuntimeName } from '../../scripts/runtimes.mjs';

// Loaded from the repository (plain JavaScript is not compiled into dist/), as browser.ts loads
// examples/browser/serve.mjs.
const runtimes = (await import(new URL('../../../scripts/runtimes.mjs', import.meta.url).href)) as typeof Runtimes;

export const { runtimePath, runtimeVersion, missingRuntime, describeRuntime, runtimesFolder } = runtimes;
