// Certificate extensions (RFC 5280 §4.2): the syntax of each one we understand. Rules that
// relate extensions to each other or to the certificate's role live in profile.ts.
import { DerReader, Tag, contextTag, malformed } from '../asn1/der.js';
import { readGeneralName, readGeneralNames, type GeneralName } from './general-name.js';
import { ExtensionOid } from '../asn1/oids.js';

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The contents of extnValue (the DER of the extension's own structure). */
  readonly value: Uint8Array;
}

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLength?: number;
}

/** RFC 5280 §4.2.1.3: KeyUsage bit positions. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

export type KeyUsageName = keyof typeof KeyUsageBit;

export interface KeyUsage {
  readonly names: readonly KeyUsageName[];
}

export interface GeneralSubtree {
  readonly base: GeneralName;
}

export interface NameConstraints {
  readonly permitted?: readonly GeneralSubtree[];
  readonly excluded?: readonly GeneralSubtree[];
}

export interface AuthorityKeyIdentifier {
  readonly keyIdentifier?: Uint8Array;
  readonly hasAuthorityCertIssuer: boolean;
  readonly hasAuthorityCertSerialNumber: boolean;
}

export interface PolicyConstraints {
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
}

export interface AccessDescription {
  readonly method: string;
  readonly location: GeneralName;
}

export interface CertificateExtensions {
  readonly all: readonly Extension[];
  readonly basicConstraints?: BasicConstraints;
  readonly keyUsage?: KeyUsage;
  /** ExtendedKeyUsage purposes as dotted OIDs. */
  readonly extendedKeyUsage?: readonly string[];
  readonly subjectAltName?: readonly GeneralName[];
  readonly nameConstraints?: NameConstraints;
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier;
  readonly subjectKeyIdentifier?: Uint8Array;
  /** Policy OIDs of certificatePolicies (qualifiers are not interpreted). */
  readonly certificatePolicies?: readonly string[];
  readonly policyConstraints?: PolicyConstraints;
  readonly authorityInfoAccess?: readonly AccessDescription[];
  /** OIDs of critical extensions we do not process: RFC 5280 §4.2 makes such a certificate invalid. */
  readonly unhandledCritical: readonly string[];
}

export function isCritical(extensions: CertificateExtensions, oid: string): boolean {
  return extensions.all.some((e) => e.oid === oid && e.critical);
}

export function hasKeyUsage(ku: KeyUsage, name: KeyUsageName): boolean {
  return ku.names.includes(name);
}

function readBasicConstraints(r: DerReader): BasicConstraints {
  const seq = r.sequence('basicConstraints');
  // Leniency: DER forbids encoding the DEFAULT cA FALSE, but some deployed certificates do; the
  // meaning is unambiguous, so it is accepted.
  const ca = seq.peekTag() === Tag.BOOLEAN ? seq.boolean('basicConstraints cA') : false;
  const pathLength = seq.atEnd ? undefined : seq.smallInteger('basicConstraints pathLenConstraint');
  seq.done('basicConstraints');
  return pathLength === undefined ? { ca } : { ca, pathLength };
}

function readKeyUsage(r: DerReader): KeyUsage {
  const bits = r.bitString('keyUsage');
  const names: KeyUsageName[] = [];
  for (const [name, bit] of Object.entries(KeyUsageBit) as [KeyUsageName, number][]) {
    const byte = bits.bytes[bit >> 3];
    if (byte !== undefined && byte & (0x80 >> (bit & 7))) names.push(name);
  }
  // RFC 5280 §4.2.1.3: when the extension is present, at least one bit is set.
  if (names.length === 0) throw malformed(r.what, 'keyUsage has no bit set');
  return { names };
}

/** RFC 5280 §4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId. */
function readExtendedKeyUsage(r: DerReader): string[] {
  const seq = r.sequence('extKeyUsage');
  if (seq.atEnd) throw malformed(r.what, 'extKeyUsage is an empty sequence');
  const purposes: string[] = [];
  while (!seq.atEnd) purposes.push(seq.oid('extKeyUsage purpose'));
  return purposes;
}

/** RFC 5280 §4.2.1.6: SubjectAltName ::= GeneralNames; an iPAddress is 4 or 16 bytes. */
function readSubjectAltName(r: DerReader): GeneralName[] {
  const names = readGeneralNames(r, 'subjectAltName');
  for (const n of names) {
    if (n.kind === 'ip' && n.bytes.length !== 4 && n.bytes.length !== 16) {
      throw malformed(r.what, `subjectAltName iPAddress has ${n.bytes.length} bytes (expected 4 or 16)`);
    }
  }
  return names;
}

