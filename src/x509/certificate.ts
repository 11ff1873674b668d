// X.509 v3 certificates (RFC 5280 §4.1): a strict parse of everything path validation needs.
// Parsing checks syntax only; rules about what a certificate may be used for are in profile.ts.
import { toHex } from '../wire/bytes.js';
import { readInnerSignatureAlgorithm, readSignedData, type SignatureAlgorithmIdentifier } from './algorithms.js';
import { readSubjectPublicKeyInfo, type PublicKeyInfo } from '../crypto/public-key-info.js';
import { DerReader, contextTag, malformed } from '../asn1/der.js';
import { parseCertificateExtensions, readExtensionList, type CertificateExtensions } from './extensions.js';
import { formatIPAddress } from './ip-address.js';
import { MAX_CERTIFICATE_BYTES } from './limits.js';
import { readName, type Name } from './name.js';

export interface SubjectAltNames {
  readonly dns: readonly string[];
  /** Printable: dotted IPv4, RFC 5952 IPv6. */
  readonly ip: readonly string[];
  readonly email: readonly string[];
  readonly uri: readonly string[];
}

export interface Certificate {
  /** The complete DER encoding. */
  readonly der: Uint8Array;
  /** The DER of tbsCertificate: the signed bytes. */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Lower-case hex of the serial number's DER content (two's complement, as encoded). */
  readonly serialNumber: string;
  /** The serial number's DER content bytes. */
  readonly serialBytes: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The raw SubjectPublicKeyInfo DER (for the crypto provider). */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly publicKey: PublicKeyInfo;
  readonly extensions: CertificateExtensions;
  readonly subjectAltNames: SubjectAltNames;
  /** RFC 5280 §6.1: issuer and subject are the same name. */
  readonly selfIssued: boolean;
}

const WHAT = 'certificate';

/** Parses a DER certificate. Throws TlsError('bad_certificate', 'certificate: ...'). */
export function parseCertificate(der: Uint8Array): Certificate {
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
  const signed = readSignedData(der, WHAT, 'Certificate', 'tbsCertificate', MAX_CERTIFICATE_BYTES);
  const { tbs, signatureAlgorithm, signature } = signed;

  const t = new DerReader(tbs, WHAT).sequence('tbsCertificate');
  // RFC 5280 §4.1.2.1: version [0] EXPLICIT Version DEFAULT v1; DER omits an explicit v1.
  let version = 1;
  const versionField = t.optional(contextTag(0, true), 'version');
  if (versionField) {
    const v = versionField.smallInteger('version');
    versionField.done('version');
    if (v === 0) throw malformed(WHAT, 'version v1 is encoded explicitly (not DER)');
    if (v > 2) throw malformed(WHAT, `unknown version ${v + 1}`);
    version = v + 1;
  }
  // RFC 5280 §4.1.2.2: serialNumber INTEGER (content checks are profile rules).
  const serialBytes = t.integerBytes('serialNumber');
  readInnerSignatureAlgorithm(t, signed, 'tbsCertificate');
  const issuer = readName(t, 'issuer');
  const validity = t.sequence('validity');
  const notBefore = validity.time('notBefore');
  const notAfter = validity.time('notAfter');
  validity.done('validity');
  const subject = readName(t, 'subject');
  const spki = readSubjectPublicKeyInfo(t, 'subjectPublicKeyInfo');
  // RFC 5280 §4.1.2.8: unique identifiers appear only in v2 and v3.
  for (const [n, field] of [
    [1, 'issuerUniqueID'],
    [2, 'subjectUniqueID'],
  ] as const) {
    if (t.peekTag() === contextTag(n, false)) {
      if (version < 2) throw malformed(WHAT, `${field} in a version 1 certificate`);
      t.bitString(field, contextTag(n, false));
    }
  }
  let extensionList: ReturnType<typeof readExtensionList> = [];
  const extensionsField = t.optional(contextTag(3, true), 'extensions');
  if (extensionsField) {
    // RFC 5280 §4.1.2.9: extensions appear only in v3.
    if (version !== 3) throw malformed(WHAT, `extensions in a version ${version} certificate`);
    extensionList = readExtensionList(extensionsField, 'extensions');
    extensionsField.done('extensions');
  }
  t.done('tbsCertificate');

  const extensions = parseCertificateExtensions(extensionList, WHAT);
  return {
    der,
    tbs,
    version,
    serialNumber: toHex(serialBytes),
    serialBytes,
    signatureAlgorithm,
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    subjectPublicKeyInfo: spki.der,
    publicKey: spki.info,
    extensions,
    subjectAltNames: summarizeAltNames(extensions),
    selfIssued: issuer.key === subject.key,
  };
}

function summarizeAltNames(extensions: CertificateExtensions): SubjectAltNames {
  const dns: string[] = [];
  const ip: string[] = [];
  const email: string[] = [];
  const uri: string[] = [];
  for (const n of extensions.subjectAltName ?? []) {
    if (n.kind === 'dns') dns.push(n.value);
    else if (n.kind === 'ip') ip.push(formatIPAddress(n.bytes));
    else if (n.kind === 'rfc822') email.push(n.value);
    else if (n.kind === 'uri') uri.push(n.value);
  }
  return { dns, ip, email, uri };
}

/** A short description for messages: the subject, or the first SAN when the subject is empty. */
export function describeCertificate(cert: Certificate): string {
  if (cert.subject.text) return `"${cert.subject.text}"`;
  const first = cert.subjectAltNames.dns[0] ?? cert.subjectAltNames.ip[0];
  return first ? `"${first}" (empty subject)` : `with serial ${cert.serialNumber}`;
}
