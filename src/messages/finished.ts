// RFC 8446 §4.4.4 / RFC 5246 §7.4.9: Finished. opaque verify_data[Hash.length] (12 bytes in TLS 1.2).
import { decryptError } from '../errors.js';
import { HandshakeType } from '../protocol/constants.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';

/**
 * A body of another length cannot be the verify_data we compute, so it fails as a wrong Finished does:
 * decrypt_error (RFC 8446 §4.4.4, RFC 5246 §7.4.9), as BoringSSL has it; reading it as a malformed
 * message (decode_error, as OpenSSL does) is the other reading the RFCs allow.
 */
export function readFinished(msg: HandshakeMessage, expectedLength: number): Uint8Array {
  if (msg.body.length !== expectedLength) throw decryptError(`finished: verify_data is ${msg.body.length} bytes, expected ${expectedLength}`);
  return msg.body;
}

export function buildFinished(verifyData: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.finished, (w) => w.bytes(verifyData), verifyData.length + 4);
}
