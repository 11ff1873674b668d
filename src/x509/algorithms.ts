// AlgorithmIdentifier for signatures (RFC 5280 §4.1.1.2, RFC 4055, RFC 5758, RFC 8410) and the
// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279, RFC 5480), mapped onto what the crypto
// provider verifies. Unknown or unsupported algorithms parse; they fail only when used.
import type { CurveName, HashName, SignatureAlgorithm } from '../crypto/provider.js';
import { equalBytes } from '../wire/bytes.js';
import { DerReader, Tag, contextTag, decodeOid, malformed, readTop } from '../asn1/der.js';
import { MAX_RSA_MODULUS_BITS, MAX_RSA_PUBLIC_EXPONENT } from './limits.js';
import { AlgorithmOid, CurveOid } from '../asn1/oids.js';

export type PublicKeyKind = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519';

export interface SignatureAlgorithmIdentifier {
  /** The complete DER of the AlgorithmIdentifier (outer and inner copies must be identical). */
  readonly der: Uint8Array;
  readonly oid: string;
  /** A readable name: 'ecdsa-with-SHA256', 'rsassa-pss-sha256', or the OID. */
  readonly name: string;
  /** What to ask the crypto provider for; undefined when we cannot or will not verify it. */
  readonly algorithm?: SignatureAlgorithm;
  /** The key types that can produce this signature. */
  readonly keyKinds: readonly PublicKeyKind[];
  /** Why `algorithm` is undefined. */
  readonly unsupportedReason?: string;
}

const simpleSignatureAlgorithms: Readonly<
  Record<string, { name: string; algorithm: SignatureAlgorithm; keyKinds: readonly PublicKeyKind[]; params: 'null' | 'absent' }>
> = {
  [AlgorithmOid.sha256WithRsa]: { name: 'sha256WithRSAEncryption', algorithm: { kind: 'rsa-pkcs1', hash: 'sha256' }, keyKinds: ['rsa'], params: 'null' },
  [AlgorithmOid.sha384WithRsa]: { name: 'sha384WithRSAEncryption', algorithm: { kind: 'rsa-pkcs1', hash: 'sha384' }, keyKinds: ['rsa'], params: 'null' },
  [AlgorithmOid.sha512WithRsa]: { name: 'sha512WithRSAEncryption', algorithm: { kind: 'rsa-pkcs1', hash: 'sha512' }, keyKinds: ['rsa'], params: 'null' },
  [AlgorithmOid.ecdsaWithSha256]: { name: 'ecdsa-with-SHA256', algorithm: { kind: 'ecdsa', hash: 'sha256' }, keyKinds: ['ec'], params: 'absent' },
  [AlgorithmOid.ecdsaWithSha384]: { name: 'ecdsa-with-SHA384', algorithm: { kind: 'ecdsa', hash: 'sha384' }, keyKinds: ['ec'], params: 'absent' },
  [AlgorithmOid.ecdsaWithSha512]: { name: 'ecdsa-with-SHA512', algorithm: { kind: 'ecdsa', hash: 'sha512' }, keyKinds: ['ec'], params: 'absent' },
  [AlgorithmOid.ed25519]: { name: 'Ed25519', algorithm: { kind: 'ed25519' }, keyKinds: ['ed25519'], params: 'absent' },
};

/** SHA-1 based signatures: recognised so that messages can name them, refused (CABF BR §7.1.3.2). */
const refusedSignatureAlgorithms: Readonly<Record<string, string>> = {
  [AlgorithmOid.sha1WithRsa]: 'sha1WithRSAEncryption',
  [AlgorithmOid.ecdsaWithSha1]: 'ecdsa-with-SHA1',
};

const hashByOid: Readonly<Record<string, HashName>> = {
  [AlgorithmOid.sha256]: 'sha256',
  [AlgorithmOid.sha384]: 'sha384',
  [AlgorithmOid.sha512]: 'sha512',
};

function unsupported(der: Uint8Array, oid: string, name: string, reason: string, keyKinds: readonly PublicKeyKind[] = []): SignatureAlgorithmIdentifier {
  return { der, oid, name, keyKinds, unsupportedReason: reason };
}

