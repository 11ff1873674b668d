// The portable provider's key parsers on malformed input: every strict prefix fails, and random or
// mutated bytes only ever produce the typed error of the boundary (TlsError
// bad_certificate/unsupported_certificate for public keys, TypeError for private keys). The DER
// reader itself is tested in src/asn1/der.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { PortableCryptoProvider } from './provider.js';
import { TlsError } from '../../errors.js';
import { fromHex } from '../../wire/bytes.js';
import { DerReader } from '../../asn1/der.js';
import * as der from '../../asn1/der-writer.js';
import { AlgorithmOid } from '../../asn1/oids.js';

const P = new PortableCryptoProvider();

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
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyBoundaryErrors(() => P.importPublicKey(b), certificateError)),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...spkis.map((s) => s.spki)), fc.nat(), fc.integer({ min: 1, max: 255 }), (spki, at, xor) => {
      const mutated = spki.slice();
      mutated[at % mutated.length]! ^= xor;
      onlyBoundaryErrors(() => P.importPublicKey(mutated), certificateError);
    }),
    { numRuns: 3000 },
  );
});

test('property: random and mutated private key bytes only ever give TypeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyBoundaryErrors(() => P.importPrivateKey(b), keyError)),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...spkis.slice(0, 3).map((s) => s.pkcs8)), fc.nat(), fc.integer({ min: 1, max: 255 }), (pkcs8, at, xor) => {
      const mutated = pkcs8.slice();
      mutated[at % mutated.length]! ^= xor;
      onlyBoundaryErrors(() => P.importPrivateKey(mutated), keyError);
    }),
    { numRuns: 400 },
  ); // most mutations still hold a valid scalar: each run costs a point multiplication
});

test("the DER reader's errors never escape the provider as they are", () => {
  // Public keys: the provider's own TlsError, with the reader's as its cause.
  assert.throws(
    () => P.importPublicKey(fromHex('3000')),
    (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && err.cause instanceof TlsError && err.cause !== err,
  );
  // Private keys: a TypeError, with the reader's TlsError as its cause.
  assert.throws(
    () => P.importPrivateKey(fromHex('3000')),
    (err: unknown) => err instanceof TypeError && err.cause instanceof TlsError,
  );
});

test('importPrivateKey: an RSA key whose public half is malformed or unusable is a TypeError', () => {
  const pkcs1 = new Uint8Array(nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs1' }));
  const fields: Uint8Array[] = [];
  const key = new DerReader(pkcs1, 'test').sequence('RSAPrivateKey');
  while (!key.atEnd) fields.push(key.element('field'));
  // publicExponent 65537 with a redundant leading zero octet: not DER.
  const badExponent = der.sequence(fields[0]!, fields[1]!, der.tagged('universal', false, 2, fromHex('00010001')), ...fields.slice(3));
  assert.throws(
    () => P.importPrivateKey(badExponent),
    (err: unknown) => err instanceof TypeError && /publicExponent INTEGER is not minimally encoded/.test(err.message),
  );
  // RFC 4055 §3.1 parameters with MGF1 over another hash than the signature's.
  const hash = (oid: string): Uint8Array => der.sequence(der.oid(oid));
  const pssParams = der.sequence(
    der.explicit(0, hash(AlgorithmOid.sha256)),
    der.explicit(1, der.sequence(der.oid(AlgorithmOid.mgf1), hash(AlgorithmOid.sha384))),
  );
  const pssKey = der.sequence(der.integer(0), der.sequence(der.oid(AlgorithmOid.rsassaPss), pssParams), der.octetString(pkcs1));
  assert.throws(
    () => P.importPrivateKey(pssKey),
    (err: unknown) => err instanceof TypeError && /MGF1 hash differs/.test(err.message),
  );
});
