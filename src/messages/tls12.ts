// TLS 1.2 handshake messages that TLS 1.3 does not have (RFC 5246 §7.4, RFC 8422 §5, RFC 5077 §3.3).
import { TlsError, decodeError } from '../errors.js';
import { HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { readDigitallySigned, type DigitallySigned } from './certificate-verify.js';
import { readSignatureSchemes, writeSignatureSchemes } from './extensions/signature-algorithms.js';

// RFC 8422 §5.4: ECCurveType named_curve.
const NAMED_CURVE = 3;

export interface ServerEcdhParams {
  readonly group: number;
  readonly publicKey: Uint8Array;
  /** The encoded ServerECDHParams, which the signature covers. */
  readonly raw: Uint8Array;
}

export interface ServerKeyExchange {
  readonly params: ServerEcdhParams;
  readonly signed: DigitallySigned;
}

// RFC 8422 §5.4: struct { ServerECDHParams params; digitally-signed struct {...} signed_params; }
// ServerECDHParams = ECParameters curve_params (curve_type, NamedCurve) + ECPoint public<1..2^8-1>.
export function readServerKeyExchange(msg: HandshakeMessage): ServerKeyExchange {
  const r = new Reader(msg.body, 0, msg.body.length, 'server_key_exchange');
  const start = r.offset;
  const curveType = r.u8('curve_type');
  if (curveType !== NAMED_CURVE) throw new TlsError('illegal_parameter', `server_key_exchange uses curve type ${curveType}; only named curves are allowed`);
  const group = r.u16('named_curve');
  const publicKey = r.vectorBytes(1, 1, 255, 'ECPoint');
  const raw = msg.body.subarray(start, r.offset);
  const signed = readDigitallySigned(r);
  r.done();
  return { params: { group, publicKey, raw }, signed };
}

export function encodeServerEcdhParams(group: number, publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + publicKey.length);
  out[0] = NAMED_CURVE;
  out[1] = group >>> 8;
  out[2] = group;
  out[3] = publicKey.length;
  out.set(publicKey, 4);
  return out;
}

export function buildServerKeyExchange(params: Uint8Array, scheme: number, signature: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.server_key_exchange, (w) => w.bytes(params).u16(scheme).vectorBytes(2, signature));
}

// RFC 5246 §7.4.5: ServerHelloDone is empty.
export function readServerHelloDone(msg: HandshakeMessage): void {
  if (msg.body.length !== 0) throw decodeError('server_hello_done must be empty');
}

export function buildServerHelloDone(): HandshakeMessage {
  return buildHandshake(HandshakeType.server_hello_done, () => undefined, 4);
}

// RFC 8422 §5.7 (ECDHE): ECPoint ecdh_Yc<1..2^8-1>; RFC 5246 §7.4.7.1 (RSA): EncryptedPreMasterSecret<0..2^16-1>.
export function readClientKeyExchange(msg: HandshakeMessage, kind: 'ecdhe' | 'rsa'): Uint8Array {
  const r = new Reader(msg.body, 0, msg.body.length, 'client_key_exchange');
  const value = kind === 'ecdhe' ? r.vectorBytes(1, 1, 255, 'ecdh_Yc') : r.vectorBytes(2, 0, 0xffff, 'EncryptedPreMasterSecret');
  r.done();
  return value;
}

export function buildClientKeyExchange(kind: 'ecdhe' | 'rsa', value: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.client_key_exchange, (w) => (kind === 'ecdhe' ? w.vectorBytes(1, value) : w.vectorBytes(2, value)));
}

// RFC 5246 §7.4.4: CertificateRequest.
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

export interface CertificateRequest12 {
  readonly certificateTypes: Uint8Array;
  readonly signatureAlgorithms: readonly number[];
  readonly certificateAuthorities: readonly Uint8Array[];
}

export function readCertificateRequest12(msg: HandshakeMessage): CertificateRequest12 {
  const r = new Reader(msg.body, 0, msg.body.length, 'certificate_request');
  const certificateTypes = r.vectorBytes(1, 1, 255, 'certificate_types');
  const signatureAlgorithms = readSignatureSchemes(r);
  const names = r.vector(2, 0, 0xffff, 'certificate_authorities');
  r.done();
  const certificateAuthorities: Uint8Array[] = [];
  while (names.remaining > 0) certificateAuthorities.push(names.vectorBytes(2, 1, 0xffff, 'DistinguishedName'));
  return { certificateTypes, signatureAlgorithms, certificateAuthorities };
}

export function buildCertificateRequest12(request: CertificateRequest12): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_request, (w) => {
    w.vectorBytes(1, request.certificateTypes);
    writeSignatureSchemes(w, request.signatureAlgorithms);
    w.vector(2, (l) => request.certificateAuthorities.forEach((n) => l.vectorBytes(2, n)));
  });
}

// RFC 5077 §3.3: struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket.
export interface NewSessionTicket12 {
  readonly lifetimeHint: number;
  readonly ticket: Uint8Array;
}

export function readNewSessionTicket12(msg: HandshakeMessage): NewSessionTicket12 {
  const r = new Reader(msg.body, 0, msg.body.length, 'new_session_ticket');
  const lifetimeHint = r.u32('ticket_lifetime_hint');
  const ticket = r.vectorBytes(2, 0, 0xffff, 'ticket');
  r.done();
  return { lifetimeHint, ticket };
}

export function buildNewSessionTicket12(nst: NewSessionTicket12): HandshakeMessage {
  return buildHandshake(HandshakeType.new_session_ticket, (w) => w.u32(nst.lifetimeHint).vectorBytes(2, nst.ticket));
}

// RFC 5246 §7.4.1.1: HelloRequest is empty.
export function readHelloRequest(msg: HandshakeMessage): void {
  if (msg.body.length !== 0) throw decodeError('hello_request must be empty');
}
