// Cipher suites as objects (IANA "TLS Cipher Suites"), each with what the record layer and the key
// schedule need. Lists elsewhere are in preference order.
import type { AeadName, HashName } from './algorithms.js';

export interface CipherSuite {
  readonly id: number;
  /** IANA name. */
  readonly name: string;
  /** OpenSSL's name, as node:tls users write it in `ciphers`. */
  readonly opensslName: string;
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly aead: AeadName;
  readonly hash: HashName;
  readonly keyLength: number;
  /**
   * TLS 1.3 and ChaCha20 in TLS 1.2: the 12-byte per-connection IV. AES-GCM in TLS 1.2: the
   * 4-byte implicit salt (RFC 5288 §3), the other 8 nonce bytes travel with each record.
   */
  readonly ivLength: number;
  /** TLS 1.2 only: how the premaster secret is agreed, and what signs the server's parameters. */
  readonly keyExchange: 'any' | 'ecdhe' | 'rsa';
  readonly authentication: 'any' | 'ecdsa' | 'rsa';
}

const tls13 = (id: number, name: string, aead: AeadName, hash: HashName, keyLength: number): CipherSuite => ({
  id,
  name,
  opensslName: name,
  version: 'TLSv1.3',
  aead,
  hash,
  keyLength,
  ivLength: 12,
  keyExchange: 'any',
  authentication: 'any',
});

const tls12 = (
  id: number,
  name: string,
  opensslName: string,
  aead: AeadName,
  hash: HashName,
  keyLength: number,
  keyExchange: 'ecdhe' | 'rsa',
  authentication: 'ecdsa' | 'rsa',
): CipherSuite => ({
  id,
  name,
  opensslName,
  version: 'TLSv1.2',
  aead,
  hash,
  keyLength,
  ivLength: aead === 'chacha20-poly1305' ? 12 : 4,
  keyExchange,
  authentication,
});

// RFC 8446 §B.4.
export const TLS_AES_128_GCM_SHA256 = tls13(0x1301, 'TLS_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', 16);
export const TLS_AES_256_GCM_SHA384 = tls13(0x1302, 'TLS_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', 32);
export const TLS_CHACHA20_POLY1305_SHA256 = tls13(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256', 32);

// RFC 5289 (ECDHE with GCM), RFC 7905 (ChaCha20-Poly1305), RFC 5288 (RSA with GCM).
export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = tls12(
  0xc02b,
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'aes-128-gcm',
  'sha256',
  16,
  'ecdhe',
  'ecdsa',
);
export const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = tls12(
  0xc02f,
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'aes-128-gcm',
  'sha256',
  16,
  'ecdhe',
  'rsa',
);
export const TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = tls12(
  0xc02c,
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'aes-256-gcm',
  'sha384',
  32,
  'ecdhe',
  'ecdsa',
);
export const TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = tls12(
  0xc030,
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'aes-256-gcm',
  'sha384',
  32,
  'ecdhe',
  'rsa',
);
export const TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = tls12(
  0xcca9,
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'chacha20-poly1305',
  'sha256',
  32,
  'ecdhe',
  'ecdsa',
);
export const TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = tls12(
  0xcca8,
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'chacha20-poly1305',
  'sha256',
  32,
  'ecdhe',
  'rsa',
);
export const TLS_RSA_WITH_AES_128_GCM_SHA256 = tls12(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', 'aes-128-gcm', 'sha256', 16, 'rsa', 'rsa');
export const TLS_RSA_WITH_AES_256_GCM_SHA384 = tls12(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', 'aes-256-gcm', 'sha384', 32, 'rsa', 'rsa');

/** Every suite we implement, in our default preference order. */
export const ALL_CIPHER_SUITES: readonly CipherSuite[] = [
  TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  TLS_RSA_WITH_AES_128_GCM_SHA256,
  TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/** Suites enabled when `ciphers` is not given: RSA key transport has no forward secrecy, so it is opt-in. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuite[] = ALL_CIPHER_SUITES.filter((s) => s.keyExchange !== 'rsa');

const byId = new Map(ALL_CIPHER_SUITES.map((s) => [s.id, s]));
export function cipherSuiteById(id: number): CipherSuite | undefined {
  return byId.get(id);
}

export function cipherSuiteName(id: number): string {
  return byId.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}
