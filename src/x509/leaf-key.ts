// The one thing the handshake needs from a leaf certificate before (or without) path validation:
// its SubjectPublicKeyInfo, to check CertificateVerify (RFC 5280 §4.1: Certificate, TBSCertificate).
// On every handshake, so it walks to the field with the strict reader and parses nothing else:
// parseCertificate() (through the verifier) reads the whole certificate.
import { Tag, contextTag, malformed, readLimited } from '../asn1/der.js';
import { MAX_CERTIFICATE_BYTES } from './limits.js';

/** How the reader's messages start: 'certificate is malformed: truncated subject (...)'. */
const WHAT = 'certificate is malformed';

/** The DER SubjectPublicKeyInfo of a certificate. Throws TlsError('bad_certificate'). */
export function leafPublicKeyInfo(der: Uint8Array): Uint8Array {
  const outer = readLimited(der, WHAT, MAX_CERTIFICATE_BYTES);
  const cert = outer.sequence('Certificate');
  // Strict DER (STYLE.md "X.509"): the certificate is the whole of cert_data, nothing after it.
  if (!outer.atEnd) throw malformed(WHAT, `${outer.remaining} bytes follow the certificate`);
  const tbs = cert.sequence('tbsCertificate');
  tbs.optional(contextTag(0, true), 'version');
  tbs.element('serialNumber', Tag.INTEGER);
  tbs.element('signature', Tag.SEQUENCE);
  tbs.element('issuer', Tag.SEQUENCE);
  tbs.element('validity', Tag.SEQUENCE);
  tbs.element('subject', Tag.SEQUENCE);
  return tbs.element('subjectPublicKeyInfo', Tag.SEQUENCE);
}
