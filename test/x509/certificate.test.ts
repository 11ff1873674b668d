// Certificate and CRL parsing: fields of real (openssl-minted) encodings, and malformed DER of
// every kind rejected with TlsError('bad_certificate') naming what is wrong.
import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import { TlsError } from '../../src/errors.js';
import { parseCertificate, parseCrl, readCertificates, TrustStore } from '../../src/x509/index.js';
import { CA_EXTENSIONS, standardChain, TestPki } from './fixtures.js';

const pki = new TestPki();
after(() => pki.cleanup());
const { root, intermediate, leaf } = standardChain(pki, [
  'DNS:www.example.com',
  'IP:192.0.2.1',
  'IP:2001:db8::1',
  'email:ops@example.com',
  'URI:https://example.com/',
]);

function badCertificate(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TlsError, `expected TlsError, got ${String(err)}`);
    assert.equal(err.alert, 'bad_certificate');
    assert.match(err.message, message);
    return true;
  });
}

/** Finds `needle` in `hay` (once) and returns a copy with it replaced. */
function patch(hay: Uint8Array, needle: number[], replacement: number[]): Uint8Array {
  const at = hay.findIndex((_, i) => needle.every((b, j) => hay[i + j] === b));
  assert.ok(at >= 0, 'pattern not found');
  return new Uint8Array([...hay.subarray(0, at), ...replacement, ...hay.subarray(at + needle.length)]);
}

