// RFC 8446 §4.5: EndOfEarlyData, an empty message ending the client's 0-RTT data.
import { decodeError } from '../errors.js';
import { HandshakeType } from '../protocol/constants.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';

export function readEndOfEarlyData(msg: HandshakeMessage): void {
  if (msg.body.length !== 0) throw decodeError('end_of_early_data must be empty');
}

export function buildEndOfEarlyData(): HandshakeMessage {
  return buildHandshake(HandshakeType.end_of_early_data, () => undefined, 4);
}
