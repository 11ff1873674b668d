// RFC 5746 §3.2: renegotiation_info. opaque renegotiated_connection<0..255>; empty on an initial handshake.
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readRenegotiationInfo(r: Reader): Uint8Array {
  return r.vectorBytes(1, 0, 255, 'renegotiated_connection');
}

export function writeRenegotiationInfo(w: Writer, verifyData: Uint8Array): void {
  w.vectorBytes(1, verifyData);
}
