// LDAP (RFC 4511 §4.14): the StartTLS extended operation. We encode the ExtendedRequest in BER
// ourselves and read the ExtendedResponse with a small reader: definite lengths only (§5.1),
// every length within the message, the message within MAX_MESSAGE_BYTES.
import { MAX_MESSAGE_BYTES, StartTlsError, quote, type Conversation } from './conversation.js';

// RFC 4511 §4.14.1 and §4.4.1: the StartTLS request's name, and the notice of disconnection's.
const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
const NOTICE_OF_DISCONNECTION_OID = '1.3.6.1.4.1.1466.20036';

// BER identifiers (X.690 §8.1.2) as LDAP uses them (RFC 4511 §4.1.1, §4.12).
const Ber = {
  sequence: 0x30,
  integer: 0x02,
  enumerated: 0x0a,
  octetString: 0x04,
  extendedRequest: 0x77, // [APPLICATION 23] constructed
  extendedResponse: 0x78, // [APPLICATION 24] constructed
  requestName: 0x80, // [0] primitive
  referral: 0xa3, // [3] constructed
  responseName: 0x8a, // [10] primitive
  responseValue: 0x8b, // [11] primitive
} as const;

// RFC 4511 Appendix A: the result codes a StartTLS answer may carry, by name.
const RESULT_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  10: 'referral',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

const MESSAGE_ID = 1;

/** A BER definite length (X.690 §8.1.3): short form, or long form of up to 3 length bytes. */
function tlv(bytes: Uint8Array, at: number): { tag: number; start: number; end: number } | undefined {
  if (bytes.length < at + 2) return undefined;
  const tag = bytes[at]!;
  const first = bytes[at + 1]!;
  let length = first;
  let start = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0) throw new StartTlsError('the LDAP server sent an indefinite length, which LDAP forbids (RFC 4511 §5.1)');
    if (n > 3) throw new StartTlsError(`the LDAP server sent a length of ${n} bytes`);
    if (bytes.length < start + n) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[start + i]!;
    start += n;
  }
  return { tag, start, end: start + length };
}

/** Reads the TLV at `at` within `limit` (the enclosing element's end), expecting `tag`. */
function element(bytes: Uint8Array, at: number, limit: number, tag: number, what: string): { start: number; end: number } {
  const t = tlv(bytes, at);
  if (!t || t.end > limit) throw new StartTlsError(`the LDAP server's response is malformed: ${what} runs past its message`);
  if (t.tag !== tag) throw new StartTlsError(`the LDAP server's response is malformed: ${what} has tag 0x${t.tag.toString(16)}, not 0x${tag.toString(16)}`);
  return t;
}

function integer(bytes: Uint8Array, t: { start: number; end: number }): number {
  if (t.end - t.start < 1 || t.end - t.start > 4) throw new StartTlsError('the LDAP server sent an integer of an unusual size');
  let value = bytes[t.start]! & 0x80 ? -1 : 0;
  for (let i = t.start; i < t.end; i++) value = value * 256 + bytes[i]!;
  return value;
}

/** A BER length: short form under 128, else long form. */
function length(n: number): number[] {
  if (n > 0xff) throw new RangeError('an LDAP request this size is not written here');
  return n < 0x80 ? [n] : [0x81, n];
}

/** RFC 4511 §4.14.1: LDAPMessage { messageID 1, ExtendedRequest { requestName [0] StartTLS OID } }. */
export function writeStartTlsRequest(oid = START_TLS_OID, messageId = MESSAGE_ID): Uint8Array {
  const name = [...Buffer.from(oid, 'latin1')];
  const requestName = [Ber.requestName, ...length(name.length), ...name];
  const op = [Ber.extendedRequest, ...length(requestName.length), ...requestName];
  const body = [Ber.integer, 1, messageId, ...op];
  return Uint8Array.from([Ber.sequence, ...length(body.length), ...body]);
}

export interface ExtendedResponse {
  readonly messageId: number;
  readonly resultCode: number;
  readonly diagnosticMessage: string;
  readonly responseName?: string;
}

