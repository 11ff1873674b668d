// The mkcert-like local CA: where it lives, creation with private key permissions, reuse, the
// refusal to touch a damaged CA directory, and leaves written with mkcert's file names.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createCertificate, generateKeyPair } from '../../src/devcert/certificate-builder.js';
import { CA_CERT_FILE, CA_KEY_FILE, LocalCaError, defaultCaDir, ensureLocalCa, issueLeaf, leafFileBase } from '../../src/devcert/local-ca.js';
import { opensslMissing, opensslText, opensslVerify, withTempDir } from '../helpers/openssl.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('defaultCaDir', () => {
  test('$TLSKIT_CAROOT, else $XDG_DATA_HOME/tlskit, else ~/.local/share/tlskit', () => {
    assert.equal(defaultCaDir({ TLSKIT_CAROOT: '/ca', XDG_DATA_HOME: '/xdg' }, '/home/u'), '/ca');
    assert.equal(defaultCaDir({ XDG_DATA_HOME: '/xdg' }, '/home/u'), '/xdg/tlskit');
    assert.equal(defaultCaDir({}, '/home/u'), '/home/u/.local/share/tlskit');
    assert.equal(defaultCaDir({ TLSKIT_CAROOT: '', XDG_DATA_HOME: '' }, '/home/u'), '/home/u/.local/share/tlskit');
  });

  test('a relative $XDG_DATA_HOME is ignored, as the XDG spec asks', () => {
    assert.equal(defaultCaDir({ XDG_DATA_HOME: 'relative/dir' }, '/home/u'), '/home/u/.local/share/tlskit');
  });
});

