// A strict DER reader (X.690 §8 and §10): definite minimal lengths, low tag numbers, exact
// consumption and bounded nesting. Views only, never copies. Every violation is a
// TlsError('bad_certificate') whose message names the structure being read.
import { TlsError } from '../errors.js';
import { ascii } from '../wire/bytes.js';
import { MAX_DER_DEPTH, MAX_OID_ARCS } from './limits.js';

/** Universal tags (X.680 §8.4) as they appear in the identifier octet, constructed bit included. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  TeletexString: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  VisibleString: 0x1a,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag [n] (n < 31), primitive or constructed. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** The error every malformed structure raises: `what` names the object (certificate, CRL, ...). */
export function malformed(what: string, why: string): TlsError {
  return new TlsError('bad_certificate', `${what}: ${why}`);
}

export interface BitString {
  readonly bytes: Uint8Array;
  readonly unusedBits: number;
}

export class DerReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    /** What is being read (for messages), e.g. 'certificate'. */
    readonly what: string,
    start = 0,
    private readonly end = buf.length,
    private readonly depth = 0,
  ) {
    if (depth > MAX_DER_DEPTH) throw malformed(what, `nesting deeper than ${MAX_DER_DEPTH} levels`);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The tag of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.pos < this.end ? this.buf[this.pos] : undefined;
  }

  private fail(why: string): TlsError {
    return malformed(this.what, why);
  }

  /** Reads one TLV header; returns [tag, value start, value end] and moves past the element. */
  private next(field: string): [number, number, number] {
    const buf = this.buf;
    let at = this.pos;
    if (at >= this.end) throw this.fail(`missing ${field}`);
    const tag = buf[at++]!;
    // X.690 §8.1.2.4: tag numbers of 31 and more use a multi-byte form no X.509 field needs.
    if ((tag & 0x1f) === 0x1f) throw this.fail(`${field} uses an unsupported high tag number`);
    if (at >= this.end) throw this.fail(`truncated ${field} (no length)`);
    let length = buf[at++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      // X.690 §10.1: DER forbids the indefinite form (0x80); 0xff is reserved.
      if (count === 0) throw this.fail(`${field} has an indefinite length`);
      if (count > 4) throw this.fail(`${field} length of ${count} bytes is too large`);
      if (count > this.end - at) throw this.fail(`truncated ${field} (length)`);
      if (buf[at] === 0) throw this.fail(`${field} length is not minimally encoded`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + buf[at++]!;
      // X.690 §10.1: lengths below 128 must use the short form.
      if (length < 0x80) throw this.fail(`${field} length is not minimally encoded`);
    }
    if (length > this.end - at) throw this.fail(`truncated ${field} (need ${length} bytes, have ${this.end - at})`);
    this.pos = at + length;
    return [tag, at, at + length];
  }

  private expectTag(tag: number, expected: number, field: string): void {
    if (tag !== expected) {
      throw this.fail(`${field} has tag 0x${tag.toString(16).padStart(2, '0')}, expected 0x${expected.toString(16).padStart(2, '0')}`);
    }
  }

  /** A child reader over the value of the next element, which must carry `tag`. */
  read(tag: number, field: string): DerReader {
    const [t, start, end] = this.next(field);
    this.expectTag(t, tag, field);
    return new DerReader(this.buf, this.what, start, end, this.depth + 1);
  }

  /** Like read(), but only when the next element carries `tag`; otherwise undefined. */
  optional(tag: number, field: string): DerReader | undefined {
    return this.peekTag() === tag ? this.read(tag, field) : undefined;
  }

  sequence(field: string): DerReader {
    return this.read(Tag.SEQUENCE, field);
  }

  /** The value bytes of the next element, which must carry `tag`. */
  value(tag: number, field: string): Uint8Array {
    const [t, start, end] = this.next(field);
    this.expectTag(t, tag, field);
    return this.buf.subarray(start, end);
  }

  /** The complete encoding (tag, length, value) of the next element, checking its tag when given. */
  element(field: string, tag?: number): Uint8Array {
    const from = this.pos;
    const [t, , end] = this.next(field);
    if (tag !== undefined) this.expectTag(t, tag, field);
    return this.buf.subarray(from, end);
  }

  /** The next element as [tag, value, complete encoding], whatever its tag. */
  any(field: string): { tag: number; value: Uint8Array; der: Uint8Array } {
    const from = this.pos;
    const [tag, start, end] = this.next(field);
    return { tag, value: this.buf.subarray(start, end), der: this.buf.subarray(from, end) };
  }

  /** A reader over the complete encoding of the next element (tag included), for nested parsing. */
  child(value: Uint8Array): DerReader {
    return new DerReader(value, this.what, 0, value.length, this.depth + 1);
  }

  /** X.690 §8.3 / §10: INTEGER content bytes (two's complement), minimal. */
  integerBytes(field: string, tag: number = Tag.INTEGER): Uint8Array {
    const v = this.value(tag, field);
    checkMinimalInteger(v, this.what, field);
    return v;
  }

  /** X.690 §8.3: a non-negative INTEGER's magnitude, big-endian, without the sign octet 0x00. */
  unsignedInteger(field: string, tag: number = Tag.INTEGER): Uint8Array {
    const v = this.integerBytes(field, tag);
    if (v[0]! & 0x80) throw this.fail(`${field} is negative`);
    return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
  }

  /** A non-negative INTEGER that fits a JavaScript number safely (≤ 2^31-1). */
  smallInteger(field: string, tag: number = Tag.INTEGER): number {
    const v = this.integerBytes(field, tag);
    if (v[0]! & 0x80) throw this.fail(`${field} is negative`);
    if (v.length > 4 || (v.length === 4 && v[0]! & 0x80)) throw this.fail(`${field} is too large`);
    let n = 0;
    for (const b of v) n = n * 256 + b;
    return n;
  }

  /** X.690 §11.1: DER BOOLEAN is one byte, 0x00 or 0xff. */
  boolean(field: string): boolean {
    const v = this.value(Tag.BOOLEAN, field);
    if (v.length !== 1 || (v[0] !== 0x00 && v[0] !== 0xff)) throw this.fail(`${field} is not a DER BOOLEAN`);
    return v[0] === 0xff;
  }

  null(field: string): void {
    const v = this.value(Tag.NULL, field);
    if (v.length !== 0) throw this.fail(`${field} NULL has content`);
  }

  /** X.690 §8.19: an OBJECT IDENTIFIER in dotted form, subidentifiers minimally encoded. */
  oid(field: string): string {
    return decodeOid(this.value(Tag.OID, field), this.what, field);
  }

  /** X.690 §8.6 / §11.2: a BIT STRING; unused bits must be zero and absent from an empty string. */
  bitString(field: string, tag: number = Tag.BIT_STRING): BitString {
    const v = this.value(tag, field);
    if (v.length === 0) throw this.fail(`${field} BIT STRING has no unused-bits octet`);
    const unusedBits = v[0]!;
    if (unusedBits > 7 || (v.length === 1 && unusedBits !== 0)) throw this.fail(`${field} BIT STRING has a bad unused-bits count`);
    if (unusedBits > 0 && (v[v.length - 1]! & ((1 << unusedBits) - 1)) !== 0) throw this.fail(`${field} BIT STRING has non-zero unused bits`);
    return { bytes: v.subarray(1), unusedBits };
  }

  /** A BIT STRING of whole bytes (signatures, keys): its bytes, with no unused bits. */
  octetBitString(field: string, tag: number = Tag.BIT_STRING): Uint8Array {
    const { bytes, unusedBits } = this.bitString(field, tag);
    if (unusedBits !== 0) throw this.fail(`${field} is not a whole number of bytes`);
    return bytes;
  }

  /** RFC 5280 §4.1.2.5: Time ::= CHOICE { UTCTime, GeneralizedTime }. */
  time(field: string): Date {
    const tag = this.peekTag();
    if (tag === Tag.UTCTime) return decodeTime(this.value(Tag.UTCTime, field), false, this.what, field);
    if (tag === Tag.GeneralizedTime) return decodeTime(this.value(Tag.GeneralizedTime, field), true, this.what, field);
    throw this.fail(tag === undefined ? `missing ${field}` : `${field} is not a UTCTime or GeneralizedTime`);
  }

  /** Skips whatever is left (content we do not interpret). */
  rest(): Uint8Array {
    const at = this.pos;
    this.pos = this.end;
    return this.buf.subarray(at, this.end);
  }

  /** Rejects trailing bytes. */
  done(field: string): void {
    if (this.pos !== this.end) throw this.fail(`${this.end - this.pos} unexpected trailing bytes after ${field}`);
  }
}

