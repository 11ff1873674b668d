// AlgorithmIdentifier for signatures (RFC 5280 §4.1.1.2, RFC 4055, RFC 5758, RFC 8410), mapped onto
// what the crypto provider verifies (the SubjectPublicKeyInfo: ../crypto/public-key-info.ts).
// Unknown or unsupported algorithms parse; they fail only when used.
import type { HashName, SignatureAlgorithm } from '../crypto/provider.js';
import { equalBytes } from '../wire/bytes.js';
import { DerReader, Tag, contextTag, malformed, readTop } from '../asn1/der.js';
import { AlgorithmOid } from '../asn1/oids.js';

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
