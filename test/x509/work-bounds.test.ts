// The cost of signature checks during path building (issue 13, point 3): RSA public exponents are
// bounded wherever a key is read (src/crypto/public-key-info.ts rsaPublicExponentViolation, used by the
// certificate parser and both crypto providers), and one path search has a work budget
// (MAX_SIGNATURE_WORK), not only a count of checks.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import { PortableCryptoProvider } from '../../src/crypto/portable/provider.js';
import { createCertificate, generateKeyPair, type Issuer, type KeyKind, type KeyPair } from '../../src/devcert/certificate-builder.js';
import { TlsError } from '../../src/errors.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { MAX_SIGNATURE_WORK } from '../../src/x509/limits.js';
import { MAX_RSA_MODULUS_BITS } from '../../src/crypto/limits.js';
import { describeSubjectPublicKeyInfo, signatureCost } from '../../src/crypto/public-key-info.js';
import type { CryptoProvider, PublicKey, SignatureAlgorithm } from '../../src/crypto/provider.js';
import { TrustStore, verifyCertificateChain, verifyCertificateChainAsync } from '../../src/x509/index.js';
import { rsaKeyPairWithExponent, rsaSpkiWithExponent } from '../helpers/rsa-exponent.js';

function ca(subject: string, key: KeyPair, issuer?: Issuer): Issuer {
  return { key, certificate: createCertificate({ subject, subjectKey: key, isCA: true, ...(issuer ? { issuer } : {}) }) };
}

const root = ca('CN=Work Root, O=tlskit', generateKeyPair('ec-p256'));
const anchors = TrustStore.from(root.certificate.der);

function leafUnder(issuer: Issuer, name = 'www.example.com'): Uint8Array {
  return createCertificate({ subject: `CN=${name}`, subjectKey: generateKeyPair('ec-p256'), issuer, subjectAltNames: { dns: [name] } }).der;
}

function rejectsWith(fn: () => unknown, alert: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TlsError, `expected a TlsError, got ${String(err)}`);
    assert.equal(err.alert, alert, err.message);
    assert.match(err.message, message);
    return true;
  });
}

// An exponent of about 2000 bits: each check would cost ~100 ordinary ones.
const HUGE_EXPONENT = (1n << 2000n) + 0x10001n;

