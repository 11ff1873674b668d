// The DER (ITU-T X.690) encoder: the universal types certificates and key encodings need (the
// development CA, the portable provider's SubjectPublicKeyInfo and PKCS#8 output), each function
// returning one complete TLV, composed by nesting like the ASN.1 it writes:
//
//   der.sequence(der.oid(ExtensionOid.basicConstraints), der.boolean(true), der.octetString(value))
//
// It writes only canonical DER (minimal lengths and integers, sorted SET OF, trimmed named bit
// lists, RFC 5280 time formats) and throws RangeError/TypeError for values DER cannot carry.
// Broken encodings for negative tests are built with tagged() from raw content bytes.
import { concat, utf8 } from '../wire/bytes.js';
import { Tag } from './der.js';

/** Tag class bits of the identifier octet (X.690 §8.1.2.2). */
export const TagClass = {
  universal: 0x00,
  application: 0x40,
  contextSpecific: 0x80,
  private: 0xc0,
} as const;
export type TagClass = keyof typeof TagClass;

const CONSTRUCTED = 0x20;
/** Low tag numbers fit the identifier octet; 31 marks the multi-octet form (X.690 §8.1.2.4). */
const HIGH_TAG_NUMBER = 0x1f;

function identifier(tagClass: TagClass, constructed: boolean, tagNumber: number): Uint8Array {
  if (!Number.isSafeInteger(tagNumber) || tagNumber < 0) throw new RangeError(`tag number ${tagNumber} is not a non-negative integer`);
  const first = TagClass[tagClass] | (constructed ? CONSTRUCTED : 0);
  if (tagNumber < HIGH_TAG_NUMBER) return Uint8Array.of(first | tagNumber);
  // X.690 §8.1.2.4: the number follows in base 128, most significant group first, without a
  // leading 0x80 group.
  return concat(Uint8Array.of(first | HIGH_TAG_NUMBER), base128(BigInt(tagNumber)));
}

/** Big-endian base-128 with the continuation bit on every group but the last (X.690 §8.19.2). */
function base128(value: bigint): Uint8Array {
  const groups = [Number(value & 0x7fn)];
  for (let v = value >> 7n; v > 0n; v >>= 7n) groups.push(Number(v & 0x7fn) | 0x80);
  return Uint8Array.from(groups.reverse());
}

/** X.690 §10.1: DER lengths are definite and in the fewest octets (short form below 128). */
function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) octets.unshift(v % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** One TLV with any tag: the building block of deliberately odd encodings. */
export function tagged(tagClass: TagClass, constructed: boolean, tagNumber: number, content: Uint8Array): Uint8Array {
  return concat(identifier(tagClass, constructed, tagNumber), encodeLength(content.length), content);
}

/** One TLV of a universal type: `tag` is its identifier octet as the reader's Tag table has it. */
function universal(tag: number, content: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), encodeLength(content.length), content);
}

export function sequence(...children: Uint8Array[]): Uint8Array {
  return universal(Tag.SEQUENCE, concat(...children));
}

/**
 * SET OF, and SET whose members have distinct universal tags. X.690 §11.6: the elements appear
 * in ascending order of their encodings compared as octet strings, the shorter padded with
 * trailing zero octets.
 */
export function set(...children: Uint8Array[]): Uint8Array {
  return universal(Tag.SET, concat(...[...children].sort(compareForSetOf)));
}

