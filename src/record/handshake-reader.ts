// RFC 8446 §5.1: handshake messages may be split across records and several may share one. This
// joins fragments into whole messages, bounded by the largest message we accept.
import { TlsError } from '../errors.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../messages/handshake.js';
import { handshakeTypeName } from '../protocol/constants.js';

export class HandshakeReader {
  private pending: Uint8Array | undefined;

  constructor(private readonly maxMessageLength: number) {}

  /** Whether part of a message is buffered (a key change now would be unexpected_message). */
  get hasPartialMessage(): boolean {
    return this.pending !== undefined && this.pending.length > 0;
  }

  /** Drops a partial message (after a fatal error: nothing is kept for a dead connection). */
  clear(): void {
    this.pending = undefined;
  }

  push(fragment: Uint8Array): void {
    this.pending = this.pending === undefined || this.pending.length === 0 ? fragment : join(this.pending, fragment);
  }

  /** The next whole message, or undefined if more fragments are needed. */
  next(): HandshakeMessage | undefined {
    const buf = this.pending;
    if (buf === undefined || buf.length < HANDSHAKE_HEADER_LENGTH) return undefined;
    const type = buf[0]!;
    const length = (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!;
    if (length > this.maxMessageLength) {
      throw new TlsError('illegal_parameter', `peer sent a ${handshakeTypeName(type)} of ${length} bytes, more than the ${this.maxMessageLength} we accept`);
    }
    const total = HANDSHAKE_HEADER_LENGTH + length;
    if (buf.length < total) return undefined;
    const raw = buf.subarray(0, total);
    this.pending = buf.length === total ? undefined : buf.subarray(total);
    return { type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