describe('RSA public exponents (RFC 8017 §3.1, BoringSSL: odd, at least 3, at most 2^32 here)', () => {
  test('a chain of self-issued intermediates with huge-exponent keys is refused at once with bad_certificate', () => {
    // Each self-issued intermediate has its own key (a repeated key would end the path as a loop).
    const keys = [rsaKeyPairWithExponent(HUGE_EXPONENT), rsaKeyPairWithExponent(HUGE_EXPONENT + 2n), rsaKeyPairWithExponent(HUGE_EXPONENT + 4n)];
    let issuer = ca('CN=Costly CA, O=tlskit', keys[0]!, root);
    const chain: Uint8Array[] = [issuer.certificate.der];
    for (const key of keys.slice(1)) {
      issuer = ca('CN=Costly CA, O=tlskit', key, issuer);
      chain.unshift(issuer.certificate.der);
    }
    const leaf = leafUnder(issuer);
    rejectsWith(
      () => verifyCertificateChain([leaf, ...chain], { provider: nodeCryptoProvider, trustAnchors: anchors, usage: 'server' }),
      'bad_certificate',
      /"CN=Costly CA, O=tlskit" has an unacceptable public key: RSA public exponent of 2001 bits is too large \(at most 2\^32\)/,
    );
    // The same key as a leaf.
    const costlyLeaf = createCertificate({
      subject: 'CN=www.example.com',
      subjectKey: keys[0]!,
      issuer: root,
      subjectAltNames: { dns: ['www.example.com'] },
    }).der;
    rejectsWith(
      () => verifyCertificateChain([costlyLeaf], { provider: nodeCryptoProvider, trustAnchors: anchors, usage: 'server' }),
      'bad_certificate',
      /^certificate has an unacceptable public key: RSA public exponent of 2001 bits is too large/,
    );
  });

  const cases: [string, bigint, RegExp | undefined][] = [
    ['e = 65537', 65537n, undefined],
    ['e = 3', 3n, undefined],
    ['e = 2^32 - 1', (1n << 32n) - 1n, undefined],
    ['e = 2^32 + 1', (1n << 32n) + 1n, /RSA public exponent of 33 bits is too large \(at most 2\^32\)/],
    ['a 2001-bit e', HUGE_EXPONENT, /RSA public exponent of 2001 bits is too large/],
    ['an even e', 65538n, /RSA public exponent 65538 is even/],
    ['e = 1', 1n, /RSA public exponent 1 is too small \(at least 3\)/],
  ];
  for (const [name, e, refused] of cases) {
    test(`${name}: ${refused ? 'refused' : 'accepted'} by the certificate parser and both providers alike`, () => {
      const spki = rsaSpkiWithExponent(e);
      const cert = parseCertificate(createCertificate({ subject: 'CN=key holder', subjectKey: spki, issuer: root }).der);
      for (const provider of [nodeCryptoProvider, new PortableCryptoProvider()]) {
        if (refused) {
          rejectsWith(() => provider.importPublicKey(spki), 'bad_certificate', refused);
        } else {
          assert.equal(provider.importPublicKey(spki).type, 'rsa', provider.name);
        }
      }
      if (refused) {
        assert.equal(cert.publicKey.kind, 'unsupported');
        assert.match(cert.publicKey.kind === 'unsupported' ? cert.publicKey.reason : '', refused);
      } else {
        assert.deepEqual(cert.publicKey, { kind: 'rsa', bits: 2048, exponent: Number(e) });
      }
    });
  }

  test(`an RSA modulus over ${MAX_RSA_MODULUS_BITS} bits is refused by the certificate parser and both providers (bad_certificate); ${MAX_RSA_MODULUS_BITS} bits is not`, () => {
    const largest = rsaSpkiWithExponent(65537n, MAX_RSA_MODULUS_BITS / 8);
    const over = rsaSpkiWithExponent(65537n, MAX_RSA_MODULUS_BITS / 8 + 1);
    const refused = new RegExp(`RSA modulus of ${MAX_RSA_MODULUS_BITS + 8} bits is too large`);
    for (const provider of [nodeCryptoProvider, new PortableCryptoProvider()]) {
      assert.equal(provider.importPublicKey(largest).type, 'rsa', provider.name);
      rejectsWith(() => provider.importPublicKey(over), 'bad_certificate', refused);
    }
    // Signing with another key right after the refusal works: on Node 24 (OpenSSL 3.5), letting
    // node:crypto load the oversized key left an error queued that failed this next, unrelated call.
    const cert = parseCertificate(createCertificate({ subject: 'CN=key holder', subjectKey: over, issuer: root }).der);
    assert.equal(cert.publicKey.kind, 'unsupported');
    assert.match(cert.publicKey.kind === 'unsupported' ? cert.publicKey.reason : '', refused);
  });

  test('our own private key with a refused exponent is refused by both providers (TypeError)', () => {
    const key = rsaKeyPairWithExponent((1n << 32n) + 15n);
    for (const provider of [nodeCryptoProvider, new PortableCryptoProvider()]) {
      assert.throws(
        () => provider.importPrivateKey(key.privateKeyPem),
        (err: unknown) => err instanceof TypeError && /RSA public exponent of 33 bits is too large/.test(err.message),
        provider.name,
      );
    }
  });
});

