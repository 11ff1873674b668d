// The portable provider's DER reader and key parsers on malformed input: strict DER, every strict
// prefix fails, and random or mutated bytes only ever produce the typed error of the boundary
// (TlsError bad_certificate/unsupported_certificate for public keys, TypeError for private keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { DerError, DerReader, Tag, derElement } from './der.js';
import { PortableCryptoProvider } from './provider.js';
import { TlsError } from '../../errors.js';
import { fromHex } from '../../wire/bytes.js';

const P = new PortableCryptoProvider();

function reader(hex: string): DerReader {
  return new DerReader(fromHex(hex), 'test');
}

test('DER: definite minimal lengths only', () => {
  assert.deepEqual(reader('0403010203').read(Tag.octetString, 'x'), Uint8Array.of(1, 2, 3));
  assert.throws(() => reader('048103010203').read(Tag.octetString, 'x'), /not minimally encoded/); // 0x81 for a length < 128
  assert.throws(() => reader('0482000301020304').read(Tag.octetString, 'x'), /not minimally encoded/); // leading zero length byte
  assert.throws(() => reader('0480010200').read(Tag.octetString, 'x'), /indefinite/);
  assert.throws(() => reader('04840000000100').read(Tag.octetString, 'x'), /too long/); // more than 3 length bytes
  assert.throws(() => reader('1f0100').read(0x1f, 'x'), /high tag/);
  assert.throws(() => reader('0404010203').read(Tag.octetString, 'x'), /truncated/);
  assert.throws(() => reader('04').read(Tag.octetString, 'x'), /truncated/);
  assert.throws(() => reader('0500').read(Tag.octetString, 'x'), /tag 0x5/);
  const r = reader('05000500');
  r.read(Tag.null, 'x');
  assert.throws(() => r.done(), /1 trailing|2 trailing/);
  // Long form at the bounds: 128 needs 0x81, 65535 0x82, 65536 0x83.
  for (const length of [128, 255, 256, 65535, 65536]) {
    const element = derElement(Tag.octetString, new Uint8Array(length));
    assert.equal(new DerReader(element, 'test').read(Tag.octetString, 'x').length, length);
  }
});

test('DER: INTEGER, BIT STRING and OID rules', () => {
  assert.deepEqual(reader('020200ff').unsignedInteger('n'), Uint8Array.of(0xff));
  assert.deepEqual(reader('020100').unsignedInteger('n'), Uint8Array.of(0));
  assert.throws(() => reader('0202007f').unsignedInteger('n'), /not minimally/);
  assert.throws(() => reader('0202ff80').unsignedInteger('n'), /not minimally/);
  assert.throws(() => reader('020180').unsignedInteger('n'), /negative/);
  assert.throws(() => reader('0200').unsignedInteger('n'), /empty/);
  assert.throws(() => reader('02020100').smallInteger('v'), /out of range/);
  assert.deepEqual(reader('03020001').bitStringBytes('b'), Uint8Array.of(1));
  assert.throws(() => reader('03020101').bitStringBytes('b'), /whole-byte/);
  assert.throws(() => reader('0300').bitStringBytes('b'), /whole-byte/);
  assert.equal(reader('06032b6570').oid('o'), '2b6570');
  assert.throws(() => reader('06022b85').oid('o'), /malformed/);
  assert.throws(() => reader('0600').oid('o'), /malformed/);
});

const spkis = [
  nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  nodeCrypto.generateKeyPairSync('ed25519'),
  nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 1024 }),
].map((k) => ({
  spki: new Uint8Array(k.publicKey.export({ format: 'der', type: 'spki' })),
  pkcs8: new Uint8Array(k.privateKey.export({ format: 'der', type: 'pkcs8' })),
}));

function onlyBoundaryErrors(fn: () => unknown, isExpected: (err: unknown) => boolean): void {
  try {
    fn();
  } catch (err) {
    if (!isExpected(err)) throw err;
  }
}
const certificateError = (err: unknown) => err instanceof TlsError && (err.alert === 'bad_certificate' || err.alert === 'unsupported_certificate');
const keyError = (err: unknown) => err instanceof TypeError;

test('importPrivateKey: every strict prefix of a PKCS#8 key is a TypeError', () => {
  for (const { pkcs8 } of spkis.slice(0, 3)) {
    for (let cut = 0; cut < pkcs8.length; cut++) assert.throws(() => P.importPrivateKey(pkcs8.subarray(0, cut)), TypeError);
  }
});

test('property: random and mutated SPKI bytes only ever give bad_certificate or unsupported_certificate', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyBoundaryErrors(() => P.importPublicKey(b), certificateError)), { numRuns: 2000 });
  fc.assert(fc.property(
    fc.constantFrom(...spkis.map((s) => s.spki)), fc.nat(), fc.integer({ min: 1, max: 255 }),
    (spki, at, xor) => {
      const mutated = spki.slice();
      mutated[at % mutated.length]! ^= xor;
      onlyBoundaryErrors(() => P.importPublicKey(mutated), certificateError);
    },
  ), { numRuns: 3000 });
});

test('property: random and mutated private key bytes only ever give TypeError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyBoundaryErrors(() => P.importPrivateKey(b), keyError)), { numRuns: 2000 });
  fc.assert(fc.property(
    fc.constantFrom(...spkis.slice(0, 3).map((s) => s.pkcs8)), fc.nat(), fc.integer({ min: 1, max: 255 }),
    (pkcs8, at, xor) => {
      const mutated = pkcs8.slice();
      mutated[at % mutated.length]! ^= xor;
      onlyBoundaryErrors(() => P.importPrivateKey(mutated), keyError);
    },
  ), { numRuns: 400 }); // most mutations still hold a valid scalar: each run costs a point multiplication
});

test('DerError never escapes the provider', () => {
  assert.throws(() => P.importPublicKey(fromHex('3000')), (err: unknown) => err instanceof TlsError && !(err instanceof DerError));
  assert.throws(() => P.importPrivateKey(fromHex('3000')), (err: unknown) => err instanceof TypeError && err.cause instanceof DerError);
});
