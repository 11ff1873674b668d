// Key encodings for the portable provider, parsed by hand (no node:crypto): SubjectPublicKeyInfo
// (RFC 5280 §4.1.2.7, RFC 5480, RFC 8410, RFC 8017 App. A.1), PKCS#8 (RFC 5958), SEC1 EC keys
// (RFC 5915), PKCS#1 RSA keys (RFC 8017 App. A.1.2) and PBES2-encrypted PKCS#8 (RFC 8018 §6.2).
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { cbc } from '@noble/ciphers/aes.js';
import type { CHash } from '@noble/hashes/utils.js';
import type { CurveName, HashName, KeyType } from '../provider.js';
import { readPem } from '../../x509/pem.js';
import { DerError, DerReader, Tag, derBitString, derElement, derNull, derOid } from './der.js';

// OIDs as the hex of their DER content octets.
const Oid = {
  rsaEncryption: '2a864886f70d010101', // 1.2.840.113549.1.1.1
  rsassaPss: '2a864886f70d01010a', // 1.2.840.113549.1.1.10
  ecPublicKey: '2a8648ce3d0201', // 1.2.840.10045.2.1
  ed25519: '2b6570', // 1.3.101.112
  ed448: '2b6571', // 1.3.101.113
  pbes2: '2a864886f70d01050d', // 1.2.840.113549.1.5.13
  pbkdf2: '2a864886f70d01050c', // 1.2.840.113549.1.5.12
  mgf1: '2a864886f70d010108', // 1.2.840.113549.1.1.8
} as const;

// RFC 4055 §2.1 / RFC 5754 §2: hash algorithm OIDs in RSASSA-PSS-params.
const hashOids: Record<string, HashName> = {
  '2b0e03021a': 'sha1', // 1.3.14.3.2.26
  '608648016503040201': 'sha256', // 2.16.840.1.101.3.4.2.1
  '608648016503040202': 'sha384', // 2.16.840.1.101.3.4.2.2
  '608648016503040203': 'sha512', // 2.16.840.1.101.3.4.2.3
};

const curveOids: Record<string, CurveName> = {
  '2a8648ce3d030107': 'P-256', // 1.2.840.10045.3.1.7 (prime256v1)
  '2b81040022': 'P-384', // 1.3.132.0.34 (secp384r1)
  '2b81040023': 'P-521', // 1.3.132.0.35 (secp521r1)
};
const oidOfCurve = Object.fromEntries(Object.entries(curveOids).map(([oid, curve]) => [curve, oid])) as Record<CurveName, string>;

/** Private scalar length per curve (SEC1 §2.3.7: ceil(log2 n / 8)). */
const scalarLength: Record<CurveName, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

// RFC 8018 App. B.1.2: PBKDF2 PRFs; hmacWithSHA1 is the default when the field is absent.
const pbkdf2Prfs: Record<string, CHash> = {
  '2a864886f70d0207': sha1, // 1.2.840.113549.2.7
  '2a864886f70d0209': sha256, // 1.2.840.113549.2.9
  '2a864886f70d020a': sha384, // 1.2.840.113549.2.10
  '2a864886f70d020b': sha512, // 1.2.840.113549.2.11
};
const pbkdf2DefaultPrf = '2a864886f70d0207';
// RFC 8018 App. B.2.5 / NIST: AES-CBC with a 16-byte IV parameter, by key length.
const pbes2Ciphers: Record<string, number> = {
  '608648016503040102': 16, // 2.16.840.1.101.3.4.1.2 aes128-CBC
  '608648016503040116': 24, // 2.16.840.1.101.3.4.1.22 aes192-CBC
  '60864801650304012a': 32, // 2.16.840.1.101.3.4.1.42 aes256-CBC
};
/**
 * A PBKDF2 iteration count above this is a denial of service, not a key: OpenSSL's default is
 * 2048 and today's recommendations stay below a million.
 */
const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** RFC 4055 §3.1: what RSASSA-PSS-params on an id-RSASSA-PSS key allow it to sign with. */
export interface PssRestriction {
  readonly hash: HashName;
  /** The least salt length. */
  readonly saltLength: number;
}

/** A public key as its SubjectPublicKeyInfo says. `key` is the EC point, the raw EdDSA key, or the RSAPublicKey DER. */
export interface SpkiKey {
  readonly type: KeyType;
  readonly curve?: CurveName;
  readonly bits?: number;
  readonly key: Uint8Array;
  /** id-RSASSA-PSS keys with parameters: the only signatures they may make. */
  readonly pss?: PssRestriction;
}