/** A reader over `der`, refused when it is larger than `maxBytes`. */
export function readLimited(der: Uint8Array, what: string, maxBytes: number): DerReader {
  if (der.length > maxBytes) throw malformed(what, `${der.length} bytes is more than the ${maxBytes}-byte limit`);
  return new DerReader(der, what);
}

/** Parses one complete DER element that must fill `der` exactly; returns a reader over its value. */
export function readTop(der: Uint8Array, what: string, tag: number, field: string, maxBytes: number): DerReader {
  const outer = readLimited(der, what, maxBytes);
  const inner = outer.read(tag, field);
  outer.done(field);
  return inner;
}

export function checkMinimalInteger(v: Uint8Array, what: string, field: string): void {
  if (v.length === 0) throw malformed(what, `${field} INTEGER is empty`);
  // X.690 §8.3.2: the first nine bits must not be all zeros or all ones.
  if (v.length > 1 && ((v[0] === 0x00 && !(v[1]! & 0x80)) || (v[0] === 0xff && v[1]! & 0x80))) {
    throw malformed(what, `${field} INTEGER is not minimally encoded`);
  }
}

export function decodeOid(v: Uint8Array, what: string, field: string): string {
  if (v.length === 0) throw malformed(what, `${field} OBJECT IDENTIFIER is empty`);
  const arcs: number[] = [];
  let value = 0;
  let inArc = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    // X.690 §8.19.2: no leading 0x80 octet in a subidentifier.
    if (!inArc && b === 0x80) throw malformed(what, `${field} OBJECT IDENTIFIER is not minimally encoded`);
    if (value > 0x1fffffffffff) throw malformed(what, `${field} OBJECT IDENTIFIER arc is too large`);
    value = value * 128 + (b & 0x7f);
    inArc = (b & 0x80) !== 0;
    if (!inArc) {
      if (arcs.length === 0) {
        // X.690 §8.19.4: the first subidentifier packs the first two arcs.
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      if (arcs.length > MAX_OID_ARCS) throw malformed(what, `${field} OBJECT IDENTIFIER has too many arcs`);
      value = 0;
    }
  }
  if (inArc) throw malformed(what, `${field} OBJECT IDENTIFIER is truncated`);
  return arcs.join('.');
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function decodeTime(v: Uint8Array, generalized: boolean, what: string, field: string): Date {
  const text = ascii(v);
  // RFC 5280 §4.1.2.5.1 / §4.1.2.5.2: UTCTime is YYMMDDHHMMSSZ and GeneralizedTime is
  // YYYYMMDDHHMMSSZ, both in UTC with seconds and without fractions.
  const pattern = generalized ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
  const m = pattern.exec(text);
  if (!m) throw malformed(what, `${field} "${text.replace(/[^\x20-\x7e]/g, '?')}" is not a valid ${generalized ? 'GeneralizedTime' : 'UTCTime'}`);
  let year = Number(m[1]);
  // RFC 5280 §4.1.2.5.1: a two-digit year YY ≥ 50 means 19YY, otherwise 20YY.
  if (!generalized) year += year >= 50 ? 1900 : 2000;
  // Leniency: RFC 5280 asks for UTCTime through 2049, but a GeneralizedTime for such a date is
  // unambiguous, so we accept it rather than fail certificates over encoding style.
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    throw malformed(what, `${field} "${text}" is not a valid date`);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d;
}

/** ISO 8601 at second precision, for messages: 2024-01-01T00:00:00Z. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
