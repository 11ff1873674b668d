// Key encodings for the portable provider, parsed by hand (no node:crypto): SubjectPublicKeyInfo
// (RFC 5280 §4.1.2.7, RFC 5480, RFC 8410, RFC 8017 App. A.1), PKCS#8 (RFC 5958), SEC1 EC keys
// (RFC 5915), PKCS#1 RSA keys (RFC 8017 App. A.1.2) and PBES2-encrypted PKCS#8 (RFC 8018 §6.2).
// DER is read and written by the X.509 module's strict codec: malformed input is
// TlsError('bad_certificate'), a well-formed key we cannot use TlsError('unsupported_certificate').
// Public keys keep those alerts; readPrivateKey() turns either into a TypeError.
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { cbc } from '@noble/ciphers/aes.js';
import type { CHash } from '@noble/hashes/utils.js';
import { TlsError } from '../../errors.js';
import type { CurveName, HashName, KeyType } from '../provider.js';
import { rsaModulusViolation, rsaPublicExponentViolation } from '../public-key-info.js';
import { DerReader, Tag, contextTag, malformed, readTop } from '../../asn1/der.js';
import * as der from '../../asn1/der-writer.js';
import { AlgorithmOid, CurveOid } from '../../asn1/oids.js';
import { readPem } from '../../asn1/pem.js';

// RFC 8018 App. C: the PKCS #5 identifiers of PBES2-encrypted PKCS#8.
const Pkcs5Oid = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha256: '1.2.840.113549.2.9',
  hmacWithSha384: '1.2.840.113549.2.10',
  hmacWithSha512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

// RFC 4055 §2.1 / RFC 5754 §2: hash algorithm OIDs in RSASSA-PSS-params.
const hashOids: Record<string, HashName> = {
  [AlgorithmOid.sha1]: 'sha1',
  [AlgorithmOid.sha256]: 'sha256',
  [AlgorithmOid.sha384]: 'sha384',
  [AlgorithmOid.sha512]: 'sha512',
};

const curveOids: Record<string, CurveName> = Object.fromEntries(Object.entries(CurveOid).map(([curve, oid]) => [oid, curve as CurveName]));

/** Private scalar length per curve (SEC1 §2.3.7: ceil(log2 n / 8)). */
const scalarLength: Record<CurveName, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

// RFC 8018 App. B.1.2: PBKDF2 PRFs; hmacWithSHA1 is the default when the field is absent.
const pbkdf2Prfs: Record<string, CHash> = {
  [Pkcs5Oid.hmacWithSha1]: sha1,
  [Pkcs5Oid.hmacWithSha256]: sha256,
  [Pkcs5Oid.hmacWithSha384]: sha384,
  [Pkcs5Oid.hmacWithSha512]: sha512,
};
const pbkdf2DefaultPrf = Pkcs5Oid.hmacWithSha1;
// RFC 8018 App. B.2.5 / NIST: AES-CBC with a 16-byte IV parameter, by key length.
const pbes2Ciphers: Record<string, number> = {
  [Pkcs5Oid.aes128Cbc]: 16,
  [Pkcs5Oid.aes192Cbc]: 24,
  [Pkcs5Oid.aes256Cbc]: 32,
};
/**
 * A PBKDF2 iteration count above this is a denial of service, not a key: OpenSSL's default is
 * 2048 and today's recommendations stay below a million.
 */
const MAX_PBKDF2_ITERATIONS = 10_000_000;
/**
 * Largest key encoding we read. Keys are small (an RSA-8192 PKCS#8 is about 4.8 KiB); 16 MiB, what
 * three length octets reach, only stops absurd input.
 */
const MAX_KEY_BYTES = 16 * 1024 * 1024;

/** A well-formed key we do not use (the provider answers unsupported_certificate for public keys). */
function unsupported(what: string, why: string): TlsError {
  return new TlsError('unsupported_certificate', `${what}: ${why}`);
}

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
  /** RSA: the SubjectPublicKeyInfo built from the modulus and exponent, and that key read back. */
  readonly rsaPublicKey?: { readonly spki: Uint8Array; readonly key: SpkiKey };
}

// ---- SubjectPublicKeyInfo ----

function modulusBits(n: Uint8Array): number {
  return n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
}

/**
 * RFC 8017 App. A.1.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }. Returns the modulus
 * size in bits. The exponent must pass the shared rule (src/crypto/public-key-info.ts): bad_certificate.
 */
