// RFC 8446 §4.6.3: KeyUpdate. enum { update_not_requested(0), update_requested(1) } request_update.
import { illegalParameter } from '../errors.js';
import { HandshakeType, KeyUpdateRequest } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';

export function readKeyUpdate(msg: HandshakeMessage): boolean {
  const r = new Reader(msg.body, 0, msg.body.length, 'key_update');
  const request = r.u8('request_update');
  r.done();
  // RFC 8446 §4.6.3: any other value is illegal_parameter.
  if (request !== KeyUpdateRequest.update_not_requested && request !== KeyUpdateRequest.update_requested) {
    throw illegalParameter(`key_update has request_update ${request}`);
  }
  return request === KeyUpdateRequest.update_requested;
}

export function buildKeyUpdate(requestUpdate: boolean): HandshakeMessage {
  return buildHandshake(HandshakeType.key_update, (w) => w.u8(requestUpdate ? 1 : 0), 8);
}
