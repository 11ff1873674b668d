// A name for one signature check, for the caches that remember outcomes across validations.
import type { CryptoProvider, SignatureAlgorithm } from '../crypto/provider.js';
import { toHex } from '../wire/bytes.js';
import { Writer } from '../wire/writer.js';

/**
 * A SHA-256 digest of the key (SubjectPublicKeyInfo), the algorithm, the signed message and the
 * signature, each length-prefixed: an entry keyed by it says exactly "this signature is (in)valid
 * for this key and message".
 */
export function signatureCheckId(
  provider: CryptoProvider,
  spki: Uint8Array,
  algorithm: SignatureAlgorithm,
  message: Uint8Array,
  signature: Uint8Array,
): string {
  const w = new Writer();
  w.vectorBytes(3, spki);
  w.vectorBytes(
    1,
    new TextEncoder().encode(`${algorithm.kind}/${'hash' in algorithm ? algorithm.hash : ''}/${'saltLength' in algorithm ? algorithm.saltLength : ''}`),
  );
  w.vectorBytes(1, provider.hash('sha256', message));
  w.vectorBytes(3, signature);
  return toHex(provider.hash('sha256', w.finish()));
}
