// RSA signatures through WebCrypto (crypto.subtle) for the portable provider: RSASSA-PKCS1-v1_5
// and RSASSA-PSS, verification and signing. WebCrypto is asynchronous, so these keys are
// "asyncOnly" for the provider and the engine reaches them through an asynchronous step.
//
// Not here: RSA key transport (TLS 1.2 TLS_RSA_* suites). It needs PKCS#1 v1.5 encryption on the
// client and the raw private operation on the server, and WebCrypto offers only RSA-OAEP.
import { TlsError } from '../../errors.js';
import type { HashName } from '../provider.js';
import type { Secret } from '../secret.js';
import { writeRsaEncryptionSpki, type PssRestriction } from './keys.js';

/**
 * The part of SubtleCrypto we use, typed structurally so that no DOM library is needed: the
 * runtime's `crypto.subtle` fits it (browsers, workers, Deno, Bun, Node 20+).
 */
export interface SubtleRsa {
  importKey(
    format: 'spki' | 'pkcs8',
    keyData: Uint8Array,
    algorithm: { name: string; hash: string },
    extractable: boolean,
    keyUsages: string[],
  ): Promise<unknown>;
  sign(algorithm: { name: string; saltLength?: number }, key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: { name: string; saltLength?: number }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

/** The runtime's WebCrypto, if it has one. */
export function runtimeSubtle(): SubtleRsa | undefined {
  try {
    return (globalThis as { crypto?: { subtle?: SubtleRsa } }).crypto?.subtle;
  } catch {
    return undefined;
  }
}

export type RsaSignature =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashName }
  | { readonly kind: 'rsa-pss'; readonly hash: HashName; readonly saltLength: number };

const webCryptoHash: Record<HashName, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

function webCryptoName(algorithm: RsaSignature): string {
  return algorithm.kind === 'rsa-pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
}

function params(algorithm: RsaSignature): { name: string; saltLength?: number } {
  return algorithm.kind === 'rsa-pss' ? { name: 'RSA-PSS', saltLength: algorithm.saltLength } : { name: 'RSASSA-PKCS1-v1_5' };
}

/** The RSA key behind a public key, as the portable provider holds it. */
export interface RsaPublicKeyParts {
  readonly type: 'rsa' | 'rsa-pss';
  /** The RSAPublicKey DER. */
  readonly key: Uint8Array;
  readonly pss?: PssRestriction;
}

/**
 * RFC 8446 §4.2.3 and RFC 4055 §3.1: an rsaEncryption key signs either way; an id-RSASSA-PSS key
 * only with PSS, and with parameters only with their hash and at least their salt length.
 */
export function rsaAlgorithmFitsKey(key: RsaPublicKeyParts, algorithm: RsaSignature): boolean {
  if (key.type === 'rsa') return true;
  if (algorithm.kind !== 'rsa-pss') return false;
  return !key.pss || (key.pss.hash === algorithm.hash && algorithm.saltLength >= key.pss.saltLength);
}

/** Imported CryptoKeys, per key object and WebCrypto algorithm: a handshake imports each once. */
const importedPublic = new WeakMap<object, Map<string, Promise<unknown>>>();
const importedPrivate = new WeakMap<object, Map<string, Promise<unknown>>>();

function cached(table: WeakMap<object, Map<string, Promise<unknown>>>, owner: object, id: string, load: () => Promise<unknown>): Promise<unknown> {
  let byAlgorithm = table.get(owner);
  if (!byAlgorithm) table.set(owner, (byAlgorithm = new Map()));
  let key = byAlgorithm.get(id);
  if (!key) {
    key = load();
    byAlgorithm.set(id, key);
    key.catch(() => byAlgorithm!.delete(id)); // a failed import is not remembered
  }
  return key;
}

function refused(what: string, err: unknown): TlsError {
  return new TlsError('unsupported_certificate', `WebCrypto refused the ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

export class WebCryptoRsa {
  constructor(private readonly subtle: SubtleRsa) {}

  /** False for a signature that does not verify; TlsError('unsupported_certificate') when WebCrypto refuses the key. */
  async verify(key: RsaPublicKeyParts, algorithm: RsaSignature, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (!rsaAlgorithmFitsKey(key, algorithm)) return false;
    const hash = webCryptoHash[algorithm.hash];
    const name = webCryptoName(algorithm);
    const cryptoKey = await cached(importedPublic, key, `${name}/${hash}`, () =>
      this.subtle.importKey('spki', writeRsaEncryptionSpki(key.key), { name, hash }, false, ['verify']),
    ).catch((err: unknown) => {
      throw refused('RSA public key', err);
    });
    try {
      return await this.subtle.verify(params(algorithm), cryptoKey, signature, message);
    } catch {
      return false; // a malformed signature (wrong length, say) does not verify
    }
  }

  /** `pkcs8` is an rsaEncryption PKCS#8 (what ./keys.ts makes of every RSA private key); `owner` keys the import cache. */
  async sign(owner: object, pkcs8: Secret, algorithm: RsaSignature, message: Uint8Array): Promise<Uint8Array> {
    const hash = webCryptoHash[algorithm.hash];
    const name = webCryptoName(algorithm);
    const cryptoKey = await cached(importedPrivate, owner, `${name}/${hash}`, () =>
      this.subtle.importKey('pkcs8', pkcs8.expose(), { name, hash }, false, ['sign']),
    ).catch((err: unknown) => {
      throw refused('RSA private key', err);
    });
    return new Uint8Array(await this.subtle.sign(params(algorithm), cryptoKey, message));
  }
}