/** RFC 5280 §4.2.1.10: NameConstraints, GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree. */
function readNameConstraints(r: DerReader): NameConstraints {
  const seq = r.sequence('nameConstraints');
  const readSubtrees = (tag: number, field: string): GeneralSubtree[] | undefined => {
    const list = seq.optional(tag, field);
    if (!list) return undefined;
    if (list.atEnd) throw malformed(r.what, `${field} is an empty sequence`);
    const subtrees: GeneralSubtree[] = [];
    while (!list.atEnd) {
      const subtree = list.sequence(`${field} GeneralSubtree`);
      const base = readGeneralName(subtree, `${field} base`);
      // RFC 5280 §4.2.1.10: minimum MUST be zero (so, in DER, absent) and maximum MUST be absent.
      if (!subtree.atEnd) throw malformed(r.what, `${field} GeneralSubtree has minimum or maximum set`);
      subtrees.push({ base });
    }
    return subtrees;
  };
  const permitted = readSubtrees(contextTag(0, true), 'nameConstraints permittedSubtrees');
  const excluded = readSubtrees(contextTag(1, true), 'nameConstraints excludedSubtrees');
  seq.done('nameConstraints');
  // RFC 5280 §4.2.1.10: at least one of permittedSubtrees and excludedSubtrees is present.
  if (!permitted && !excluded) throw malformed(r.what, 'nameConstraints has neither permitted nor excluded subtrees');
  return { ...(permitted ? { permitted } : {}), ...(excluded ? { excluded } : {}) };
}

/** RFC 5280 §4.2.1.1: AuthorityKeyIdentifier. */
function readAuthorityKeyIdentifier(r: DerReader): AuthorityKeyIdentifier {
  const seq = r.sequence('authorityKeyIdentifier');
  const keyIdentifier = seq.peekTag() === contextTag(0, false) ? seq.value(contextTag(0, false), 'authorityKeyIdentifier keyIdentifier') : undefined;
  const issuer = seq.optional(contextTag(1, true), 'authorityKeyIdentifier authorityCertIssuer');
  if (issuer) while (!issuer.atEnd) readGeneralName(issuer, 'authorityKeyIdentifier authorityCertIssuer');
  const hasSerial = seq.peekTag() === contextTag(2, false);
  if (hasSerial) seq.integerBytes('authorityKeyIdentifier authorityCertSerialNumber', contextTag(2, false));
  seq.done('authorityKeyIdentifier');
  return { ...(keyIdentifier ? { keyIdentifier } : {}), hasAuthorityCertIssuer: issuer !== undefined, hasAuthorityCertSerialNumber: hasSerial };
}

/** RFC 5280 §4.2.1.4: certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation. */
function readCertificatePolicies(r: DerReader): string[] {
  const seq = r.sequence('certificatePolicies');
  if (seq.atEnd) throw malformed(r.what, 'certificatePolicies is an empty sequence');
  const policies: string[] = [];
  while (!seq.atEnd) {
    const info = seq.sequence('PolicyInformation');
    policies.push(info.oid('policyIdentifier'));
    if (!info.atEnd) info.sequence('policyQualifiers'); // qualifiers are informational only
    info.done('PolicyInformation');
  }
  return policies;
}

/** RFC 5280 §4.2.1.11: PolicyConstraints; an empty sequence is not allowed. */
function readPolicyConstraints(r: DerReader): PolicyConstraints {
  const seq = r.sequence('policyConstraints');
  const requireExplicitPolicy = seq.peekTag() === contextTag(0, false) ? seq.smallInteger('requireExplicitPolicy', contextTag(0, false)) : undefined;
  const inhibitPolicyMapping = seq.peekTag() === contextTag(1, false) ? seq.smallInteger('inhibitPolicyMapping', contextTag(1, false)) : undefined;
  seq.done('policyConstraints');
  if (requireExplicitPolicy === undefined && inhibitPolicyMapping === undefined) throw malformed(r.what, 'policyConstraints is an empty sequence');
  return { ...(requireExplicitPolicy !== undefined ? { requireExplicitPolicy } : {}), ...(inhibitPolicyMapping !== undefined ? { inhibitPolicyMapping } : {}) };
}

/** RFC 5280 §4.2.2.1: AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription. */
function readAccessDescriptions(r: DerReader, field: string): AccessDescription[] {
  const seq = r.sequence(field);
  if (seq.atEnd) throw malformed(r.what, `${field} is an empty sequence`);
  const out: AccessDescription[] = [];
  while (!seq.atEnd) {
    const ad = seq.sequence(`${field} AccessDescription`);
    const method = ad.oid(`${field} accessMethod`);
    const location = readGeneralName(ad, `${field} accessLocation`);
    ad.done(`${field} AccessDescription`);
    out.push({ method, location });
  }
  return out;
}

