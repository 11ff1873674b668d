// RSA keys with a chosen public exponent, including ones node:crypto will not generate (above
// 2^32, even, 1): two random primes, then d = e^-1 mod λ(n) and the CRT values, imported as a JWK.
// What an attacker can do; for tests of the exponent rule (src/crypto/public-key-info.ts).
import * as crypto from 'node:crypto';
import { keyPairFromPem, type KeyPair } from '../../src/devcert/certificate-builder.js';
import * as der from '../../src/asn1/der-writer.js';
import { AlgorithmOid } from '../../src/asn1/oids.js';

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function b64(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

/** An RSA-2048 key pair (PKCS#8 PEM and SPKI, for the devcert builder) whose public exponent is `e` (odd, coprime to λ(n)). */
export function rsaKeyPairWithExponent(e: bigint): KeyPair {
  for (;;) {
    const p = crypto.generatePrimeSync(1024, { bigint: true });
    const q = crypto.generatePrimeSync(1024, { bigint: true });
    const n = p * q;
    if (p === q || n.toString(2).length !== 2048) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    if (gcd(e, lambda) !== 1n) continue;
    const d = modInverse(e, lambda);
    const jwk = { kty: 'RSA', n: b64(n), e: b64(e), d: b64(d), p: b64(p), q: b64(q), dp: b64(d % (p - 1n)), dq: b64(d % (q - 1n)), qi: b64(modInverse(q, p)) };
    const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
    return keyPairFromPem(key.export({ format: 'pem', type: 'pkcs8' }).toString());
  }
}

/** An rsaEncryption SubjectPublicKeyInfo with a random 2048-bit modulus and exponent `e` (no private key: for parsers). */
export function rsaSpkiWithExponent(e: bigint, modulusBytes = 256): Uint8Array {
  const modulus = crypto.randomBytes(modulusBytes);
  modulus[0]! |= 0x80;
  modulus[modulusBytes - 1]! |= 1;
  const rsaPublicKey = der.sequence(der.integer(new Uint8Array(modulus)), der.integer(e));
  return der.sequence(der.sequence(der.oid(AlgorithmOid.rsaEncryption), der.nullValue()), der.bitString(rsaPublicKey));
}