function readRsaPublicKey(encoding: Uint8Array): number {
  const key = readTop(encoding, 'RSAPublicKey', Tag.SEQUENCE, 'RSAPublicKey', MAX_KEY_BYTES);
  const n = key.unsignedInteger('modulus');
  const e = key.unsignedInteger('publicExponent');
  key.done('RSAPublicKey');
  const bits = modulusBits(n);
  const problem = rsaPublicExponentViolation(e) ?? rsaModulusViolation(bits);
  if (problem) throw new TlsError('bad_certificate', `RSAPublicKey: ${problem}`);
  return bits;
}

/**
 * Throws TlsError: bad_certificate when the SPKI is malformed, unsupported_certificate when it
 * names a key we do not know.
 */
export function readSpki(spki: Uint8Array): SpkiKey {
  const what = 'SubjectPublicKeyInfo';
  const info = readTop(spki, what, Tag.SEQUENCE, what, MAX_KEY_BYTES);
  const algorithm = info.sequence('algorithm');
  const oid = algorithm.oid('algorithm');
  const key = info.octetBitString('subjectPublicKey');
  info.done(what);
  switch (oid) {
    case AlgorithmOid.ecPublicKey: {
      // RFC 5480 §2.1.1: namedCurve only (implicit and explicit curves are not allowed).
      const curve = curveOids[algorithm.oid('namedCurve')];
      algorithm.done('algorithm');
      if (!curve) throw unsupported(what, 'EC key on an unsupported curve');
      return { type: 'ec', curve, key };
    }
    case AlgorithmOid.ed25519:
    case AlgorithmOid.ed448: {
      // RFC 8410 §3: the parameters are absent.
      algorithm.done('algorithm');
      const type = oid === AlgorithmOid.ed25519 ? 'ed25519' : 'ed448';
      if (key.length !== (type === 'ed25519' ? 32 : 57)) throw malformed(what, `${type} key has ${key.length} bytes`);
      return { type, key };
    }
    case AlgorithmOid.rsaEncryption:
      // RFC 3279 §2.3.1: parameters are NULL. Leniency: some encoders omit them; accept absent too.
      if (!algorithm.atEnd) algorithm.null('parameters');
      algorithm.done('algorithm');
      return { type: 'rsa', bits: readRsaPublicKey(key), key };
    case AlgorithmOid.rsassaPss: {
      // RFC 4055 §3.1: optional RSASSA-PSS-params restricting the key.
      const pss = algorithm.atEnd ? undefined : readPssParams(algorithm.sequence('RSASSA-PSS-params'));
      algorithm.done('algorithm');
      return { type: 'rsa-pss', bits: readRsaPublicKey(key), key, ...(pss ? { pss } : {}) };
    }
    default:
      throw unsupported(what, `unsupported key algorithm ${oid}`);
  }
}

/** An AlgorithmIdentifier naming a hash (parameters absent or NULL, RFC 4055 §2.1). */
function readHashAlgorithm(r: DerReader, name: string): HashName {
  const alg = r.sequence(name);
  const hash = hashOids[alg.oid(name)];
  if (!alg.atEnd) alg.null(`${name} parameters`);
  alg.done(name);
  if (!hash) throw unsupported(name, 'unsupported hash');
  return hash;
}

/**
 * Largest RSASSA-PSS-params saltLength we take. RFC 4055 allows more, but a TLS signature's salt
 * is as long as its hash (RFC 8446 §4.2.3), so a key asking for more could never sign.
 */
const MAX_PSS_SALT_LENGTH = 0xff;

