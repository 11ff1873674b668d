// The default crypto provider: every primitive is node:crypto (OpenSSL, native and synchronous).
import * as crypto from 'node:crypto';
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
  KeyShare,
  KeyType,
  PrivateKey,
  PublicKey,
  SignatureAlgorithm,
} from '../provider.js';
import { hashLength } from '../provider.js';
import { describeSubjectPublicKeyInfo, rsaModulusViolation, rsaPublicExponentViolation, type PublicKeyInfo } from '../public-key-info.js';
import {
  MLKEM768_ENCAPSULATION_KEY_LENGTH,
  X25519MlKem768Share,
  encapsulateX25519MlKem768,
  nobleMlKem768,
  splitX25519MlKem768Private,
  type MlKem768,
} from '../x25519-mlkem768.js';

class NodeHash implements HashContext {
  constructor(private readonly h: crypto.Hash) {}
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  peek(): Uint8Array {
    return this.h.copy().digest();
  }
  clone(): HashContext {
    return new NodeHash(this.h.copy());
  }
}

const TAG_LENGTH = 16;

class NodeAead implements Aead {
  private readonly key: crypto.KeyObject;
  constructor(
    readonly name: AeadName,
    key: Secret,
  ) {
    this.key = crypto.createSecretKey(key.expose());
  }

  seal(nonce: Uint8Array, aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    const cipher = crypto.createCipheriv(this.name, this.key, nonce, { authTagLength: TAG_LENGTH } as crypto.CipherGCMOptions) as crypto.CipherGCM;
    cipher.setAAD(aad);
    for (const p of parts) {
      if (p.length > 0) out.push(cipher.update(p));
    }
    cipher.final(); // a stream mode: nothing is held back
    out.push(cipher.getAuthTag());
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
    const decipher = crypto.createDecipheriv(this.name, this.key, nonce, { authTagLength: TAG_LENGTH } as crypto.CipherGCMOptions) as crypto.DecipherGCM;
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch {
      return null;
    }
    return plaintext;
  }
}

// RFC 7748 §5: X25519 and X448, the Montgomery-curve groups (RFC 8446 §4.2.8.2: raw public values
// of 32 and 56 bytes). The DER prefixes are those of their fixed-size SubjectPublicKeyInfo and
// PKCS#8 encodings (RFC 8410).
interface MontgomeryCurve {
  readonly group: 'x25519' | 'x448';
  /** node:crypto's key type, and the JWK `crv` (RFC 8037). */
  readonly type: 'x25519' | 'x448';
  readonly crv: 'X25519' | 'X448';
  readonly length: number;
  readonly spkiPrefixLength: number;
  readonly pkcs8Prefix: Buffer;
}
const montgomery: Record<'x25519' | 'x448', MontgomeryCurve> = {
  x25519: {
    group: 'x25519',
    type: 'x25519',
    crv: 'X25519',
    length: 32,
    spkiPrefixLength: 12,
    pkcs8Prefix: Buffer.from('302e020100300506032b656e04220420', 'hex'),
  },
  x448: { group: 'x448', type: 'x448', crv: 'X448', length: 56, spkiPrefixLength: 12, pkcs8Prefix: Buffer.from('3046020100300506032b656f043a0438', 'hex') },
};

/**
 * A fresh X25519 or X448 key pair and its public value. The public key leaves node:crypto as JWK
 * (RFC 8037: `x` is the raw bytes), encoded by generateKeyPairSync itself: OpenSSL 3's DER encoder
 * costs about twice the key agreement. Not publicKey.export({ format: 'jwk' }) afterwards: on
 * Node 20 that can deadlock when garbage collection during the export finalizes the key's
 * generation job, which takes the same lock.
 */
function generateMontgomery(curve: MontgomeryCurve): { privateKey: crypto.KeyObject; publicValue: Uint8Array } {
  // Only the public key encoded: node:crypto accepts it, @types/node has no overload for it.
  const options = { publicKeyEncoding: { format: 'jwk' } } as unknown as crypto.X25519KeyPairKeyObjectOptions;
  // (The X448 overload takes the same options; one cast covers both.)
  const pair = crypto.generateKeyPairSync(curve.type as 'x25519', options) as unknown as { publicKey: crypto.JsonWebKey; privateKey: crypto.KeyObject };
  const publicValue = Buffer.from(pair.publicKey.x ?? '', 'base64url');
  if (publicValue.length !== curve.length) throw new TlsError('internal_error', `${curve.group} public key encoded as ${publicValue.length} bytes`);
  return { privateKey: pair.privateKey, publicValue };
}

