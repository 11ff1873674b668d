// RFC 8446 §4.6.1: NewSessionTicket.
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { encode } from '../wire/writer.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { decodeExtension, readExtensionList, writeExtensionList, type Extension } from './extensions/extension.js';
import { readMaxEarlyDataSize } from './extensions/pre-shared-key.js';

export interface NewSessionTicket13 {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly maxEarlyDataSize?: number;
}

// RFC 8446 §4.6.1: servers MUST NOT use a lifetime above 7 days; clients discard such tickets' excess.
export const MAX_TICKET_LIFETIME = 7 * 24 * 3600;

export function readNewSessionTicket13(msg: HandshakeMessage): NewSessionTicket13 {
  const r = new Reader(msg.body, 0, msg.body.length, 'new_session_ticket');
  const lifetime = r.u32('ticket_lifetime');
  const ageAdd = r.u32('ticket_age_add');
  const nonce = r.vectorBytes(1, 0, 255, 'ticket_nonce');
  const ticket = r.vectorBytes(2, 1, 0xffff, 'ticket');
  // A repeated extension is illegal_parameter here, as BoringSSL answers (BoGo TLS13-DuplicateTicketEarlyDataSupport).
  const extensions = readExtensionList(r.vector(2, 0, 0xfffe, 'extensions'), 'new_session_ticket', 'illegal_parameter');
  r.done();
  const early = extensions.find((e) => e.type === E.early_data);
  const nst: NewSessionTicket13 = { lifetime, ageAdd, nonce, ticket };
  return early ? { ...nst, maxEarlyDataSize: decodeExtension(early.body, 'early_data', readMaxEarlyDataSize) } : nst;
}

export function buildNewSessionTicket13(nst: NewSessionTicket13): HandshakeMessage {
  const extensions: Extension[] = [];
  if (nst.maxEarlyDataSize !== undefined) {
    const size = nst.maxEarlyDataSize;
    extensions.push({ type: E.early_data, body: encode((w) => w.u32(size)) });
  }
  return buildHandshake(HandshakeType.new_session_ticket, (w) => {
    w.u32(nst.lifetime).u32(nst.ageAdd).vectorBytes(1, nst.nonce).vectorBytes(2, nst.ticket);
    writeExtensionList(w, extensions);
  });
}
