// RFC 8446 §4.4.4 / RFC 5246 §7.4.9: Finished. opaque verify_data[Hash.length] (12 bytes in TLS 1.2).
import { decodeError } from '../errors.js';
import { HandshakeType } from '../protocol/constants.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';

export function readFinished(msg: HandshakeMessage, expectedLength: number): Uint8Array {
  if (msg.body.length !== expectedLength) throw decodeError(`finished: verify_data is ${msg.body.length} bytes, expected ${expectedLength}`);
  return msg.body;
}

export function buildFinished(verifyData: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.finished, (w) => w.bytes(verifyData), verifyData.length + 4);
}
