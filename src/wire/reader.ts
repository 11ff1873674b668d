// Bytes → integers and vectors of the RFC 8446 §3 presentation language. A Reader never copies:
// bytes() and vectors are views into the input. Any violation is a decode_error naming the structure.
import { decodeError } from '../errors.js';

export type LengthBytes = 1 | 2 | 3 | 4;

export class Reader {
  private pos: number;
  private readonly buf: Uint8Array;

  constructor(
    buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
    /** What this reader holds, for error messages. */
    readonly what = 'message',
  ) {
    // Our views are plain Uint8Arrays even over a node Buffer: Buffer's slice() is a view, not the
    // copy callers take with slice(), and a copy that is really a view is wiped along with the
    // caller's bytes (a session's secret zeroed in the application's own session buffer).
    this.buf = Object.getPrototypeOf(buf) === Uint8Array.prototype ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number, field: string): number {
    const at = this.pos;
    if (n > this.end - at) throw decodeError(`${this.what}: truncated ${field} (need ${n} bytes, have ${this.end - at})`);
    this.pos = at + n;
    return at;
  }

  u8(field = 'uint8'): number {
    return this.buf[this.need(1, field)]!;
  }

  u16(field = 'uint16'): number {
    const at = this.need(2, field);
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  u24(field = 'uint24'): number {
    const at = this.need(3, field);
    return (this.buf[at]! << 16) | (this.buf[at + 1]! << 8) | this.buf[at + 2]!;
  }

  u32(field = 'uint32'): number {
    const at = this.need(4, field);
    return ((this.buf[at]! << 24) >>> 0) + ((this.buf[at + 1]! << 16) | (this.buf[at + 2]! << 8) | this.buf[at + 3]!);
  }

  /** A view of the next n bytes. */
  bytes(n: number, field = 'bytes'): Uint8Array {
    const at = this.need(n, field);
    return this.buf.subarray(at, at + n);
  }

  /** The rest of the input, as a view. */
  rest(): Uint8Array {
    const at = this.pos;
    this.pos = this.end;
    return this.buf.subarray(at, this.end);
  }

  private length(lengthBytes: LengthBytes, field: string): number {
    switch (lengthBytes) {
      case 1:
        return this.u8(`${field} length`);
      case 2:
        return this.u16(`${field} length`);
      case 3:
        return this.u24(`${field} length`);
      case 4:
        return this.u32(`${field} length`);
    }
  }

  /** A vector `<min..max>` with a lengthBytes-byte length prefix: a child reader over exactly its body. */
  vector(lengthBytes: LengthBytes, min: number, max: number, field: string): Reader {
    const at = this.vectorStart(lengthBytes, min, max, field);
    return new Reader(this.buf, at, this.pos, field);
  }

  /** Like vector(), but returns the body as a view. */
  vectorBytes(lengthBytes: LengthBytes, min: number, max: number, field: string): Uint8Array {
    const at = this.vectorStart(lengthBytes, min, max, field);
    return this.buf.subarray(at, this.pos);
  }

  private vectorStart(lengthBytes: LengthBytes, min: number, max: number, field: string): number {
    const len = this.length(lengthBytes, field);
    if (len < min || len > max) throw decodeError(`${this.what}: ${field} length ${len} outside ${min}..${max}`);
    return this.need(len, field);
  }

  /** Rejects trailing bytes. */
  done(): void {
    if (this.pos !== this.end) throw decodeError(`${this.what}: ${this.end - this.pos} unexpected trailing bytes`);
  }
}
