// RFC 8446 §4.3.2: CertificateRequest (TLS 1.3).
// struct { opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>; }
import { TlsError } from '../errors.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { encode } from '../wire/writer.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { decodeExtension, readExtensionList, writeExtensionList, type Extension } from './extensions/extension.js';
import { readSignatureSchemes, writeSignatureSchemes } from './extensions/signature-algorithms.js';
import { readCertificateAuthorities, writeCertificateAuthorities } from './extensions/certificate-authorities.js';

export interface CertificateRequest13 {
  readonly requestContext: Uint8Array;
  readonly signatureAlgorithms: readonly number[];
  readonly signatureAlgorithmsCert?: readonly number[];
  /** DER-encoded distinguished names of acceptable CAs. */
  readonly certificateAuthorities?: readonly Uint8Array[];
}

export function readCertificateRequest13(msg: HandshakeMessage): CertificateRequest13 {
  const r = new Reader(msg.body, 0, msg.body.length, 'certificate_request');
  const requestContext = r.vectorBytes(1, 0, 0xff, 'certificate_request_context');
  const extensions = readExtensionList(r.vector(2, 2, 0xffff, 'extensions'), 'certificate_request');
  r.done();
  let signatureAlgorithms: number[] | undefined;
  let signatureAlgorithmsCert: number[] | undefined;
  let certificateAuthorities: Uint8Array[] | undefined;
  for (const { type, body } of extensions) {
    if (type === E.signature_algorithms) signatureAlgorithms = decodeExtension(body, 'signature_algorithms', readSignatureSchemes);
    else if (type === E.signature_algorithms_cert) signatureAlgorithmsCert = decodeExtension(body, 'signature_algorithms_cert', readSignatureSchemes);
    else if (type === E.certificate_authorities) certificateAuthorities = decodeExtension(body, 'certificate_authorities', readCertificateAuthorities);
  }
  // RFC 8446 §4.3.2: signature_algorithms MUST be specified.
  if (!signatureAlgorithms) throw new TlsError('missing_extension', 'certificate_request has no signature_algorithms');
  return {
    requestContext,
    signatureAlgorithms,
    ...(signatureAlgorithmsCert ? { signatureAlgorithmsCert } : {}),
    ...(certificateAuthorities ? { certificateAuthorities } : {}),
  };
}

export function buildCertificateRequest13(request: CertificateRequest13): HandshakeMessage {
  const extensions: Extension[] = [{ type: E.signature_algorithms, body: encode((w) => writeSignatureSchemes(w, request.signatureAlgorithms)) }];
  if (request.certificateAuthorities && request.certificateAuthorities.length > 0) {
    const names = request.certificateAuthorities;
    extensions.push({ type: E.certificate_authorities, body: encode((w) => writeCertificateAuthorities(w, names)) });
  }
  return buildHandshake(HandshakeType.certificate_request, (w) => {
    w.vectorBytes(1, request.requestContext);
    writeExtensionList(w, extensions);
  });
}
