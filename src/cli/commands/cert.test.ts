import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { runCert, type CertContext } from './cert.js';

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(argv: string[], context: CertContext = { env: {}, cwd: '/nowhere' }): Promise<Run> {
  const out = sink();
  const err = sink();
  const status = await runCert(argv, { stdout: out.stream, stderr: err.stream }, context);
  return { status, stdout: out.text(), stderr: err.text() };
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-cert-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tlskit cert: arguments', () => {
  test('--help prints the usage to stdout', async () => {
    const r = await run(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage:\n {2}tlskit cert \[--rsa\] \[--client\] \[--pkcs12\] \[--ca-dir DIR\] \[--out DIR\] NAME\.\.\.\n/);
    assert.equal(r.stderr, '');
  });

  test('bad usage exits 2 with the reason and where the help is, on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [[], /name at least one host/],
      [['--bogus', 'localhost'], /unknown option --bogus/],
      [['--out'], /--out needs a value/],
      [['--ca-dir', '', 'localhost'], /--ca-dir needs a directory/],
      [['--ca-path', 'localhost'], /--ca-path takes no names/],
      [['--ca-path', '--rsa'], /--ca-path takes no names/],
      [['not a name'], /'not a name' is not a valid DNS name/],
      [['localhost:8443'], /'localhost:8443' is not a valid DNS name/],
    ];
    for (const [argv, reason] of cases) {
      const r = await run(argv);
      assert.equal(r.status, 2, argv.join(' '));
      assert.match(r.stderr, /^tlskit cert: /);
      assert.match(r.stderr, reason, argv.join(' '));
      // One line and where the help is, not the whole help (issue 17).
      assert.match(r.stderr, /\nsee 'tlskit cert --help'\n$/);
      assert.equal(r.stdout, '');
    }
  });

  test('--ca-path prints the CA directory: --ca-dir, $TLSKIT_CAROOT, $XDG_DATA_HOME, home', async () => {
    assert.equal((await run(['--ca-path'], { env: { TLSKIT_CAROOT: '/srv/ca' }, cwd: '/w' })).stdout, '/srv/ca\n');
    assert.equal((await run(['--ca-path'], { env: { XDG_DATA_HOME: '/xdg' }, cwd: '/w' })).stdout, '/xdg/tlskit\n');
    assert.equal((await run(['--ca-path', '--ca-dir', 'rel/ca'], { env: { TLSKIT_CAROOT: '/srv/ca' }, cwd: '/w' })).stdout, '/w/rel/ca\n');
    assert.match((await run(['--ca-path'], { env: {}, cwd: '/w' })).stdout, /\/\.local\/share\/tlskit\n$/);
  });
});

describe('tlskit cert: issuing', () => {
  test('a bad name creates no CA', async () => {
    await inTempDir(async (dir) => {
      const r = await run(['ok.test', 'bad name', '--ca-dir', 'ca'], { env: {}, cwd: dir });
      assert.equal(r.status, 2);
      assert.equal(existsSync(join(dir, 'ca')), false);
    });
  });

  test('relative --ca-dir and --out resolve against the working directory; paths print relative to it', async () => {
    await inTempDir(async (dir) => {
      const r = await run(['localhost', '::1', '--ca-dir', 'ca', '--out', 'certs'], { env: {}, cwd: dir });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(existsSync(join(dir, 'ca', 'rootCA.pem')));
      assert.ok(existsSync(join(dir, 'certs', 'localhost+1.pem')));
      assert.match(r.stdout, /^Created a new local CA in .*\/ca\n/);
      assert.match(r.stdout, / {2}DNS {4}localhost\n {2}IP {5}::1\n/);
      assert.match(r.stdout, / {2}certificate {2}\.\/certs\/localhost\+1\.pem\n {2}key {10}\.\/certs\/localhost\+1-key\.pem\n/);
      assert.match(r.stdout, /expires {6}\d{4}-\d\d-\d\d\n/);
      assert.match(r.stdout, /NODE_EXTRA_CA_CERTS=.*\/ca\/rootCA\.pem/);
    });
  });

  test('a damaged CA directory fails with exit 1 and says what to do', async () => {
    await inTempDir(async (dir) => {
      mkdirSync(join(dir, 'ca'));
      writeFileSync(join(dir, 'ca', 'rootCA.pem'), 'x');
      const r = await run(['localhost', '--ca-dir', 'ca', '--out', '.'], { env: {}, cwd: dir });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^tlskit cert: found .*rootCA\.pem but not .*rootCA-key\.pem: restore it, or remove/);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(join(dir, 'localhost.pem')), false);
    });
  });
});
