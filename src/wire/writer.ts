// Integers and vectors → bytes. vector() nests like the RFC struct it writes and back-patches the
// length; a body too long for its length field is a RangeError (a bug in us, not in the peer).
import type { LengthBytes } from './reader.js';

export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
    }
    this.pos = at + n;
    return at;
  }

  u8(v: number): this {
    // reserve() first: it may replace this.buf, and `this.buf[this.reserve(1)]` would read the old
    // buffer before the call and write the byte there (lost when growing: BoGo found sessions
    // whose fields after the growth point lost their tags).
    const at = this.reserve(1);
    this.buf[at] = v;
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
    return this;
  }

  u24(v: number): this {
    const at = this.reserve(3);
    this.buf[at] = v >>> 16;
    this.buf[at + 1] = v >>> 8;
    this.buf[at + 2] = v;
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = v >>> 16;
    this.buf[at + 2] = v >>> 8;
    this.buf[at + 3] = v;
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** A length-prefixed vector whose body `body` writes. */
  vector(lengthBytes: LengthBytes, body: (w: this) => void): this {
    const at = this.reserve(lengthBytes);
    body(this);
    const len = this.pos - at - lengthBytes;
    if (len >= 2 ** (8 * lengthBytes)) throw new RangeError(`vector body of ${len} bytes does not fit a ${lengthBytes}-byte length`);
    for (let i = lengthBytes - 1, v = len; i >= 0; i--, v = Math.floor(v / 256)) this.buf[at + i] = v & 0xff;
    return this;
  }

  /** A length-prefixed opaque vector. */
  vectorBytes(lengthBytes: LengthBytes, b: Uint8Array): this {
    return this.vector(lengthBytes, (w) => w.bytes(b));
  }

  /** The bytes written so far, as a fresh array the caller owns. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Writes a structure with a fresh Writer and returns its bytes. */
export function encode(write: (w: Writer) => void, capacity?: number): Uint8Array {
  const w = new Writer(capacity);
  write(w);
  return w.finish();
}
