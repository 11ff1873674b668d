// The portable crypto provider: every primitive in pure JavaScript (@noble/*), randomness from
// WebCrypto's getRandomValues. No Node built-ins: this runs in browsers, workers, Deno and Bun.
// RSA is the exception: noble has none, so RSA signatures go through WebCrypto (crypto.subtle),
// which is asynchronous: RSA keys are asyncOnly, and the engine reaches them through
// signAsync()/verifyAsync() in an asynchronous step (./webcrypto-rsa.ts). RSA key transport
// (TLS_RSA_* suites) is not available: WebCrypto has no PKCS#1 v1.5 encryption. A synchronous
// RsaOperations backend, when given, does all of RSA instead.
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CHash, Hash } from '@noble/hashes/utils.js';
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { TlsError, illegalParameter } from '../../errors.js';
import { Secret } from '../secret.js';
import type {
  Aead,
  AeadName,
  CryptoProvider,
  CurveName,
  Encapsulation,
  GroupName,
  HashContext,
  HashName,
  KeyInfo,
  KeyShare,
  KeyType,
  PrivateKey,
  PublicKey,
  SignatureAlgorithm,
} from '../provider.js';
import { aeadKeyLength, hashLength } from '../provider.js';
import { concat } from '../../wire/bytes.js';
import { X25519MlKem768Share, encapsulateX25519MlKem768, nobleMlKem768, splitX25519MlKem768Private, type MlKem768 } from '../x25519-mlkem768.js';
import { readPrivateKey, readSpki, writeSpki, type PssRestriction } from './keys.js';
import { WebCryptoRsa, runtimeSubtle, type SubtleRsa } from './webcrypto-rsa.js';

// ---- hashes ----

type NobleHashState = Hash<any>;
type NobleHash = CHash<NobleHashState>;

const hashes: Record<HashName, NobleHash> = { sha1, sha256, sha384, sha512 };

class PortableHash implements HashContext {
  constructor(private readonly state: NobleHashState) {}
  update(data: Uint8Array): void {
    this.state.update(data);
  }
  peek(): Uint8Array {
    return this.state.clone().digest();
  }
  clone(): HashContext {
    return new PortableHash(this.state.clone());
  }
}

// ---- AEAD ----

const TAG_LENGTH = 16;

type NobleAead = (
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
) => {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(ciphertext: Uint8Array): Uint8Array;
};

const aeads: Record<AeadName, NobleAead> = { 'aes-128-gcm': gcm, 'aes-256-gcm': gcm, 'chacha20-poly1305': chacha20poly1305 };

class PortableAead implements Aead {
  private readonly key: Uint8Array;
  private readonly cipher: NobleAead;
  constructor(
    readonly name: AeadName,
    key: Secret,
  ) {
    // noble picks AES-128 or AES-256 by key length: refuse a key that does not fit the name.
    if (key.length !== aeadKeyLength[name]) throw new RangeError(`${name} needs a ${aeadKeyLength[name]}-byte key, got ${key.length}`);
    // Our own copy: the key schedule wipes its Secret once the AEAD exists.
    this.key = key.expose().slice();
    this.cipher = aeads[name];
  }

  seal(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    const plaintext = parts.length === 1 ? parts[0]! : concat(...parts);
    const sealed = this.cipher(this.key, nonce, aad).encrypt(plaintext);
    const length = sealed.length - TAG_LENGTH;
    if (length > 0) out.push(sealed.subarray(0, length));
    out.push(sealed.subarray(length));
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
    if (tag.length !== TAG_LENGTH) return null;
    // noble wants ciphertext || tag; the record layer usually hands us adjacent views of one buffer.
    const adjacent = tag.buffer === ciphertext.buffer && tag.byteOffset === ciphertext.byteOffset + ciphertext.length;
    const sealed = adjacent ? new Uint8Array(ciphertext.buffer, ciphertext.byteOffset, ciphertext.length + TAG_LENGTH) : concat(ciphertext, tag);
    try {
      return this.cipher(this.key, nonce, aad).decrypt(sealed);
    } catch {
      return null; // the tag did not verify
    }
  }

  wipe(): void {
    this.key.fill(0);
  }
}

// ---- key exchange ----

// RFC 7748 §5: X25519 and X448, raw public values of 32 and 56 bytes (RFC 8446 §4.2.8.2).
const montgomery = { x25519: { ecdh: x25519, length: 32 }, x448: { ecdh: x448, length: 56 } } as const;

