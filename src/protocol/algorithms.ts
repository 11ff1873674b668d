// Algorithms by name, as the provider interface (../crypto/provider.ts) implements them and the code
// point tables here (cipher suites, groups, signature schemes) map to them: no TLS code points, no OIDs.

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export type GroupName = 'x25519' | 'x448' | 'secp256r1' | 'secp384r1' | 'secp521r1' | 'X25519MLKEM768';

/** Signature algorithms by what the math needs, independent of TLS code points or X.509 OIDs. */
export type SignatureAlgorithm =
  | { readonly kind: 'ecdsa'; readonly hash: HashName }
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashName }
  | { readonly kind: 'rsa-pss'; readonly hash: HashName; readonly saltLength: number }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' };

export type KeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448';
export type CurveName = 'P-256' | 'P-384' | 'P-521';

/** What a key is, for negotiation: never its value. */
export interface KeyInfo {
  readonly type: KeyType;
  /** EC keys: the curve. */
  readonly curve?: CurveName;
  /** RSA keys: modulus size in bits. */
  readonly bits?: number;
}