describe(`signature-verification work budget (MAX_SIGNATURE_WORK = ${MAX_SIGNATURE_WORK})`, () => {
  test('costs follow the key: RSA-4096 and P-384 cost more than RSA-2048 and P-256', () => {
    const cost = (kind: KeyKind) =>
      signatureCost(parseCertificate(createCertificate({ subject: 'CN=k', subjectKey: generateKeyPair(kind).publicKeySpki, issuer: root }).der).publicKey);
    assert.ok(cost('ec-p384') > cost('ec-p256'));
    assert.ok(cost('ec-p521') > cost('ec-p384'));
    assert.equal(signatureCost({ kind: 'rsa', bits: 2048, exponent: 65537 }), 1);
    assert.ok(signatureCost({ kind: 'rsa', bits: 4096, exponent: 65537 }) > 1);
    assert.ok(signatureCost({ kind: 'rsa', bits: 2048, exponent: 0xffffffff }) > 1, 'a larger exponent costs more');
  });

  test('legal keys that need more work than the budget are refused with the budget error, before the count limit', () => {
    // 30 CAs with the leaf's issuer name and P-521 keys, none of which signed the leaf: each is a
    // candidate whose signature check fails. 30 checks stay under MAX_SIGNATURE_CHECKS (64) but
    // cost 30 × 36 units.
    const realIssuer = ca('CN=Shared Name CA, O=tlskit', generateKeyPair('ec-p256'), root);
    const leaf = leafUnder(realIssuer);
    const decoys = Array.from({ length: 30 }, () => ca('CN=Shared Name CA, O=tlskit', generateKeyPair('ec-p521'), root).certificate.der);
    rejectsWith(
      () => verifyCertificateChain([leaf, ...decoys], { provider: nodeCryptoProvider, trustAnchors: anchors, usage: 'server' }),
      'unknown_ca',
      /^gave up building a certificate path: signature checks would exceed the verification work budget \(1024 units/,
    );
    // With the real issuer among them, found first by its key identifier: accepted.
    assert.equal(
      verifyCertificateChain([leaf, ...decoys.slice(0, 29), realIssuer.certificate.der], {
        provider: nodeCryptoProvider,
        trustAnchors: anchors,
        usage: 'server',
      }).path.length,
      3,
    );
  });

  test('a legitimate long chain passes: 14 intermediates with P-521 keys (the longest path we build)', () => {
    let issuer = root;
    const intermediates: Uint8Array[] = [];
    for (let i = 0; i < 14; i++) {
      issuer = ca(`CN=Long Chain CA ${i}, O=tlskit`, generateKeyPair('ec-p521'), issuer);
      intermediates.unshift(issuer.certificate.der);
    }
    const leaf = leafUnder(issuer);
    const { path } = verifyCertificateChain([leaf, ...intermediates], {
      provider: nodeCryptoProvider,
      trustAnchors: anchors,
      usage: 'server',
      maxDepth: 14,
      serverName: 'www.example.com',
    });
    assert.equal(path.length, 16);
  });
});

describe('the work budget spans the rounds of an asynchronous validation (src/x509/async-verifier.ts)', () => {
  test('synchronous checks repeated in every round count once, and all rounds together stay within MAX_SIGNATURE_WORK', async () => {
    // A provider whose RSA checks are asynchronous (as the portable provider's WebCrypto RSA), and
    // which adds up the work of every signature it really checks.
    let work = 0;
    const cost = (spki: Uint8Array): number => signatureCost(describeSubjectPublicKeyInfo(spki));
    const counting: CryptoProvider = Object.assign(Object.create(nodeCryptoProvider) as CryptoProvider, {
      asyncOnly: (key: { type: string }) => key.type === 'rsa',
      verify: (key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array) => {
        work += cost(key.spki);
        return nodeCryptoProvider.verify(key, algorithm, message, signature);
      },
      verifyAsync: async (key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array) => {
        work += cost(key.spki);
        return nodeCryptoProvider.verify(key, algorithm, message, signature);
      },
    });
    // A root, and a forger with its name and key identifier but another key: what the forger signs
    // fails under the real root, one asynchronous round each.
    const rootId = Uint8Array.of(1, 2, 3, 4);
    const asRoot = (key: KeyPair): Issuer => ({
      key,
      certificate: createCertificate({ subject: 'CN=Async Root, O=tlskit', subjectKey: key, isCA: true, subjectKeyIdentifier: rootId }),
    });
    const rsaRoot = asRoot(generateKeyPair('rsa-2048'));
    const forger = asRoot(generateKeyPair('rsa-2048'));
    const issuerKey = generateKeyPair('ec-p256');
    const name = 'CN=Shared Name CA, O=tlskit';
    const issuerId = Uint8Array.of(5, 6, 7, 8);
    const candidates = Array.from({ length: 4 }, () =>
      createCertificate({ subject: name, subjectKey: issuerKey, isCA: true, issuer: forger, subjectKeyIdentifier: issuerId }),
    );
    const leaf = createCertificate({
      subject: 'CN=www.example.com',
      subjectKey: generateKeyPair('ec-p256'),
      issuer: { key: issuerKey, certificate: candidates[0]! },
      subjectAltNames: { dns: ['www.example.com'] },
    }).der;
    // Decoys tried first in every round: P-521 keys with the issuer's name and key identifier that did not sign the leaf.
    const decoys = Array.from(
      { length: 26 },
      () => createCertificate({ subject: name, subjectKey: generateKeyPair('ec-p521'), isCA: true, issuer: rsaRoot, subjectKeyIdentifier: issuerId }).der,
    );
    await assert.rejects(
      verifyCertificateChainAsync([leaf, ...decoys, ...candidates.map((c) => c.der)], {
        provider: counting,
        trustAnchors: TrustStore.from(rsaRoot.certificate.der),
        usage: 'server',
      }),
      (err: unknown) => err instanceof TlsError,
    );
    // Before, each round redid the decoys' checks on a fresh budget: about five times the budget here.
    assert.ok(work <= MAX_SIGNATURE_WORK, `${work} units of real signature work, budget ${MAX_SIGNATURE_WORK}`);
  });
});