/** A private key as its encoding says. For RSA, `secret` is the PKCS#8 DER (what WebCrypto imports). */
export interface PrivateKeyParts {
  readonly type: KeyType;
  readonly curve?: CurveName;
  readonly bits?: number;
  /** EC: the scalar, fixed length; EdDSA: the seed; RSA: PKCS#8 DER. */
  readonly secret: Uint8Array;
  /** RSA: the SubjectPublicKeyInfo, built from the modulus and exponent. */
  readonly rsaSpki?: Uint8Array;
}

// ---- SubjectPublicKeyInfo ----

function modulusBits(n: Uint8Array): number {
  return n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
}

/** RFC 8017 App. A.1.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }. Returns the modulus size in bits. */
function readRsaPublicKey(der: Uint8Array): number {
  const top = new DerReader(der, 'RSAPublicKey');
  const key = top.sequence('RSAPublicKey');
  const n = key.unsignedInteger('modulus');
  key.unsignedInteger('publicExponent');
  key.done();
  top.done();
  return modulusBits(n);
}

/** Throws DerError when the SPKI is malformed or names a key we do not know. */
export function readSpki(spki: Uint8Array): SpkiKey {
  const top = new DerReader(spki, 'SubjectPublicKeyInfo');
  const info = top.sequence('SubjectPublicKeyInfo');
  top.done();
  const algorithm = info.sequence('algorithm');
  const oid = algorithm.oid('algorithm');
  const key = info.bitStringBytes('subjectPublicKey');
  info.done();
  switch (oid) {
    case Oid.ecPublicKey: {
      // RFC 5480 §2.1.1: namedCurve only (implicit and explicit curves are not allowed).
      const curve = curveOids[algorithm.oid('namedCurve')];
      algorithm.done();
      if (!curve) throw new DerError('SubjectPublicKeyInfo: EC key on an unsupported curve');
      return { type: 'ec', curve, key };
    }
    case Oid.ed25519:
    case Oid.ed448: {
      // RFC 8410 §3: the parameters are absent.
      algorithm.done();
      const type = oid === Oid.ed25519 ? 'ed25519' : 'ed448';
      if (key.length !== (type === 'ed25519' ? 32 : 57)) throw new DerError(`SubjectPublicKeyInfo: ${type} key has ${key.length} bytes`);
      return { type, key };
    }
    case Oid.rsaEncryption:
      // RFC 3279 §2.3.1: parameters are NULL. Leniency: some encoders omit them; accept absent too.
      if (algorithm.remaining > 0) algorithm.read(Tag.null, 'parameters');
      algorithm.done();
      return { type: 'rsa', bits: readRsaPublicKey(key), key };
    case Oid.rsassaPss: {
      // RFC 4055 §3.1: optional RSASSA-PSS-params restricting the key.
      const pss = algorithm.remaining > 0 ? readPssParams(algorithm.sequence('RSASSA-PSS-params')) : undefined;
      algorithm.done();
      return { type: 'rsa-pss', bits: readRsaPublicKey(key), key, ...(pss ? { pss } : {}) };
    }
    default:
      throw new DerError(`SubjectPublicKeyInfo: unsupported key algorithm ${oid}`);
  }
}

/** An AlgorithmIdentifier naming a hash (parameters absent or NULL, RFC 4055 §2.1). */
function readHashAlgorithm(r: DerReader, name: string): HashName {
  const alg = r.sequence(name);
  const hash = hashOids[alg.oid(name)];
  if (alg.remaining > 0) alg.read(Tag.null, `${name} parameters`);
  alg.done();
  if (!hash) throw new DerError(`${name}: unsupported hash`);
  return hash;
}

