// PKCS#12 files as OpenSSL writes them (src/devcert/pkcs12.ts): the default PBES2/AES/HMAC-SHA-256
// form, other hashes and ciphers OpenSSL offers, 3DES legacy, empty and absent passwords, no MAC;
// RC2 refused with how to re-export; damaged input gives a Pkcs12Error, never another exception.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { readPkcs12, Pkcs12Error } from './pkcs12.js';
import { createTestPki } from './test-pki.js';
import * as der from '../asn1/der-writer.js';

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
  assert.throws(
    () => readPkcs12(file, 'sesame'),
    (err: Error) => err instanceof Pkcs12Error && /pbeWithSHAAnd40BitRC2-CBC/.test(err.message) && /openssl pkcs12 -export/.test(err.message),
  );
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

// Iteration counts are the file's: bounded each and in sum, so a crafted pfx cannot hold the process.
/** A pkcs8ShroudedKeyBag of the test key under PBES2 (PBKDF2-HMAC-SHA1, AES-256-CBC) at `iterations`. */
function pbes2Bag(iterations: number, password: string): Uint8Array {
  const salt = new Uint8Array(8).fill(7);
  const iv = new Uint8Array(16).fill(9);
  const key = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha1');
  const pkcs8 = crypto.createPrivateKey(pki.keyPem).export({ type: 'pkcs8', format: 'der' });
  const c = crypto.createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([c.update(pkcs8), c.final()]);
  return der.sequence(
    der.oid('1.2.840.113549.1.12.10.1.2'), // pkcs8ShroudedKeyBag
    der.explicit(
      0,
      der.sequence(
        der.sequence(
          der.oid('1.2.840.113549.1.5.13'),
          der.sequence(
            // PBES2
            der.sequence(der.oid('1.2.840.113549.1.5.12'), der.sequence(der.octetString(salt), der.integer(iterations))),
            der.sequence(der.oid('2.16.840.1.101.3.4.1.42'), der.octetString(iv)),
          ),
        ),
        der.octetString(ciphertext),
      ),
    ),
  );
}

function craftedPfx(safeContents: Uint8Array[], macIterations?: number): Uint8Array {
  const authSafe = der.sequence(...safeContents.map((sc) => der.sequence(der.oid('1.2.840.113549.1.7.1'), der.explicit(0, der.octetString(sc)))));
  const mac =
    macIterations === undefined
      ? []
      : [
          der.sequence(
            der.sequence(der.sequence(der.oid('1.3.14.3.2.26'), der.nullValue()), der.octetString(new Uint8Array(20))),
            der.octetString(new Uint8Array(8)),
            der.integer(macIterations),
          ),
        ];
  return der.sequence(der.integer(3), der.sequence(der.oid('1.2.840.113549.1.7.1'), der.explicit(0, der.octetString(authSafe))), ...mac);
}

/**
 * Runs `fn` while counting node:crypto's hash and PBKDF2 calls (the work a crafted file could
 * demand): the ESM bindings follow the CommonJS ones through syncBuiltinESMExports. The bound is
 * asserted as work done, not as time, which a loaded machine would make flaky.
 */
function countCryptoWork(fn: () => void): { hashes: number; pbkdf2: number[] } {
  const cjs = createRequire(import.meta.url)('node:crypto') as typeof crypto;
  const { createHash, pbkdf2Sync } = cjs;
  const work = { hashes: 0, pbkdf2: [] as number[] };
  cjs.createHash = ((...args: Parameters<typeof createHash>) => {
    work.hashes++;
    return createHash(...args);
  }) as typeof createHash;
  cjs.pbkdf2Sync = ((...args: Parameters<typeof pbkdf2Sync>) => {
    work.pbkdf2.push(args[2]);
    return pbkdf2Sync(...args);
  }) as typeof pbkdf2Sync;
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    cjs.createHash = createHash;
    cjs.pbkdf2Sync = pbkdf2Sync;
    syncBuiltinESMExports();
  }
  return work;
}

test('a MAC iteration count above 1,000,000 is refused before any work', () => {
  const work = countCryptoWork(() =>
    assert.throws(
      () => readPkcs12(craftedPfx([der.sequence()], 10_000_000), 'sesame'),
      (err: Error) => err instanceof Pkcs12Error && /MAC iteration count 10000000 is out of range/.test(err.message),
    ),
  );
  // The RFC 7292 KDF would hash 10,000,000 times; refused before it, a handful of hashes at most.
  assert.ok(work.hashes < 100, `${work.hashes} hashes computed`);
  assert.deepEqual(work.pbkdf2, []);
});

test('key derivations of one file are bounded in sum (many bags, each at an allowed count)', () => {
  const bag = der.sequence(pbes2Bag(1_000_000, 'sesame')); // each decrypts: the work is the attack
  const bags = Array.from({ length: 40 }, () => bag);
  const work = countCryptoWork(() =>
    assert.throws(
      () => readPkcs12(craftedPfx(bags), 'sesame'),
      (err: Error) => err instanceof Pkcs12Error && /would exceed 4000000 iterations in all/.test(err.message),
    ),
  );
  // Four derivations of 1,000,000 PBKDF2 iterations run, not forty.
  assert.deepEqual(work.pbkdf2, [1_000_000, 1_000_000, 1_000_000, 1_000_000]);
});