/** Reads an AlgorithmIdentifier used for a signature. Throws only on DER errors. */
export function readSignatureAlgorithm(r: DerReader, field: string): SignatureAlgorithmIdentifier {
  const der = r.element(field, Tag.SEQUENCE);
  const seq = r.child(der).sequence(field);
  const oid = seq.oid(`${field} algorithm`);
  const params = seq.atEnd ? undefined : seq.any(`${field} parameters`);
  seq.done(field);
  const simple = simpleSignatureAlgorithms[oid];
  if (simple) {
    // RFC 4055 §5: the RSA PKCS#1 OIDs carry NULL parameters. Leniency: absent parameters are
    // accepted too (RFC 4055 asks implementations to accept both). RFC 5758 §3.2 and RFC 8410 §3:
    // ECDSA and EdDSA parameters are absent.
    const paramsOk = params === undefined || (simple.params === 'null' && params.tag === Tag.NULL && params.value.length === 0);
    if (!paramsOk) return unsupported(der, oid, simple.name, `${simple.name} with unexpected parameters`, simple.keyKinds);
    return { der, oid, name: simple.name, algorithm: simple.algorithm, keyKinds: simple.keyKinds };
  }
  const refused = refusedSignatureAlgorithms[oid];
  if (refused) return unsupported(der, oid, refused, `${refused} signatures are not accepted (SHA-1 is broken)`);
  if (oid === AlgorithmOid.rsassaPss) {
    if (!params || params.tag !== Tag.SEQUENCE)
      return unsupported(der, oid, 'rsassa-pss', 'RSASSA-PSS without parameters (SHA-1 defaults) is not accepted', ['rsa', 'rsa-pss']);
    return readPssParameters(r.child(params.der), der);
  }
  return unsupported(der, oid, oid, `signature algorithm ${oid} is not supported`);
}

/** A signed structure: the signed bytes as encoded, how they were signed, and the signature. */
export interface SignedData {
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithmIdentifier;
  readonly signature: Uint8Array;
}

/**
 * RFC 5280 §4.1.1 (Certificate) and §5.1.1 (CertificateList): SEQUENCE { tbs, signatureAlgorithm,
 * signatureValue BIT STRING }, filling `der` exactly. `field` and `tbsField` name the two SEQUENCEs.
 */
export function readSignedData(der: Uint8Array, what: string, field: string, tbsField: string, maxBytes: number): SignedData {
  const outer = readTop(der, what, Tag.SEQUENCE, field, maxBytes);
  const tbs = outer.element(tbsField, Tag.SEQUENCE);
  const signatureAlgorithm = readSignatureAlgorithm(outer, 'signatureAlgorithm');
  const signature = outer.octetBitString('signatureValue');
  outer.done(field);
  return { tbs, signatureAlgorithm, signature };
}

/** RFC 5280 §4.1.1.2 and §5.1.1.2: the signature field inside `tbsField` repeats signatureAlgorithm exactly. */
export function readInnerSignatureAlgorithm(t: DerReader, signed: SignedData, tbsField: string): void {
  const inner = readSignatureAlgorithm(t, 'signature');
  if (!equalBytes(inner.der, signed.signatureAlgorithm.der)) throw malformed(t.what, `signatureAlgorithm does not match the signature field of ${tbsField}`);
}

