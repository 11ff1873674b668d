// The browser entry stays free of Node built-ins: the import-graph check, a DOM-only type check,
// package.json export conditions, and a handshake through the package as a browser resolves it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateFolder, opensslAvailable } from './helpers/certs.js';

const script = 'scripts/check-browser-build.mjs';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
}

test('check-browser-build: the browser entry reaches no Node built-in', () => {
  const r = run([script]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /dist\/src\/web\/index\.js reaches \d+ modules \(\d+ ours, [1-9]\d* from packages\), no Node built-ins/);
});

test('check-browser-build: it does see Node in the Node entry (the check is not vacuous)', () => {
  const r = run([script, 'dist/src/index.js']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /'node:crypto' reached through\n\s+dist\/src\/index\.js\n\s+-> dist\/src\/crypto\/node\/provider\.js/);
});

test('check-browser-build: comments and strings are not imports; bare built-ins, require and getBuiltinModule are caught', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-graph-'));
  try {
    const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
    write(
      'clean.js',
      "// import 'node:fs' in a comment\n/* from 'node:net' */ const s = '/* not a comment'; // @noble/*\nimport { b } from './b.js';\nexport const a = b + s;\n",
    );
    write('b.js', "const re = /['\"]from 'node:os'/; export const b = String(re);\n");
    assert.equal(run([script, join(dir, 'clean.js')]).status, 0);
    for (const [name, text, expected] of [
      ['bare.js', "import { randomBytes } from 'crypto';\nexport { randomBytes };\n", /'crypto' reached/],
      ['req.js', "export const fs = require('fs');\n", /require\('fs'\)/],
      ['builtin.js', "export const c = process.getBuiltinModule('node:crypto');\n", /getBuiltinModule/],
      ['missing.js', "import './nowhere.js';\n", /cannot be resolved/],
      ['deep.js', "export * from './clean.js';\nexport * from './bare.js';\n", /deep\.js\n\s+-> .*bare\.js/],
    ] as const) {
      write(name, text);
      const r = run([script, join(dir, name)]);
      assert.equal(r.status, 1, `${name} must fail`);
      assert.match(r.stderr, expected);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const tsc = join('node_modules', '.bin', 'tsc');

test('the browser entry type-checks against the DOM library with no Node types', { skip: existsSync(tsc) ? false : 'tsc not installed' }, () => {
  const r = spawnSync(tsc, ['-p', 'tsconfig.web.json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('package.json exports: browser, deno, bun and default get the web entry; node the Node entry', () => {
  const resolveWith = (condition?: string) => {
    const args = [...(condition ? ['-C', condition] : []), '--input-type=module', '-e', "process.stdout.write(import.meta.resolve('tlskit'))"];
    const r = run(args);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  // Node always sets "node" too: the web conditions win because they come first.
  for (const condition of ['browser', 'deno', 'bun']) assert.match(resolveWith(condition), /\/dist\/src\/web\/index\.js$/, condition);
  assert.match(resolveWith(), /\/dist\/src\/index\.js$/);
  const web = run(['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('tlskit/web'))"]);
  assert.match(web.stdout, /\/dist\/src\/web\/index\.js$/);
});

const certs = opensslAvailable() ? new CertificateFolder() : undefined;
after(() => certs?.remove());

test('through the package as a browser resolves it: portable default provider, Web Streams handshake', { skip: certs ? false : 'openssl CLI missing' }, () => {
  const c = certs!.get('ed25519');
  const program = `
    import * as tlskit from 'tlskit';
    const provider = tlskit.defaultProvider();
    if (provider.name !== 'portable') throw new Error('default provider is ' + provider.name);
    if ('connect' in tlskit || 'nodeCryptoProvider' in tlskit) throw new Error('the web entry exports Node APIs');
    const up = new TransformStream(), down = new TransformStream();
    const [client, server] = await Promise.all([
      tlskit.connectStream({ readable: down.readable, writable: up.writable }, { servername: 'localhost', rejectUnauthorized: false }),
      tlskit.acceptStream({ readable: up.readable, writable: down.writable }, { key: process.env.KEY, cert: process.env.CERT }),
    ]);
    const writer = client.writable.getWriter();
    await writer.write(new TextEncoder().encode('hello from the web entry'));
    const { value } = await server.readable.getReader().read();
    process.stdout.write(new TextDecoder().decode(value) + ' / ' + client.info.version + ' / ' + client.info.cipherSuite.name);
    await client.close();
    await server.close();
  `;
  const r = run(['-C', 'browser', '--input-type=module', '-e', program], { KEY: c.key, CERT: c.cert });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'hello from the web entry / TLSv1.3 / TLS_AES_128_GCM_SHA256');
});
