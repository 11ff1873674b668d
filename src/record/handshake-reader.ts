// RFC 8446 §5.1: handshake messages may be split across records and several may share one. This
// joins fragments into whole messages, bounded by the largest message we accept. Fragments are kept
// as a list and each byte is copied at most once, when its message is complete: joining on every
// push would make a message sent one byte per record cost quadratic time.
import { TlsError } from '../errors.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../messages/handshake.js';
import { handshakeTypeName } from '../protocol/constants.js';

/** The largest message length accepted: one bound for every type, or one per type. */
export type HandshakeMessageLimit = number | ((type: number) => number);

export class HandshakeReader {
  /** Fragments from `head` on are unconsumed, in order; none is empty. */
  private fragments: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;

  private readonly maxMessageLength: (type: number) => number;

  constructor(limit: HandshakeMessageLimit) {
    this.maxMessageLength = typeof limit === 'number' ? () => limit : limit;
  }

  /** Whether part of a message is buffered (a key change now would be unexpected_message). */
  get hasPartialMessage(): boolean {
    return this.buffered > 0;
  }

  /** Drops a partial message (after a fatal error: nothing is kept for a dead connection). */
  clear(): void {
    this.fragments = [];
    this.head = 0;
    this.buffered = 0;
  }

  push(fragment: Uint8Array): void {
    if (fragment.length === 0) return;
    this.fragments.push(fragment);
    this.buffered += fragment.length;
  }

  /** The next whole message, or undefined if more fragments are needed. */
  next(): HandshakeMessage | undefined {
    if (this.buffered < HANDSHAKE_HEADER_LENGTH) return undefined;
    const type = this.byteAt(0);
    const length = (this.byteAt(1) << 16) | (this.byteAt(2) << 8) | this.byteAt(3);
    const max = this.maxMessageLength(type);
    if (length > max) {
      throw new TlsError('illegal_parameter', `peer sent a ${handshakeTypeName(type)} of ${length} bytes, more than the ${max} we accept`);
    }
    const total = HANDSHAKE_HEADER_LENGTH + length;
    if (this.buffered < total) return undefined;
    const raw = this.take(total);
    return { type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
  }

  /** Byte `i` of the buffered data (i < 4: only the first few fragments are visited). */
  private byteAt(i: number): number {
    for (let k = this.head; k < this.fragments.length; k++) {
      const f = this.fragments[k]!;
      if (i < f.length) return f[i]!;
      i -= f.length;
    }
    throw new RangeError('byteAt beyond buffered data');
  }

  /** The first n buffered bytes: a view when one fragment holds them, else one copy. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.fragments[this.head]!;
    let out: Uint8Array;
    if (first.length >= n) {
      out = first.subarray(0, n);
      this.consume(first, n);
    } else {
      out = new Uint8Array(n);
      for (let at = 0; at < n; ) {
        const f = this.fragments[this.head]!;
        const count = Math.min(f.length, n - at);
        out.set(f.subarray(0, count), at);
        at += count;
        this.consume(f, count);
      }
    }
    if (this.head === this.fragments.length) {
      this.fragments = [];
      this.head = 0;
    }
    return out;
  }

  /** Drops `count` bytes from the front of the head fragment `f`. */
  private consume(f: Uint8Array, count: number): void {
    if (count === f.length) this.head++;
    else this.fragments[this.head] = f.subarray(count);
  }
}