class MontgomeryShare implements KeyShare {
  readonly group: 'x25519' | 'x448';
  constructor(
    private readonly curve: MontgomeryCurve,
    private readonly privateKey: crypto.KeyObject,
    readonly publicKey: Uint8Array,
  ) {
    this.group = curve.group;
  }

  agree(peer: Uint8Array): Secret {
    const { group, length, crv } = this.curve;
    // RFC 8446 §4.2.8.2: an X25519 public value is exactly 32 bytes, an X448 one 56.
    if (peer.length !== length) throw illegalParameter(`${group} key share is ${peer.length} bytes, expected ${length}`);
    const x = Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('base64url');
    const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' });
    let shared: Uint8Array;
    try {
      shared = crypto.diffieHellman({ privateKey: this.privateKey, publicKey });
    } catch {
      // OpenSSL 3 refuses to derive an all-zero output: the same low-order point as below.
      throw illegalParameter(`${group} key share is a low-order point`);
    }
    // RFC 8446 §7.4.2 (and RFC 7748 §6): an all-zero output means the peer sent a low-order point.
    let acc = 0;
    for (const b of shared) acc |= b;
    if (acc === 0) throw illegalParameter(`${group} key share is a low-order point`);
    return new Secret(shared);
  }
}

const ecdhCurve: Record<string, { node: string; pointLength: number }> = {
  secp256r1: { node: 'prime256v1', pointLength: 65 },
  secp384r1: { node: 'secp384r1', pointLength: 97 },
  secp521r1: { node: 'secp521r1', pointLength: 133 },
};

class EcdhShare implements KeyShare {
  readonly publicKey: Uint8Array;
  constructor(
    readonly group: GroupName,
    private readonly ecdh: crypto.ECDH,
    private readonly pointLength: number,
  ) {
    this.publicKey = ecdh.getPublicKey();
  }
  agree(peer: Uint8Array): Secret {
    // RFC 8446 §4.2.8.2: UncompressedPointRepresentation only (legacy_form = 4).
    if (peer.length !== this.pointLength || peer[0] !== 0x04) {
      throw illegalParameter(`${this.group} key share is not an uncompressed point of ${this.pointLength} bytes`);
    }
    try {
      return new Secret(this.ecdh.computeSecret(peer)); // OpenSSL checks the point is on the curve
    } catch {
      throw illegalParameter(`${this.group} key share is not a point on the curve`);
    }
  }
}

