// Every key kind, as CA and as leaf, minted by certificate-builder and checked by two independent
// readers: openssl (x509 -text, verify -x509_strict) and Node's X509Certificate. Also the
// createTestPki convenience, with and without an intermediate.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createCertificate, keyIdentifier, type IssuedCertificate, type Issuer, type KeyKind, type KeyPair } from '../../src/devcert/certificate-builder.js';
import { createTestPki, testKeyPair } from '../../src/devcert/test-pki.js';
import { toHex } from '../../src/wire/bytes.js';
import { openssl, opensslMissing, opensslText, opensslVerify, withTempDir } from '../helpers/openssl.js';

const skip = opensslMissing;

const kinds: readonly KeyKind[] = ['ec-p256', 'ec-p384', 'ec-p521', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519', 'rsa-pss-2048'];

/** What `openssl x509 -text` calls the signature algorithm a key of this kind makes by default. */
const signatureAlgorithmName: Record<KeyKind, string> = {
  'ec-p256': 'ecdsa-with-SHA256',
  'ec-p384': 'ecdsa-with-SHA384',
  'ec-p521': 'ecdsa-with-SHA512',
  'rsa-2048': 'sha256WithRSAEncryption',
  'rsa-3072': 'sha256WithRSAEncryption',
  'rsa-4096': 'sha256WithRSAEncryption',
  ed25519: 'ED25519',
  'rsa-pss-2048': 'rsassaPss',
};

const leafKeyUsage: Record<KeyKind, string> = {
  'ec-p256': 'Digital Signature',
  'ec-p384': 'Digital Signature',
  'ec-p521': 'Digital Signature',
  'rsa-2048': 'Digital Signature, Key Encipherment',
  'rsa-3072': 'Digital Signature, Key Encipherment',
  'rsa-4096': 'Digital Signature, Key Encipherment',
  ed25519: 'Digital Signature',
  'rsa-pss-2048': 'Digital Signature',
};

/** The colon-separated hex of an extension's key identifier in `openssl x509 -text` output. */
function keyIdIn(text: string, extension: 'Subject' | 'Authority'): string | undefined {
  return new RegExp(`X509v3 ${extension} Key Identifier: ?\\n\\s+(?:keyid:)?([0-9A-F:]+)`).exec(text)?.[1];
}

const colonHex = (b: Uint8Array): string =>
  toHex(b)
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');

function mintCa(kind: KeyKind): Issuer {
  const key = testKeyPair(kind, 'ca');
  return { key, certificate: createCertificate({ subject: `CN=${kind} test CA, O=tlskit`, subjectKey: key, isCA: true }) };
}

function mintLeaf(issuer: Issuer, kind: KeyKind): { leaf: IssuedCertificate; key: KeyPair } {
  const key = testKeyPair(kind, 'leaf');
  const leaf = createCertificate({
    subject: 'CN=localhost, O=tlskit',
    subjectKey: key,
    issuer,
    subjectAltNames: { dns: ['localhost', '*.example.test'], ip: ['127.0.0.1', '::1'], email: ['dev@example.test'], uri: ['https://example.test/'] },
  });
  return { leaf, key };
}

function assertCaText(ca: IssuedCertificate, kind: KeyKind): void {
  const text = opensslText(ca.pem);
  assert.match(text, /Version: 3 \(0x2\)/);
  assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
  assert.match(text, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
  assert.doesNotMatch(text, /Extended Key Usage/);
  assert.equal(text.match(new RegExp(`Signature Algorithm: ${signatureAlgorithmName[kind]}`, 'g'))?.length, 2, 'in tbsCertificate and outside');
  const ski = keyIdIn(text, 'Subject');
  assert.ok(ski, 'a CA has a subjectKeyIdentifier');
  assert.equal(keyIdIn(text, 'Authority'), ski, 'self-signed: AKI repeats the SKI');
  const x509 = new X509Certificate(ca.pem);
  assert.equal(x509.ca, true);
  assert.ok(x509.verify(x509.publicKey), 'self-signature verifies');
  assert.equal(x509.subject, `O=tlskit\nCN=${kind} test CA`, "RFC 4514 order: 'CN=.., O=..' encodes O first");
}

function assertLeafAccepted({ leaf, key }: { leaf: IssuedCertificate; key: KeyPair }, issuer: Issuer, caPem: string): void {
  const leafKind = key.kind;
  const text = opensslText(leaf.pem);
  assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
  assert.match(text, new RegExp(`X509v3 Key Usage: critical\\n\\s+${leafKeyUsage[leafKind]}\\n`));
  assert.match(text, /X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
  assert.match(
    text,
    /X509v3 Subject Alternative Name: ?\n\s+DNS:localhost, DNS:\*\.example\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, email:dev@example\.test, URI:https:\/\/example\.test\/\n/,
  );
  assert.equal(keyIdIn(text, 'Authority'), keyIdIn(opensslText(issuer.certificate.pem), 'Subject'), 'AKI names the issuer SKI');

  for (const purpose of ['sslserver', 'sslclient']) {
    const flags = ['-purpose', purpose, '-verify_hostname', 'www.example.test', '-verify_ip', '::1', '-verify_email', 'dev@example.test'];
    const r = opensslVerify({ caPem, certPem: leaf.pem, flags });
    assert.ok(r.ok, `openssl verify (${purpose}): ${r.output}`);
  }

  const x509 = new X509Certificate(leaf.pem);
  const issuerX509 = new X509Certificate(issuer.certificate.pem);
  assert.equal(x509.ca, false);
  assert.ok(x509.verify(issuerX509.publicKey), 'signature verifies with the issuer key');
  assert.ok(x509.checkIssued(issuerX509), 'issuer name and key identifiers match');
  assert.ok(x509.checkPrivateKey(createPrivateKey(key.privateKeyPem)), 'the certificate holds the key pair public key');
  assert.equal(x509.checkHost('localhost'), 'localhost');
  assert.equal(x509.checkHost('api.example.test'), '*.example.test', 'node returns the name that matched');
  assert.equal(x509.checkHost('example.test'), undefined, 'a wildcard does not cover its parent');
  assert.equal(x509.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(x509.checkIP('::1'), '::1');
  assert.equal(x509.checkIP('127.0.0.2'), undefined);
  assert.equal(x509.checkEmail('dev@example.test'), 'dev@example.test');
}

describe('every key kind, with openssl and node:crypto', { skip }, () => {
  for (const kind of kinds) {
    test(`${kind}: a CA, and a P-256 leaf it issues`, () => {
      const ca = mintCa(kind);
      assertCaText(ca.certificate, kind);
      const minted = mintLeaf(ca, 'ec-p256');
      assert.match(opensslText(minted.leaf.pem), new RegExp(`Signature Algorithm: ${signatureAlgorithmName[kind]}`));
      assertLeafAccepted(minted, ca, ca.certificate.pem);
    });

    test(`${kind}: a leaf issued by a P-256 CA`, () => {
      const ca = mintCa('ec-p256');
      const minted = mintLeaf(ca, kind);
      assert.match(opensslText(minted.leaf.pem), /Signature Algorithm: ecdsa-with-SHA256/);
      assertLeafAccepted(minted, ca, ca.certificate.pem);
    });
  }

  test('keyIdentifier is RFC 5280 §4.2.1.2 method 1, as openssl computes it', () => {
    for (const kind of ['ec-p256', 'rsa-2048', 'ed25519'] as const) {
      const key = testKeyPair(kind, 'leaf');
      const fromOpenssl = withTempDir((dir) => {
        const keyFile = join(dir, 'key.pem');
        writeFileSync(keyFile, key.privateKeyPem);
        const cert = openssl(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=x', '-days', '1']);
        assert.equal(cert.status, 0, cert.stderr);
        return keyIdIn(opensslText(cert.stdout), 'Subject');
      });
      assert.equal(colonHex(keyIdentifier(key.publicKeySpki)), fromOpenssl, kind);
    }
  });
});

describe('createTestPki', { skip }, () => {
  test('defaults: a P-256 root and a leaf for localhost, 127.0.0.1 and ::1', () => {
    const pki = createTestPki();
    assert.equal(pki.intermediate, undefined);
    assert.equal(pki.caPem, pki.ca.certificate.pem);
    assert.equal(pki.chainPem, pki.leaf.pem);
    assert.equal(pki.keyPem, pki.leafKey.privateKeyPem);
    assert.match(pki.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(pki.leafKey.kind, 'ec-p256');
    assert.equal(pki.ca.key.kind, 'ec-p256');
    const r = opensslVerify({
      caPem: pki.caPem,
      certPem: pki.chainPem,
      flags: ['-purpose', 'sslserver', '-verify_hostname', 'localhost', '-verify_ip', '127.0.0.1'],
    });
    assert.ok(r.ok, r.output);
    const x509 = new X509Certificate(pki.leaf.pem);
    assert.equal(x509.checkIP('::1'), '::1');
    assert.equal(x509.subject, 'O=tlskit test\nCN=localhost');
    assert.ok(x509.checkPrivateKey(createPrivateKey(pki.keyPem)));
  });

  test('with an intermediate: the chain verifies only when the intermediate is offered', () => {
    const pki = createTestPki({ intermediate: true, names: ['api.example.test', '10.1.2.3'] });
    assert.ok(pki.intermediate);
    const [leafPem, intermediatePem] = pki.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    assert.equal(leafPem, pki.leaf.pem);
    assert.equal(intermediatePem, pki.intermediate.certificate.pem);
    const text = opensslText(pki.intermediate.certificate.pem);
    assert.match(text, /CA:TRUE, pathlen:0/);

    const flags = ['-purpose', 'sslserver', '-verify_hostname', 'api.example.test', '-verify_ip', '10.1.2.3'];
    const good = opensslVerify({ caPem: pki.caPem, untrustedPem: intermediatePem!, certPem: leafPem!, flags });
    assert.ok(good.ok, good.output);
    const missing = opensslVerify({ caPem: pki.caPem, certPem: leafPem!, flags });
    assert.equal(missing.ok, false);
    assert.match(missing.output, /unable to get local issuer certificate/);

    const root = new X509Certificate(pki.caPem);
    const mid = new X509Certificate(intermediatePem!);
    const leaf = new X509Certificate(leafPem!);
    assert.ok(mid.ca && mid.verify(root.publicKey) && mid.checkIssued(root));
    assert.ok(leaf.verify(mid.publicKey) && leaf.checkIssued(mid));
    assert.equal(leaf.checkIssued(root), false);
  });

  test('RSA keys are generated once per process and role; EC keys are fresh', () => {
    const a = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
    const b = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
    assert.equal(a.keyPem, b.keyPem);
    assert.equal(a.ca.key, b.ca.key);
    assert.notEqual(a.ca.key.privateKeyPem, a.keyPem, 'the CA never shares the leaf key');
    assert.notEqual(a.ca.key.privateKeyPem, a.intermediate!.key.privateKeyPem);
    assert.notEqual(createTestPki().keyPem, createTestPki().keyPem);
    const r = opensslVerify({ caPem: b.caPem, untrustedPem: b.intermediate!.certificate.pem, certPem: b.leaf.pem, flags: ['-purpose', 'sslserver'] });
    assert.ok(r.ok, r.output);
  });
});
