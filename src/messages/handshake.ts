// RFC 8446 §4: the Handshake envelope. Received messages keep their raw bytes (header included):
// the transcript hashes those, never a re-encoding.
import { Writer } from '../wire/writer.js';
import { handshakeTypeName } from '../protocol/constants.js';

export interface HandshakeMessage {
  readonly type: number;
  /** The body, without the 4-byte header. */
  readonly body: Uint8Array;
  /** Header and body as they were (or will be) on the wire. */
  readonly raw: Uint8Array;
}

export const HANDSHAKE_HEADER_LENGTH = 4;

/** Builds a handshake message whose body `write` produces. */
export function buildHandshake(type: number, write: (w: Writer) => void, capacity = 512): HandshakeMessage {
  const w = new Writer(capacity);
  w.u8(type);
  w.vector(3, write);
  const raw = w.finish();
  return { type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
}

export function describeHandshake(msg: HandshakeMessage): string {
  return `${handshakeTypeName(msg.type)} (${msg.body.length} bytes)`;
}
