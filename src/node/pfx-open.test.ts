// createSecureContext({ pfx }) (src/node/secure-context.ts openPfx): what a pfx holds becomes key
// and cert, or the call fails; a pfx that gives no key (certificates only) is refused as node
// refuses it, rather than leaving a client without the certificate it was told to present.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createSecureContext } from './secure-context.js';
import { createTestPki } from '../devcert/test-pki.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlskit-pfx-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pki = createTestPki({ intermediate: true });
fs.writeFileSync(path.join(dir, 'key.pem'), pki.keyPem);
fs.writeFileSync(path.join(dir, 'chain.pem'), pki.chainPem);

function p12(out: string, args: string[]): Buffer {
  execFileSync('openssl', ['pkcs12', '-export', '-in', path.join(dir, 'chain.pem'), '-out', path.join(dir, out), '-passout', 'pass:sesame', ...args], {
    stdio: 'ignore',
  });
  return fs.readFileSync(path.join(dir, out));
}

test('pfx with a key and its chain: the context gets both', () => {
  assert.doesNotThrow(() => createSecureContext({ pfx: p12('full.p12', ['-inkey', path.join(dir, 'key.pem')]), passphrase: 'sesame' }));
});

test('pfx with certificates but no private key: refused (node: Unable to load PFX certificate), not silently empty', () => {
  const certsOnly = p12('certs.p12', ['-nokeys']);
  assert.throws(
    () => createSecureContext({ pfx: certsOnly, passphrase: 'sesame' }),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_CRYPTO_OPERATION_FAILED' && /Unable to load PFX certificate/.test(err.message) && /no private key/.test(err.message),
  );
});