describe('parseCertificate', () => {
  test('reads the fields validation needs', () => {
    const cert = parseCertificate(leaf.der);
    assert.equal(cert.version, 3);
    assert.equal(cert.subject.text, 'CN=www.example.com');
    assert.equal(cert.issuer.text, 'O=tlskit, CN=Test Intermediate');
    assert.equal(cert.signatureAlgorithm.name, 'ecdsa-with-SHA256');
    assert.deepEqual(cert.publicKey, { kind: 'ec', curve: 'P-256' });
    assert.deepEqual(cert.subjectAltNames, {
      dns: ['www.example.com'],
      ip: ['192.0.2.1', '2001:db8::1'],
      email: ['ops@example.com'],
      uri: ['https://example.com/'],
    });
    assert.deepEqual(cert.extensions.basicConstraints, { ca: false });
    assert.deepEqual(cert.extensions.keyUsage?.names, ['digitalSignature']);
    assert.deepEqual(cert.extensions.extendedKeyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.ok(cert.notBefore < cert.notAfter);
    assert.match(cert.serialNumber, /^[0-9a-f]+$/);
    assert.equal(cert.tbs[0], 0x30);
    assert.equal(cert.subjectPublicKeyInfo[0], 0x30);
    assert.ok(!cert.selfIssued);
    assert.ok(parseCertificate(root.der).selfIssued);
  });
  test('an RSA key reports its size', () => {
    const rsa = pki.cert({ subject: '/CN=rsa', key: 'rsa', extensions: CA_EXTENSIONS });
    assert.deepEqual(parseCertificate(rsa.der).publicKey, { kind: 'rsa', bits: 2048, exponent: 65537 });
  });
  test('every strict prefix is rejected', () => {
    for (let n = 0; n < leaf.der.length; n++) {
      assert.throws(
        () => parseCertificate(leaf.der.subarray(0, n)),
        (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && err.message.startsWith('certificate: '),
        `prefix ${n}`,
      );
    }
  });
  test('trailing data is rejected', () => {
    badCertificate(() => parseCertificate(new Uint8Array([...leaf.der, 0])), /^certificate: 1 unexpected trailing bytes after Certificate$/);
  });
  test('wrong outer length is rejected', () => {
    const der = Uint8Array.from(leaf.der);
    der[3]! += 1; // 30 82 LL LL: one more than there is
    badCertificate(() => parseCertificate(der), /truncated Certificate/);
  });
  test('an indefinite length is rejected', () => {
    const der = new Uint8Array([0x30, 0x80, ...leaf.der.subarray(4), 0, 0]);
    badCertificate(() => parseCertificate(der), /Certificate has an indefinite length/);
  });
  test('a non-minimal length is rejected', () => {
    // 30 82 LL LL re-encoded as 30 83 00 LL LL.
    const der = new Uint8Array([0x30, 0x83, 0x00, ...leaf.der.subarray(2)]);
    badCertificate(() => parseCertificate(der), /^certificate: Certificate length is not minimally encoded$/);
  });
  test('a non-minimal serial number is rejected', () => {
    const der = patch(leaf.der, [0x02, 0x02, 0x10], [0x02, 0x02, 0x00]); // serial 0x10xx → 0x00xx
    badCertificate(() => parseCertificate(der), /serialNumber INTEGER is not minimally encoded/);
  });
  test('duplicate extensions are rejected (RFC 5280 §4.2)', () => {
    // Turn the subjectKeyIdentifier OID (2.5.29.14) into keyUsage (2.5.29.15), which is also present.
    const der = patch(leaf.der, [0x06, 0x03, 0x55, 0x1d, 0x0e], [0x06, 0x03, 0x55, 0x1d, 0x0f]);
    badCertificate(() => parseCertificate(der), /extension 2\.5\.29\.15 appears more than once/);
  });
  test('outer and inner signature algorithms must match (RFC 5280 §4.1.1.2)', () => {
    // ecdsa-with-SHA256 (…04 03 02) → ecdsa-with-SHA384 (…04 03 03) in the outer copy only.
    const oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let last = -1;
    for (let i = 0; i + oid.length <= leaf.der.length; i++) if (oid.every((b, j) => leaf.der[i + j] === b)) last = i;
    const der = Uint8Array.from(leaf.der);
    der[last + oid.length - 1] = 0x03;
    badCertificate(() => parseCertificate(der), /signatureAlgorithm does not match the signature field of tbsCertificate/);
  });
  // openssl writes arbitrary extension values with OID=DER:hex, which lets us mint malformed ones.
  const withExtension = (ext: string): Uint8Array =>
    pki.cert({ subject: '/CN=x', issuer: intermediate, extensions: ['authorityKeyIdentifier=keyid:always', ext] }).der;
  test('an empty extKeyUsage is rejected (RFC 5280 §4.2.1.12)', () => {
    badCertificate(() => parseCertificate(withExtension('2.5.29.37=DER:3000')), /^certificate: extKeyUsage is an empty sequence$/);
  });
  test('a keyUsage with no bit set is rejected (RFC 5280 §4.2.1.3)', () => {
    badCertificate(() => parseCertificate(withExtension('2.5.29.15=critical,DER:030100')), /^certificate: keyUsage has no bit set$/);
  });
  test('a subjectAltName iPAddress of 3 bytes is rejected', () => {
    badCertificate(() => parseCertificate(withExtension('2.5.29.17=DER:300587030a0000')), /subjectAltName iPAddress has 3 bytes \(expected 4 or 16\)/);
  });
  test('non-ASCII in a dNSName is rejected', () => {
    badCertificate(() => parseCertificate(withExtension('2.5.29.17=DER:30058203f07778')), /subjectAltName dNSName is not an IA5String/);
  });
  test('a non-DER BOOLEAN in basicConstraints is rejected', () => {
    badCertificate(() => parseCertificate(withExtension('2.5.29.19=critical,DER:3003010101')), /basicConstraints cA is not a DER BOOLEAN/);
  });
  test('name constraints with neither subtree are rejected (RFC 5280 §4.2.1.10)', () => {
    badCertificate(() => parseCertificate(withExtension('2.5.29.30=critical,DER:3000')), /nameConstraints has neither permitted nor excluded subtrees/);
  });
  test('an unknown critical extension parses and is flagged', () => {
    assert.deepEqual(parseCertificate(withExtension('1.2.3.4=critical,DER:0500')).extensions.unhandledCritical, ['1.2.3.4']);
  });
});

describe('trust store input', () => {
  test('PEM bundle, DER, and lists of both', () => {
    assert.equal(TrustStore.from(`${root.pem}\n${intermediate.pem}`).size, 2);
    assert.equal(TrustStore.from([root.der, intermediate.pem, root.pem]).size, 2); // duplicates collapse
    assert.equal(readCertificates(Buffer.from(root.pem)).length, 1);
  });
  test('a malformed anchor is reported', () => {
    badCertificate(() => TrustStore.from(new Uint8Array([0x30, 0x01])), /^certificate: /);
    badCertificate(() => TrustStore.from('-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n'), /PEM is not valid/);
  });
});

describe('parseCrl', () => {
  const crl = pki.crl(intermediate, [leaf]);
  test('reads issuer, dates and revoked serials', () => {
    const parsed = parseCrl(crl.der);
    assert.equal(parsed.issuer.text, 'O=tlskit, CN=Test Intermediate');
    assert.equal(parsed.version, 2);
    assert.ok(parsed.nextUpdate && parsed.nextUpdate > parsed.thisUpdate);
    assert.ok(parsed.revoked.has(parseCertificate(leaf.der).serialNumber));
    assert.equal(parsed.defect, undefined);
  });
  test('every strict prefix is rejected', () => {
    for (let n = 0; n < crl.der.length; n++) {
      assert.throws(
        () => parseCrl(crl.der.subarray(0, n)),
        (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && err.message.startsWith('CRL: '),
        `prefix ${n}`,
      );
    }
  });
});