/** RFC 4055 §3.1 RSASSA-PSS-params; the defaults are SHA-1, MGF1 with SHA-1 and 20 bytes of salt. */
function readPssParams(params: DerReader): PssRestriction {
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  if (params.peekTag() === Tag.context0) {
    const field = params.nested(Tag.context0, 'hashAlgorithm');
    hash = readHashAlgorithm(field, 'hashAlgorithm');
    field.done();
  }
  if (params.peekTag() === Tag.context1) {
    const field = params.nested(Tag.context1, 'maskGenAlgorithm');
    const mgf = field.sequence('maskGenAlgorithm');
    if (mgf.oid('maskGenAlgorithm') !== Oid.mgf1) throw new DerError('RSASSA-PSS-params: mask generation other than MGF1');
    mgfHash = readHashAlgorithm(mgf, 'MGF1 hash');
    mgf.done();
    field.done();
  }
  if (params.peekTag() === Tag.context2) {
    const field = params.nested(Tag.context2, 'saltLength');
    saltLength = field.smallInteger('saltLength');
    field.done();
  }
  if (params.peekTag() === Tag.context3) {
    const field = params.nested(Tag.context3, 'trailerField');
    if (field.smallInteger('trailerField') !== 1) throw new DerError('RSASSA-PSS-params: trailerField is not 1');
    field.done();
  }
  params.done();
  // WebCrypto (and TLS, RFC 8446 §4.2.3) use MGF1 with the message hash; other pairings are not ours.
  if (mgfHash !== hash) throw new DerError('SubjectPublicKeyInfo: unsupported RSASSA-PSS parameters (MGF1 hash differs from the hash)');
  return { hash, saltLength };
}

/** The SPKI of an EC point or an EdDSA key, as OpenSSL (and so certificates) encode it. */
export function writeSpki(type: 'ec' | 'ed25519' | 'ed448', key: Uint8Array, curve?: CurveName): Uint8Array {
  const algorithm = type === 'ec'
    ? derElement(Tag.sequence, derOid(Oid.ecPublicKey), derOid(oidOfCurve[curve!]))
    : derElement(Tag.sequence, derOid(type === 'ed25519' ? Oid.ed25519 : Oid.ed448));
  return derElement(Tag.sequence, algorithm, derBitString(key));
}

// ---- private keys ----

/** RFC 5915 §3 ECPrivateKey; `curve` comes from the PKCS#8 algorithm when wrapped. */
function readSec1(der: Uint8Array, outerCurve?: CurveName): PrivateKeyParts {
  const top = new DerReader(der, 'ECPrivateKey');
  const key = top.sequence('ECPrivateKey');
  top.done();
  if (key.smallInteger('version') !== 1) throw new DerError('ECPrivateKey: version is not 1');
  let scalar = key.read(Tag.octetString, 'privateKey');
  let curve = outerCurve;
  const params = key.peekTag() === Tag.context0 ? key.nested(Tag.context0, 'parameters') : undefined;
  if (params) {
    const named = curveOids[params.oid('namedCurve')];
    params.done();
    if (!named) throw new DerError('ECPrivateKey: unsupported curve');
    if (curve && curve !== named) throw new DerError('ECPrivateKey: curve differs from the PKCS#8 algorithm');
    curve = named;
  }
  // [1] publicKey: derived again from the scalar, so it is skipped.
  if (key.peekTag() === Tag.context1) key.read(Tag.context1, 'publicKey');
  key.done();
  if (!curve) throw new DerError('ECPrivateKey: no curve named');
  const length = scalarLength[curve];
  if (scalar.length > length) throw new DerError('ECPrivateKey: private key longer than the curve order');
  // Leniency: some encoders drop leading zero bytes of the scalar; pad back to the fixed length.
  if (scalar.length < length) {
    const padded = new Uint8Array(length);
    padded.set(scalar, length - scalar.length);
    scalar = padded;
  } else {
    scalar = scalar.slice();
  }
  return { type: 'ec', curve, secret: scalar };
}

const rsaEncryptionAlgorithm = (): Uint8Array => derElement(Tag.sequence, derOid(Oid.rsaEncryption), derNull());

/**
 * RFC 8017 App. A.1.2 RSAPrivateKey: the modulus size and the public key, checked for shape only.
 * `algorithm` is the AlgorithmIdentifier DER the public key goes out with (PSS parameters included).
 */