class MontgomeryShare implements KeyShare {
  readonly publicKey: Uint8Array;
  constructor(
    readonly group: 'x25519' | 'x448',
    private readonly privateKey: Uint8Array,
  ) {
    this.publicKey = montgomery[group].ecdh.getPublicKey(privateKey);
  }
  agree(peer: Uint8Array): Secret {
    const { ecdh, length } = montgomery[this.group];
    if (peer.length !== length) throw illegalParameter(`${this.group} key share is ${peer.length} bytes, expected ${length}`);
    let shared: Uint8Array;
    try {
      // noble refuses the low-order points before the ladder runs (RFC 7748 §6 permits this).
      shared = ecdh.getSharedSecret(this.privateKey, peer);
    } catch {
      throw illegalParameter(`${this.group} key share is a low-order point`);
    }
    // RFC 8446 §7.4.2: an all-zero output means the peer sent a low-order point.
    let acc = 0;
    for (const b of shared) acc |= b;
    if (acc === 0) throw illegalParameter(`${this.group} key share is a low-order point`);
    return new Secret(shared);
  }
}

type NistCurve = typeof p256;

const nistCurves: Record<CurveName, NistCurve> = { 'P-256': p256, 'P-384': p384, 'P-521': p521 };
const curveOfGroup: Partial<Record<GroupName, CurveName>> = { secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

class EcdhShare implements KeyShare {
  readonly publicKey: Uint8Array;
  private readonly pointLength: number;
  constructor(
    readonly group: GroupName,
    private readonly curve: NistCurve,
    private readonly privateKey: Uint8Array,
  ) {
    this.publicKey = curve.getPublicKey(privateKey, false);
    this.pointLength = this.publicKey.length;
  }
  agree(peer: Uint8Array): Secret {
    // RFC 8446 §4.2.8.2: UncompressedPointRepresentation only (legacy_form = 4).
    if (peer.length !== this.pointLength || peer[0] !== 0x04) {
      throw illegalParameter(`${this.group} key share is not an uncompressed point of ${this.pointLength} bytes`);
    }
    let point: Uint8Array;
    try {
      point = this.curve.getSharedSecret(this.privateKey, peer, true); // decoding checks the point is on the curve
    } catch {
      throw illegalParameter(`${this.group} key share is not a point on the curve`);
    }
    // RFC 8446 §7.4.1: the shared secret is the x-coordinate (drop the compressed form's prefix).
    return new Secret(point.subarray(1));
  }
}

// ---- keys ----

class PortablePublicKey implements PublicKey {
  constructor(
    readonly type: KeyType,
    readonly spki: Uint8Array,
    /** EC: the point; EdDSA: the raw key; RSA: the RSAPublicKey DER. */
    readonly key: Uint8Array,
    readonly curve?: CurveName,
    readonly bits?: number,
    /** id-RSASSA-PSS keys with parameters: what they may sign with. */
    readonly pss?: PssRestriction,
  ) {}
}

class PortablePrivateKey implements PrivateKey {
  readonly curve?: CurveName;
  readonly bits?: number;
  constructor(
    readonly type: KeyType,
    /** EC: the scalar; EdDSA: the seed; RSA: the PKCS#8 DER. */
    readonly secret: Secret,
    readonly publicKey: PortablePublicKey,
  ) {
    if (publicKey.curve) this.curve = publicKey.curve;
    if (publicKey.bits) this.bits = publicKey.bits;
  }
  toString(): string {
    return `[PrivateKey ${this.type}]`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// ---- RSA ----

export type RsaSignatureAlgorithm = Extract<SignatureAlgorithm, { kind: 'rsa-pkcs1' | 'rsa-pss' }>;

/**
 * A synchronous RSA implementation for the portable provider, replacing WebCrypto for all of RSA
 * (key transport included). Keys travel in the encodings WebCrypto's importKey takes: `spki` as
 * the certificate has it, `pkcs8` always under rsaEncryption.
 */
export interface RsaOperations {
  verify(spki: Uint8Array, algorithm: RsaSignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean;
  sign(pkcs8: Secret, algorithm: RsaSignatureAlgorithm, message: Uint8Array): Uint8Array;
  encryptPkcs1(spki: Uint8Array, message: Uint8Array): Uint8Array;
  /** m = c^d mod n with no padding check, output the modulus length. */
  decryptRaw(pkcs8: Secret, ciphertext: Uint8Array): Uint8Array;
}

const RSA_IS_ASYNCHRONOUS =
  'the portable provider signs and verifies RSA only asynchronously (WebCrypto): use signAsync()/verifyAsync(), as the engine and verifyCertificateChainAsync() do';
const NO_WEBCRYPTO =
  'RSA needs WebCrypto (globalThis.crypto.subtle), which this runtime does not have: use an EC or Ed25519 certificate, or give the portable provider an RsaOperations backend';
const NO_KEY_TRANSPORT =
  'RSA key transport (TLS_RSA_* suites) is not available with the portable provider: WebCrypto has no PKCS#1 v1.5 encryption and no raw RSA; use an ECDHE suite';

function isRsa(type: KeyType): boolean {
  return type === 'rsa' || type === 'rsa-pss';
}

export interface PortableProviderOptions {
  /** The CSPRNG; WebCrypto's getRandomValues by default. */
  randomBytes?: (length: number) => Uint8Array;
  /** Synchronous RSA operations; without them RSA signatures go through WebCrypto, asynchronously. */
  rsa?: RsaOperations;
  /** The WebCrypto for RSA signatures: the runtime's crypto.subtle by default; null: none (RSA is refused). */
  subtle?: SubtleRsa | null;
}

/** WebCrypto's getRandomValues fills at most 65536 bytes per call. */
const MAX_RANDOM_CHUNK = 65536;

interface WebCryptoRandom {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

function webCryptoRandomBytes(length: number): Uint8Array {
  const webCrypto = (globalThis as { crypto?: WebCryptoRandom }).crypto;
  if (!webCrypto?.getRandomValues) throw new TlsError('internal_error', 'no CSPRNG: globalThis.crypto.getRandomValues is missing');
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += MAX_RANDOM_CHUNK) webCrypto.getRandomValues(out.subarray(at, Math.min(at + MAX_RANDOM_CHUNK, length)));
  return out;
}

function ownKey<T>(key: object, type: abstract new (...args: never[]) => T): T {
  if (!(key instanceof type)) throw new TlsError('internal_error', 'key was not imported by the portable provider');
  return key as T;
}

export class PortableCryptoProvider implements CryptoProvider {
  readonly name = 'portable';
  readonly randomBytes: (length: number) => Uint8Array;
  private readonly rsa: RsaOperations | undefined;
  private readonly subtle: SubtleRsa | null | undefined;
  private webRsa: WebCryptoRsa | undefined;
  private readonly mlKem: MlKem768;

  constructor(options: PortableProviderOptions = {}) {
    this.randomBytes = options.randomBytes ?? webCryptoRandomBytes;
    this.rsa = options.rsa;
    this.subtle = options.subtle;
    this.mlKem = nobleMlKem768(this.randomBytes);
  }

  /** WebCrypto's RSA, looked up when first needed; undefined where there is none. */
  private webCryptoRsa(): WebCryptoRsa | undefined {
    if (this.webRsa) return this.webRsa;
    const subtle = this.subtle === undefined ? runtimeSubtle() : this.subtle;
    if (subtle) this.webRsa = new WebCryptoRsa(subtle);
    return this.webRsa;
  }

  hash(name: HashName, data: Uint8Array): Uint8Array {
    return hashes[name](data);
  }

  createHash(name: HashName): HashContext {
    return new PortableHash(hashes[name].create());
  }

  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    return hmac(hashes[name], key, data);
  }

  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Secret {
    // RFC 5869 §2.2: an absent salt is HashLen zeros, which HMAC treats like an empty key.
    return new Secret(hmac(hashes[name], salt, ikm));
  }

  hkdfExpand(name: HashName, prk: Secret, info: Uint8Array, length: number): Secret {
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), output the first `length` bytes.
    const hashLen = hashLength[name];
    if (length > 255 * hashLen) throw new RangeError('HKDF-Expand output too long');
    const keyed = hmac.create(hashes[name], prk.expose());
    const out = new Uint8Array(length);
    let previous: Uint8Array = new Uint8Array(0);
    const counter = new Uint8Array(1);
    for (let i = 1, at = 0; at < length; i++) {
      counter[0] = i;
      previous = keyed.clone().update(previous).update(info).update(counter).digest();
      out.set(previous.subarray(0, Math.min(hashLen, length - at)), at);
      at += hashLen;
    }
    keyed.destroy();
    return new Secret(out);
  }

  createAead(name: AeadName, key: Secret): Aead {
    return new PortableAead(name, key);
  }

  supportsGroup(group: GroupName): boolean {
    return group === 'x25519' || group === 'x448' || group === 'X25519MLKEM768' || curveOfGroup[group] !== undefined;
  }

  generateKeyShare(group: GroupName): KeyShare {
    if (group === 'x25519' || group === 'x448') return new MontgomeryShare(group, this.randomBytes(montgomery[group].length));
    if (group === 'X25519MLKEM768') return new X25519MlKem768Share(this.mlKem.generate(), this.generateKeyShare('x25519'));
    const curve = this.nistCurve(group);
    return new EcdhShare(group, curve, curve.utils.randomSecretKey(this.randomBytes(curve.lengths.seed!)));
  }

  keyShareFromPrivate(group: GroupName, privateKey: Uint8Array): KeyShare {
    if (group === 'x25519' || group === 'x448') {
      if (privateKey.length !== montgomery[group].length)
        throw new TlsError('internal_error', `${group} private key is ${privateKey.length} bytes, expected ${montgomery[group].length}`);
      return new MontgomeryShare(group, privateKey.slice());
    }
    if (group === 'X25519MLKEM768') {
      const { seed, x25519: x } = splitX25519MlKem768Private(privateKey);
      return new X25519MlKem768Share(this.mlKem.generate(seed), new MontgomeryShare('x25519', x.slice()));
    }
    const curve = this.nistCurve(group);
    if (!curve.utils.isValidSecretKey(privateKey)) throw new TlsError('internal_error', `${group} private key is out of range`);
    return new EcdhShare(group, curve, privateKey.slice());
  }

  encapsulate(group: GroupName, peerPublicKey: Uint8Array): Encapsulation {
    if (group !== 'X25519MLKEM768') throw new TlsError('internal_error', `group ${group} is not a KEM`);
    return encapsulateX25519MlKem768(this.mlKem, this.generateKeyShare('x25519'), peerPublicKey);
  }

  private nistCurve(group: GroupName): NistCurve {
    const name = curveOfGroup[group];
    if (!name) throw new TlsError('internal_error', `group ${group} is not supported by the portable provider`);
    return nistCurves[name];
  }

  importPublicKey(spki: Uint8Array): PublicKey {
    let parsed;
    try {
      parsed = readSpki(spki);
      // EC points must decode onto the curve (X.509 allows compressed points here, unlike key_share).
      if (parsed.type === 'ec') nistCurves[parsed.curve!].Point.fromBytes(parsed.key).assertValidity();
      if (parsed.type === 'ed25519') ed25519.Point.fromBytes(parsed.key, false);
      if (parsed.type === 'ed448') ed448.Point.fromBytes(parsed.key, false);
    } catch (err) {
      if (err instanceof TlsError && err.alert === 'unsupported_certificate') {
        throw new TlsError('unsupported_certificate', `certificate public key is not supported: ${err.message}`, { cause: err });
      }
      // Name what is wrong when it is ours to say (a malformed key, an RSA exponent out of bounds).
      const detail = err instanceof TlsError ? `: ${err.message}` : '';
      throw new TlsError('bad_certificate', `certificate public key could not be parsed${detail}`, { cause: err });
    }
    return new PortablePublicKey(parsed.type, spki, parsed.key, parsed.curve, parsed.bits, parsed.pss);
  }

  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    const parts = readPrivateKey(key, passphrase);
    switch (parts.type) {
      case 'ec': {
        const curve = nistCurves[parts.curve!];
        if (!curve.utils.isValidSecretKey(parts.secret)) throw new TypeError('EC private key is out of range for its curve');
        const point = curve.getPublicKey(parts.secret, false);
        const publicKey = new PortablePublicKey('ec', writeSpki('ec', point, parts.curve), point, parts.curve);
        return new PortablePrivateKey('ec', new Secret(parts.secret), publicKey);
      }
      case 'ed25519':
      case 'ed448': {
        const raw = (parts.type === 'ed25519' ? ed25519 : ed448).getPublicKey(parts.secret);
        return new PortablePrivateKey(parts.type, new Secret(parts.secret), new PortablePublicKey(parts.type, writeSpki(parts.type, raw), raw));
      }
      default: {
        if (!this.rsa && !this.webCryptoRsa()) throw new TypeError(`the portable provider cannot use RSA private keys: ${NO_WEBCRYPTO}`);
        const { spki, key: rsa } = parts.rsaPublicKey!;
        const publicKey = new PortablePublicKey(parts.type, spki, rsa.key, undefined, parts.bits, rsa.pss);
        return new PortablePrivateKey(parts.type, new Secret(parts.secret), publicKey);
      }
    }
  }

  sign(key: PrivateKey, algorithm: SignatureAlgorithm, message: Uint8Array): Uint8Array {
    const k = ownKey(key, PortablePrivateKey);
    switch (algorithm.kind) {
      case 'ecdsa': {
        if (k.type !== 'ec') throw new TlsError('internal_error', `cannot sign ECDSA with a ${k.type} key`);
        // Hash with the scheme's hash ourselves: the curve's own default may differ (TLS 1.2 allows any pairing).
        const digest = hashes[algorithm.hash](message);
        // Hedged (RFC 6979 §3.6 extra entropy) rather than purely deterministic nonces.
        return nistCurves[k.curve!].sign(digest, k.secret.expose(), { prehash: false, format: 'der', extraEntropy: this.randomBytes(32) });
      }
      case 'ed25519':
      case 'ed448':
        if (k.type !== algorithm.kind) throw new TlsError('internal_error', `cannot sign ${algorithm.kind} with a ${k.type} key`);
        return (algorithm.kind === 'ed25519' ? ed25519 : ed448).sign(message, k.secret.expose());
      default:
        if (!this.rsa) throw new TlsError('internal_error', RSA_IS_ASYNCHRONOUS);
        return this.rsa.sign(k.secret, algorithm, message);
    }
  }

  verify(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean {
    const k = ownKey(key, PortablePublicKey);
    switch (algorithm.kind) {
      case 'ecdsa': {
        if (k.type !== 'ec') return false;
        const digest = hashes[algorithm.hash](message);
        try {
          // X.509 and TLS take either half of s (unlike Bitcoin's low-S rule): lowS false.
          return nistCurves[k.curve!].verify(signature, digest, k.key, { prehash: false, lowS: false, format: 'der' });
        } catch {
          return false; // malformed signature encodings verify as false, never throw
        }
      }
      case 'ed25519':
      case 'ed448':
        if (k.type !== algorithm.kind) return false;
        try {
          // RFC 8032 §5.1.7 strict decoding (zip215: false), as OpenSSL does.
          return (algorithm.kind === 'ed25519' ? ed25519 : ed448).verify(signature, message, k.key, { zip215: false });
        } catch {
          return false;
        }
      default:
        if (!isRsa(k.type)) return false;
        if (!this.rsa) throw new TlsError('unsupported_certificate', RSA_IS_ASYNCHRONOUS);
        return this.rsa.verify(k.spki, algorithm, message, signature);
    }
  }

  /** RSA keys, unless a synchronous RsaOperations backend was given. */
  asyncOnly(key: KeyInfo): boolean {
    return isRsa(key.type) && !this.rsa;
  }

  async signAsync(key: PrivateKey, algorithm: SignatureAlgorithm, message: Uint8Array): Promise<Uint8Array> {
    const k = ownKey(key, PortablePrivateKey);
    if (!this.asyncOnly(k)) return this.sign(k, algorithm, message);
    if (algorithm.kind !== 'rsa-pkcs1' && algorithm.kind !== 'rsa-pss')
      throw new TlsError('internal_error', `cannot sign ${algorithm.kind} with a ${k.type} key`);
    const rsa = this.webCryptoRsa();
    if (!rsa) throw new TlsError('internal_error', NO_WEBCRYPTO);
    return rsa.sign(k, k.secret, algorithm, message);
  }

  async verifyAsync(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const k = ownKey(key, PortablePublicKey);
    if (!this.asyncOnly(k)) return this.verify(k, algorithm, message, signature);
    if (algorithm.kind !== 'rsa-pkcs1' && algorithm.kind !== 'rsa-pss') return false;
    const rsa = this.webCryptoRsa();
    if (!rsa) throw new TlsError('unsupported_certificate', NO_WEBCRYPTO);
    return rsa.verify(k as PortablePublicKey & { type: 'rsa' | 'rsa-pss' }, algorithm, message, signature);
  }

  rsaEncryptPkcs1(key: PublicKey, message: Uint8Array): Uint8Array {
    const k = ownKey(key, PortablePublicKey);
    if (!this.rsa) throw new TlsError('handshake_failure', NO_KEY_TRANSPORT);
    return this.rsa.encryptPkcs1(k.spki, message);
  }

  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array {
    const k = ownKey(key, PortablePrivateKey);
    if (!this.rsa) throw new TlsError('handshake_failure', NO_KEY_TRANSPORT);
    return this.rsa.decryptRaw(k.secret, ciphertext);
  }
}

export const portableCryptoProvider: CryptoProvider = new PortableCryptoProvider();
