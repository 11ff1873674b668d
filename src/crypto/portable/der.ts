// A tiny strict DER reader and writer (X.690 §10) for the key encodings the portable provider
// imports: SubjectPublicKeyInfo, PKCS#8, SEC1, PKCS#1. Local to this folder so the provider needs
// nothing from src/x509 beyond PEM armour. Callers turn DerError into their own TlsError/TypeError.
import { fromHex, toHex } from '../../wire/bytes.js';

/** Malformed DER, or DER that is not the structure the caller asked for. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

// X.690 §8.1.2: the tags we read (universal, or context-specific constructed [0] and [1]).
export const Tag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  context0: 0xa0,
  context1: 0xa1,
  context2: 0xa2,
  context3: 0xa3,
  /** [1] IMPLICIT BIT STRING (PKCS#8 v2 publicKey). */
  implicit1Primitive: 0x81,
} as const;

/**
 * Key encodings are small: the largest we meet is an RSA-8192 PKCS#8 (about 4.8 KiB). Lengths
 * need at most 3 bytes then; more is either an attack or not a key.
 */
const MAX_LENGTH_BYTES = 3;

export class DerReader {
  private at: number;

  constructor(private readonly bytes: Uint8Array, private readonly what: string, start = 0, private readonly end = bytes.length) {
    this.at = start;
  }

  get remaining(): number {
    return this.end - this.at;
  }

  peekTag(): number | undefined {
    return this.at < this.end ? this.bytes[this.at] : undefined;
  }

  /** The next element's value, which must carry `tag`. */
  read(tag: number, name: string): Uint8Array {
    const [actual, start, end] = this.header(name);
    if (actual !== tag) throw new DerError(`${this.what}: ${name} has tag 0x${actual.toString(16)}, expected 0x${tag.toString(16)}`);
    this.at = end;
    return this.bytes.subarray(start, end);
  }

  /** The next element's value if it carries `tag`; otherwise nothing is consumed. */
  optional(tag: number, name: string): Uint8Array | undefined {
    return this.peekTag() === tag ? this.read(tag, name) : undefined;
  }

  /** A constructed element ([0], [1], SEQUENCE) as a reader over exactly its contents. */
  nested(tag: number, name: string): DerReader {
    const value = this.read(tag, name);
    return new DerReader(value, `${this.what}: ${name}`);
  }

  sequence(name: string): DerReader {
    return this.nested(Tag.sequence, name);
  }

  /** The raw TLV bytes (header included) of the next element, which must carry `tag`. */
  element(tag: number, name: string): Uint8Array {
    const from = this.at;
    this.read(tag, name);
    return this.bytes.subarray(from, this.at);
  }

  /** X.690 §8.3: a non-negative INTEGER's magnitude, without the sign-padding zero. */
  unsignedInteger(name: string): Uint8Array {
    const v = this.read(Tag.integer, name);
    if (v.length === 0) throw new DerError(`${this.what}: ${name} is an empty INTEGER`);
    // X.690 §8.3.2: the first nine bits are never all zeros or all ones (minimal encoding).
    if (v.length > 1 && ((v[0] === 0x00 && (v[1]! & 0x80) === 0) || (v[0] === 0xff && (v[1]! & 0x80) !== 0))) {
      throw new DerError(`${this.what}: ${name} is not minimally encoded`);
    }
    if (v[0]! & 0x80) throw new DerError(`${this.what}: ${name} is negative`);
    return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
  }

  /** A small INTEGER (a version field). */
  smallInteger(name: string): number {
    const v = this.unsignedInteger(name);
    if (v.length > 1) throw new DerError(`${this.what}: ${name} is out of range`);
    return v[0]!;
  }

  /** X.690 §8.6: a BIT STRING holding whole bytes (every key encoding uses 0 unused bits). */
  bitStringBytes(name: string): Uint8Array {
    const v = this.read(Tag.bitString, name);
    if (v.length === 0 || v[0] !== 0) throw new DerError(`${this.what}: ${name} is not a whole-byte BIT STRING`);
    return v.subarray(1);
  }

  /** An OBJECT IDENTIFIER as the hex of its content octets (what our OID tables hold). */
  oid(name: string): string {
    const v = this.read(Tag.oid, name);
    if (v.length === 0 || (v[v.length - 1]! & 0x80) !== 0) throw new DerError(`${this.what}: ${name} is a malformed OBJECT IDENTIFIER`);
    return toHex(v);
  }

  done(): void {
    if (this.at !== this.end) throw new DerError(`${this.what}: ${this.end - this.at} trailing bytes`);
  }

  /** [tag, start of value, end of value] of the element at the cursor. */
  private header(name: string): [number, number, number] {
    if (this.at + 2 > this.end) throw new DerError(`${this.what}: ${name} is truncated`);
    const tag = this.bytes[this.at]!;
    // X.690 §8.1.2.4: high tag numbers (low five bits all ones) never occur in key encodings.
    if ((tag & 0x1f) === 0x1f) throw new DerError(`${this.what}: ${name} uses a high tag number`);
    let length = this.bytes[this.at + 1]!;
    let start = this.at + 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      // X.690 §10.1: definite form only, in the fewest octets.
      if (n === 0) throw new DerError(`${this.what}: ${name} uses the indefinite length form`);
      if (n > MAX_LENGTH_BYTES) throw new DerError(`${this.what}: ${name} is too long`);
      if (start + n > this.end) throw new DerError(`${this.what}: ${name} is truncated`);
      if (this.bytes[start] === 0) throw new DerError(`${this.what}: ${name} length is not minimally encoded`);
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + this.bytes[start + i]!;
      if (length < 0x80) throw new DerError(`${this.what}: ${name} length is not minimally encoded`);
      start += n;
    }
    if (start + length > this.end) throw new DerError(`${this.what}: ${name} is truncated`);
    return [tag, start, start + length];
  }
}

// ---- writing: just enough to build a SubjectPublicKeyInfo or wrap PKCS#1 into PKCS#8 ----

/** One DER element: tag, minimal definite length, then the concatenated contents. */
export function derElement(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const lengthBytes: number[] = [];
  if (length < 0x80) {
    lengthBytes.push(length);
  } else {
    for (let l = length; l > 0; l = Math.floor(l / 256)) lengthBytes.unshift(l & 0xff);
    lengthBytes.unshift(0x80 | lengthBytes.length);
  }
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  let at = 1 + lengthBytes.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function derOid(oidHex: string): Uint8Array {
  return derElement(Tag.oid, fromHex(oidHex));
}

export const derNull = (): Uint8Array => derElement(Tag.null);

export function derBitString(bytes: Uint8Array): Uint8Array {
  return derElement(Tag.bitString, Uint8Array.of(0), bytes);
}