function readPkcs1(der: Uint8Array, type: 'rsa' | 'rsa-pss', algorithm: Uint8Array): PrivateKeyParts {
  const top = new DerReader(der, 'RSAPrivateKey');
  const key = top.sequence('RSAPrivateKey');
  top.done();
  if (key.smallInteger('version') !== 0) throw new DerError('RSAPrivateKey: multi-prime keys are not supported');
  const n = key.element(Tag.integer, 'modulus');
  const e = key.element(Tag.integer, 'publicExponent');
  const nBits = modulusBits(new DerReader(n, 'modulus').unsignedInteger('modulus'));
  for (const name of ['privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient']) key.unsignedInteger(name);
  key.done();
  const spki = derElement(Tag.sequence, algorithm, derBitString(derElement(Tag.sequence, n, e)));
  // The secret goes out as PKCS#8 under rsaEncryption whatever the input said: the one form every
  // WebCrypto imports (Chromium refuses id-RSASSA-PSS private keys). The type keeps what it is.
  const pkcs8 = derElement(Tag.sequence, derElement(Tag.integer, Uint8Array.of(0)), rsaEncryptionAlgorithm(), derElement(Tag.octetString, der));
  return { type, bits: nBits, secret: pkcs8, rsaSpki: spki };
}

/** RFC 5958 §2 OneAsymmetricKey (PKCS#8 v1 and v2). */
function readPkcs8(der: Uint8Array): PrivateKeyParts {
  const top = new DerReader(der, 'PrivateKeyInfo');
  const info = top.sequence('PrivateKeyInfo');
  top.done();
  const version = info.smallInteger('version');
  if (version !== 0 && version !== 1) throw new DerError('PrivateKeyInfo: unknown version');
  const algorithmElement = info.element(Tag.sequence, 'privateKeyAlgorithm');
  const algorithm = new DerReader(algorithmElement, 'PrivateKeyInfo').sequence('privateKeyAlgorithm');
  const oid = algorithm.oid('algorithm');
  const privateKey = info.read(Tag.octetString, 'privateKey');
  // [0] attributes and (v2) [1] publicKey follow; neither changes the key.
  switch (oid) {
    case Oid.ecPublicKey: {
      const curve = curveOids[algorithm.oid('namedCurve')];
      algorithm.done();
      if (!curve) throw new DerError('PrivateKeyInfo: EC key on an unsupported curve');
      return readSec1(privateKey, curve);
    }
    case Oid.ed25519:
    case Oid.ed448: {
      algorithm.done();
      const type = oid === Oid.ed25519 ? 'ed25519' : 'ed448';
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
      const inner = new DerReader(privateKey, 'CurvePrivateKey');
      const seed = inner.read(Tag.octetString, 'CurvePrivateKey');
      inner.done();
      if (seed.length !== (type === 'ed25519' ? 32 : 57)) throw new DerError(`PrivateKeyInfo: ${type} key has ${seed.length} bytes`);
      return { type, secret: seed.slice() };
    }
    case Oid.rsaEncryption:
    case Oid.rsassaPss:
      return readPkcs1(privateKey, oid === Oid.rsaEncryption ? 'rsa' : 'rsa-pss', algorithmElement);
    default:
      throw new DerError(`PrivateKeyInfo: unsupported key algorithm ${oid}`);
  }
}

/** A PKCS#1 RSAPrivateKey on its own (BEGIN RSA PRIVATE KEY). */
function readPkcs1Alone(pkcs1: Uint8Array): PrivateKeyParts {
  return readPkcs1(pkcs1, 'rsa', rsaEncryptionAlgorithm());
}

