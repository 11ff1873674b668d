// RFC 6066 §8: status_request (OCSP stapling). The client's CertificateStatusRequest and the
// server's CertificateStatus, which TLS 1.3 carries in the leaf's CertificateEntry (RFC 8446
// §4.4.2.1) and TLS 1.2 in its own handshake message.
import { decodeError } from '../../errors.js';
import { HandshakeType } from '../../protocol/constants.js';
import { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';
import { buildHandshake, type HandshakeMessage } from '../handshake.js';

// CertificateStatusType ocsp(1).
const OCSP = 1;

/** struct { CertificateStatusType status_type = ocsp; ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions<0..2^16-1>; } */
export function writeStatusRequest(w: Writer): void {
  w.u8(OCSP).u16(0).u16(0);
}

/** Whether a client's status_request asks for OCSP (other types are ignored). */
export function readStatusRequest(r: Reader): boolean {
  const type = r.u8('status_type');
  if (type !== OCSP) {
    r.rest();
    return false;
  }
  r.vectorBytes(2, 0, 0xffff, 'responder_id_list');
  r.vectorBytes(2, 0, 0xffff, 'request_extensions');
  return true;
}

/** struct { CertificateStatusType status_type; OCSPResponse ocsp_response<1..2^24-1>; } */
export function readCertificateStatusBody(r: Reader): Uint8Array {
  const type = r.u8('status_type');
  if (type !== OCSP) throw decodeError(`certificate status of unknown type ${type}`);
  return r.vectorBytes(3, 1, 0xffffff, 'ocsp_response');
}

export function writeCertificateStatusBody(w: Writer, response: Uint8Array): void {
  w.u8(OCSP).vectorBytes(3, response);
}

/** TLS 1.2: the CertificateStatus handshake message. */
export function readCertificateStatus(msg: HandshakeMessage): Uint8Array {
  const r = new Reader(msg.body, 0, msg.body.length, 'certificate_status');
  const response = readCertificateStatusBody(r);
  r.done();
  return response;
}

export function buildCertificateStatus(response: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_status, (w) => writeCertificateStatusBody(w, response), response.length + 8);
}