/** RFC 4055 §3.1: RSASSA-PSS-params. We accept SHA-256/384/512 with MGF1 over the same hash. */
function readPssParameters(r: DerReader, der: Uint8Array): SignatureAlgorithmIdentifier {
  const oid = AlgorithmOid.rsassaPss;
  const keyKinds: readonly PublicKeyKind[] = ['rsa', 'rsa-pss'];
  const seq = r.sequence('RSASSA-PSS parameters');
  const hashField = seq.optional(contextTag(0, true), 'PSS hashAlgorithm');
  const mgfField = seq.optional(contextTag(1, true), 'PSS maskGenAlgorithm');
  const saltField = seq.optional(contextTag(2, true), 'PSS saltLength');
  const trailerField = seq.optional(contextTag(3, true), 'PSS trailerField');
  seq.done('RSASSA-PSS parameters');
  const readHash = (x: DerReader, field: string): HashName | undefined => {
    const alg = x.sequence(field);
    const hashOid = alg.oid(field);
    if (!alg.atEnd) alg.null(`${field} parameters`);
    alg.done(field);
    return hashByOid[hashOid];
  };
  if (!hashField || !mgfField) return unsupported(der, oid, 'rsassa-pss', 'RSASSA-PSS with SHA-1 defaults is not accepted', keyKinds);
  const hash = readHash(hashField, 'PSS hashAlgorithm');
  hashField.done('PSS hashAlgorithm');
  const mgf = mgfField.sequence('PSS maskGenAlgorithm');
  const mgfOid = mgf.oid('PSS maskGenAlgorithm');
  const mgfHash = readHash(mgf, 'PSS MGF1 hash');
  mgf.done('PSS maskGenAlgorithm');
  mgfField.done('PSS maskGenAlgorithm');
  const saltLength = saltField ? saltField.smallInteger('PSS saltLength') : 20;
  const trailer = trailerField ? trailerField.smallInteger('PSS trailerField') : 1;
  if (!hash || mgfOid !== AlgorithmOid.mgf1 || mgfHash !== hash) {
    return unsupported(der, oid, 'rsassa-pss', 'RSASSA-PSS parameters other than SHA-2 with MGF1 over the same hash', keyKinds);
  }
  if (trailer !== 1) return unsupported(der, oid, `rsassa-pss-${hash}`, 'RSASSA-PSS trailerField must be 1', keyKinds);
  return { der, oid, name: `rsassa-pss-${hash}`, algorithm: { kind: 'rsa-pss', hash, saltLength }, keyKinds };
}

export type PublicKeyInfo =
  /** `exponent`: the public exponent, within rsaPublicExponentViolation()'s bounds. */
  | { readonly kind: 'rsa' | 'rsa-pss'; readonly bits: number; readonly exponent: number }
  | { readonly kind: 'ec'; readonly curve: CurveName }
  | { readonly kind: 'ed25519' }
  /**
   * A key we parse but do not accept (DSA, other curves, explicit parameters, malformed content).
   * `invalid`: a key no conforming issuer produces (a certificate with it is bad, not unsupported).
   */
  | { readonly kind: 'unsupported'; readonly algorithm: string; readonly reason: string; readonly invalid?: true };

/**
 * The RSA public exponent rule, the one place it is decided: certificates (here) and both crypto
 * providers' public keys (src/crypto/node/provider.ts, src/crypto/portable/keys.ts) call it.
 * RFC 8017 §3.1: e lies in [3, n - 1] and is coprime to λ(n), which is even, so e is odd. We also
 * bound it from above, as BoringSSL does (33 bits there, 2^32 here, MAX_RSA_PUBLIC_EXPONENT in
 * ./limits.ts): verification costs one modular multiplication per exponent bit, so a huge exponent
 * turns each signature check into a denial of service. `exponent` is the unsigned big-endian
 * magnitude (leading zero octets allowed) or a bigint. Returns why the exponent is refused.
 */
export function rsaPublicExponentViolation(exponent: Uint8Array | bigint): string | undefined {
  let e: bigint;
  if (typeof exponent === 'bigint') {
    e = exponent;
  } else {
    let start = 0;
    while (start < exponent.length && exponent[start] === 0) start++;
    const magnitude = exponent.subarray(start);
    // More than five octets is above 2^32 whatever they hold: no need to read it all.
    if (magnitude.length > 5) return `RSA public exponent of ${(magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!))} bits is too large (at most 2^32)`;
    e = 0n;
    for (const b of magnitude) e = (e << 8n) | BigInt(b);
  }
  if (e > MAX_RSA_PUBLIC_EXPONENT) return `RSA public exponent of ${e.toString(2).length} bits is too large (at most 2^32)`;
  if (e < 3n) return `RSA public exponent ${e} is too small (at least 3)`;
  if ((e & 1n) === 0n) return `RSA public exponent ${e} is even`;
  return undefined;
}