/** RFC 8018 §6.2 PBES2 with PBKDF2 and AES-CBC (what `openssl pkcs8 -topk8` writes). */
function decryptPkcs8(der: Uint8Array, passphrase: string): Uint8Array {
  const top = new DerReader(der, 'EncryptedPrivateKeyInfo');
  const info = top.sequence('EncryptedPrivateKeyInfo');
  top.done();
  const algorithm = info.sequence('encryptionAlgorithm');
  const ciphertext = info.read(Tag.octetString, 'encryptedData');
  info.done();
  if (algorithm.oid('encryptionAlgorithm') !== Oid.pbes2) throw new DerError('EncryptedPrivateKeyInfo: only PBES2 encryption is supported');
  const params = algorithm.sequence('PBES2-params');
  algorithm.done();
  const kdf = params.sequence('keyDerivationFunc');
  if (kdf.oid('keyDerivationFunc') !== Oid.pbkdf2) throw new DerError('PBES2-params: only PBKDF2 is supported');
  const kdfParams = kdf.sequence('PBKDF2-params');
  kdf.done();
  const salt = kdfParams.read(Tag.octetString, 'salt');
  const iterationBytes = kdfParams.unsignedInteger('iterationCount');
  let iterations = 0;
  for (const b of iterationBytes) iterations = iterations * 256 + b;
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw new DerError('PBKDF2-params: iteration count out of range');
  let keyLength: number | undefined;
  if (kdfParams.peekTag() === Tag.integer) keyLength = kdfParams.smallInteger('keyLength');
  let prfOid = pbkdf2DefaultPrf;
  if (kdfParams.peekTag() === Tag.sequence) {
    const prf = kdfParams.sequence('prf');
    prfOid = prf.oid('prf');
    if (prf.remaining > 0) prf.read(Tag.null, 'prf parameters');
    prf.done();
  }
  kdfParams.done();
  const scheme = params.sequence('encryptionScheme');
  const aesKeyLength = pbes2Ciphers[scheme.oid('encryptionScheme')];
  const iv = scheme.read(Tag.octetString, 'iv');
  scheme.done();
  params.done();
  const prf = pbkdf2Prfs[prfOid];
  if (!prf) throw new DerError('PBKDF2-params: unsupported PRF');
  if (aesKeyLength === undefined) throw new DerError('PBES2-params: only AES-CBC encryption is supported');
  if (keyLength !== undefined && keyLength !== aesKeyLength) throw new DerError('PBKDF2-params: key length does not fit the cipher');
  if (iv.length !== 16) throw new DerError('PBES2-params: AES-CBC IV is not 16 bytes');
  const key = pbkdf2(prf, new TextEncoder().encode(passphrase), salt, { c: iterations, dkLen: aesKeyLength });
  try {
    return cbc(key, iv).decrypt(ciphertext); // PKCS#7 padding is checked (and removed) here
  } catch {
    throw new DerError('encrypted private key: wrong passphrase or corrupt data');
  } finally {
    key.fill(0);
  }
}

/**
 * A decrypted PKCS#8 body. A wrong passphrase passes the CBC padding check about once in 256 tries
 * and leaves garbage: whatever then fails to parse is reported as the wrong passphrase it most likely is.
 */
function readDecryptedPkcs8(der: Uint8Array): PrivateKeyParts {
  try {
    return readPkcs8(der);
  } catch (err) {
    if (!(err instanceof DerError)) throw err; // well-formed but unusable: the passphrase was right
    throw new DerError('encrypted private key: wrong passphrase or corrupt data', { cause: err });
  }
}

/**
 * Any private key we read, PEM or DER. Throws TypeError for a key we cannot use (as node:crypto
 * does when options are resolved), with the DER problem as its cause.
 */
export function readPrivateKey(input: string | Uint8Array, passphrase?: string): PrivateKeyParts {
  try {
    const text = typeof input === 'string' ? input : input.length > 0 && input[0] === 0x2d /* '-' of PEM */ ? new TextDecoder().decode(input) : undefined;
    if (text === undefined) return readPrivateKeyDer(input as Uint8Array);
    // RFC 1421 encrypted PEM (Proc-Type/DEK-Info headers) uses an MD5 key derivation: not supported.
    if (/Proc-Type:\s*4,ENCRYPTED/.test(text)) throw new TypeError('legacy encrypted PEM keys are not supported by the portable provider: convert with `openssl pkcs8 -topk8`');
    const block = readPem(text).find((b) => /^(|ENCRYPTED |EC |RSA )PRIVATE KEY$/.test(b.label));
    if (!block) throw new TypeError('no PEM private key found');
    switch (block.label) {
      case 'PRIVATE KEY':
        return readPkcs8(block.der);
      case 'ENCRYPTED PRIVATE KEY':
        if (passphrase === undefined) throw new TypeError('the private key is encrypted and no passphrase was given');
        return readDecryptedPkcs8(decryptPkcs8(block.der, passphrase));
      case 'EC PRIVATE KEY':
        return readSec1(block.der);
      default:
        return readPkcs1Alone(block.der);
    }
  } catch (err) {
    if (err instanceof DerError) throw new TypeError(`private key could not be read: ${err.message}`, { cause: err });
    throw err;
  }
}

/** DER in any of PKCS#8, SEC1, PKCS#1, tried in that order (as the node provider does). */
function readPrivateKeyDer(der: Uint8Array): PrivateKeyParts {
  const attempts = [() => readPkcs8(der), () => readSec1(der), () => readPkcs1Alone(der)];
  const failures: string[] = [];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
      failures.push(err.message);
    }
  }
  throw new DerError(`private key is not PKCS#8, SEC1 or PKCS#1 DER (${failures.join('; ')})`);
}
