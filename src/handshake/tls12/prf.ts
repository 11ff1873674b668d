// RFC 5246 §5: the TLS 1.2 PRF, P_<hash> over HMAC, and the secrets and keys built on it
// (§8.1 master secret, RFC 7627 extended master secret, §6.3 key block, §7.4.9 Finished).
import type { CryptoProvider, HashName } from '../../crypto/provider.js';
import { Secret } from '../../crypto/secret.js';
import { concat, constantTimeEqual, utf8 } from '../../wire/bytes.js';

/** PRF(secret, label, seed) = P_hash(secret, label + seed), truncated to `length`. */
export function prf(p: CryptoProvider, hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelSeed = concat(utf8(label), seed);
  const out = new Uint8Array(length);
  // A(0) = seed; A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) + seed) for i = 1, 2, ...
  let a = labelSeed;
  for (let at = 0; at < length; ) {
    a = p.hmac(hash, secret, a);
    const block = p.hmac(hash, secret, concat(a, labelSeed));
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

export const MASTER_SECRET_LENGTH = 48;

/** RFC 5246 §8.1, or RFC 7627 §4 when the extended master secret is in use (seed = session hash). */
export function deriveMasterSecret(
  p: CryptoProvider,
  hash: HashName,
  preMasterSecret: Secret,
  seed:
    | { readonly extended: true; readonly sessionHash: Uint8Array }
    | { readonly extended: false; readonly clientRandom: Uint8Array; readonly serverRandom: Uint8Array },
): Secret {
  const master = seed.extended
    ? prf(p, hash, preMasterSecret.expose(), 'extended master secret', seed.sessionHash, MASTER_SECRET_LENGTH)
    : prf(p, hash, preMasterSecret.expose(), 'master secret', concat(seed.clientRandom, seed.serverRandom), MASTER_SECRET_LENGTH);
  return new Secret(master);
}

export interface KeyBlock {
  readonly clientKey: Secret;
  readonly serverKey: Secret;
  readonly clientIv: Uint8Array;
  readonly serverIv: Uint8Array;
}

/** RFC 5246 §6.3: key_block = PRF(master, "key expansion", server_random + client_random); AEAD suites have no MAC keys. */
export function deriveKeyBlock(
  p: CryptoProvider,
  hash: HashName,
  master: Secret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
): KeyBlock {
  const block = prf(p, hash, master.expose(), 'key expansion', concat(serverRandom, clientRandom), 2 * (keyLength + ivLength));
  const keys: KeyBlock = {
    clientKey: new Secret(block.slice(0, keyLength)),
    serverKey: new Secret(block.slice(keyLength, 2 * keyLength)),
    clientIv: block.slice(2 * keyLength, 2 * keyLength + ivLength),
    serverIv: block.slice(2 * keyLength + ivLength),
  };
  block.fill(0);
  return keys;
}

/** Overwrites a key block: only once the connection ended (its IVs are shared with the record protection). */
export function wipeKeyBlock(block: KeyBlock): void {
  block.clientKey.wipe();
  block.serverKey.wipe();
  block.clientIv.fill(0);
  block.serverIv.fill(0);
}

export const VERIFY_DATA_LENGTH = 12;

/** RFC 5246 §7.4.9: verify_data = PRF(master, finished_label, Hash(handshake_messages))[0..11]. */
export function finishedVerifyData(p: CryptoProvider, hash: HashName, master: Secret, side: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  return prf(p, hash, master.expose(), side === 'client' ? 'client finished' : 'server finished', transcriptHash, VERIFY_DATA_LENGTH);
}

export function verifyFinished12(
  p: CryptoProvider,
  hash: HashName,
  master: Secret,
  side: 'client' | 'server',
  transcriptHash: Uint8Array,
  received: Uint8Array,
): boolean {
  return constantTimeEqual(finishedVerifyData(p, hash, master, side, transcriptHash), received);
}
