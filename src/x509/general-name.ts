// GeneralName (RFC 5280 §4.2.1.6): the name forms of subjectAltName and nameConstraints.
import { ascii } from '../wire/bytes.js';
import { DerReader, contextTag, decodeOid, malformed } from '../asn1/der.js';
import { formatIPAddress } from './ip-address.js';
import { parseName, type Name } from './name.js';

export type GeneralName =
  | { readonly kind: 'otherName'; readonly typeId: string }
  | { readonly kind: 'rfc822'; readonly value: string }
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'x400' }
  | { readonly kind: 'directory'; readonly name: Name }
  | { readonly kind: 'ediParty' }
  | { readonly kind: 'uri'; readonly value: string }
  /** 4 or 16 bytes in subjectAltName; address then mask (8 or 32 bytes) in nameConstraints. */
  | { readonly kind: 'ip'; readonly bytes: Uint8Array }
  | { readonly kind: 'registeredId'; readonly oid: string };

export type GeneralNameKind = GeneralName['kind'];

/** The context tags of the GeneralName CHOICE. */
const GeneralNameTag = {
  otherName: contextTag(0, true),
  rfc822: contextTag(1, false),
  dns: contextTag(2, false),
  x400: contextTag(3, true),
  directory: contextTag(4, true),
  ediParty: contextTag(5, true),
  uri: contextTag(6, false),
  ip: contextTag(7, false),
  registeredId: contextTag(8, false),
} as const;

/** IA5String content: ASCII only (RFC 5280 §4.2.1.6; non-ASCII names must be A-labels). */
function ia5(v: Uint8Array, what: string, field: string): string {
  for (const b of v) if (b > 0x7f) throw malformed(what, `${field} is not an IA5String (non-ASCII byte 0x${b.toString(16)})`);
  return ascii(v);
}

export function readGeneralName(r: DerReader, field: string): GeneralName {
  const { tag, value } = r.any(field);
  const what = r.what;
  switch (tag) {
    case GeneralNameTag.otherName: {
      const inner = new DerReader(value, what);
      const typeId = inner.oid(`${field} otherName type`);
      inner.read(contextTag(0, true), `${field} otherName value`);
      inner.done(`${field} otherName`);
      return { kind: 'otherName', typeId };
    }
    case GeneralNameTag.rfc822:
      return { kind: 'rfc822', value: ia5(value, what, `${field} rfc822Name`) };
    case GeneralNameTag.dns:
      return { kind: 'dns', value: ia5(value, what, `${field} dNSName`) };
    case GeneralNameTag.x400:
      return { kind: 'x400' };
    case GeneralNameTag.directory: {
      // [4] is EXPLICIT (Name is a CHOICE): the value holds exactly one Name.
      return { kind: 'directory', name: parseName(value, what, `${field} directoryName`) };
    }
    case GeneralNameTag.ediParty:
      return { kind: 'ediParty' };
    case GeneralNameTag.uri:
      return { kind: 'uri', value: ia5(value, what, `${field} uniformResourceIdentifier`) };
    case GeneralNameTag.ip:
      return { kind: 'ip', bytes: value };
    case GeneralNameTag.registeredId:
      return { kind: 'registeredId', oid: decodeOid(value, what, `${field} registeredID`) };
    default:
      throw malformed(what, `${field} has unknown GeneralName tag 0x${tag.toString(16)}`);
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName. */
export function readGeneralNames(r: DerReader, field: string): GeneralName[] {
  const seq = r.sequence(field);
  if (seq.atEnd) throw malformed(r.what, `${field} is an empty sequence`);
  const names: GeneralName[] = [];
  while (!seq.atEnd) names.push(readGeneralName(seq, field));
  return names;
}

export function describeGeneralName(n: GeneralName): string {
  switch (n.kind) {
    case 'dns':
      return n.value;
    case 'ip':
      return formatIPAddress(n.bytes);
    case 'rfc822':
      return `email:${n.value}`;
    case 'uri':
      return `URI:${n.value}`;
    case 'directory':
      return `DirName:${n.name.text}`;
    case 'registeredId':
      return `RID:${n.oid}`;
    case 'otherName':
      return `othername:${n.typeId}`;
    default:
      return n.kind;
  }
}