/** The RSA modulus size rule, beside the exponent's and called from the same places (MAX_RSA_MODULUS_BITS). */
export function rsaModulusViolation(bits: number): string | undefined {
  return bits > MAX_RSA_MODULUS_BITS ? `RSA modulus of ${bits} bits is too large (at most ${MAX_RSA_MODULUS_BITS})` : undefined;
}

const curveByOid: Readonly<Record<string, CurveName>> = Object.fromEntries(Object.entries(CurveOid).map(([name, oid]) => [oid, name as CurveName]));

/** RFC 5480 §2.2: the uncompressed point length of each curve (1 + 2 × field size). */
const ecPointLength: Readonly<Record<CurveName, number>> = { 'P-256': 65, 'P-384': 97, 'P-521': 133 };

/** Reads SubjectPublicKeyInfo; returns the raw DER and what the key is. Throws only on DER errors. */
export function readSubjectPublicKeyInfo(r: DerReader, field: string): { der: Uint8Array; info: PublicKeyInfo } {
  const der = r.element(field, Tag.SEQUENCE);
  const spki = r.child(der).sequence(field);
  const alg = spki.sequence(`${field} algorithm`);
  const oid = alg.oid(`${field} algorithm`);
  const params = alg.atEnd ? undefined : alg.any(`${field} parameters`);
  alg.done(`${field} algorithm`);
  const key = spki.bitString(`${field} subjectPublicKey`);
  spki.done(field);
  return { der, info: describeKey(r, oid, params, key.bytes, key.unusedBits) };
}

