// RSA through WebCrypto in the portable provider (issue 9): signatures both ways against
// node:crypto, PSS key restrictions, and X.509 path validation with asynchronous signature checks
// (src/x509/async-verifier.ts) on RSA chains from src/devcert. Runs on Node's globalThis.crypto.subtle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { PortableCryptoProvider } from './provider.js';
import { nodeCryptoProvider as N } from '../node/provider.js';
import type { CryptoProvider, SignatureAlgorithm } from '../provider.js';
import { TlsError } from '../../errors.js';
import { createTestPki, testKeyPair } from '../../devcert/test-pki.js';
import { createCertificate, generateKeyPair } from '../../devcert/certificate-builder.js';
import { TrustStore, readCertificates, readCrls, verifyCertificateChain } from '../../x509/index.js';
import { CA_EXTENSIONS, TestPki as X509TestPki, leafExtensions } from '../../../test/x509/fixtures.js';
import { opensslMissing } from '../../../test/helpers/openssl.js';
import { verifyCertificateChainAsync, verifyCertificateChainDeferred } from '../../x509/async-verifier.js';

const P = new PortableCryptoProvider();
const message = new TextEncoder().encode('signed through WebCrypto');

const algorithms: SignatureAlgorithm[] = [
  { kind: 'rsa-pkcs1', hash: 'sha256' },
  { kind: 'rsa-pkcs1', hash: 'sha384' },
  { kind: 'rsa-pkcs1', hash: 'sha512' },
  { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 },
  { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 },
  { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 },
];

function rejectsWith(alert: string, pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof TlsError && err.alert === alert && pattern.test(err.message);
}

