// Distinguished names (RFC 5280 §4.1.2.4): Name ::= SEQUENCE OF RelativeDistinguishedName, an RDN
// being a SET OF AttributeTypeAndValue. Parsed once into a readable form and a comparison key.
import { ascii, toHex } from '../wire/bytes.js';
import { DerReader, Tag, malformed } from '../asn1/der.js';
import { AttributeShortName } from '../asn1/oids.js';

export interface Attribute {
  readonly type: string;
  /** The decoded string for string types; hex of the DER value otherwise. */
  readonly value: string;
  /** The ASN.1 tag of the value. */
  readonly tag: number;
}

export interface Name {
  /** The complete DER encoding (SEQUENCE included), as it appeared. */
  readonly der: Uint8Array;
  readonly rdns: readonly (readonly Attribute[])[];
  /** RFC 4514-style text, most specific RDN first: 'CN=foo, O=bar'. */
  readonly text: string;
  /** Comparison key: RFC 5280 §7.1 name matching reduced to one string compare. */
  readonly key: string;
  /** The comparison key of each RDN, in encoding order (for directoryName constraints). */
  readonly rdnKeys: readonly string[];
}

const utf16Decoder = new TextDecoder('utf-16be', { fatal: true });
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a directory string; undefined when the tag is not a string type or the bytes are invalid. */
function decodeString(tag: number, v: Uint8Array): string | undefined {
  try {
    switch (tag) {
      case Tag.UTF8String:
        return utf8Decoder.decode(v);
      case Tag.PrintableString:
      case Tag.IA5String:
      case Tag.VisibleString:
        for (const b of v) if (b > 0x7f) return undefined;
        return ascii(v);
      case Tag.TeletexString:
        // Leniency: T61 is treated as Latin-1, as every deployed decoder does.
        return ascii(v);
      case Tag.BMPString:
        return utf16Decoder.decode(v);
      case Tag.UniversalString: {
        if (v.length % 4 !== 0) return undefined;
        let s = '';
        for (let i = 0; i < v.length; i += 4) s += String.fromCodePoint(((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0);
        return s;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** RFC 5280 §7.1 (after RFC 4518): case-insensitive, leading/trailing space removed, inner runs folded. */
function normalizeForCompare(s: string): string {
  return s.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function escapeText(s: string): string {
  return s.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Reads a Name at the reader's position. */
export function readName(r: DerReader, field: string): Name {
  const der = r.element(field, Tag.SEQUENCE);
  return parseName(der, r.what, field);
}

/** Parses the complete DER of a Name. */
export function parseName(der: Uint8Array, what: string, field: string): Name {
  const outer = new DerReader(der, what);
  const seq = outer.sequence(field);
  outer.done(field);
  const rdns: Attribute[][] = [];
  const rdnKeys: string[] = [];
  while (!seq.atEnd) {
    const set = seq.read(Tag.SET, `${field} RDN`);
    const rdn: Attribute[] = [];
    const keys: string[] = [];
    // RFC 5280 §4.1.2.4: an RDN is a non-empty SET.
    if (set.atEnd) throw malformed(what, `${field} has an empty RDN`);
    while (!set.atEnd) {
      const atv = set.sequence(`${field} attribute`);
      const type = atv.oid(`${field} attribute type`);
      const { tag, value } = atv.any(`${field} attribute value`);
      atv.done(`${field} attribute`);
      const decoded = decodeString(tag, value);
      rdn.push({ type, value: decoded ?? `#${toHex(value)}`, tag });
      keys.push(`${type}=${decoded === undefined ? `#${toHex(value)}` : JSON.stringify(normalizeForCompare(decoded))}`);
    }
    // Attribute order inside a SET does not matter for comparison.
    keys.sort();
    rdns.push(rdn);
    rdnKeys.push(keys.join('+'));
  }
  const text = rdns
    .slice()
    .reverse()
    .map((rdn) => rdn.map((a) => `${AttributeShortName[a.type] ?? a.type}=${escapeText(a.value)}`).join('+'))
    .join(', ');
  return { der, rdns, text, key: rdnKeys.join(','), rdnKeys };
}

/** RFC 5280 §7.1: two names match when their RDNs match pairwise in order. */
export function sameName(a: Name, b: Name): boolean {
  return a.key === b.key;
}

/** RFC 5280 §4.2.1.10: `name` lies in the directoryName subtree `base` when base's RDNs are a prefix of it. */
export function isWithinDirectorySubtree(name: Name, base: Name): boolean {
  if (base.rdnKeys.length > name.rdnKeys.length) return false;
  for (let i = 0; i < base.rdnKeys.length; i++) if (base.rdnKeys[i] !== name.rdnKeys[i]) return false;
  return true;
}

/** Every value of attribute `type`, in encoding order. */
export function attributeValues(name: Name, type: string): string[] {
  const out: string[] = [];
  for (const rdn of name.rdns) for (const a of rdn) if (a.type === type) out.push(a.value);
  return out;
}
