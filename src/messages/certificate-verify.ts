// RFC 8446 §4.4.3: CertificateVerify. SignatureScheme algorithm; opaque signature<0..2^16-1>.
// (TLS 1.2's digitally-signed struct, RFC 5246 §4.7, has the same shape.)
import { HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { utf8 } from '../wire/bytes.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';

export interface DigitallySigned {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function readDigitallySigned(r: Reader): DigitallySigned {
  const scheme = r.u16('signature algorithm');
  const signature = r.vectorBytes(2, 0, 0xffff, 'signature');
  return { scheme, signature };
}

export function readCertificateVerify(msg: HandshakeMessage): DigitallySigned {
  const r = new Reader(msg.body, 0, msg.body.length, 'certificate_verify');
  const signed = readDigitallySigned(r);
  r.done();
  return signed;
}

export function buildCertificateVerify(scheme: number, signature: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_verify, (w) => w.u16(scheme).vectorBytes(2, signature));
}

const serverContext = utf8('TLS 1.3, server CertificateVerify');
const clientContext = utf8('TLS 1.3, client CertificateVerify');

/**
 * RFC 8446 §4.4.3: what is signed is 64 spaces, a context string, a zero byte, then the
 * transcript hash up to (not including) this message.
 */
export function certificateVerifyInput(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = side === 'server' ? serverContext : clientContext;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}
