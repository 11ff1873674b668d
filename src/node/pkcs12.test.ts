// PKCS#12 files as OpenSSL writes them (src/node/pkcs12.ts): the default PBES2/AES/HMAC-SHA-256
// form, other hashes and ciphers OpenSSL offers, 3DES legacy, empty and absent passwords, no MAC;
// RC2 refused with how to re-export; damaged input gives a Pkcs12Error, never another exception.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readPkcs12, Pkcs12Error } from './pkcs12.js';
import { createTestPki } from '../devcert/test-pki.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlskit-p12-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pki = createTestPki({ intermediate: true });
const keyFile = path.join(dir, 'key.pem');
const certFile = path.join(dir, 'chain.pem');
fs.writeFileSync(keyFile, pki.keyPem);
fs.writeFileSync(certFile, pki.chainPem);
const spki = crypto.createPublicKey(pki.keyPem).export({ type: 'spki', format: 'der' });

let n = 0;
/** `openssl pkcs12 -export` with these arguments; undefined when this openssl refuses them. */
function p12(args: string[]): Buffer | undefined {
  const out = path.join(dir, `f${++n}.p12`);
  try {
    execFileSync('openssl', ['pkcs12', '-export', '-in', certFile, '-inkey', keyFile, '-out', out, ...args], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return fs.readFileSync(out);
}

function assertContents(file: Buffer | undefined, passphrase: string | undefined, label: string): void {
  assert.ok(file, `openssl wrote ${label}`);
  const { keys, certificates } = readPkcs12(file, passphrase);
  assert.equal(keys.length, 1, label);
  assert.ok(crypto.createPublicKey(keys[0]!).export({ type: 'spki', format: 'der' }).equals(spki), label);
  assert.equal(certificates.length, 2, `${label}: leaf and intermediate`);
}

test('OpenSSL 3 default (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC; HMAC-SHA-256 MAC)', () => {
  assertContents(p12(['-passout', 'pass:sesame']), 'sesame', 'default');
});

test('other MAC hashes and PBES2 ciphers OpenSSL offers', () => {
  assertContents(p12(['-passout', 'pass:sesame', '-macalg', 'sha512']), 'sesame', 'sha512 mac');
  assertContents(p12(['-passout', 'pass:sesame', '-keypbe', 'AES-128-CBC', '-certpbe', 'AES-128-CBC']), 'sesame', 'aes-128');
  assertContents(p12(['-passout', 'pass:sesame', '-certpbe', 'NONE']), 'sesame', 'certificates unencrypted');
  assertContents(p12(['-passout', 'pass:sesame', '-nomac']), 'sesame', 'no MAC');
  assertContents(p12(['-passout', 'pass:sesame', '-keypbe', 'NONE', '-certpbe', 'NONE']), 'sesame', 'nothing encrypted (keyBag)');
  assertContents(p12(['-passout', 'pass:pässwörd']), 'pässwörd', 'non-ASCII password');
});

test('legacy 3DES with SHA-1 MAC is read (node:crypto has des-ede3-cbc)', () => {
  assertContents(p12(['-passout', 'pass:sesame', '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']), 'sesame', '3des');
});

test('empty password: read with passphrase "" or none, as node', () => {
  const file = p12(['-passout', 'pass:']);
  assertContents(file, '', 'empty');
  assertContents(file, undefined, 'absent');
});

test('-legacy (40-bit RC2 certificates): refused, naming the algorithm and how to re-export', (t) => {
  const file = p12(['-legacy', '-passout', 'pass:sesame']);
  if (!file) return t.skip('this openssl has no legacy provider');
  assert.throws(() => readPkcs12(file, 'sesame'), (err: Error) =>
    err instanceof Pkcs12Error && /pbeWithSHAAnd40BitRC2-CBC/.test(err.message) && /openssl pkcs12 -export/.test(err.message));
});

test('wrong password: mac verify failure; damaged files: Pkcs12Error only', () => {
  const file = p12(['-passout', 'pass:sesame'])!;
  assert.throws(() => readPkcs12(file, 'wrong'), /mac verify failure/);
  for (let cut = 0; cut < file.length; cut += 37) {
    assert.throws(() => readPkcs12(file.subarray(0, cut), 'sesame'), Pkcs12Error, `prefix of ${cut} bytes`);
  }
  for (let i = 0; i < 64; i++) {
    const flipped = Buffer.from(file);
    flipped[(i * 131) % file.length] ^= 0x5a;
    try {
      readPkcs12(flipped, 'sesame');
    } catch (err) {
      assert.ok(err instanceof Pkcs12Error, String(err));
    }
  }
});
