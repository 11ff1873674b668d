import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TlsError } from '../errors.js';
import { leafPublicKeyInfo } from './leaf-key.js';
import { readPem } from '../asn1/pem.js';

// RFC 8448 §6: the server's self-signed P-256 test certificate (CN=ecdsa256), public test material.
const CERTIFICATE = readPem(`-----BEGIN CERTIFICATE-----
MIIBLjCB1aADAgECAgEHMAoGCCqGSM49BAMCMBMxETAPBgNVBAMTCGVjZHNhMjU2MB4XDTE
2MDczMDAxMjQwMFoXDTI2MDczMDAxMjQwMFowEzERMA8GA1UEAxMIZWNkc2EyNTYwWTATBg
cqhkjOPQIBBggqhkjOPQMBBwNCAAQI1TAWFXX0z+fxVO40SBgAhgAeiEMaee5i7m4vg+84u
mHp+zfzTgB6ffTS9bVtHwTs5F1iH0aEBvXDoVFYlI3QoxowGDAJBgNVHRMEAjAAMAsGA1Ud
DwQEAwIHgDAKBggqhkjOPQQDAgNIADBFAiEA3zD9RQf17dIsGm/4bbR5ymk/7so7cbP571V
rKTfAWU0CIGLipHJQ0yD+qDx+LctbdqUOAgDAmtvRP+6UblE+AR0R
-----END CERTIFICATE-----`)[0]!.der;

test('leafPublicKeyInfo returns the SubjectPublicKeyInfo of a certificate', () => {
  const spki = leafPublicKeyInfo(CERTIFICATE);
  assert.equal(spki[0], 0x30);
  assert.equal(spki.length, 0x59 + 2); // P-256 SPKI: SEQUENCE of 89 bytes
});

test('leafPublicKeyInfo rejects bytes after the certificate (strict DER)', () => {
  const padded = new Uint8Array(CERTIFICATE.length + 2);
  padded.set(CERTIFICATE);
  assert.throws(
    () => leafPublicKeyInfo(padded),
    (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && /2 bytes follow/.test(err.message),
  );
});

test('leafPublicKeyInfo is strict DER: every strict prefix and a non-minimal length fail', () => {
  const isBadCertificate = (err: unknown): boolean => err instanceof TlsError && err.alert === 'bad_certificate';
  for (let n = 0; n < CERTIFICATE.length; n++) assert.throws(() => leafPublicKeyInfo(CERTIFICATE.subarray(0, n)), isBadCertificate, `prefix of ${n} bytes`);
  // 30 82 01 2e (the certificate's header) written with a redundant leading zero length octet.
  assert.deepEqual([...CERTIFICATE.subarray(0, 4)], [0x30, 0x82, 0x01, 0x2e]);
  const padded = Uint8Array.of(0x30, 0x83, 0x00, 0x01, 0x2e, ...CERTIFICATE.subarray(4));
  assert.throws(
    () => leafPublicKeyInfo(padded),
    (err: unknown) => isBadCertificate(err) && /not minimally encoded/.test((err as Error).message),
  );
});
