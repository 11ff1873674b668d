// RFC 8446 §4.2.4: certificate_authorities. DistinguishedName authorities<3..2^16-1>,
// DistinguishedName = opaque<1..2^16-1> (DER). TLS 1.2's CertificateRequest uses the same list.
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readCertificateAuthorities(r: Reader): Uint8Array[] {
  const list = r.vector(2, 3, 0xffff, 'authorities');
  const names: Uint8Array[] = [];
  while (list.remaining > 0) names.push(list.vectorBytes(2, 1, 0xffff, 'DistinguishedName'));
  return names;
}

export function writeCertificateAuthorities(w: Writer, names: readonly Uint8Array[]): void {
  w.vector(2, (l) => names.forEach((n) => l.vectorBytes(2, n)));
}
