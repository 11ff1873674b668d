// RFC 8446 §4.4.2 (TLS 1.3) and RFC 5246 §7.4.2 (TLS 1.2): Certificate.
import { TlsError } from '../errors.js';
import { HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { readExtensionList, writeExtensionList, type Extension } from './extensions/extension.js';

export interface CertificateEntry {
  readonly certData: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface Certificate13 {
  readonly requestContext: Uint8Array;
  readonly entries: readonly CertificateEntry[];
}

export interface CertificateLimits {
  /** Most certificates accepted in one chain. */
  readonly maxChainLength: number;
}

// struct { opaque certificate_request_context<0..2^8-1>; CertificateEntry certificate_list<0..2^24-1>; }
// CertificateEntry: opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>.
export function readCertificate13(msg: HandshakeMessage, limits: CertificateLimits): Certificate13 {
  const r = new Reader(msg.body, 0, msg.body.length, 'certificate');
  const requestContext = r.vectorBytes(1, 0, 0xff, 'certificate_request_context');
  const list = r.vector(3, 0, 0xffffff, 'certificate_list');
  r.done();
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    if (entries.length === limits.maxChainLength) throw chainTooLong(limits.maxChainLength);
    const certData = list.vectorBytes(3, 1, 0xffffff, 'cert_data');
    const extensions = readExtensionList(list.vector(2, 0, 0xffff, 'certificate entry extensions'), 'certificate_entry');
    entries.push({ certData, extensions });
  }
  return { requestContext, entries };
}

/**
 * RFC 8446 §4.4.2: the extensions of each CertificateEntry must answer ones we sent (the server's, in
 * our ClientHello; the client's, in our CertificateRequest); any other is unsupported_extension
 * (§4.2), whether or not we know it.
 */
export function checkEntryExtensions(cert: Certificate13, requested: readonly number[], from: 'server' | 'client'): void {
  for (const entry of cert.entries) {
    for (const e of entry.extensions) {
      if (!requested.includes(e.type))
        throw new TlsError('unsupported_extension', `${from} certificate entry carries extension ${e.type}, which we did not ask for`);
    }
  }
}

export function buildCertificate13(
  requestContext: Uint8Array,
  certificates: readonly Uint8Array[],
  leafExtensions: readonly Extension[] = [],
): HandshakeMessage {
  const size = certificates.reduce((n, c) => n + c.length + 5, 16);
  return buildHandshake(
    HandshakeType.certificate,
    (w) => {
      w.vectorBytes(1, requestContext);
      w.vector(3, (l) =>
        certificates.forEach((c, i) => {
          l.vectorBytes(3, c);
          writeExtensionList(l, i === 0 ? leafExtensions : []);
        }),
      );
    },
    size,
  );
}

// TLS 1.2: opaque ASN.1Cert<1..2^24-1>; struct { ASN.1Cert certificate_list<0..2^24-1>; }
export function readCertificate12(msg: HandshakeMessage, limits: CertificateLimits): Uint8Array[] {
  const r = new Reader(msg.body, 0, msg.body.length, 'certificate');
  const list = r.vector(3, 0, 0xffffff, 'certificate_list');
  r.done();
  const certs: Uint8Array[] = [];
  while (list.remaining > 0) {
    if (certs.length === limits.maxChainLength) throw chainTooLong(limits.maxChainLength);
    certs.push(list.vectorBytes(3, 1, 0xffffff, 'ASN.1Cert'));
  }
  return certs;
}

export function buildCertificate12(certificates: readonly Uint8Array[]): HandshakeMessage {
  const size = certificates.reduce((n, c) => n + c.length + 3, 16);
  return buildHandshake(
    HandshakeType.certificate,
    (w) => {
      w.vector(3, (l) => certificates.forEach((c) => l.vectorBytes(3, c)));
    },
    size,
  );
}

/** A chain longer than we accept: bad_certificate (RFC 8446 §6.2 has no closer alert). */
function chainTooLong(max: number): TlsError {
  return new TlsError('bad_certificate', `certificate chain has more than ${max} certificates`);
}
