// RFC 8446 §5.1 / RFC 5246 §6.2: splits the incoming byte stream into records. A record that lies
// inside one received chunk is returned as a view (no copy); one spanning chunks is joined once.
import { TlsError } from '../errors.js';
import { ContentType } from '../protocol/constants.js';
import { RECORD_HEADER_LENGTH } from '../protocol/limits.js';

export interface RawRecord {
  readonly type: number;
  readonly version: number;
  /** The 5-byte header followed by the fragment, as received. */
  readonly bytes: Uint8Array;
  readonly fragment: Uint8Array;
}

export class RecordReader {
  private chunks: Uint8Array[] = [];
  /** Offset into chunks[0] of the first unread byte. */
  private head = 0;
  private buffered = 0;

  /** Bytes received and not yet returned as records. */
  get bufferedLength(): number {
    return this.buffered;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
  }

  private byteAt(i: number): number {
    let index = this.head + i;
    for (const c of this.chunks) {
      if (index < c.length) return c[index]!;
      index -= c.length;
    }
    throw new RangeError('byteAt beyond buffered data');
  }

  /**
   * The next complete record, or undefined if more bytes are needed. `maxFragment` is the largest
   * fragment the current read state allows; a longer one is record_overflow.
   */
  next(maxFragment: number): RawRecord | undefined {
    if (this.buffered < RECORD_HEADER_LENGTH) return undefined;
    const type = this.byteAt(0);
    const version = (this.byteAt(1) << 8) | this.byteAt(2);
    const length = (this.byteAt(3) << 8) | this.byteAt(4);
    checkHeader(type, version);
    // RFC 8446 §5.1, §5.2: records above the limit end the connection with record_overflow.
    if (length > maxFragment) throw new TlsError('record_overflow', `peer sent a record of ${length} bytes, more than the ${maxFragment} allowed`);
    const total = RECORD_HEADER_LENGTH + length;
    if (this.buffered < total) return undefined;
    const bytes = this.take(total);
    return { type, version, bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    this.buffered -= n;
    if (first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return view;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const count = Math.min(c.length - this.head, n - at);
      out.set(c.subarray(this.head, this.head + count), at);
      at += count;
      this.head += count;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }

  /** Drops everything buffered (after a fatal error or when handing the stream back). */
  clear(): Uint8Array[] {
    const rest = this.chunks.map((c, i) => (i === 0 ? c.subarray(this.head) : c));
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    return rest;
  }
}

function checkHeader(type: number, version: number): void {
  if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
    // A plain-text protocol spoken to a TLS port is the usual cause: say so.
    if (type >= 0x41 && type <= 0x5a) {
      throw new TlsError('unexpected_message', 'peer sent plain text, not TLS (is it an HTTP or other cleartext client?)');
    }
    // RFC 8446 §5: an unknown record type is unexpected_message.
    throw new TlsError('unexpected_message', `peer sent a record of unknown content type ${type}`);
  }
  // RFC 8446 §5.1: legacy_record_version is otherwise ignored, but anything not 3.x is not TLS.
  if (version >> 8 !== 0x03) throw new TlsError('protocol_version', `peer sent a record with version 0x${version.toString(16)}, which is not TLS`);
}
