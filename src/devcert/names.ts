// Names as a user types them (DNS names, wildcards, IP literals, e-mail addresses, URIs), sorted
// into the GeneralName choice each belongs to, and IP addresses and CIDR ranges as the octets
// subjectAltName and nameConstraints carry.
import { domainToASCII } from 'node:url';
import { parseIPv4, parseIPv6 } from '../x509/ip-address.js';

/** subjectAltName entries by GeneralName choice (RFC 5280 §4.2.1.6). */
export interface SubjectAltNames {
  readonly dns?: readonly string[];
  /** IPv4 or IPv6 literals. */
  readonly ip?: readonly string[];
  readonly email?: readonly string[];
  readonly uri?: readonly string[];
}

/** The 4 or 16 octets of an IPv4 or IPv6 literal (no zone, no brackets), or null. */
export function parseIpAddress(text: string): Uint8Array | null {
  return (text.includes(':') ? parseIPv6(text) : parseIPv4(text)) ?? null;
}

/**
 * 'address/prefix' as a name constraint's iPAddress: the address followed by its mask, 8 octets
 * for IPv4 and 32 for IPv6 (RFC 5280 §4.2.1.10). Bits beyond the prefix must be zero.
 */
export function parseCidr(text: string): Uint8Array {
  const slash = text.lastIndexOf('/');
  const address = slash < 0 ? null : parseIpAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  const prefix = /^(0|[1-9]\d*)$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!address || !(prefix <= address.length * 8)) throw new TypeError(`'${text}' is not an IP range in CIDR form (address/prefix)`);
  const mask = new Uint8Array(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
  if (address.some((octet, i) => (octet & ~mask[i]!) !== 0)) throw new TypeError(`'${text}' has address bits set beyond its /${prefix} prefix`);
  return Uint8Array.from([...address, ...mask]);
}

/**
 * A DNS name as a dNSName holds it: ASCII (internationalised labels become A-labels), lower
 * case, no trailing dot. A wildcard is only a whole leftmost label '*' over at least two
 * more labels (RFC 6125 §7.2 advice; what browsers accept).
 */
export function normaliseDnsName(name: string): string {
  const wildcard = name.startsWith('*.');
  const rest = wildcard ? name.slice(2) : name;
  const ascii = /^[\x00-\x7f]*$/.test(rest) ? rest.toLowerCase() : domainToASCII(rest);
  const labels = ascii.split('.');
  const valid =
    ascii.length > 0 && ascii.length <= 253 && labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)) && (!wildcard || labels.length >= 2);
  if (!valid) throw new TypeError(`'${printable(name)}' is not a valid DNS name${wildcard ? ' under a wildcard' : ''}`);
  return wildcard ? `*.${ascii}` : ascii;
}

const uriScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** A name for an error message: control characters and non-ASCII shown as \u escapes. */
function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Sorts names into subjectAltName choices: IP literals to iPAddress, 'user@host' to rfc822Name,
 * 'scheme:...' to uniformResourceIdentifier, everything else to dNSName (validated).
 */
export function subjectAltNamesFor(names: readonly string[]): Required<SubjectAltNames> {
  const dns: string[] = [];
  const ip: string[] = [];
  const email: string[] = [];
  const uri: string[] = [];
  for (const name of names) {
    if (parseIpAddress(name)) {
      ip.push(name);
    } else if (name.includes('@') && !uriScheme.test(name)) {
      const at = name.lastIndexOf('@');
      // rfc822Name is an IA5String (RFC 5280 §4.2.1.6): visible ASCII only, so no control
      // character (names also come from CSRs, and are printed) and no space.
      if (at === 0 || !VISIBLE_ASCII.test(name.slice(0, at))) throw new TypeError(`'${printable(name)}' is not a valid e-mail address`);
      email.push(`${name.slice(0, at)}@${normaliseDnsName(name.slice(at + 1))}`);
    } else if (uriScheme.test(name) && !/^[^:]+:\d+$/.test(name)) {
      // RFC 3986 §2: a URI is visible ASCII (an IRI must be mapped to one first, RFC 5280 §7.4).
      if (!VISIBLE_ASCII.test(name) || !URL.canParse(name)) throw new TypeError(`'${printable(name)}' is not a valid URI`);
      uri.push(name);
    } else {
      dns.push(normaliseDnsName(name));
    }
  }
  return { dns, ip, email, uri };
}
