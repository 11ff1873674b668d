// Certificate revocation lists (RFC 5280 §5): parsing, and the checks that make a CRL usable for
// a given issuer (§6.3.3). CRLs are supplied by the caller; nothing is fetched.
import { toHex } from '../wire/bytes.js';
import { readInnerSignatureAlgorithm, readSignedData, type SignatureAlgorithmIdentifier } from './algorithms.js';
import { DerReader, Tag, contextTag, malformed } from '../asn1/der.js';
import { readExtensionList, type Extension } from './extensions.js';
import { MAX_CRL_BYTES } from './limits.js';
import { readName, type Name } from './name.js';
import { ExtensionOid } from '../asn1/oids.js';
import { derBlocks } from './input.js';

/** RFC 5280 §5.3.1: CRLReason. */
export const CrlReason = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export interface RevokedCertificate {
  readonly serialNumber: string;
  readonly revocationDate: Date;
  readonly reason?: number;
}

export interface Crl {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  /** 1 or 2. */
  readonly version: number;
  readonly signatureAlgorithm: SignatureAlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly issuer: Name;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Revoked entries by serial number (lower-case hex of the DER INTEGER content). */
  readonly revoked: ReadonlyMap<string, RevokedCertificate>;
  readonly extensions: readonly Extension[];
  readonly authorityKeyIdentifier?: Uint8Array;
  /** Why this CRL cannot be relied on, when it breaks a rule of RFC 5280 §5 we enforce. */
  readonly defect?: string;
}

const WHAT = 'CRL';

/** Parses a DER CRL. Throws TlsError('bad_certificate', 'CRL: ...') on malformed input. */
export function parseCrl(der: Uint8Array): Crl {
  // RFC 5280 §5.1: CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }.
  const signed = readSignedData(der, WHAT, 'CertificateList', 'tbsCertList', MAX_CRL_BYTES);
  const { tbs, signatureAlgorithm, signature } = signed;

  const t = new DerReader(tbs, WHAT).sequence('tbsCertList');
  // RFC 5280 §5.1.2.1: version is v2 (1) when present, absent for v1.
  let version = 1;
  if (t.peekTag() === Tag.INTEGER) {
    const v = t.smallInteger('version');
    if (v !== 1) throw malformed(WHAT, `version ${v + 1} is not v2`);
    version = 2;
  }
  readInnerSignatureAlgorithm(t, signed, 'tbsCertList');
  const issuer = readName(t, 'issuer');
  const thisUpdate = t.time('thisUpdate');
  const nextUpdate = t.peekTag() === Tag.UTCTime || t.peekTag() === Tag.GeneralizedTime ? t.time('nextUpdate') : undefined;
  const revoked = new Map<string, RevokedCertificate>();
  let defect: string | undefined;
  const entries = t.optional(Tag.SEQUENCE, 'revokedCertificates');
  if (entries) {
    while (!entries.atEnd) {
      const entry = entries.sequence('revokedCertificates entry');
      const serialNumber = toHex(entry.integerBytes('userCertificate'));
      const revocationDate = entry.time('revocationDate');
      let reason: number | undefined;
      if (!entry.atEnd) {
        for (const ext of readExtensionList(entry, 'crlEntryExtensions')) {
          if (ext.oid === ExtensionOid.reasonCode) {
            const r = new DerReader(ext.value, WHAT);
            reason = r.smallInteger('reasonCode', Tag.ENUMERATED);
            r.done('reasonCode');
          } else if (ext.critical && ext.oid !== ExtensionOid.invalidityDate) {
            // RFC 5280 §5.3: an unrecognised critical entry extension (certificateIssuer of an
            // indirect CRL, for one) means we cannot tell what the entry covers.
            defect ??= `entry extension ${ext.oid} is critical and not supported`;
          }
        }
      }
      entry.done('revokedCertificates entry');
      revoked.set(serialNumber, reason === undefined ? { serialNumber, revocationDate } : { serialNumber, revocationDate, reason });
    }
  }
  let extensions: Extension[] = [];
  const extField = t.optional(contextTag(0, true), 'crlExtensions');
  if (extField) {
    if (version !== 2) throw malformed(WHAT, 'crlExtensions in a v1 CRL');
    extensions = readExtensionList(extField, 'crlExtensions');
    extField.done('crlExtensions');
  }
  t.done('tbsCertList');

  let authorityKeyIdentifier: Uint8Array | undefined;
  let crlNumber: Extension | undefined;
  for (const ext of extensions) {
    switch (ext.oid) {
      case ExtensionOid.crlNumber: {
        crlNumber = ext;
        const r = new DerReader(ext.value, WHAT);
        r.integerBytes('cRLNumber');
        r.done('cRLNumber');
        break;
      }
      case ExtensionOid.authorityKeyIdentifier: {
        const r = new DerReader(ext.value, WHAT).sequence('authorityKeyIdentifier');
        if (r.peekTag() === contextTag(0, false)) authorityKeyIdentifier = r.value(contextTag(0, false), 'keyIdentifier');
        r.rest();
        break;
      }
      case ExtensionOid.deltaCrlIndicator:
        defect ??= 'delta CRLs are not supported';
        break;
      case ExtensionOid.issuingDistributionPoint:
        // RFC 5280 §5.2.5: a partitioned or indirect scope we do not evaluate.
        defect ??= 'CRLs with an issuing distribution point are not supported';
        break;
      default:
        if (ext.critical) defect ??= `extension ${ext.oid} is critical and not supported`;
    }
  }
  // RFC 5280 §5.2.3: conforming CRL issuers include cRLNumber, marked non-critical.
  if (!crlNumber) defect ??= 'it has no cRLNumber extension';
  else if (crlNumber.critical) defect ??= 'its cRLNumber extension is marked critical';

  return {
    der,
    tbs,
    version,
    signatureAlgorithm,
    signature,
    issuer,
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    revoked,
    extensions,
    ...(authorityKeyIdentifier ? { authorityKeyIdentifier } : {}),
    ...(defect ? { defect } : {}),
  };
}

/**
 * CRLs from PEM text ("X509 CRL" blocks) or DER, one or many, as the `crl` option of node:tls takes
 * them. PEM text without a CRL block is an error (bad_certificate), not an empty list.
 */
export function readCrls(input: string | Uint8Array | readonly (string | Uint8Array)[]): Crl[] {
  const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const out: Crl[] = [];
  for (const item of items) {
    const blocks = derBlocks(item, 'X509 CRL');
    // Strict by default: CRL input without a CRL in it (an empty or truncated file, a certificate
    // given by mistake) would switch revocation checking off without a word.
    if (blocks.length === 0) throw malformed('CRL', 'no CRL found: the PEM text holds no "X509 CRL" block');
    for (const der of blocks) out.push(parseCrl(der));
  }
  return out;
}
