// Distinguished names: the RFC 4514 string form ('CN=foo, O=bar') and the X.501 Name encoding
// certificates carry in issuer and subject (RFC 5280 §4.1.2.4).
import { fromHex } from '../wire/bytes.js';
import * as der from '../asn1/der-writer.js';
import { NameAttributeOid, type DottedOid, type NameAttributeType } from './oids.js';

export type StringEncoding = 'utf8' | 'printable' | 'ia5';

export interface NameAttribute {
  /** A short name from NameAttributeOid or a dotted OID. */
  readonly type: NameAttributeType | DottedOid;
  /** The text, or the complete DER encoding of the value (any type, for odd names in tests). */
  readonly value: string | Uint8Array;
  /** Default: PrintableString for C and serialNumber, IA5String for DC and emailAddress, else UTF8String. */
  readonly encoding?: StringEncoding;
}

/** One attribute, or several for a multi-valued RDN ('CN=a+UID=b'). */
export type RelativeDistinguishedName = NameAttribute | readonly NameAttribute[];

/** RDNs in encoding order: most significant (e.g. C or O) first, CN typically last. */
export type DistinguishedName = readonly RelativeDistinguishedName[];

// RFC 5280 §4.1.2.4 and Appendix A: the X.520 types that are not DirectoryString.
const defaultEncoding: Partial<Record<NameAttributeType, StringEncoding>> = {
  C: 'printable',
  serialNumber: 'printable',
  DC: 'ia5',
  emailAddress: 'ia5',
};

const shortNames = new Map<string, NameAttributeType>((Object.keys(NameAttributeOid) as NameAttributeType[]).map((k) => [k.toLowerCase(), k]));

function attributeType(text: string, source: string): NameAttributeType | DottedOid {
  if (/^\d+(\.\d+)+$/.test(text)) return text as DottedOid;
  const known = shortNames.get(text.toLowerCase());
  if (!known) throw new TypeError(`unknown attribute type '${text}' in distinguished name '${source}'`);
  return known;
}

/**
 * Parses the RFC 4514 string form. RFC 4514 §2.1 writes the RDNs last-to-first, so
 * 'CN=foo, O=bar' is the Name O=bar then CN=foo, which `openssl x509 -nameopt RFC2253` prints
 * back as written. Accepted: short names or dotted OIDs as types, '+' for multi-valued RDNs,
 * backslash escapes of a special character or of a hex pair (RFC 4514 §3), and '#hex' for a
 * value given as its DER encoding. Leniency: spaces around ',', '+' and '=' are skipped (RFC
 * 4514 has none, but 'CN=foo, O=bar' is how people write it); a space to keep goes escaped.
 */
export function parseDistinguishedName(text: string): DistinguishedName {
  const rdns: NameAttribute[][] = [];
  if (text.trim() === '') return rdns;
  let rdn: NameAttribute[] = [];
  let at = 0;
  const skipSpaces = (): void => {
    while (text[at] === ' ') at++;
  };
  for (;;) {
    skipSpaces();
    const equals = text.indexOf('=', at);
    if (equals < 0) throw new TypeError(`distinguished name '${text}' has an attribute without '='`);
    const type = attributeType(text.slice(at, equals).trim(), text);
    at = equals + 1;
    skipSpaces();
    let value: string | Uint8Array;
    if (text[at] === '#') {
      const end = /^#[0-9A-Fa-f]*/.exec(text.slice(at))![0].length + at;
      value = fromHex(text.slice(at + 1, end));
      at = end;
      skipSpaces();
    } else {
      const bytes: number[] = [];
      let keep = 0; // bytes up to the last escaped or non-space character
      const encoder = new TextEncoder();
      while (at < text.length && text[at] !== ',' && text[at] !== '+') {
        if (text[at] === '\\') {
          const pair = text.slice(at + 1, at + 3);
          if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
            bytes.push(parseInt(pair, 16));
            at += 3;
          } else if (at + 1 < text.length && ' "#+,;<=>\\'.includes(text[at + 1]!)) {
            bytes.push(text.charCodeAt(at + 1));
            at += 2;
          } else {
            throw new TypeError(`distinguished name '${text}' has a bad escape at offset ${at}`);
          }
          keep = bytes.length;
        } else {
          const char = String.fromCodePoint(text.codePointAt(at)!);
          bytes.push(...encoder.encode(char));
          at += char.length;
          if (char !== ' ') keep = bytes.length;
        }
      }
      try {
        value = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes.slice(0, keep)));
      } catch {
        throw new TypeError(`distinguished name '${text}' escapes bytes that are not UTF-8`);
      }
    }
    rdn.push({ type, value });
    if (at >= text.length) break;
    if (text[at] === ',') {
      rdns.push(rdn);
      rdn = [];
    } else if (text[at] !== '+') {
      throw new TypeError(`distinguished name '${text}' has text after a '#' value at offset ${at}`);
    }
    at++;
  }
  rdns.push(rdn);
  return rdns.reverse();
}

function writeAttributeValue(attribute: NameAttribute): Uint8Array {
  if (attribute.value instanceof Uint8Array) return attribute.value;
  const encoding = attribute.encoding ?? (defaultEncoding as Partial<Record<string, StringEncoding>>)[attribute.type] ?? 'utf8';
  switch (encoding) {
    case 'utf8':
      return der.utf8String(attribute.value);
    case 'printable':
      return der.printableString(attribute.value);
    case 'ia5':
      return der.ia5String(attribute.value);
  }
}

function attributeOid(type: NameAttributeType | DottedOid): string {
  return (NameAttributeOid as Record<string, string>)[type] ?? type;
}

/**
 * RFC 5280 §4.1.2.4: Name ::= SEQUENCE OF RelativeDistinguishedName, each a SET OF
 * AttributeTypeAndValue { type OID, value }. An empty RDN (SET of nothing) is written as given,
 * not refused, so tests can mint one.
 */
export function writeName(name: string | DistinguishedName): Uint8Array {
  const rdns = typeof name === 'string' ? parseDistinguishedName(name) : name;
  return der.sequence(
    ...rdns.map((rdn) =>
      der.set(
        ...(Array.isArray(rdn) ? (rdn as readonly NameAttribute[]) : [rdn as NameAttribute]).map((a) =>
          der.sequence(der.oid(attributeOid(a.type)), writeAttributeValue(a)),
        ),
      ),
    ),
  );
}