// ML-KEM-768 in node:crypto (Node >= 24.7 on OpenSSL >= 3.5); @types/node 20 does not know it yet.
interface NodeKem {
  encapsulate?(key: crypto.KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate?(key: crypto.KeyObject, ciphertext: Uint8Array): Buffer;
}
const nodeKem = crypto as unknown as NodeKem;
// FIPS 203 keys in DER: SubjectPublicKeyInfo with id-alg-ml-kem-768 (2.16.840.1.101.3.4.4.2), and
// the seed-only PKCS#8 form (draft-ietf-lamps-kyber-certificates: [0] IMPLICIT OCTET STRING d || z).
const MLKEM768_SPKI_PREFIX = Buffer.from('308204b2300b0609608648016503040402038204a100', 'hex');
const MLKEM768_PKCS8_SEED_PREFIX = Buffer.from('3054020100300b060960864801650304040204428040', 'hex');

/** node:crypto's ML-KEM-768, or undefined when this runtime has none. */
function nodeMlKem768(): MlKem768 | undefined {
  const { encapsulate, decapsulate } = nodeKem;
  if (typeof encapsulate !== 'function' || typeof decapsulate !== 'function') return undefined;
  const keyPair = (privateKey: crypto.KeyObject) => ({
    encapsulationKey: crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(MLKEM768_SPKI_PREFIX.length),
    decapsulate: (ciphertext: Uint8Array): Uint8Array => decapsulate(privateKey, ciphertext),
  });
  const kem: MlKem768 = {
    generate(seed) {
      if (seed) return keyPair(crypto.createPrivateKey({ key: Buffer.concat([MLKEM768_PKCS8_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
      return keyPair((crypto.generateKeyPairSync as (type: string) => crypto.KeyPairKeyObjectResult)('ml-kem-768').privateKey);
    },
    encapsulate(encapsulationKey) {
      if (encapsulationKey.length !== MLKEM768_ENCAPSULATION_KEY_LENGTH) throw new RangeError('ML-KEM-768 encapsulation key has the wrong length');
      // OpenSSL runs FIPS 203 §7.2's modulus check when it reads the key.
      const key = crypto.createPublicKey({ key: Buffer.concat([MLKEM768_SPKI_PREFIX, encapsulationKey]), format: 'der', type: 'spki' });
      const { sharedKey, ciphertext } = encapsulate(key);
      return { ciphertext, sharedSecret: sharedKey };
    },
  };
  try {
    kem.generate(); // the functions exist but OpenSSL may still lack ML-KEM (a shared pre-3.5 build)
    return kem;
  } catch {
    return undefined;
  }
}

let mlKem: { readonly kem: MlKem768; readonly implementation: 'node:crypto' | 'noble' } | undefined;
/** node:crypto's ML-KEM-768 when the runtime has it, noble's otherwise (chosen once, on first use). */
function mlKem768(): MlKem768 {
  if (!mlKem) {
    const native = nodeMlKem768();
    mlKem = native ? { kem: native, implementation: 'node:crypto' } : { kem: nobleMlKem768((n) => crypto.randomBytes(n)), implementation: 'noble' };
  }
  return mlKem.kem;
}

/** Which ML-KEM-768 the node provider uses: node:crypto's (Node >= 24.7) or noble's pure-JS fallback. */
export function nodeMlKemImplementation(): 'node:crypto' | 'noble' {
  mlKem768();
  return mlKem!.implementation;
}

const curveByNodeName: Record<string, CurveName> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

class NodePublicKey implements PublicKey {
  readonly type: KeyType;
  readonly curve?: CurveName;
  readonly bits?: number;
  constructor(
    readonly keyObject: crypto.KeyObject,
    readonly spki: Uint8Array,
  ) {
    this.type = keyObject.asymmetricKeyType as KeyType;
    const details = keyObject.asymmetricKeyDetails ?? {};
    if (details.namedCurve) this.curve = curveByNodeName[details.namedCurve];
    if (details.modulusLength) this.bits = details.modulusLength;
  }
}

class NodePrivateKey implements PrivateKey {
  readonly type: KeyType;
  readonly curve?: CurveName;
  readonly bits?: number;
  readonly publicKey: NodePublicKey;
  constructor(readonly keyObject: crypto.KeyObject) {
    const pub = crypto.createPublicKey(keyObject);
    this.publicKey = new NodePublicKey(pub, pub.export({ format: 'der', type: 'spki' }));
    this.type = this.publicKey.type;
    if (this.publicKey.curve) this.curve = this.publicKey.curve;
    if (this.publicKey.bits) this.bits = this.publicKey.bits;
  }
  toString(): string {
    return `[PrivateKey ${this.type}]`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Imported public keys by SubjectPublicKeyInfo (base64), oldest first; bounded. */
const importedPublicKeys = new Map<string, NodePublicKey>();
const MAX_IMPORTED_PUBLIC_KEYS = 64;

/**
 * HMAC keys, as createHmac takes them fastest. On Node 24 a raw key costs about 12 µs per call in
 * argument checks against KeyObject and CryptoKey, a KeyObject 2 µs (3.5 µs with making it); on
 * Node 20 a raw key is cheapest (2.6 µs). A handshake makes dozens of HMAC calls through HKDF.
 * Node 22 was not measured and keeps raw keys.
 */
const HMAC_KEY_OBJECTS = Number(process.versions.node.split('.')[0]) >= 24;

function hmacKey(key: Uint8Array): crypto.KeyObject | Uint8Array {
  return HMAC_KEY_OBJECTS ? crypto.createSecretKey(key) : key;
}

/** The SPKI as the X.509 layer reads it; undefined when that reader refuses it (node:crypto then says why). */
function describeSubjectPublicKeyInfoSafely(spki: Uint8Array): PublicKeyInfo | undefined {
  try {
    return describeSubjectPublicKeyInfo(spki);
  } catch {
    return undefined;
  }
}

const supportedKeyTypes = new Set(['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448']);

/** Why an RSA key's public exponent or modulus size is refused (the shared rules, src/crypto/public-key-info.ts); undefined for other keys. */
function rsaKeyProblem(key: crypto.KeyObject): string | undefined {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return undefined;
  return rsaPublicExponentViolation(key.asymmetricKeyDetails?.publicExponent ?? 0n) ?? rsaModulusViolation(key.asymmetricKeyDetails?.modulusLength ?? 0);
}

function signOptions(key: crypto.KeyObject, algorithm: SignatureAlgorithm): { hash: string | null; opts: crypto.SignKeyObjectInput } {
  switch (algorithm.kind) {
    case 'ecdsa':
      return { hash: algorithm.hash, opts: { key, dsaEncoding: 'der' } };
    case 'rsa-pkcs1':
      return { hash: algorithm.hash, opts: { key, padding: crypto.constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss':
      return { hash: algorithm.hash, opts: { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength } };
    case 'ed25519':
    case 'ed448':
      return { hash: null, opts: { key } };
  }
}

export class NodeCryptoProvider implements CryptoProvider {
  readonly name = 'node';

  randomBytes(length: number): Uint8Array {
    return crypto.randomBytes(length);
  }

  hash(name: HashName, data: Uint8Array): Uint8Array {
    return crypto.createHash(name).update(data).digest();
  }

  createHash(name: HashName): HashContext {
    return new NodeHash(crypto.createHash(name));
  }

  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    return crypto.createHmac(name, hmacKey(key)).update(data).digest();
  }

  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Secret {
    // RFC 5869 §2.2: an absent salt is HashLen zeros, which HMAC treats like an empty key.
    return new Secret(this.hmac(name, salt, ikm));
  }

  hkdfExpand(name: HashName, prk: Secret, info: Uint8Array, length: number): Secret {
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), output the first `length` bytes.
    const hashLen = hashLength[name];
    if (length > 255 * hashLen) throw new RangeError('HKDF-Expand output too long');
    const key = hmacKey(prk.expose());
    const out = new Uint8Array(length);
    let previous: Uint8Array = new Uint8Array(0);
    const counter = new Uint8Array(1);
    for (let i = 1, at = 0; at < length; i++) {
      counter[0] = i;
      previous = crypto.createHmac(name, key).update(previous).update(info).update(counter).digest();
      out.set(previous.subarray(0, Math.min(hashLen, length - at)), at);
      at += hashLen;
    }
    return new Secret(out);
  }

  createAead(name: AeadName, key: Secret): Aead {
    return new NodeAead(name, key);
  }

  supportsGroup(group: GroupName): boolean {
    // X25519MLKEM768: node:crypto's ML-KEM where the runtime has it, noble's otherwise.
    return group === 'x25519' || group === 'x448' || group === 'X25519MLKEM768' || group in ecdhCurve;
  }

  generateKeyShare(group: GroupName): KeyShare {
    if (group === 'x25519' || group === 'x448') {
      const curve = montgomery[group];
      const { privateKey, publicValue } = generateMontgomery(curve);
      return new MontgomeryShare(curve, privateKey, publicValue);
    }
    if (group === 'X25519MLKEM768') return new X25519MlKem768Share(mlKem768().generate(), this.generateKeyShare('x25519'));
    const curve = ecdhCurve[group];
    if (!curve) throw new TlsError('internal_error', `group ${group} is not supported by the node provider`);
    const ecdh = crypto.createECDH(curve.node);
    ecdh.generateKeys();
    return new EcdhShare(group, ecdh, curve.pointLength);
  }

  keyShareFromPrivate(group: GroupName, privateKey: Uint8Array): KeyShare {
    if (group === 'x25519' || group === 'x448') {
      const curve = montgomery[group];
      if (privateKey.length !== curve.length)
        throw new TlsError('internal_error', `${group} private key is ${privateKey.length} bytes, expected ${curve.length}`);
      const key = crypto.createPrivateKey({ key: Buffer.concat([curve.pkcs8Prefix, privateKey]), format: 'der', type: 'pkcs8' });
      const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
      return new MontgomeryShare(curve, key, spki.subarray(curve.spkiPrefixLength));
    }
    if (group === 'X25519MLKEM768') {
      const { seed, x25519 } = splitX25519MlKem768Private(privateKey);
      return new X25519MlKem768Share(mlKem768().generate(seed), this.keyShareFromPrivate('x25519', x25519));
    }
    const curve = ecdhCurve[group];
    if (!curve) throw new TlsError('internal_error', `group ${group} is not supported by the node provider`);
    const ecdh = crypto.createECDH(curve.node);
    ecdh.setPrivateKey(privateKey);
    return new EcdhShare(group, ecdh, curve.pointLength);
  }

  encapsulate(group: GroupName, peerPublicKey: Uint8Array): Encapsulation {
    if (group !== 'X25519MLKEM768') throw new TlsError('internal_error', `group ${group} is not a KEM`);
    return encapsulateX25519MlKem768(mlKem768(), this.generateKeyShare('x25519'), peerPublicKey);
  }

  importPublicKey(spki: Uint8Array): PublicKey {
    // The same keys come back handshake after handshake (a server's leaf, its intermediates), and
    // OpenSSL 3's DER decoder costs about 0.1 ms per import: keep the last few, by their bytes.
    const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('base64');
    const cached = importedPublicKeys.get(id);
    if (cached) return cached;
    const imported = this.importPublicKeyUncached(spki.slice()); // a copy: the cache outlives the caller's buffer
    if (importedPublicKeys.size >= MAX_IMPORTED_PUBLIC_KEYS) importedPublicKeys.delete(importedPublicKeys.keys().next().value!);
    importedPublicKeys.set(id, imported);
    return imported;
  }

  private importPublicKeyUncached(spki: Uint8Array): NodePublicKey {
    // The shared RSA rules are applied to the DER before node:crypto sees the key: OpenSSL 3.5
    // (Node 24) loads an RSA key over 16,384 bits but leaves an error queued, which the next,
    // unrelated crypto call in the process then reports as its own failure.
    const described = describeSubjectPublicKeyInfoSafely(spki);
    if (described?.kind === 'unsupported' && described.invalid && described.algorithm === 'RSA') {
      throw new TlsError('bad_certificate', `certificate public key is invalid: ${described.reason}`);
    }
    let key: crypto.KeyObject;
    try {
      key = crypto.createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' });
    } catch (err) {
      throw new TlsError('bad_certificate', 'certificate public key could not be parsed', { cause: err });
    }
    if (!supportedKeyTypes.has(key.asymmetricKeyType ?? '')) {
      throw new TlsError('unsupported_certificate', `certificate public key type ${key.asymmetricKeyType} is not supported`);
    }
    const keyProblem = rsaKeyProblem(key);
    if (keyProblem) throw new TlsError('bad_certificate', `certificate public key is invalid: ${keyProblem}`);
    return new NodePublicKey(key, spki);
  }

  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    let keyObject: crypto.KeyObject | undefined;
    if (typeof key === 'string' || (key.length > 0 && key[0] === 0x2d) /* '-' of PEM */) {
      keyObject = crypto.createPrivateKey(passphrase === undefined ? { key: Buffer.from(key) } : { key: Buffer.from(key), passphrase });
    } else {
      const der = Buffer.from(key);
      for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
        try {
          keyObject = crypto.createPrivateKey({ key: der, format: 'der', type });
          break;
        } catch {
          // try the next encoding
        }
      }
      if (!keyObject) throw new TypeError('private key is not PKCS#8, PKCS#1 or SEC1 DER');
    }
    if (!supportedKeyTypes.has(keyObject.asymmetricKeyType ?? '')) {
      throw new TypeError(`private key type ${keyObject.asymmetricKeyType} is not supported`);
    }
    // Our own key: peers refuse certificates with such an exponent, so refuse it here already.
    const keyProblem = rsaKeyProblem(keyObject);
    if (keyProblem) throw new TypeError(`private key is unusable: ${keyProblem}`);
    return new NodePrivateKey(keyObject);
  }

  sign(key: PrivateKey, algorithm: SignatureAlgorithm, message: Uint8Array): Uint8Array {
    const { hash, opts } = signOptions((key as NodePrivateKey).keyObject, algorithm);
    return crypto.sign(hash, message, opts as crypto.SignKeyObjectInput);
  }

  verify(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean {
    const { hash, opts } = signOptions((key as NodePublicKey).keyObject, algorithm);
    try {
      return crypto.verify(hash, message, opts as crypto.VerifyKeyObjectInput, signature);
    } catch {
      return false; // malformed signature encodings verify as false, never throw
    }
  }

  rsaEncryptPkcs1(key: PublicKey, message: Uint8Array): Uint8Array {
    return crypto.publicEncrypt({ key: (key as NodePublicKey).keyObject, padding: crypto.constants.RSA_PKCS1_PADDING }, message);
  }

  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array {
    return crypto.privateDecrypt({ key: (key as NodePrivateKey).keyObject, padding: crypto.constants.RSA_NO_PADDING }, ciphertext);
  }
}

export const nodeCryptoProvider: CryptoProvider = new NodeCryptoProvider();