/** What a SubjectPublicKeyInfo DER on its own holds (as readSubjectPublicKeyInfo()); throws only on DER errors. */
export function describeSubjectPublicKeyInfo(spki: Uint8Array): PublicKeyInfo {
  return readSubjectPublicKeyInfo(new DerReader(spki, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo').info;
}

function describeKey(r: DerReader, oid: string, params: { tag: number; value: Uint8Array } | undefined, key: Uint8Array, unusedBits: number): PublicKeyInfo {
  const bad = (algorithm: string, reason: string): PublicKeyInfo => ({ kind: 'unsupported', algorithm, reason });
  if (unusedBits !== 0) return bad(oid, 'public key BIT STRING is not octet-aligned');
  switch (oid) {
    case AlgorithmOid.rsaEncryption:
    case AlgorithmOid.rsassaPss: {
      const kind = oid === AlgorithmOid.rsaEncryption ? 'rsa' : 'rsa-pss';
      // RFC 3279 §2.3.1: rsaEncryption parameters are NULL. Leniency: absent is accepted too.
      if (kind === 'rsa' && params && !(params.tag === Tag.NULL && params.value.length === 0)) return bad('RSA', 'rsaEncryption key with non-NULL parameters');
      try {
        // RFC 8017 §A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
        const rsa = r.child(key);
        const seq = rsa.sequence('RSAPublicKey');
        rsa.done('RSAPublicKey');
        const modulus = seq.integerBytes('RSA modulus');
        const exponent = seq.integerBytes('RSA public exponent');
        seq.done('RSAPublicKey');
        if (modulus[0]! & 0x80 || exponent[0]! & 0x80) return bad('RSA', 'RSA key with a negative modulus or exponent');
        const exponentProblem = rsaPublicExponentViolation(exponent);
        if (exponentProblem) return { kind: 'unsupported', algorithm: 'RSA', reason: exponentProblem, invalid: true };
        let start = 0;
        while (start < modulus.length - 1 && modulus[start] === 0) start++;
        const bits = (modulus.length - start - 1) * 8 + (32 - Math.clz32(modulus[start]!));
        const modulusProblem = rsaModulusViolation(bits);
        if (modulusProblem) return { kind: 'unsupported', algorithm: 'RSA', reason: modulusProblem, invalid: true };
        let e = 0;
        for (const b of exponent) e = e * 256 + b;
        return { kind, bits, exponent: e };
      } catch {
        return bad('RSA', 'RSAPublicKey is malformed');
      }
    }
    case AlgorithmOid.ecPublicKey: {
      // RFC 5480 §2.1.1: we accept only namedCurve; CABF BR §7.1.3.1.2 forbids explicit parameters.
      if (!params || params.tag !== Tag.OID) return bad('EC', 'EC key with explicit or missing curve parameters');
      let curveOid: string;
      try {
        curveOid = decodeOid(params.value, r.what, 'EC curve');
      } catch {
        return bad('EC', 'EC curve identifier is malformed');
      }
      const curve = curveByOid[curveOid];
      if (!curve) return bad('EC', `EC curve ${curveOid} is not supported`);
      // RFC 5480 §2.2: uncompressed points only (CABF BR §6.1.5 likewise).
      if (key.length !== ecPointLength[curve] || key[0] !== 0x04) return bad('EC', `${curve} key is not an uncompressed point`);
      return { kind: 'ec', curve };
    }
    case AlgorithmOid.ed25519:
      // RFC 8410 §3: no parameters; the key is 32 bytes.
      if (params || key.length !== 32) return bad('Ed25519', 'Ed25519 key with parameters or of the wrong length');
      return { kind: 'ed25519' };
    case AlgorithmOid.dsa:
      return bad('DSA', 'DSA keys are not supported');
    case AlgorithmOid.ed448:
      return bad('Ed448', 'Ed448 keys are not supported');
    default:
      return bad(oid, `public key algorithm ${oid} is not supported`);
  }
}

/** A short description of a key for messages: 'RSA 2048', 'EC P-256', 'Ed25519'. */
export function describePublicKey(info: PublicKeyInfo): string {
  switch (info.kind) {
    case 'rsa':
      return `RSA ${info.bits}`;
    case 'rsa-pss':
      return `RSA-PSS ${info.bits}`;
    case 'ec':
      return `EC ${info.curve}`;
    case 'ed25519':
      return 'Ed25519';
    case 'unsupported':
      return info.algorithm;
  }
}

/** Work units per EC/EdDSA verification (one unit: RSA-2048 with e = 65537, about 50 µs with OpenSSL). */
const verifyCost: Readonly<Record<CurveName | 'ed25519', number>> = { 'P-256': 2, 'P-384': 16, 'P-521': 36, ed25519: 3 };

/**
 * What verifying one signature with this key costs, in the units of MAX_SIGNATURE_WORK
 * (./limits.ts). Estimates from OpenSSL on one core, rounded up. RSA: one modular multiplication
 * per exponent bit and per set bit (square-and-multiply), each quadratic in the modulus size,
 * relative to RSA-2048 with e = 65537 (17 multiplications); never below one unit.
 */
export function signatureCost(info: PublicKeyInfo): number {
  switch (info.kind) {
    case 'rsa':
    case 'rsa-pss': {
      let multiplications = -2;
      for (let e = info.exponent; e > 0; e = Math.floor(e / 2)) multiplications += 1 + (e % 2);
      return Math.max(1, Math.ceil((info.bits / 2048) ** 2 * (multiplications / 17)));
    }
    case 'ec':
      return verifyCost[info.curve];
    case 'ed25519':
      return verifyCost.ed25519;
    case 'unsupported':
      return 1; // never verified: refused before
  }
}

/** The reason the key is refused under our key policy, or undefined when it is acceptable. */
export function publicKeyPolicyViolation(info: PublicKeyInfo): string | undefined {
  switch (info.kind) {
    case 'rsa':
    case 'rsa-pss':
      // CABF BR §6.1.5: RSA moduli of at least 2048 bits and a multiple of 8.
      if (info.bits < 2048) return `RSA key of ${info.bits} bits is too small (at least 2048 required)`;
      if (info.bits % 8 !== 0) return `RSA key of ${info.bits} bits is not a multiple of 8 bits`;
      return undefined;
    case 'ec':
    case 'ed25519':
      return undefined;
    case 'unsupported':
      return info.reason;
  }
}