/** One LDAPMessage holding an ExtendedResponse (RFC 4511 §4.12), or undefined until it is whole. */
export function readExtendedResponse(bytes: Uint8Array): { response: ExtendedResponse; consumed: number } | undefined {
  const message = tlv(bytes, 0);
  if (!message) return undefined;
  if (message.tag !== Ber.sequence) throw new StartTlsError(`the server's answer is not LDAP (first byte 0x${message.tag.toString(16).padStart(2, '0')})`);
  if (message.end > MAX_MESSAGE_BYTES) throw new StartTlsError(`the LDAP server's response is longer than ${MAX_MESSAGE_BYTES} bytes`);
  if (bytes.length < message.end) return undefined;
  const id = element(bytes, message.start, message.end, Ber.integer, 'messageID');
  const messageId = integer(bytes, id);
  const op = tlv(bytes, id.end);
  if (!op || op.end > message.end) throw new StartTlsError("the LDAP server's response is malformed: protocolOp runs past its message");
  if (op.tag !== Ber.extendedResponse)
    throw new StartTlsError(`the LDAP server answered StartTLS with protocol operation 0x${op.tag.toString(16)}, not an ExtendedResponse`);
  const code = element(bytes, op.start, op.end, Ber.enumerated, 'resultCode');
  const matchedDn = element(bytes, code.end, op.end, Ber.octetString, 'matchedDN');
  const diagnostic = element(bytes, matchedDn.end, op.end, Ber.octetString, 'diagnosticMessage');
  let at = diagnostic.end;
  let responseName: string | undefined;
  while (at < op.end) {
    const t = tlv(bytes, at);
    if (!t || t.end > op.end) throw new StartTlsError("the LDAP server's response is malformed: a field runs past its message");
    if (t.tag === Ber.responseName) responseName = Buffer.from(bytes.subarray(t.start, t.end)).toString('latin1');
    else if (t.tag !== Ber.referral && t.tag !== Ber.responseValue)
      throw new StartTlsError(`the LDAP server's response has an unknown field (tag 0x${t.tag.toString(16)})`);
    at = t.end;
  }
  // Controls ([0], RFC 4511 §4.1.11) may follow the operation; they do not matter here.
  const response = {
    messageId,
    resultCode: integer(bytes, code),
    diagnosticMessage: Buffer.from(bytes.subarray(diagnostic.start, diagnostic.end)).toString('utf8'),
    ...(responseName !== undefined ? { responseName } : {}),
  };
  return { response, consumed: message.end };
}

const describeResult = (r: ExtendedResponse): string =>
  `resultCode ${r.resultCode} ${RESULT_CODES[r.resultCode] ?? ''}`.trimEnd() + (r.diagnosticMessage ? `, ${quote(r.diagnosticMessage)}` : '');

export function ldap(): Conversation {
  return {
    start: () => ({ bytes: writeStartTlsRequest(), text: `ExtendedRequest StartTLS (${START_TLS_OID}), messageID ${MESSAGE_ID}` }),
    next(buffered) {
      const read = readExtendedResponse(buffered);
      if (!read) return { kind: 'need-more' };
      const r = read.response;
      const received = [`ExtendedResponse messageID ${r.messageId}, ${describeResult(r)}${r.responseName ? `, responseName ${r.responseName}` : ''}`];
      // RFC 4511 §4.4.1: an unsolicited notice (messageID 0) says the server is closing.
      if (r.messageId === 0 || r.responseName === NOTICE_OF_DISCONNECTION_OID)
        throw new StartTlsError(`the LDAP server is disconnecting: ${describeResult(r)}`);
      if (r.messageId !== MESSAGE_ID) throw new StartTlsError(`the LDAP server answered message ${r.messageId}, but we sent message ${MESSAGE_ID}`);
      if (r.resultCode !== 0) throw new StartTlsError(`the LDAP server refused StartTLS: ${describeResult(r)}`);
      // RFC 4511 §4.14.2: the response names the operation when present.
      if (r.responseName !== undefined && r.responseName !== START_TLS_OID)
        throw new StartTlsError(`the LDAP server answered StartTLS as operation ${quote(r.responseName)}`);
      return { kind: 'done', consumed: read.consumed, received };
    },
  };
}