describe('ensureLocalCa', () => {
  test('creates a P-256 CA with a 0600 key, then reuses it', () => {
    withTempDir((tmp) => {
      const dir = join(tmp, 'nested', 'ca');
      const ca = ensureLocalCa(dir);
      assert.equal(ca.created, true);
      assert.equal(ca.certPath, join(dir, CA_CERT_FILE));
      assert.equal(ca.keyPath, join(dir, CA_KEY_FILE));
      assert.equal(mode(ca.keyPath), 0o600);
      assert.equal(mode(ca.certPath), 0o644);
      assert.deepEqual(readdirSync(dir).sort(), [CA_KEY_FILE, CA_CERT_FILE].sort(), 'no temporary files left');
      const x509 = new X509Certificate(readFileSync(ca.certPath));
      assert.equal(x509.ca, true);
      assert.ok(x509.checkPrivateKey(createPrivateKey(readFileSync(ca.keyPath))));
      assert.equal(ca.key.kind, 'ec-p256');
      assert.match(x509.subject, /^O=tlskit development CA\nOU=.+@.+\nCN=tlskit .+@.+$/);

      const again = ensureLocalCa(dir);
      assert.equal(again.created, false);
      assert.equal(again.certificate.pem, ca.certificate.pem);
      assert.deepEqual(again.certificate.der, ca.certificate.der);
      assert.equal(again.key.privateKeyPem, ca.key.privateKeyPem);
    });
  });

  test('openssl reads the CA as a strict, critical-pathlen-0 root', { skip: opensslMissing }, () => {
    withTempDir((dir) => {
      const ca = ensureLocalCa(dir);
      const text = opensslText(ca.certificate.pem);
      assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
      assert.match(text, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
      assert.ok(opensslVerify({ caPem: ca.certificate.pem, certPem: ca.certificate.pem }).ok);
    });
  });

  test('half a CA is refused and left alone', () => {
    withTempDir((dir) => {
      const ca = ensureLocalCa(dir);
      const keyPem = readFileSync(ca.keyPath, 'utf8');
      unlinkSync(ca.keyPath);
      assert.throws(
        () => ensureLocalCa(dir),
        (err: unknown) => err instanceof LocalCaError && /found .*rootCA\.pem but not .*rootCA-key\.pem/.test(err.message),
      );
      assert.equal(existsSync(ca.keyPath), false);
      writeFileSync(ca.keyPath, keyPem);
      unlinkSync(ca.certPath);
      assert.throws(
        () => ensureLocalCa(dir),
        (err: unknown) => err instanceof LocalCaError && /found .*rootCA-key\.pem but not .*rootCA\.pem/.test(err.message),
      );
      assert.equal(existsSync(ca.certPath), false);
    });
  });

  test('a key that does not match, a leaf in place of the CA, garbage and expiry are refused', () => {
    withTempDir((dir) => {
      const ca = ensureLocalCa(dir);
      const original = { cert: readFileSync(ca.certPath, 'utf8'), key: readFileSync(ca.keyPath, 'utf8') };
      const refused = (pattern: RegExp, now?: Date): void => {
        assert.throws(
          () => ensureLocalCa(dir, now ? { now } : {}),
          (err: unknown) => err instanceof LocalCaError && pattern.test(err.message),
        );
      };

      writeFileSync(ca.keyPath, generateKeyPair('ec-p256').privateKeyPem);
      refused(/is not the key of/);
      writeFileSync(ca.keyPath, 'not a key');
      refused(/not a private key this tool can use/);
      writeFileSync(ca.keyPath, original.key);

      const leafKey = generateKeyPair('ec-p256');
      writeFileSync(ca.certPath, createCertificate({ subject: 'CN=leaf', subjectKey: leafKey, issuer: ca }).pem);
      refused(/is not a CA certificate/);
      writeFileSync(ca.certPath, 'no PEM here');
      refused(/holds no PEM certificate/);
      writeFileSync(ca.certPath, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      refused(/not a readable certificate/);
      writeFileSync(ca.certPath, original.cert);

      refused(/is valid only from/, new Date(Date.now() + 11 * 365 * 86_400_000));
      assert.equal(ensureLocalCa(dir).created, false, 'the restored CA is usable again');
    });
  });
});

describe('issueLeaf', () => {
  test("file names follow mkcert's", () => {
    assert.equal(leafFileBase(['localhost']), 'localhost');
    assert.equal(leafFileBase(['localhost', '127.0.0.1', '::1']), 'localhost+2');
    assert.equal(leafFileBase(['*.example.test']), '_wildcard.example.test');
    assert.equal(leafFileBase(['::1', 'localhost']), '__1+1');
    assert.equal(leafFileBase(['dev@example.test']), 'dev@example.test');
    assert.equal(leafFileBase(['spiffe://example.test/a b']), 'spiffe___example.test_a_b');
  });

  test('writes <name>+N.pem and a 0600 <name>+N-key.pem, with each name in its SAN type', { skip: opensslMissing }, () => {
    withTempDir((tmp) => {
      const ca = ensureLocalCa(join(tmp, 'ca'));
      const out = join(tmp, 'out');
      const names = ['localhost', '127.0.0.1', '::1', '*.example.test', 'dev@example.test'];
      const leaf = issueLeaf(ca, names, { outDir: out });
      assert.equal(leaf.certPath, join(out, 'localhost+4.pem'));
      assert.equal(leaf.keyPath, join(out, 'localhost+4-key.pem'));
      assert.equal(mode(leaf.keyPath), 0o600);
      assert.equal(mode(leaf.certPath), 0o644);
      assert.deepEqual(readdirSync(out).sort(), ['localhost+4-key.pem', 'localhost+4.pem']);

      const pem = readFileSync(leaf.certPath, 'utf8');
      assert.equal(pem, leaf.certificate.pem);
      const x509 = new X509Certificate(pem);
      assert.equal(x509.subjectAltName, 'DNS:localhost, DNS:*.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:dev@example.test');
      assert.ok(x509.checkPrivateKey(createPrivateKey(readFileSync(leaf.keyPath))));
      assert.equal(createPrivateKey(readFileSync(leaf.keyPath)).asymmetricKeyDetails?.namedCurve, 'prime256v1');
      assert.equal(x509.checkHost('api.example.test'), '*.example.test');
      assert.equal(x509.checkIP('::1'), '::1');
      assert.equal(leaf.notAfter.getTime(), new Date(x509.validTo).getTime());

      const text = opensslText(pem);
      assert.match(text, /Extended Key Usage: ?\n\s+TLS Web Server Authentication, TLS Web Client Authentication, E-mail Protection\n/);
      const flags = ['-purpose', 'sslserver', '-verify_hostname', 'www.example.test', '-verify_ip', '127.0.0.1'];
      const r = opensslVerify({ caPem: readFileSync(ca.certPath, 'utf8'), certPem: pem, flags });
      assert.ok(r.ok, r.output);
    });
  });

  test('RSA 2048 on request, and a second issue replaces the files', { skip: opensslMissing }, () => {
    withTempDir((tmp) => {
      const ca = ensureLocalCa(join(tmp, 'ca'));
      const first = issueLeaf(ca, ['example.test'], { outDir: tmp });
      const second = issueLeaf(ca, ['example.test'], { outDir: tmp, key: 'rsa-2048' });
      assert.equal(second.certPath, first.certPath);
      const key = createPrivateKey(readFileSync(second.keyPath));
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
      assert.equal(mode(second.keyPath), 0o600);
      const text = opensslText(readFileSync(second.certPath, 'utf8'));
      assert.match(text, /Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
      assert.doesNotMatch(text, /E-mail Protection/);
      assert.ok(opensslVerify({ caPem: ca.certificate.pem, certPem: second.certificate.pem, flags: ['-verify_hostname', 'example.test'] }).ok);
    });
  });

  test('no names, or a bad one, write nothing', () => {
    withTempDir((tmp) => {
      const ca = ensureLocalCa(join(tmp, 'ca'));
      const out = join(tmp, 'out');
      assert.throws(() => issueLeaf(ca, [], { outDir: out }), /at least one name/);
      assert.throws(() => issueLeaf(ca, ['ok.test', 'not ok'], { outDir: out }), /'not ok' is not a valid DNS name/);
      assert.equal(existsSync(out), false);
    });
  });
});