/** RFC 4055 §3.1 RSASSA-PSS-params; the defaults are SHA-1, MGF1 with SHA-1 and 20 bytes of salt. */
function readPssParams(params: DerReader): PssRestriction {
  const what = 'RSASSA-PSS-params';
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  const hashField = params.optional(contextTag(0, true), 'hashAlgorithm');
  if (hashField) {
    hash = readHashAlgorithm(hashField, 'hashAlgorithm');
    hashField.done('hashAlgorithm');
  }
  const mgfField = params.optional(contextTag(1, true), 'maskGenAlgorithm');
  if (mgfField) {
    const mgf = mgfField.sequence('maskGenAlgorithm');
    if (mgf.oid('maskGenAlgorithm') !== AlgorithmOid.mgf1) throw malformed(what, 'mask generation other than MGF1');
    mgfHash = readHashAlgorithm(mgf, 'MGF1 hash');
    mgf.done('maskGenAlgorithm');
    mgfField.done('maskGenAlgorithm');
  }
  const saltField = params.optional(contextTag(2, true), 'saltLength');
  if (saltField) {
    saltLength = saltField.smallInteger('saltLength');
    saltField.done('saltLength');
    if (saltLength > MAX_PSS_SALT_LENGTH) throw malformed(what, 'saltLength is out of range');
  }
  const trailerField = params.optional(contextTag(3, true), 'trailerField');
  if (trailerField) {
    if (trailerField.smallInteger('trailerField') !== 1) throw malformed(what, 'trailerField is not 1');
    trailerField.done('trailerField');
  }
  params.done(what);
  // WebCrypto (and TLS, RFC 8446 §4.2.3) use MGF1 with the message hash; other pairings are not ours.
  if (mgfHash !== hash) throw unsupported('SubjectPublicKeyInfo', 'unsupported RSASSA-PSS parameters (MGF1 hash differs from the hash)');
  return { hash, saltLength };
}

/** The SPKI of an EC point or an EdDSA key, as OpenSSL (and so certificates) encode it. */
export function writeSpki(type: 'ec' | 'ed25519' | 'ed448', key: Uint8Array, curve?: CurveName): Uint8Array {
  const algorithm =
    type === 'ec'
      ? der.sequence(der.oid(AlgorithmOid.ecPublicKey), der.oid(CurveOid[curve!]))
      : der.sequence(der.oid(type === 'ed25519' ? AlgorithmOid.ed25519 : AlgorithmOid.ed448));
  return der.sequence(algorithm, der.bitString(key));
}

/** RFC 3279 §2.3.1: the rsaEncryption AlgorithmIdentifier, parameters NULL. */
const rsaEncryptionAlgorithm = (): Uint8Array => der.sequence(der.oid(AlgorithmOid.rsaEncryption), der.nullValue());

/** An RSAPublicKey as an rsaEncryption SubjectPublicKeyInfo (how WebCrypto imports any RSA key). */
export function writeRsaEncryptionSpki(rsaPublicKey: Uint8Array): Uint8Array {
  return der.sequence(rsaEncryptionAlgorithm(), der.bitString(rsaPublicKey));
}

// ---- private keys ----