test('WebCrypto RSA: signatures the node provider checks, and the other way round (PKCS#1 v1.5 and PSS)', async () => {
  const pem = testKeyPair('rsa-2048').privateKeyPem;
  const mine = P.importPrivateKey(pem);
  const theirs = N.importPrivateKey(pem);
  assert.equal(mine.type, 'rsa');
  assert.equal(mine.bits, 2048);
  assert.equal(P.asyncOnly(mine), true);
  assert.equal(
    P.asyncOnly(
      P.importPrivateKey(nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
    ),
    false,
  );
  const publicKey = P.importPublicKey(theirs.publicKey.spki);
  for (const algorithm of algorithms) {
    const signature = await P.signAsync(mine, algorithm, message);
    assert.ok(N.verify(theirs.publicKey, algorithm, message, signature), `node verifies the portable ${JSON.stringify(algorithm)} signature`);
    assert.equal(await P.verifyAsync(publicKey, algorithm, message, N.sign(theirs, algorithm, message)), true);
    const tampered = signature.slice();
    tampered[10]! ^= 1;
    assert.equal(await P.verifyAsync(publicKey, algorithm, message, tampered), false);
    assert.equal(await P.verifyAsync(publicKey, algorithm, Uint8Array.of(...message, 0), signature), false);
    assert.equal(await P.verifyAsync(publicKey, algorithm, message, signature.subarray(1)), false, 'a short signature does not verify (and does not throw)');
  }
  // PKCS#1 v1.5 is deterministic: same bytes as node's.
  const pkcs1: SignatureAlgorithm = { kind: 'rsa-pkcs1', hash: 'sha256' };
  assert.deepEqual(await P.signAsync(mine, pkcs1, message), new Uint8Array(N.sign(theirs, pkcs1, message)));
});

test('WebCrypto RSA: the synchronous entry points say what to use instead; key transport is refused clearly', () => {
  const key = P.importPrivateKey(testKeyPair('rsa-2048').privateKeyPem);
  const algorithm: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 };
  assert.throws(() => P.verify(key.publicKey, algorithm, message, new Uint8Array(256)), rejectsWith('unsupported_certificate', /asynchronously \(WebCrypto\)/));
  assert.throws(() => P.sign(key, algorithm, message), rejectsWith('internal_error', /signAsync/));
  assert.throws(
    () => P.rsaEncryptPkcs1(key.publicKey, new Uint8Array(48)),
    rejectsWith('handshake_failure', /RSA key transport .* not available .* PKCS#1 v1\.5 encryption/),
  );
  assert.throws(() => P.rsaDecryptRaw(key, new Uint8Array(256)), rejectsWith('handshake_failure', /RSA key transport/));
  // Without WebCrypto RSA keys are refused at import, and signatures with a message saying why.
  const none = new PortableCryptoProvider({ subtle: null });
  assert.throws(() => none.importPrivateKey(testKeyPair('rsa-2048').privateKeyPem), /WebCrypto \(globalThis\.crypto\.subtle\)/);
  return assert.rejects(
    none.verifyAsync(none.importPublicKey(key.publicKey.spki), algorithm, message, new Uint8Array(256)),
    rejectsWith('unsupported_certificate', /WebCrypto/),
  );
});

test('WebCrypto RSA: id-RSASSA-PSS keys sign only PSS, within the parameters their SubjectPublicKeyInfo sets', async (t) => {
  // devcert's rsa-pss-2048 (no parameters): any PSS, never PKCS#1 v1.5. The keys come from
  // node:crypto, which cannot make RSA-PSS keys on every runtime (Bun, Deno): skip there.
  let pem: string;
  try {
    pem = testKeyPair('rsa-pss-2048').privateKeyPem;
  } catch (err) {
    t.skip(`this runtime's node:crypto cannot generate RSA-PSS keys: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const mine = P.importPrivateKey(pem);
  const theirs = N.importPrivateKey(pem);
  assert.equal(mine.type, 'rsa-pss');
  const pss: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 };
  const signature = await P.signAsync(mine, pss, message);
  assert.ok(N.verify(theirs.publicKey, pss, message, signature));
  const publicKey = P.importPublicKey(theirs.publicKey.spki);
  assert.equal(await P.verifyAsync(publicKey, pss, message, signature), true);
  const pkcs1: SignatureAlgorithm = { kind: 'rsa-pkcs1', hash: 'sha256' };
  assert.equal(await P.verifyAsync(publicKey, pkcs1, message, N.sign(N.importPrivateKey(testKeyPair('rsa-2048').privateKeyPem), pkcs1, message)), false);

  // With RSASSA-PSS-params (SHA-384, salt at least 48): other hashes and shorter salts do not verify.
  // (@types/node 20 does not know hashAlgorithm / mgf1HashAlgorithm, which Node 16+ takes.)
  const generate = nodeCrypto.generateKeyPairSync as (type: 'rsa-pss', options: object) => nodeCrypto.KeyPairKeyObjectResult;
  const restricted = generate('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha384', mgf1HashAlgorithm: 'sha384', saltLength: 48 });
  const spki = new Uint8Array(restricted.publicKey.export({ format: 'der', type: 'spki' }));
  const key = P.importPublicKey(spki);
  // Our own signer does not hold itself to the parameters: it makes the signatures the key must refuse.
  const own = P.importPrivateKey(restricted.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const signWith = (hash: 'sha256' | 'sha384', saltLength: number) => P.signAsync(own, { kind: 'rsa-pss', hash, saltLength }, message);
  const good = await signWith('sha384', 48);
  assert.ok(N.verify(N.importPublicKey(spki), { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, message, good), 'node takes it');
  assert.equal(await P.verifyAsync(key, { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, message, good), true);
  assert.equal(await P.verifyAsync(key, { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, message, await signWith('sha256', 32)), false, 'another hash');
  assert.equal(await P.verifyAsync(key, { kind: 'rsa-pss', hash: 'sha384', saltLength: 20 }, message, await signWith('sha384', 20)), false, 'a shorter salt');
});

// ---- X.509 path validation with asynchronous signature checks ----

/** Counts the asynchronous checks a provider is asked for. */
function counting(provider: PortableCryptoProvider): { provider: CryptoProvider; calls: () => number } {
  let calls = 0;
  const counted = Object.create(provider) as PortableCryptoProvider;
  counted.verifyAsync = (...args) => {
    calls++;
    return provider.verifyAsync(...args);
  };
  return { provider: counted, calls: () => calls };
}

function chainOf(pem: string): Uint8Array[] {
  return readCertificates(pem).map((c) => c.der);
}

const pki = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
const anchors = TrustStore.from(pki.caPem);

test('X.509 on RSA chains: a root → intermediate → leaf chain validates through WebCrypto in two runs, then from the cache', async () => {
  const { provider, calls } = counting(new PortableCryptoProvider());
  const options = { provider, trustAnchors: anchors, usage: 'server' as const, serverName: 'localhost' };
  // The synchronous path builder cannot check these signatures itself.
  assert.throws(() => verifyCertificateChain(chainOf(pki.chainPem), options), rejectsWith('unsupported_certificate', /asynchronously/));
  const pending = verifyCertificateChainDeferred(chainOf(pki.chainPem), options);
  assert.ok(pending instanceof Promise, 'RSA signatures make the answer asynchronous');
  const { path } = await pending;
  assert.equal(path.length, 3);
  assert.equal(calls(), 2, 'leaf ← intermediate and intermediate ← root, each checked once');
  // The same chain again: every result is known, and the answer comes at once.
  const again = verifyCertificateChainDeferred(chainOf(pki.chainPem), options);
  assert.ok(!(again instanceof Promise), 'answered from the cache of checked signatures');
  assert.equal(again.path.length, 3);
  assert.equal(calls(), 2);
});

test('X.509 on RSA chains: a forged signature anywhere fails, though the first run took it on trust', async () => {
  const provider = new PortableCryptoProvider();
  const [leaf, intermediate] = chainOf(pki.chainPem) as [Uint8Array, Uint8Array];
  for (const [what, chain] of [
    ['leaf', [flipLastByte(leaf), intermediate]],
    ['intermediate', [leaf, flipLastByte(intermediate)]],
  ] as const) {
    await assert.rejects(
      verifyCertificateChainAsync(chain, { provider, trustAnchors: anchors, usage: 'server' }),
      (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && /does not verify with the key of/.test(err.message),
      `a forged ${what} signature`,
    );
  }
});

test('X.509 on RSA chains: the failures a synchronous provider reports, reported the same way', async () => {
  const portable = new PortableCryptoProvider();
  const chain = chainOf(pki.chainPem);
  const cases: [string, Parameters<typeof verifyCertificateChain>[1]][] = [
    ['another root', { provider: portable, trustAnchors: TrustStore.from(createTestPki().caPem), usage: 'server' }],
    ['the wrong name', { provider: portable, trustAnchors: anchors, usage: 'server', serverName: 'example.com' }],
    ['expired', { provider: portable, trustAnchors: anchors, usage: 'server', now: new Date(Date.now() + 20 * 365 * 86400_000) }],
    ['not yet valid', { provider: portable, trustAnchors: anchors, usage: 'server', now: new Date(Date.now() - 20 * 365 * 86400_000) }],
  ];
  for (const [what, options] of cases) {
    let expected: TlsError | undefined;
    try {
      verifyCertificateChain(chain, { ...options, provider: N });
    } catch (err) {
      expected = err as TlsError;
    }
    assert.ok(expected, `${what}: node rejects it`);
    await assert.rejects(
      verifyCertificateChainAsync(chain, options),
      (err: unknown) => err instanceof TlsError && err.alert === expected.alert && err.message === expected.message,
      what,
    );
  }
});

test('X.509 on RSA chains: an issuer of the same name with another key is passed over for the right one', async () => {
  // Two intermediates named alike: the first (wrong key, no key identifiers to tell them apart up
  // front) fails its signature check, the search backs up and finds the second.
  const impostorKey = generateKeyPair('rsa-2048');
  const impostor = createCertificate({
    subject: 'CN=tlskit test intermediate CA, O=tlskit test',
    subjectKey: impostorKey,
    issuer: pki.ca,
    isCA: true,
    pathLength: 0,
    subjectKeyIdentifier: false,
  });
  const [leaf, intermediate] = chainOf(pki.chainPem) as [Uint8Array, Uint8Array];
  const { provider, calls } = counting(new PortableCryptoProvider());
  const { path } = await verifyCertificateChainAsync([leaf, impostor.der, intermediate], { provider, trustAnchors: anchors, usage: 'server' });
  assert.equal(path.length, 3);
  assert.ok(calls() >= 2);
});

function flipLastByte(der: Uint8Array): Uint8Array {
  const copy = der.slice();
  copy[copy.length - 1]! ^= 0x01; // the last byte of the signature BIT STRING
  return copy;
}

test('X.509 on RSA chains: CRL signatures are checked through WebCrypto too (RFC 5280 §6.3)', { skip: opensslMissing }, async () => {
  const x509 = new X509TestPki();
  try {
    const root = x509.cert({ subject: '/CN=RSA Root/O=tlskit', extensions: CA_EXTENSIONS, days: 3650, key: 'rsa' });
    const intermediate = x509.cert({ subject: '/CN=RSA Intermediate/O=tlskit', issuer: root, extensions: CA_EXTENSIONS, days: 365, key: 'rsa' });
    const leaf = x509.cert({ subject: '/CN=www.example.com', issuer: intermediate, extensions: leafExtensions('DNS:www.example.com'), key: 'rsa' });
    const other = x509.cert({ subject: '/CN=other.example', issuer: intermediate, extensions: leafExtensions('DNS:other.example'), key: 'rsa' });
    const options = (crls: ReturnType<typeof readCrls>) => ({
      provider: new PortableCryptoProvider(),
      trustAnchors: TrustStore.from(root.pem),
      usage: 'server' as const,
      crls,
    });
    await assert.rejects(
      verifyCertificateChainAsync([leaf.der, intermediate.der], options(readCrls(x509.crl(intermediate, [leaf]).pem))),
      rejectsWith('certificate_revoked', /^certificate was revoked on/),
    );
    // The root's CRL too: with CRLs configured, the intermediate needs one as well.
    const rootCrl = x509.crl(root, []).pem;
    const { path } = await verifyCertificateChainAsync([leaf.der, intermediate.der], options(readCrls([x509.crl(intermediate, [other]).pem, rootCrl])));
    assert.equal(path.length, 3);
    // A CRL whose signature was tampered with cannot be relied on, though the first run took it on trust.
    const crl = x509.crl(intermediate, [other]).der.slice();
    crl[crl.length - 1]! ^= 1;
    await assert.rejects(
      verifyCertificateChainAsync([leaf.der, intermediate.der], options(readCrls([crl, rootCrl]))),
      rejectsWith('bad_certificate', /the CRL of .* cannot be used: the CRL signature does not verify/),
    );
  } finally {
    x509.cleanup();
  }
});
