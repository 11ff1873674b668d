// The one thing the handshake needs from a leaf certificate before (or without) path validation:
// its SubjectPublicKeyInfo, to check CertificateVerify (RFC 5280 §4.1: Certificate, TBSCertificate).
import { TlsError } from '../errors.js';

function badCertificate(why: string): TlsError {
  return new TlsError('bad_certificate', `certificate is malformed: ${why}`);
}

/** Reads one DER TLV header at `at`; returns [tag, start of value, end of value]. */
function tlv(der: Uint8Array, at: number, end: number): [number, number, number] {
  if (at + 2 > end) throw badCertificate('truncated');
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > end) throw badCertificate('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > end) throw badCertificate('truncated');
  return [tag, start, start + len];
}

/** The DER SubjectPublicKeyInfo of a certificate. */
export function leafPublicKeyInfo(der: Uint8Array): Uint8Array {
  const [certTag, certStart, certEnd] = tlv(der, 0, der.length);
  if (certTag !== 0x30) throw badCertificate('not a SEQUENCE');
  // Strict DER (STYLE.md "X.509"): the certificate is the whole of cert_data, nothing after it.
  if (certEnd !== der.length) throw badCertificate(`${der.length - certEnd} bytes follow the certificate`);
  const [tbsTag, tbsStart, tbsEnd] = tlv(der, certStart, certEnd);
  if (tbsTag !== 0x30) throw badCertificate('tbsCertificate is not a SEQUENCE');
  let at = tbsStart;
  let [tag, , end] = tlv(der, at, tbsEnd);
  if (tag === 0xa0) {
    at = end; // [0] version
    [tag, , end] = tlv(der, at, tbsEnd);
  }
  // serialNumber, signature, issuer, validity, subject, then subjectPublicKeyInfo.
  for (let i = 0; i < 5; i++) {
    at = end;
    [tag, , end] = tlv(der, at, tbsEnd);
  }
  if (tag !== 0x30) throw badCertificate('subjectPublicKeyInfo is not a SEQUENCE');
  return der.subarray(at, end);
}