/** RFC 5915 §3 ECPrivateKey; `curve` comes from the PKCS#8 algorithm when wrapped. */
function readSec1(encoding: Uint8Array, outerCurve?: CurveName): PrivateKeyParts {
  const what = 'ECPrivateKey';
  const key = readTop(encoding, what, Tag.SEQUENCE, what, MAX_KEY_BYTES);
  if (key.smallInteger('version') !== 1) throw malformed(what, 'version is not 1');
  let scalar = key.value(Tag.OCTET_STRING, 'privateKey');
  let curve = outerCurve;
  const params = key.optional(contextTag(0, true), 'parameters');
  if (params) {
    const named = curveOids[params.oid('namedCurve')];
    params.done('parameters');
    if (!named) throw unsupported(what, 'unsupported curve');
    if (curve && curve !== named) throw malformed(what, 'curve differs from the PKCS#8 algorithm');
    curve = named;
  }
  // [1] publicKey: derived again from the scalar, so it is skipped.
  key.optional(contextTag(1, true), 'publicKey');
  key.done(what);
  if (!curve) throw malformed(what, 'no curve named');
  const length = scalarLength[curve];
  if (scalar.length > length) throw malformed(what, 'private key longer than the curve order');
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

/**
 * RFC 8017 App. A.1.2 RSAPrivateKey: the modulus size and the public key, checked for shape only.
 * `algorithm` is the AlgorithmIdentifier DER the public key goes out with (PSS parameters included).
 */
function readPkcs1(encoding: Uint8Array, type: 'rsa' | 'rsa-pss', algorithm: Uint8Array): PrivateKeyParts {
  const what = 'RSAPrivateKey';
  const key = readTop(encoding, what, Tag.SEQUENCE, what, MAX_KEY_BYTES);
  if (key.smallInteger('version') !== 0) throw unsupported(what, 'multi-prime keys are not supported');
  const n = key.element('modulus', Tag.INTEGER);
  const e = key.element('publicExponent', Tag.INTEGER);
  for (const name of ['privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient']) key.unsignedInteger(name);
  key.done(what);
  const spki = der.sequence(algorithm, der.bitString(der.sequence(n, e)));
  // Read back here (modulus, exponent, RSASSA-PSS parameters), so that it fails as a private key.
  const publicKey = readSpki(spki);
  // The secret goes out as PKCS#8 under rsaEncryption whatever the input said: the one form every
  // WebCrypto imports (Chromium refuses id-RSASSA-PSS private keys). The type keeps what it is.
  const pkcs8 = der.sequence(der.integer(0), rsaEncryptionAlgorithm(), der.octetString(encoding));
  return { type, bits: publicKey.bits!, secret: pkcs8, rsaPublicKey: { spki, key: publicKey } };
}

/** RFC 5958 §2 OneAsymmetricKey (PKCS#8 v1 and v2). */
function readPkcs8(encoding: Uint8Array): PrivateKeyParts {
  const what = 'PrivateKeyInfo';
  const info = readTop(encoding, what, Tag.SEQUENCE, what, MAX_KEY_BYTES);
  const version = info.smallInteger('version');
  if (version !== 0 && version !== 1) throw malformed(what, 'unknown version');
  const algorithmElement = info.element('privateKeyAlgorithm', Tag.SEQUENCE);
  const algorithm = info.child(algorithmElement).sequence('privateKeyAlgorithm');
  const oid = algorithm.oid('algorithm');
  const privateKey = info.value(Tag.OCTET_STRING, 'privateKey');
  // [0] attributes and (v2) [1] publicKey follow; neither changes the key.
  switch (oid) {
    case AlgorithmOid.ecPublicKey: {
      const curve = curveOids[algorithm.oid('namedCurve')];
      algorithm.done('privateKeyAlgorithm');
      if (!curve) throw unsupported(what, 'EC key on an unsupported curve');
      return readSec1(privateKey, curve);
    }
    case AlgorithmOid.ed25519:
    case AlgorithmOid.ed448: {
      algorithm.done('privateKeyAlgorithm');
      const type = oid === AlgorithmOid.ed25519 ? 'ed25519' : 'ed448';
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
      const seed = readTop(privateKey, 'CurvePrivateKey', Tag.OCTET_STRING, 'CurvePrivateKey', MAX_KEY_BYTES).rest();
      if (seed.length !== (type === 'ed25519' ? 32 : 57)) throw malformed(what, `${type} key has ${seed.length} bytes`);
      return { type, secret: seed.slice() };
    }
    case AlgorithmOid.rsaEncryption:
    case AlgorithmOid.rsassaPss:
      return readPkcs1(privateKey, oid === AlgorithmOid.rsaEncryption ? 'rsa' : 'rsa-pss', algorithmElement);
    default:
      throw unsupported(what, `unsupported key algorithm ${oid}`);
  }
}

/** A PKCS#1 RSAPrivateKey on its own (BEGIN RSA PRIVATE KEY). */
function readPkcs1Alone(pkcs1: Uint8Array): PrivateKeyParts {
  return readPkcs1(pkcs1, 'rsa', rsaEncryptionAlgorithm());
}

/** RFC 8018 §6.2 PBES2 with PBKDF2 and AES-CBC (what `openssl pkcs8 -topk8` writes). */
function decryptPkcs8(encoding: Uint8Array, passphrase: string): Uint8Array {
  const what = 'EncryptedPrivateKeyInfo';
  const info = readTop(encoding, what, Tag.SEQUENCE, what, MAX_KEY_BYTES);
  const algorithm = info.sequence('encryptionAlgorithm');
  const ciphertext = info.value(Tag.OCTET_STRING, 'encryptedData');
  info.done(what);
  if (algorithm.oid('encryptionAlgorithm') !== Pkcs5Oid.pbes2) throw unsupported(what, 'only PBES2 encryption is supported');
  const params = algorithm.sequence('PBES2-params');
  algorithm.done('encryptionAlgorithm');
  const kdf = params.sequence('keyDerivationFunc');
  if (kdf.oid('keyDerivationFunc') !== Pkcs5Oid.pbkdf2) throw unsupported('PBES2-params', 'only PBKDF2 is supported');
  const kdfParams = kdf.sequence('PBKDF2-params');
  kdf.done('keyDerivationFunc');
  const salt = kdfParams.value(Tag.OCTET_STRING, 'salt');
  const iterationBytes = kdfParams.unsignedInteger('iterationCount');
  let iterations = 0;
  for (const b of iterationBytes) iterations = iterations * 256 + b;
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw malformed('PBKDF2-params', 'iteration count out of range');
  let keyLength: number | undefined;
  if (kdfParams.peekTag() === Tag.INTEGER) keyLength = kdfParams.smallInteger('keyLength');
  let prfOid: string = pbkdf2DefaultPrf;
  const prf = kdfParams.optional(Tag.SEQUENCE, 'prf');
  if (prf) {
    prfOid = prf.oid('prf');
    if (!prf.atEnd) prf.null('prf parameters');
    prf.done('prf');
  }
  kdfParams.done('PBKDF2-params');
  const scheme = params.sequence('encryptionScheme');
  const aesKeyLength = pbes2Ciphers[scheme.oid('encryptionScheme')];
  const iv = scheme.value(Tag.OCTET_STRING, 'iv');
  scheme.done('encryptionScheme');
  params.done('PBES2-params');
  const hash = pbkdf2Prfs[prfOid];
  if (!hash) throw unsupported('PBKDF2-params', 'unsupported PRF');
  if (aesKeyLength === undefined) throw unsupported('PBES2-params', 'only AES-CBC encryption is supported');
  if (keyLength !== undefined && keyLength !== aesKeyLength) throw malformed('PBKDF2-params', 'key length does not fit the cipher');
  if (iv.length !== 16) throw malformed('PBES2-params', 'AES-CBC IV is not 16 bytes');
  const key = pbkdf2(hash, new TextEncoder().encode(passphrase), salt, { c: iterations, dkLen: aesKeyLength });
  try {
    return cbc(key, iv).decrypt(ciphertext); // PKCS#7 padding is checked (and removed) here
  } catch {
    throw malformed('encrypted private key', 'wrong passphrase or corrupt data');
  } finally {
    key.fill(0);
  }
}

/**
 * A decrypted PKCS#8 body. A wrong passphrase passes the CBC padding check about once in 256 tries
 * and leaves garbage: whatever then fails to parse is reported as the wrong passphrase it most likely is.
 */
function readDecryptedPkcs8(decrypted: Uint8Array): PrivateKeyParts {
  try {
    return readPkcs8(decrypted);
  } catch (err) {
    if (!(err instanceof TlsError) || err.alert !== 'bad_certificate') throw err; // well-formed but unusable: the passphrase was right
    throw new TlsError('bad_certificate', 'encrypted private key: wrong passphrase or corrupt data', { cause: err });
  }
}

/**
 * Any private key we read, PEM or DER. Throws TypeError for a key we cannot use (as node:crypto
 * does when options are resolved), with the DER problem (a TlsError) as its cause.
 */
export function readPrivateKey(input: string | Uint8Array, passphrase?: string): PrivateKeyParts {
  try {
    const text = typeof input === 'string' ? input : input.length > 0 && input[0] === 0x2d /* '-' of PEM */ ? new TextDecoder().decode(input) : undefined;
    if (text === undefined) return readPrivateKeyDer(input as Uint8Array);
    // RFC 1421 encrypted PEM (Proc-Type/DEK-Info headers) uses an MD5 key derivation: not supported.
    if (/Proc-Type:\s*4,ENCRYPTED/.test(text))
      throw new TypeError('legacy encrypted PEM keys are not supported by the portable provider: convert with `openssl pkcs8 -topk8`');
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
    if (err instanceof TlsError) throw new TypeError(`private key could not be read: ${err.message}`, { cause: err });
    throw err;
  }
}

/** DER in any of PKCS#8, SEC1, PKCS#1, tried in that order (as the node provider does). */
function readPrivateKeyDer(encoding: Uint8Array): PrivateKeyParts {
  const attempts = [() => readPkcs8(encoding), () => readSec1(encoding), () => readPkcs1Alone(encoding)];
  const failures: string[] = [];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (err) {
      if (!(err instanceof TlsError)) throw err;
      failures.push(err.message);
    }
  }
  throw new TlsError('bad_certificate', `private key is not PKCS#8, SEC1 or PKCS#1 DER (${failures.join('; ')})`);
}
