// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279, RFC 5480, RFC 8410): what a public key is,
// for the crypto providers and the certificate code alike. Unsupported keys parse; they fail only
// when used.
import type { CurveName } from '../protocol/algorithms.js';
import { DerReader, Tag, decodeOid } from '../asn1/der.js';
import { AlgorithmOid, CurveOid } from '../asn1/oids.js';
import { MAX_RSA_MODULUS_BITS, MAX_RSA_PUBLIC_EXPONENT } from './limits.js';

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
 * The RSA public exponent rule, the one place it is decided: certificates (src/x509/certificate.ts) and both crypto
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
 * (../x509/limits.ts). Estimates from OpenSSL on one core, rounded up. RSA: one modular multiplication
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
