// Signature schemes (RFC 8446 §4.2.3) as objects: the code point, the math, and the key it needs.
import type { CurveName, HashName, KeyInfo, KeyType, SignatureAlgorithm } from './algorithms.js';

export interface SignatureScheme {
  readonly id: number;
  readonly name: string;
  readonly algorithm: SignatureAlgorithm;
  readonly keyType: KeyType;
  /** ECDSA in TLS 1.3 binds the curve to the scheme (RFC 8446 §4.2.3). */
  readonly curve?: CurveName;
  /** Allowed in TLS 1.3 CertificateVerify (RFC 8446 §4.4.3: no PKCS#1 v1.5, no SHA-1). */
  readonly tls13: boolean;
}

const scheme = (id: number, name: string, algorithm: SignatureAlgorithm, keyType: KeyType, tls13: boolean, curve?: CurveName): SignatureScheme =>
  curve ? { id, name, algorithm, keyType, tls13, curve } : { id, name, algorithm, keyType, tls13 };

export const ecdsa_secp256r1_sha256 = scheme(0x0403, 'ecdsa_secp256r1_sha256', { kind: 'ecdsa', hash: 'sha256' }, 'ec', true, 'P-256');
export const ecdsa_secp384r1_sha384 = scheme(0x0503, 'ecdsa_secp384r1_sha384', { kind: 'ecdsa', hash: 'sha384' }, 'ec', true, 'P-384');
export const ecdsa_secp521r1_sha512 = scheme(0x0603, 'ecdsa_secp521r1_sha512', { kind: 'ecdsa', hash: 'sha512' }, 'ec', true, 'P-521');
export const ed25519 = scheme(0x0807, 'ed25519', { kind: 'ed25519' }, 'ed25519', true);
export const rsa_pss_rsae_sha256 = scheme(0x0804, 'rsa_pss_rsae_sha256', { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, 'rsa', true);
export const rsa_pss_rsae_sha384 = scheme(0x0805, 'rsa_pss_rsae_sha384', { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, 'rsa', true);
export const rsa_pss_rsae_sha512 = scheme(0x0806, 'rsa_pss_rsae_sha512', { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 }, 'rsa', true);
export const rsa_pss_pss_sha256 = scheme(0x0809, 'rsa_pss_pss_sha256', { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, 'rsa-pss', true);
export const rsa_pss_pss_sha384 = scheme(0x080a, 'rsa_pss_pss_sha384', { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, 'rsa-pss', true);
export const rsa_pss_pss_sha512 = scheme(0x080b, 'rsa_pss_pss_sha512', { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 }, 'rsa-pss', true);
export const rsa_pkcs1_sha256 = scheme(0x0401, 'rsa_pkcs1_sha256', { kind: 'rsa-pkcs1', hash: 'sha256' }, 'rsa', false);
export const rsa_pkcs1_sha384 = scheme(0x0501, 'rsa_pkcs1_sha384', { kind: 'rsa-pkcs1', hash: 'sha384' }, 'rsa', false);
export const rsa_pkcs1_sha512 = scheme(0x0601, 'rsa_pkcs1_sha512', { kind: 'rsa-pkcs1', hash: 'sha512' }, 'rsa', false);

/** Every scheme we can verify, in our default preference order (what we offer in signature_algorithms). */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  ecdsa_secp256r1_sha256,
  ecdsa_secp384r1_sha384,
  ecdsa_secp521r1_sha512,
  ed25519,
  rsa_pss_rsae_sha256,
  rsa_pss_rsae_sha384,
  rsa_pss_rsae_sha512,
  rsa_pss_pss_sha256,
  rsa_pss_pss_sha384,
  rsa_pss_pss_sha512,
  rsa_pkcs1_sha256,
  rsa_pkcs1_sha384,
  rsa_pkcs1_sha512,
];

const byId = new Map(DEFAULT_SIGNATURE_SCHEMES.map((s) => [s.id, s]));
export function signatureSchemeById(id: number): SignatureScheme | undefined {
  return byId.get(id);
}
export function signatureSchemeName(id: number): string {
  return byId.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Whether a key can produce or check signatures of this scheme. */
export function schemeFitsKey(s: SignatureScheme, key: KeyInfo): boolean {
  if (s.keyType !== key.type) return false;
  // RFC 8446 §4.2.3: in TLS 1.3 the ECDSA curve must match the scheme.
  if (s.curve !== undefined && key.curve !== s.curve) return false;
  return true;
}

/**
 * RFC 8017 §9.1.1: an RSA-PSS encoding needs emLen = ceil((modBits - 1) / 8) of at least
 * hLen + sLen + 2 bytes; with the salt as long as the hash (RFC 8446 §4.2.3), a 1024-bit key cannot
 * sign with rsa_pss_*_sha512. Such a scheme is not one the key can sign with, so it is never chosen
 * (the handshake then fails as having no common scheme, not in the signer).
 */
export function keyCanSign(s: SignatureScheme, key: KeyInfo): boolean {
  if (s.algorithm.kind !== 'rsa-pss' || key.bits === undefined) return true;
  return Math.ceil((key.bits - 1) / 8) >= HASH_LENGTH[s.algorithm.hash] + s.algorithm.saltLength + 2;
}

const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
