// The one interface through which the protocol reaches every cryptographic primitive. Protocol
// code never imports node:crypto; the default implementation (./node/) does, and a portable one can.
import type { AeadName, CurveName, GroupName, HashName, KeyInfo, KeyType, SignatureAlgorithm } from '../protocol/algorithms.js';
import type { Secret } from './secret.js';

// The algorithm names live with the code point tables that map to them; the provider implements them.
export type { AeadName, CurveName, GroupName, HashName, KeyInfo, KeyType, SignatureAlgorithm };

export const hashLength: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** An incremental hash whose state can be forked (the transcript hash needs intermediate values). */
export interface HashContext {
  update(data: Uint8Array): void;
  /** The digest of everything so far, without ending the context. */
  peek(): Uint8Array;
  clone(): HashContext;
}

export const aeadKeyLength: Record<AeadName, number> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

/** An AEAD bound to one key (RFC 5116). All three of ours use 12-byte nonces and 16-byte tags. */
export interface Aead {
  readonly name: AeadName;
  /**
   * Encrypts the concatenation of `parts` and pushes the ciphertext chunks, then the 16-byte tag,
   * onto `out`; chunks may be shared with nothing else and are owned by the caller.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array[]): void;
  /** Decrypts and authenticates; null when the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null;
  /**
   * Overwrites the key where this AEAD holds it in JavaScript memory (the connection ended). A key
   * held by the runtime (node:crypto's KeyObject) cannot be: such providers leave this out.
   */
  wipe?(): void;
}

/** One side of an ephemeral key exchange. */
export interface KeyShare {
  readonly group: GroupName;
  /** Our public value as it goes on the wire (RFC 8446 §4.2.8.2 encodings). */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's public value. Throws TlsError('illegal_parameter') when the
   * peer's value is malformed or not on the curve.
   */
  agree(peerPublicKey: Uint8Array): Secret;
}

/**
 * Key encapsulation for the server side of a KEM-based group (RFC 8446 key_share with ML-KEM):
 * given the client's public value, produce the server's share and the shared secret at once.
 */
export interface Encapsulation {
  readonly publicKey: Uint8Array;
  readonly sharedSecret: Secret;
}

/** An imported public key, ready for repeated verification. */
export interface PublicKey extends KeyInfo {
  /** The SubjectPublicKeyInfo DER it was imported from. */
  readonly spki: Uint8Array;
}

/** A private key held by the provider (never exported by tlskit). */
export interface PrivateKey extends KeyInfo {
  readonly publicKey: PublicKey;
}

export interface CryptoProvider {
  readonly name: string;

  randomBytes(length: number): Uint8Array;

  hash(name: HashName, data: Uint8Array): Uint8Array;
  createHash(name: HashName): HashContext;
  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract (RFC 5869 §2.2). */
  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Secret;
  /** HKDF-Expand (RFC 5869 §2.3). */
  hkdfExpand(name: HashName, prk: Secret, info: Uint8Array, length: number): Secret;

  createAead(name: AeadName, key: Secret): Aead;

  /** A fresh ephemeral key pair for the group. */
  generateKeyShare(group: GroupName): KeyShare;
  /** A key pair from a given private value (deterministic tests replaying recorded handshakes). */
  keyShareFromPrivate(group: GroupName, privateKey: Uint8Array): KeyShare;
  /** KEM groups, server side: encapsulate to the client's share. Undefined when the group is not a KEM. */
  encapsulate?(group: GroupName, peerPublicKey: Uint8Array): Encapsulation;
  /** The groups this provider can compute, in no particular order. */
  supportsGroup(group: GroupName): boolean;

  /** Imports a SubjectPublicKeyInfo; throws TlsError('bad_certificate') if it is not a key we support. */
  importPublicKey(spki: Uint8Array): PublicKey;
  /** Imports a PEM or DER private key (PKCS#8, PKCS#1 RSA, SEC1 EC). */
  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey;
  sign(key: PrivateKey, algorithm: SignatureAlgorithm, message: Uint8Array): Uint8Array;
  verify(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean;

  /**
   * Keys this provider signs and verifies with only asynchronously (the portable provider's RSA,
   * through WebCrypto): for them sign() and verify() throw, and signAsync() / verifyAsync() do the
   * work. Absent, or false for a key: everything is synchronous. Callers go through
   * signWithProvider() / verifyWithProvider() below rather than asking themselves.
   */
  asyncOnly?(key: KeyInfo): boolean;
  signAsync?(key: PrivateKey, algorithm: SignatureAlgorithm, message: Uint8Array): Promise<Uint8Array>;
  /** Like verify(): false for a signature that does not verify, a TlsError for a key it cannot use. */
  verifyAsync?(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): Promise<boolean>;

  /** RSA encryption with PKCS#1 v1.5 padding (TLS 1.2 RSA key transport, client side). */
  rsaEncryptPkcs1(key: PublicKey, message: Uint8Array): Uint8Array;
  /**
   * The raw RSA private operation (m = c^d mod n) with no padding check: the caller removes the
   * PKCS#1 v1.5 padding in constant time (RFC 5246 §7.4.7.1). Output has the modulus length.
   */
  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array;
}

/** Signs through sign(), or signAsync() for a key the provider uses only asynchronously. */
export function signWithProvider(
  provider: CryptoProvider,
  key: PrivateKey,
  algorithm: SignatureAlgorithm,
  message: Uint8Array,
): Uint8Array | Promise<Uint8Array> {
  if (provider.signAsync && provider.asyncOnly?.(key)) return provider.signAsync(key, algorithm, message);
  return provider.sign(key, algorithm, message);
}

/** Verifies through verify(), or verifyAsync() for a key the provider uses only asynchronously. */
export function verifyWithProvider(
  provider: CryptoProvider,
  key: PublicKey,
  algorithm: SignatureAlgorithm,
  message: Uint8Array,
  signature: Uint8Array,
): boolean | Promise<boolean> {
  if (provider.verifyAsync && provider.asyncOnly?.(key)) return provider.verifyAsync(key, algorithm, message, signature);
  return provider.verify(key, algorithm, message, signature);
}
