// `tlskit cert` end to end, run as a user runs it: `node dist/src/cli/main.js cert ...` in a
// child process, its files checked with openssl and node:crypto.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { opensslMissing, opensslText, opensslVerify, withTempDir } from '../helpers/openssl.js';

/** The repository root (this file runs from dist/test/cli/). */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = 'dist/src/cli/main.js';

function tlskit(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  // A clean environment: no CA location leaks in from the machine running the tests.
  const base = { PATH: process.env['PATH'] ?? '', HOME: env['HOME'] ?? '/nonexistent' };
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: root, env: { ...base, ...env }, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('tlskit (main)', () => {
  test('the entry point starts with a node shebang', () => {
    assert.equal(readFileSync(join(root, MAIN), 'utf8').split('\n')[0], '#!/usr/bin/env node');
  });

  test('no command: usage listing cert on stderr, exit 2; --help: the same on stdout, exit 0', () => {
    const none = tlskit([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^Usage: tlskit <command> \[arguments\]\n\nCommands:\n/);
    assert.match(none.stderr, /\n {2}cert +issue a development certificate/);
    const help = tlskit(['--help']);
    assert.equal(help.status, 0);
    assert.equal(help.stdout, none.stderr);
  });

  test('an unknown command exits 2 and names it', () => {
    const r = tlskit(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^tlskit: unknown command 'frobnicate'\nsee 'tlskit --help'\n$/);
  });

  test('cert with no names exits 2, says why and where the help is', () => {
    const r = tlskit(['cert']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "tlskit cert: name at least one host, IP address or e-mail address to certify\nsee 'tlskit cert --help'\n");
  });
});

describe('tlskit cert, end to end', { skip: opensslMissing }, () => {
  test('creates a CA and a leaf for localhost and 127.0.0.1, then reuses the CA', () => {
    withTempDir((tmp) => {
      const caDir = join(tmp, 'ca');
      const out = join(tmp, 'out');
      const first = tlskit(['cert', 'localhost', '127.0.0.1', '--ca-dir', caDir, '--out', out]);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(first.stderr, '');
      assert.match(first.stdout, /^Created a new local CA in /);

      const caPath = join(caDir, 'rootCA.pem');
      const certPath = join(out, 'localhost+1.pem');
      const keyPath = join(out, 'localhost+1-key.pem');
      for (const path of [caPath, join(caDir, 'rootCA-key.pem'), certPath, keyPath]) assert.ok(existsSync(path), path);
      assert.equal(mode(join(caDir, 'rootCA-key.pem')), 0o600);
      assert.equal(mode(keyPath), 0o600);

      const caPem = readFileSync(caPath, 'utf8');
      const certPem = readFileSync(certPath, 'utf8');
      const verified = opensslVerify({ caPem, certPem, flags: ['-purpose', 'sslserver', '-verify_hostname', 'localhost', '-verify_ip', '127.0.0.1'] });
      assert.ok(verified.ok, verified.output);
      const text = opensslText(certPem);
      assert.match(text, /X509v3 Subject Alternative Name: ?\n\s+DNS:localhost, IP Address:127\.0\.0\.1\n/);
      assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
      assert.ok(new X509Certificate(certPem).checkPrivateKey(createPrivateKey(readFileSync(keyPath))));

      const second = tlskit(['cert', '--rsa', 'api.example.test', '--ca-dir', caDir, '--out', out]);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /^Using the local CA in /);
      assert.equal(readFileSync(caPath, 'utf8'), caPem, 'the CA was reused, not replaced');
      const rsaPem = readFileSync(join(out, 'api.example.test.pem'), 'utf8');
      assert.equal(createPrivateKey(readFileSync(join(out, 'api.example.test-key.pem'))).asymmetricKeyType, 'rsa');
      const rsaVerified = opensslVerify({ caPem, certPem: rsaPem, flags: ['-verify_hostname', 'api.example.test'] });
      assert.ok(rsaVerified.ok, rsaVerified.output);
      assert.equal(existsSync(certPath), true, 'the first leaf is still there');
    });
  });

  test('$TLSKIT_CAROOT chooses the CA directory when --ca-dir is absent', () => {
    withTempDir((tmp) => {
      const caDir = join(tmp, 'caroot');
      const env = { TLSKIT_CAROOT: caDir, HOME: tmp };
      assert.equal(tlskit(['cert', '--ca-path'], env).stdout, `${caDir}\n`);
      const r = tlskit(['cert', '--out', tmp, '*.example.test'], env);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(existsSync(join(caDir, 'rootCA.pem')));
      const certPem = readFileSync(join(tmp, '_wildcard.example.test.pem'), 'utf8');
      const verified = opensslVerify({ caPem: readFileSync(join(caDir, 'rootCA.pem'), 'utf8'), certPem, flags: ['-verify_hostname', 'www.example.test'] });
      assert.ok(verified.ok, verified.output);
      assert.equal(existsSync(join(tmp, '.local')), false, 'nothing went to the home directory');
    });
  });
});