/**
 * Extensions whose meaning we apply, and which may therefore be critical. certificatePolicies,
 * policyMappings and inhibitAnyPolicy only shape the RFC 5280 §6.1 policy tree, whose outcome
 * cannot fail a path when the caller asks for no explicit policy (our case) and no certificate sets
 * requireExplicitPolicy (refused in profile.ts), so honouring them is a no-op we can claim.
 */
const processedExtensions: ReadonlySet<string> = new Set([
  ExtensionOid.basicConstraints,
  ExtensionOid.keyUsage,
  ExtensionOid.extKeyUsage,
  ExtensionOid.subjectAltName,
  ExtensionOid.nameConstraints,
  ExtensionOid.certificatePolicies,
  ExtensionOid.policyMappings,
  ExtensionOid.inhibitAnyPolicy,
  ExtensionOid.policyConstraints,
]);

/** Reads the [3] EXPLICIT Extensions of a TBSCertificate (or a CRL): SEQUENCE SIZE (1..MAX) OF Extension. */
export function readExtensionList(r: DerReader, field: string): Extension[] {
  const seq = r.sequence(field);
  if (seq.atEnd) throw malformed(r.what, `${field} is an empty sequence`);
  const all: Extension[] = [];
  const seen = new Set<string>();
  while (!seq.atEnd) {
    const ext = seq.sequence('extension');
    const oid = ext.oid('extension extnID');
    // Leniency: an explicitly encoded critical FALSE is not DER, but it is unambiguous.
    const critical = ext.peekTag() === Tag.BOOLEAN ? ext.boolean(`extension ${oid} critical`) : false;
    const value = ext.value(Tag.OCTET_STRING, `extension ${oid} extnValue`);
    ext.done(`extension ${oid}`);
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(oid)) throw malformed(r.what, `extension ${oid} appears more than once`);
    seen.add(oid);
    all.push({ oid, critical, value });
  }
  return all;
}

/** Parses the content of each extension we know. */
export function parseCertificateExtensions(all: readonly Extension[], what: string): CertificateExtensions {
  const result: { -readonly [K in keyof CertificateExtensions]?: CertificateExtensions[K] } = { all };
  const unhandledCritical: string[] = [];
  for (const ext of all) {
    const r = new DerReader(ext.value, what);
    switch (ext.oid) {
      case ExtensionOid.basicConstraints:
        result.basicConstraints = readBasicConstraints(r);
        break;
      case ExtensionOid.keyUsage:
        result.keyUsage = readKeyUsage(r);
        break;
      case ExtensionOid.extKeyUsage:
        result.extendedKeyUsage = readExtendedKeyUsage(r);
        break;
      case ExtensionOid.subjectAltName:
        result.subjectAltName = readSubjectAltName(r);
        break;
      case ExtensionOid.nameConstraints:
        result.nameConstraints = readNameConstraints(r);
        break;
      case ExtensionOid.authorityKeyIdentifier:
        result.authorityKeyIdentifier = readAuthorityKeyIdentifier(r);
        break;
      case ExtensionOid.subjectKeyIdentifier:
        result.subjectKeyIdentifier = r.value(Tag.OCTET_STRING, 'subjectKeyIdentifier');
        break;
      case ExtensionOid.certificatePolicies:
        result.certificatePolicies = readCertificatePolicies(r);
        break;
      case ExtensionOid.policyConstraints:
        result.policyConstraints = readPolicyConstraints(r);
        break;
      case ExtensionOid.authorityInfoAccess:
        result.authorityInfoAccess = readAccessDescriptions(r, 'authorityInfoAccess');
        break;
      case ExtensionOid.subjectInfoAccess:
        readAccessDescriptions(r, 'subjectInfoAccess');
        break;
      case ExtensionOid.policyMappings:
        r.sequence('policyMappings');
        break;
      case ExtensionOid.inhibitAnyPolicy:
        r.smallInteger('inhibitAnyPolicy');
        break;
      default:
        // Unknown content is not parsed; it is skipped unless critical.
        r.rest();
    }
    r.done(`extension ${ext.oid}`);
    if (ext.critical && !processedExtensions.has(ext.oid)) unhandledCritical.push(ext.oid);
  }
  return { ...result, all, unhandledCritical } as CertificateExtensions;
}