function compareForSetOf(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * INTEGER. A number or bigint is two's complement; bytes are an unsigned big-endian magnitude
 * (serial numbers, RSA moduli) and always encode a non-negative value. X.690 §8.3.2: the
 * content is the fewest octets whose first nine bits are not all equal, so leading 0x00 octets
 * go, and one is added when the top bit of a positive value is set.
 */
export function integer(value: number | bigint | Uint8Array): Uint8Array {
  return universal(Tag.INTEGER, value instanceof Uint8Array ? unsignedContent(value) : signedContent(value));
}

function unsignedContent(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return Uint8Array.of(0);
  return (trimmed[0]! & 0x80) !== 0 ? concat(Uint8Array.of(0), trimmed) : Uint8Array.from(trimmed);
}

function signedContent(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer: pass a bigint`);
  let v = BigInt(value);
  const octets = [Number(BigInt.asUintN(8, v))];
  v >>= 8n; // arithmetic shift: -1 once only sign bits remain
  // Stop once the remaining high part is pure sign extension of the top bit already written.
  while (!((v === 0n && (octets[0]! & 0x80) === 0) || (v === -1n && (octets[0]! & 0x80) !== 0))) {
    octets.unshift(Number(BigInt.asUintN(8, v)));
    v >>= 8n;
  }
  return Uint8Array.from(octets);
}

/**
 * BIT STRING of whole octets, or with `unusedBits` (0..7) unused trailing bits, which DER
 * requires to be zero (X.690 §11.2.1); an empty string has none (X.690 §8.6.2.3).
 */
export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7) throw new RangeError(`bit string unused bits ${unusedBits} is not 0..7`);
  if (bytes.length === 0 && unusedBits !== 0) throw new RangeError('an empty bit string has no unused bits');
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) throw new RangeError('bit string unused bits must be zero in DER');
  return universal(Tag.BIT_STRING, concat(Uint8Array.of(unusedBits), bytes));
}

/**
 * A BIT STRING of named bits (KeyUsage, ReasonFlags), bit 0 being the most significant bit of
 * the first octet. X.690 §11.2.2: trailing zero bits are left out, so the value ends with its
 * highest set bit and no bits set is an empty bit string.
 */
export function namedBits(bitNumbers: readonly number[]): Uint8Array {
  if (bitNumbers.length === 0) return bitString(new Uint8Array(0));
  const highest = Math.max(...bitNumbers);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const n of bitNumbers) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`bit number ${n} is not a non-negative integer`);
    bytes[n >> 3] |= 0x80 >> (n & 7);
  }
  return bitString(bytes, 7 - (highest & 7));
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return universal(Tag.OCTET_STRING, bytes);
}

/**
 * OBJECT IDENTIFIER from dotted decimal ('2.5.29.19'). X.690 §8.19.4: the first two arcs share
 * one subidentifier, 40 * first + second, where first is 0..2 and second is below 40 unless
 * first is 2; every subidentifier is base 128 (arcs may exceed 2^53, hence bigint).
 */
export function oid(dotted: string): Uint8Array {
  if (!/^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/.test(dotted)) throw new TypeError(`'${dotted}' is not a dotted object identifier`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [first, second] = [arcs[0]!, arcs[1]!];
  if (first > 2n || (first < 2n && second >= 40n)) throw new RangeError(`object identifier ${dotted} has an invalid first or second arc`);
  const subidentifiers = [first * 40n + second, ...arcs.slice(2)];
  return universal(Tag.OID, concat(...subidentifiers.map(base128)));
}

/** X.690 §11.1: DER writes TRUE as 0xff. */
export function boolean(value: boolean): Uint8Array {
  return universal(Tag.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

export function nullValue(): Uint8Array {
  return universal(Tag.NULL, new Uint8Array(0));
}

export function utf8String(text: string): Uint8Array {
  return universal(Tag.UTF8String, utf8(text));
}

/** X.680 §41.4: PrintableString is letters, digits, space and ' ( ) + , - . / : = ? only. */
export function printableString(text: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new RangeError(`'${text}' has characters a PrintableString cannot hold`);
  return universal(Tag.PrintableString, utf8(text));
}

/** IA5String is 7-bit ASCII (X.680 §41.1). */
export function ia5String(text: string): Uint8Array {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`'${text}' has characters an IA5String cannot hold`);
  return universal(Tag.IA5String, utf8(text));
}

function digits(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function utcFields(date: Date): { year: number; rest: string } {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  const rest =
    digits(date.getUTCMonth() + 1, 2) +
    digits(date.getUTCDate(), 2) +
    digits(date.getUTCHours(), 2) +
    digits(date.getUTCMinutes(), 2) +
    digits(date.getUTCSeconds(), 2);
  return { year: date.getUTCFullYear(), rest };
}

/**
 * UTCTime as RFC 5280 §4.1.2.5.1 profiles it: YYMMDDHHMMSSZ, seconds always present, always
 * Zulu; two-digit years mean 1950..2049. Milliseconds are dropped (no fractions allowed).
 */
export function utcTime(date: Date): Uint8Array {
  const { year, rest } = utcFields(date);
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot hold the year ${year}`);
  return universal(Tag.UTCTime, utf8(`${digits(year % 100, 2)}${rest}Z`));
}

/** GeneralizedTime as RFC 5280 §4.1.2.5.2 profiles it: YYYYMMDDHHMMSSZ, no fractional seconds. */
export function generalizedTime(date: Date): Uint8Array {
  const { year, rest } = utcFields(date);
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime cannot hold the year ${year}`);
  return universal(Tag.GeneralizedTime, utf8(`${digits(year, 4)}${rest}Z`));
}

/** RFC 5280 §4.1.2.5: certificate times through 2049 are UTCTime, from 2050 GeneralizedTime. */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** [n] EXPLICIT: a constructed context-specific TLV wrapping the whole encoding (X.690 §8.14.2). */
export function explicit(tagNumber: number, inner: Uint8Array): Uint8Array {
  return tagged('contextSpecific', true, tagNumber, inner);
}

/**
 * [n] IMPLICIT: the encoding of `inner` with its tag replaced by a context-specific one, keeping
 * the primitive/constructed form (X.690 §8.14.3).
 */
export function implicit(tagNumber: number, inner: Uint8Array): Uint8Array {
  const { constructed, content } = splitTlv(inner);
  return tagged('contextSpecific', constructed, tagNumber, content);
}

/** The form and content of one TLV this module wrote. */
function splitTlv(tlv: Uint8Array): { constructed: boolean; content: Uint8Array } {
  if (tlv.length < 2) throw new TypeError('not a DER TLV');
  let at = 1;
  if ((tlv[0]! & HIGH_TAG_NUMBER) === HIGH_TAG_NUMBER) {
    while (at < tlv.length && (tlv[at]! & 0x80) !== 0) at++;
    at++;
  }
  const first = tlv[at++];
  if (first === undefined) throw new TypeError('not a DER TLV');
  let length = first;
  if (first & 0x80) {
    length = 0;
    for (let n = first & 0x7f; n > 0; n--) {
      const octet = tlv[at++];
      if (octet === undefined) throw new TypeError('not a DER TLV');
      length = length * 256 + octet;
    }
  }
  if (at + length !== tlv.length) throw new TypeError('not exactly one DER TLV');
  return { constructed: (tlv[0]! & CONSTRUCTED) !== 0, content: tlv.subarray(at) };
}
