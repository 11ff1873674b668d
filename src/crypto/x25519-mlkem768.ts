// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3, IANA group 0x11EC): ML-KEM-768 (FIPS 203) and
// X25519 side by side, ML-KEM first in every encoding. Shared by both providers: each brings its
// own ML-KEM and X25519; the composition and its checks live here once. No Node built-ins.
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError, illegalParameter } from '../errors.js';
import type { Encapsulation, KeyShare } from './provider.js';
import { Secret } from './secret.js';
import { concat } from '../wire/bytes.js';

// FIPS 203 Table 3 (ML-KEM-768) and RFC 7748 §5 (X25519) sizes.
export const MLKEM768_ENCAPSULATION_KEY_LENGTH = 1184;
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
/** FIPS 203 §7.1: ML-KEM.KeyGen_internal(d, z) takes two 32-byte seeds. */
export const MLKEM768_SEED_LENGTH = 64;
const X25519_LENGTH = 32;

/** Client share: encapsulation key || X25519 public value. */
export const X25519MLKEM768_CLIENT_SHARE_LENGTH = MLKEM768_ENCAPSULATION_KEY_LENGTH + X25519_LENGTH;
/** Server share: ciphertext || X25519 public value. */
export const X25519MLKEM768_SERVER_SHARE_LENGTH = MLKEM768_CIPHERTEXT_LENGTH + X25519_LENGTH;
/** keyShareFromPrivate input: ML-KEM seed (d || z) || X25519 private key. */
export const X25519MLKEM768_PRIVATE_LENGTH = MLKEM768_SEED_LENGTH + X25519_LENGTH;

/** A decapsulation key and its public half. */
export interface MlKemKeyPair {
  readonly encapsulationKey: Uint8Array;
  /** FIPS 203 §7.3: never fails on a ciphertext of the right length (implicit rejection). */
  decapsulate(ciphertext: Uint8Array): Uint8Array;
}

/** An ML-KEM-768 implementation: node:crypto's (Node ≥ 24.7) or noble's. */
export interface MlKem768 {
  /** A key pair from a 64-byte seed d || z, or a fresh one. */
  generate(seed?: Uint8Array): MlKemKeyPair;
  /** Throws when the encapsulation key fails FIPS 203 §7.2's input check. */
  encapsulate(encapsulationKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array };
}

/** The client's side: the hello carries `publicKey`; agree() decapsulates the server's share. */
export class X25519MlKem768Share implements KeyShare {
  readonly group = 'X25519MLKEM768' as const;
  readonly publicKey: Uint8Array;

  constructor(
    private readonly kem: MlKemKeyPair,
    private readonly x25519: KeyShare,
  ) {
    this.publicKey = concat(kem.encapsulationKey, x25519.publicKey);
  }

  agree(serverShare: Uint8Array): Secret {
    if (serverShare.length === X25519MLKEM768_CLIENT_SHARE_LENGTH) {
      // A server handed a client share: it must encapsulate instead (provider.encapsulate).
      throw new TlsError('internal_error', 'X25519MLKEM768 on the server side needs provider.encapsulate(), not a key share');
    }
    // draft-ietf-tls-ecdhe-mlkem §3: a server share of the wrong length is illegal_parameter.
    if (serverShare.length !== X25519MLKEM768_SERVER_SHARE_LENGTH) {
      throw illegalParameter(`X25519MLKEM768 key share is ${serverShare.length} bytes, expected ${X25519MLKEM768_SERVER_SHARE_LENGTH}`);
    }
    const kemSecret = this.kem.decapsulate(serverShare.subarray(0, MLKEM768_CIPHERTEXT_LENGTH));
    const ecdh = this.x25519.agree(serverShare.subarray(MLKEM768_CIPHERTEXT_LENGTH));
    const shared = new Secret(concat(kemSecret, ecdh.expose()));
    kemSecret.fill(0);
    ecdh.wipe();
    return shared;
  }
}

/**
 * The server's side: encapsulate to the client's ML-KEM key and answer its X25519 value with
 * `x25519`, a fresh share. Shared secret: ML-KEM secret || X25519 secret (64 bytes).
 */
export function encapsulateX25519MlKem768(kem: MlKem768, x25519: KeyShare, clientShare: Uint8Array): Encapsulation {
  if (clientShare.length !== X25519MLKEM768_CLIENT_SHARE_LENGTH) {
    throw illegalParameter(`X25519MLKEM768 key share is ${clientShare.length} bytes, expected ${X25519MLKEM768_CLIENT_SHARE_LENGTH}`);
  }
  let encapsulated: { ciphertext: Uint8Array; sharedSecret: Uint8Array };
  try {
    encapsulated = kem.encapsulate(clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH));
  } catch (err) {
    // draft-ietf-tls-ecdhe-mlkem §3: an encapsulation key failing FIPS 203 §7.2 is illegal_parameter.
    throw new TlsError('illegal_parameter', 'X25519MLKEM768 key share holds an invalid ML-KEM encapsulation key', { cause: err });
  }
  const ecdh = x25519.agree(clientShare.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH));
  const sharedSecret = new Secret(concat(encapsulated.sharedSecret, ecdh.expose()));
  encapsulated.sharedSecret.fill(0);
  ecdh.wipe();
  return { publicKey: concat(encapsulated.ciphertext, x25519.publicKey), sharedSecret };
}

/** Splits keyShareFromPrivate's input into the ML-KEM seed and the X25519 private key. */
export function splitX25519MlKem768Private(privateKey: Uint8Array): { seed: Uint8Array; x25519: Uint8Array } {
  if (privateKey.length !== X25519MLKEM768_PRIVATE_LENGTH) {
    throw new TlsError(
      'internal_error',
      `X25519MLKEM768 private key is ${privateKey.length} bytes, expected ${X25519MLKEM768_PRIVATE_LENGTH} (ML-KEM seed || X25519 key)`,
    );
  }
  return { seed: privateKey.subarray(0, MLKEM768_SEED_LENGTH), x25519: privateKey.subarray(MLKEM768_SEED_LENGTH) };
}

/** noble's pure-JS ML-KEM-768, drawing its randomness from `randomBytes`. */
export function nobleMlKem768(randomBytes: (length: number) => Uint8Array): MlKem768 {
  return {
    generate(seed) {
      const { secretKey, publicKey } = ml_kem768.keygen(seed ?? randomBytes(MLKEM768_SEED_LENGTH));
      return {
        encapsulationKey: publicKey,
        decapsulate: (ciphertext) => ml_kem768.decapsulate(ciphertext, secretKey),
      };
    },
    encapsulate(encapsulationKey) {
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(encapsulationKey, randomBytes(32));
      return { ciphertext: cipherText, sharedSecret };
    },
  };
}
