// Path validation with certificates minted by openssl for each rule (fixtures.ts).
import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { TlsError } from '../../src/errors.js';
import { readCrls, TrustStore, verifyCertificateChain, type VerifyOptions } from '../../src/x509/index.js';
import { createCertificate, generateKeyPair, type Issuer } from '../../src/devcert/index.js';
import { CA_EXTENSIONS, DAY, leafExtensions, standardChain, TestPki, type Issued } from './fixtures.js';
import { MAX_CHAIN_CERTIFICATES } from '../../src/x509/limits.js';

const pki = new TestPki();
after(() => pki.cleanup());

const { root, intermediate, leaf } = standardChain(pki);
const store = TrustStore.from(root.pem);

function verify(chain: readonly Issued[], options: Partial<VerifyOptions> = {}): readonly string[] {
  const result = verifyCertificateChain(
    chain.map((c) => c.der),
    { provider: nodeCryptoProvider, trustAnchors: store, usage: 'server', ...options },
  );
  return result.path.map((c) => c.subject.text);
}

function rejects(chain: readonly Issued[], alert: string, message: RegExp, options: Partial<VerifyOptions> = {}): void {
  assert.throws(
    () => verify(chain, options),
    (err: unknown) => {
      assert.ok(err instanceof TlsError, `expected TlsError, got ${String(err)}`);
      assert.equal(err.alert, alert, err.message);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('path building', () => {
  test('leaf, intermediate, root: the path ends at the anchor', () => {
    assert.deepEqual(verify([leaf, intermediate], { serverName: 'www.example.com' }), [
      'CN=www.example.com',
      'O=tlskit, CN=Test Intermediate',
      'O=tlskit, CN=Test Root',
    ]);
  });
  test('intermediates in any order, with irrelevant extras, duplicates and garbage', () => {
    const stranger = pki.cert({ subject: '/CN=Stranger CA', extensions: CA_EXTENSIONS });
    const chain = [leaf, stranger, root, intermediate, intermediate];
    assert.equal(verify(chain).length, 3);
    const withGarbage = [leaf.der, new Uint8Array([0x30, 0x03, 0x02, 0x01]), intermediate.der];
    assert.equal(verifyCertificateChain(withGarbage, { provider: nodeCryptoProvider, trustAnchors: store, usage: 'server' }).path.length, 3);
  });
  test('a missing intermediate: unknown_ca naming the certificate and its issuer', () => {
    rejects([leaf], 'unknown_ca', /no trusted issuer found for "CN=www\.example\.com" \(issuer "O=tlskit, CN=Test Intermediate"\)/);
  });
  test('an untrusted root: unknown_ca', () => {
    const otherStore = TrustStore.from(pki.cert({ subject: '/CN=Other Root', extensions: CA_EXTENSIONS }).pem);
    rejects([leaf, intermediate, root], 'unknown_ca', /^self-signed certificate "O=tlskit, CN=Test Root" is not trusted$/, { trustAnchors: otherStore });
  });
  test('a self-signed leaf that is not trusted', () => {
    const self = pki.cert({ subject: '/CN=self.example', extensions: leafExtensions('DNS:self.example') });
    rejects([self], 'unknown_ca', /self-signed certificate "CN=self\.example" is not trusted/);
  });
  test('a self-signed certificate in the trust store is accepted as it is (pinning)', () => {
    // What `openssl req -x509` makes by default: a CA:TRUE certificate without keyUsage.
    const self = pki.cert({
      subject: '/CN=localhost',
      extensions: ['basicConstraints=critical,CA:TRUE', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid:always', 'subjectAltName=DNS:localhost'],
    });
    const path = verify([self], { trustAnchors: TrustStore.from(self.der), serverName: 'localhost' });
    assert.deepEqual(path, ['CN=localhost']);
  });
  test('the trusted certificate may be an intermediate; the root in the chain is ignored', () => {
    assert.equal(verify([leaf, root, intermediate], { trustAnchors: TrustStore.from(intermediate.pem) }).length, 2);
  });
  test('an alternative path is tried when the first candidate fails', () => {
    // Two intermediates with the same name and key: one expired, one valid.
    const expiredTwin = pki.cert({ subject: '/CN=Test Intermediate/O=tlskit', issuer: root, reuseKeyOf: intermediate, extensions: CA_EXTENSIONS, days: 1 });
    const later = new Date(Date.now() + 5 * DAY);
    assert.equal(verify([leaf, expiredTwin, intermediate], { now: later }).length, 3);
    rejects([leaf, expiredTwin], 'certificate_expired', /issuer certificate "O=tlskit, CN=Test Intermediate" has expired on/, { now: later });
  });
  test('cross-signed cycles terminate', () => {
    const a = pki.cert({ subject: '/CN=Cycle A', extensions: CA_EXTENSIONS });
    const b = pki.cert({ subject: '/CN=Cycle B', issuer: a, extensions: CA_EXTENSIONS });
    const aByB = pki.cert({ subject: '/CN=Cycle A', issuer: b, reuseKeyOf: a, extensions: CA_EXTENSIONS });
    const cycleLeaf = pki.cert({ subject: '/CN=cycle.example', issuer: b, extensions: leafExtensions('DNS:cycle.example') });
    rejects([cycleLeaf, a, b, aByB], 'unknown_ca', /self-signed certificate "CN=Cycle A" is not trusted/);
  });
  test('a mesh of cross-signed self-issued CAs ends within the work bound', () => {
    // Five keys under one name, each cross-signing every other: self-issued certificates do not
    // count against maxDepth, and the number of paths grows factorially.
    const first = pki.cert({ subject: '/CN=Mesh', extensions: CA_EXTENSIONS });
    const keys = [first, ...Array.from({ length: 4 }, () => pki.cert({ subject: '/CN=Mesh', extensions: CA_EXTENSIONS }))];
    const mesh = keys.flatMap((subjectKey) =>
      keys.filter((k) => k !== subjectKey).map((issuer) => pki.cert({ subject: '/CN=Mesh', issuer, reuseKeyOf: subjectKey, extensions: CA_EXTENSIONS })),
    );
    const meshLeaf = pki.cert({ subject: '/CN=mesh.example', issuer: first, extensions: leafExtensions('DNS:mesh.example') });
    const started = performance.now();
    rejects([meshLeaf, ...mesh], 'unknown_ca', /^gave up building a certificate path: more than 64 signature checks$/);
    assert.ok(performance.now() - started < 2000);
  });
  test('maxDepth bounds the intermediates (self-issued ones not counted)', () => {
    rejects([leaf, intermediate], 'unknown_ca', /no trusted path within 0 intermediate certificates/, { maxDepth: 0 });
    assert.equal(verify([leaf, intermediate], { maxDepth: 1 }).length, 3);
  });
  test('a chain longer than the limit is refused before any work', () => {
    const n = MAX_CHAIN_CERTIFICATES + 1;
    rejects(new Array<Issued>(n).fill(leaf), 'bad_certificate', new RegExp(`peer sent ${n} certificates \\(at most ${MAX_CHAIN_CERTIFICATES} accepted\\)`));
  });
  test('an empty chain', () => rejects([], 'bad_certificate', /peer sent no certificate/));
});

describe('signatures and keys', () => {
  test('a tampered signature: bad_certificate', () => {
    const der = Uint8Array.from(leaf.der);
    der[der.length - 5]! ^= 0x01;
    assert.throws(
      () => verifyCertificateChain([der, intermediate.der], { provider: nodeCryptoProvider, trustAnchors: store, usage: 'server' }),
      (err: unknown) =>
        err instanceof TlsError &&
        err.alert === 'bad_certificate' &&
        /the signature on the certificate does not verify with the key of "O=tlskit, CN=Test Intermediate"/.test(err.message),
    );
  });
  test('signatures that verified are remembered across validations; bad ones are checked every time', () => {
    // A provider of its own (the cache is per provider) that counts the signature checks it makes.
    let checks = 0;
    const counting: CryptoProvider = Object.create(nodeCryptoProvider, {
      verify: { value: (...args: Parameters<CryptoProvider['verify']>) => (checks++, nodeCryptoProvider.verify(...args)) },
    });
    const run = (chain: readonly Uint8Array[], options: Partial<VerifyOptions> = {}): number => {
      checks = 0;
      verifyCertificateChain(chain, { provider: counting, trustAnchors: store, usage: 'server', ...options });
      return checks;
    };
    assert.equal(run([leaf.der, intermediate.der]), 2, 'first validation: leaf and intermediate signatures');
    assert.equal(run([leaf.der, intermediate.der]), 0, 'second validation: both remembered');
    assert.equal(run([leaf.der, intermediate.der], { rememberSignatures: false }), 2, 'rememberSignatures: false checks them again');
    // The same certificate with a flipped signature bit is another signature: checked, and refused each time.
    const tampered = Uint8Array.from(leaf.der);
    tampered[tampered.length - 5]! ^= 0x01;
    for (let i = 0; i < 2; i++) {
      checks = 0;
      assert.throws(
        () => verifyCertificateChain([tampered, intermediate.der], { provider: counting, trustAnchors: store, usage: 'server' }),
        (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate',
      );
      assert.equal(checks, 1, `tampered leaf, run ${i + 1}: its signature is checked`);
    }
    // Everything else is still checked on every run: validity at the validation time, names.
    rejects([leaf, intermediate], 'certificate_expired', /expired/, { provider: counting, now: new Date(Date.now() + 20 * 365 * DAY) });
    rejects([leaf, intermediate], 'bad_certificate', /not valid for host "other.example"/, { provider: counting, serverName: 'other.example' });
  });
  test('RSA, P-384 and Ed25519 chains verify', () => {
    for (const key of ['rsa', 'ec384', 'ed25519'] as const) {
      const r = pki.cert({ subject: `/CN=${key} root`, key, extensions: CA_EXTENSIONS });
      const l = pki.cert({ subject: `/CN=${key}.example`, key, issuer: r, extensions: leafExtensions(`DNS:${key}.example`) });
      assert.equal(verify([l], { trustAnchors: TrustStore.from(r.pem), serverName: `${key}.example` }).length, 2, key);
    }
  });
  test('RSASSA-PSS signatures (RFC 4055) verify', () => {
    const r = pki.cert({ subject: '/CN=pss root', key: 'rsa', extensions: CA_EXTENSIONS });
    const pss = ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32', 'rsa_mgf1_md:sha256'];
    const l = pki.cert({ subject: '/CN=pss.example', issuer: r, signatureOptions: pss, extensions: leafExtensions('DNS:pss.example') });
    const path = verifyCertificateChain([l.der], {
      provider: nodeCryptoProvider,
      trustAnchors: TrustStore.from(r.pem),
      usage: 'server',
      serverName: 'pss.example',
    }).path;
    assert.equal(path[0]!.signatureAlgorithm.name, 'rsassa-pss-sha256');
    assert.deepEqual(path[0]!.signatureAlgorithm.algorithm, { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 });
  });
  test('RSA keys under 2048 bits are refused (CABF BR §6.1.5)', () => {
    const weak = pki.cert({ subject: '/CN=weak.example', key: 'rsa1024', issuer: intermediate, extensions: leafExtensions('DNS:weak.example') });
    rejects([weak, intermediate], 'unsupported_certificate', /RSA key of 1024 bits is too small/);
  });
});

describe('validity (RFC 5280 §4.1.2.5)', () => {
  test('expired leaf', () =>
    rejects([leaf, intermediate], 'certificate_expired', /^certificate has expired on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, {
      now: new Date(Date.now() + 60 * DAY),
    }));
  test('not yet valid leaf', () =>
    rejects([leaf, intermediate], 'certificate_expired', /^certificate is not valid until /, { now: new Date(Date.now() - DAY) }));
  test('both bounds are inclusive at second granularity', () => {
    const { notAfter } = verifyCertificateChain([leaf.der, intermediate.der], { provider: nodeCryptoProvider, trustAnchors: store, usage: 'server' }).path[0]!;
    assert.equal(verify([leaf, intermediate], { now: new Date(notAfter.getTime() + 999) }).length, 3);
    rejects([leaf, intermediate], 'certificate_expired', /has expired/, { now: new Date(notAfter.getTime() + 1000) });
  });
});

describe('host names', () => {
  test('mismatch: bad_certificate listing the names the certificate has', () => {
    rejects([leaf, intermediate], 'bad_certificate', /^certificate is not valid for host "foo\.example": it names www\.example\.com, example\.com$/, {
      serverName: 'foo.example',
    });
  });
  test('IP address SANs', () => {
    const ipLeaf = pki.cert({ subject: '/CN=127.0.0.1', issuer: intermediate, extensions: leafExtensions('IP:127.0.0.1', 'IP:::1') });
    assert.equal(verify([ipLeaf, intermediate], { serverName: '::1' }).length, 3);
    rejects([ipLeaf, intermediate], 'bad_certificate', /not valid for host "127\.0\.0\.2": it names 127\.0\.0\.1, ::1/, { serverName: '127.0.0.2' });
  });
  test('names a resolver reads as IPv4 addresses are not DNS names: "*.0.0.1" matches none of them (RFC 9525 §6.2.1)', () => {
    const numeric = pki.cert({
      subject: '/CN=numeric',
      issuer: intermediate,
      extensions: leafExtensions('DNS:*.0.0.1', 'DNS:127.1', 'DNS:0x7f000001', 'IP:127.0.0.1'),
    });
    for (const name of ['0177.0.0.1', '127.1', '0x7f.0.0.1', '0x7f000001', '0X7F000001.']) {
      rejects([numeric, intermediate], 'bad_certificate', /^certificate is not valid for host ".*": it names \*\.0\.0\.1, 127\.1, 0x7f000001, 127\.0\.0\.1$/, {
        serverName: name,
      });
    }
    // The canonical literal takes the iPAddress path and still matches.
    assert.equal(verify([numeric, intermediate], { serverName: '127.0.0.1' }).length, 3);
  });
  test('commonName is never used, and a host-like one must repeat a SAN (CABF BR §7.1.4.3)', () => {
    const cnOnly = pki.cert({ subject: '/CN=cn.example', issuer: intermediate, extensions: leafExtensions() });
    // Without any subjectAltName the host name check refuses it, saying why and how to proceed.
    rejects([cnOnly, intermediate], 'bad_certificate', /names its host only in the subject commonName \("cn\.example"\), which tlskit does not match/, {
      serverName: 'cn.example',
    });
    const cnElsewhere = pki.cert({ subject: '/CN=cn.example', issuer: intermediate, extensions: leafExtensions('DNS:other.example') });
    rejects([cnElsewhere, intermediate], 'bad_certificate', /commonName "cn\.example", which is not one of its subjectAltNames/, {
      serverName: 'other.example',
    });
    const friendly = pki.cert({ subject: '/CN=Payments Service', issuer: intermediate, extensions: leafExtensions('DNS:pay.example') });
    assert.equal(verify([friendly, intermediate], { serverName: 'pay.example' }).length, 3);
  });
});

describe('usage', () => {
  test('extendedKeyUsage must allow the purpose', () => {
    const clientOnly = pki.cert({
      subject: '/CN=www.example.com',
      issuer: intermediate,
      extensions: [...leafExtensions('DNS:www.example.com').filter((e) => !e.startsWith('extendedKeyUsage')), 'extendedKeyUsage=clientAuth'],
    });
    rejects([clientOnly, intermediate], 'certificate_unknown', /certificate is not valid for serverAuth \(extendedKeyUsage\)/);
    assert.equal(verify([clientOnly, intermediate], { usage: 'client' }).length, 3);
  });
  test('a leaf keyUsage must allow digitalSignature', () => {
    const encipherOnly = pki.cert({
      subject: '/CN=www.example.com',
      issuer: intermediate,
      extensions: [...leafExtensions('DNS:www.example.com').filter((e) => !e.startsWith('keyUsage')), 'keyUsage=critical,keyEncipherment'],
    });
    rejects([encipherOnly, intermediate], 'certificate_unknown', /keyUsage lacks digitalSignature/);
  });
  test('an issuer must be a CA allowed to sign certificates', () => {
    const notCa = pki.cert({
      subject: '/CN=Not A CA',
      issuer: root,
      extensions: ['basicConstraints=critical,CA:FALSE', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid:always'],
    });
    const below = pki.cert({ subject: '/CN=below.example', issuer: notCa, extensions: leafExtensions('DNS:below.example') });
    rejects([below, notCa], 'certificate_unknown', /issuer certificate "CN=Not A CA" is not a CA/);
    const noCertSign = pki.cert({
      subject: '/CN=CRL Only CA',
      issuer: root,
      extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid:always'],
    });
    const below2 = pki.cert({ subject: '/CN=below2.example', issuer: noCertSign, extensions: leafExtensions('DNS:below2.example') });
    rejects([below2, noCertSign], 'certificate_unknown', /keyUsage lacks keyCertSign/);
  });
  test('a CA certificate is not accepted as the leaf (CABF BR §7.1.2.7.8)', () => {
    rejects([intermediate], 'bad_certificate', /is a CA certificate, not an end-entity certificate/);
  });
  test('pathLenConstraint (RFC 5280 §4.2.1.9)', () => {
    const pl0 = pki.cert({
      subject: '/CN=PathLen 0',
      issuer: root,
      extensions: [...CA_EXTENSIONS.filter((e) => !e.startsWith('basic')), 'basicConstraints=critical,CA:TRUE,pathlen:0'],
    });
    const sub = pki.cert({ subject: '/CN=Sub CA', issuer: pl0, extensions: CA_EXTENSIONS });
    const deep = pki.cert({ subject: '/CN=deep.example', issuer: sub, extensions: leafExtensions('DNS:deep.example') });
    rejects([deep, sub, pl0], 'certificate_unknown', /"CN=Sub CA" exceeds the pathLenConstraint/);
    const direct = pki.cert({ subject: '/CN=direct.example', issuer: pl0, extensions: leafExtensions('DNS:direct.example') });
    assert.equal(verify([direct, pl0]).length, 3);
  });
  test('an unknown critical extension makes a certificate unusable', () => {
    const odd = pki.cert({
      subject: '/CN=www.example.com',
      issuer: intermediate,
      extensions: [...leafExtensions('DNS:www.example.com'), '1.3.6.1.4.1.55738.666.1=critical,ASN1:NULL'],
    });
    rejects([odd, intermediate], 'unsupported_certificate', /unsupported critical extension 1\.3\.6\.1\.4\.1\.55738\.666\.1/);
  });
  test('a missing authorityKeyIdentifier is accepted (paths are built by name, as OpenSSL, Go and rustls-webpki do); refused only with requireAuthorityKeyIdentifier', () => {
    const noAki = pki.cert({
      subject: '/CN=www.example.com',
      issuer: intermediate,
      extensions: [...leafExtensions('DNS:www.example.com').filter((e) => !e.startsWith('authority')), 'authorityKeyIdentifier=none'],
    });
    const withoutAki = (extensions: readonly string[]): string[] => [...extensions.filter((e) => !e.startsWith('authority')), 'authorityKeyIdentifier=none'];
    const bareCa = pki.cert({ subject: '/CN=No AKI CA/O=tlskit', issuer: root, extensions: withoutAki(CA_EXTENSIONS) });
    const underBare = pki.cert({ subject: '/CN=www.example.com', issuer: bareCa, extensions: withoutAki(leafExtensions('DNS:www.example.com')) });
    assert.equal(verify([noAki, intermediate]).length, 3);
    assert.equal(verify([underBare, bareCa]).length, 3);
    rejects([noAki, intermediate], 'bad_certificate', /certificate has no authorityKeyIdentifier/, { requireAuthorityKeyIdentifier: true });
    rejects([underBare, bareCa], 'bad_certificate', /"O=tlskit, CN=No AKI CA" has no authorityKeyIdentifier|certificate has no authorityKeyIdentifier/, {
      requireAuthorityKeyIdentifier: true,
    });
  });
  test('with two CAs of the same name, the one whose key signed is found without key identifiers', () => {
    const withoutAki = (extensions: readonly string[]): string[] => [...extensions.filter((e) => !e.startsWith('authority')), 'authorityKeyIdentifier=none'];
    const keyless = (subject: string): Issued => pki.cert({ subject, issuer: root, extensions: withoutAki(CA_EXTENSIONS) });
    const first = keyless('/CN=Twin CA/O=tlskit');
    const second = keyless('/CN=Twin CA/O=tlskit');
    const leafOfSecond = pki.cert({ subject: '/CN=www.example.com', issuer: second, extensions: withoutAki(leafExtensions('DNS:www.example.com')) });
    const { path } = verifyCertificateChain(
      [leafOfSecond, first, second].map((c) => c.der),
      { provider: nodeCryptoProvider, trustAnchors: store, usage: 'server' },
    );
    assert.deepEqual(path[1]!.der, second.der);
  });
});

describe('name constraints (RFC 5280 §4.2.1.10)', () => {
  const constrained = pki.cert({
    subject: '/CN=Constrained CA',
    issuer: root,
    extensions: [...CA_EXTENSIONS, 'nameConstraints=critical,permitted;DNS:example.com,permitted;IP:192.0.2.0/255.255.255.0,excluded;DNS:secret.example.com'],
  });
  const under = (...sans: string[]): Issued => pki.cert({ subject: '/CN=Payments Service', issuer: constrained, extensions: leafExtensions(...sans) });
  test('names inside the permitted subtrees pass', () => {
    assert.equal(verify([under('DNS:a.example.com', 'DNS:example.com', 'IP:192.0.2.7'), constrained]).length, 3);
  });
  test('a name outside the permitted subtree fails', () => {
    rejects(
      [under('DNS:a.example.com', 'DNS:example.net'), constrained],
      'certificate_unknown',
      /name example\.net is not permitted by the name constraints of "CN=Constrained CA"/,
    );
    rejects([under('DNS:notexample.com'), constrained], 'certificate_unknown', /not permitted/);
    rejects([under('IP:198.51.100.1'), constrained], 'certificate_unknown', /name 198\.51\.100\.1 is not permitted/);
  });
  test('excluded subtrees win, and a wildcard that could reach them fails', () => {
    rejects([under('DNS:x.secret.example.com'), constrained], 'certificate_unknown', /name x\.secret\.example\.com is excluded/);
    rejects([under('DNS:*.example.com'), constrained], 'certificate_unknown', /name \*\.example\.com is excluded/);
  });
  test('constraints apply to intermediates below as well as the leaf', () => {
    const sub = pki.cert({ subject: '/CN=Sub Of Constrained', issuer: constrained, extensions: [...CA_EXTENSIONS, 'subjectAltName=DNS:example.org'] });
    const l = pki.cert({ subject: '/CN=Payments', issuer: sub, extensions: leafExtensions('DNS:ok.example.com') });
    rejects([l, sub, constrained], 'certificate_unknown', /name example\.org is not permitted/);
  });
});

describe('revocation (RFC 5280 §6.3)', () => {
  test('a revoked leaf: certificate_revoked', () => {
    const crls = readCrls(pki.crl(intermediate, [leaf]).pem);
    rejects([leaf, intermediate], 'certificate_revoked', /^certificate was revoked on 2024-01-01T00:00:00Z$/, { crls });
  });
  test('a CRL that does not list the certificate, in DER form', () => {
    const other = pki.cert({ subject: '/CN=other.example', issuer: intermediate, extensions: leafExtensions('DNS:other.example') });
    // The root's CRL too: with CRLs configured, the intermediate needs one as well.
    assert.equal(verify([leaf, intermediate], { crls: readCrls([pki.crl(intermediate, [other]).der, pki.crl(root, []).der]) }).length, 3);
  });
  test('an out-of-date CRL cannot be relied on', () => {
    const crls = readCrls(pki.crl(intermediate, [], { days: 1 }).pem);
    rejects([leaf, intermediate], 'certificate_unknown', /the CRL of "O=tlskit, CN=Test Intermediate" is out of date since/, {
      crls,
      now: new Date(Date.now() + 3 * DAY),
    });
  });
  test('with CRLs configured, a certificate whose issuer has none fails, naming it (node:tls: UNABLE_TO_GET_CRL)', () => {
    const leafCrl = pki.crl(intermediate, []).der;
    const rootCrl = pki.crl(root, []).der;
    rejects(
      [leaf, intermediate],
      'certificate_unknown',
      /^no CRL from "O=tlskit, CN=Test Root" to check certificate "O=tlskit, CN=Test Intermediate" for revocation/,
      { crls: readCrls(leafCrl) },
    );
    rejects(
      [leaf, intermediate],
      'certificate_unknown',
      /^no CRL from "O=tlskit, CN=Test Intermediate" to check certificate "CN=www\.example\.com" for revocation/,
      { crls: readCrls(rootCrl) },
    );
    assert.equal(verify([leaf, intermediate], { crls: readCrls([leafCrl, rootCrl]) }).length, 3);
  });
  test("dangerouslyRelaxCrlCheck: 'leaf-only' needs the leaf's CRL only; 'soft-fail' none; revoked still fails", () => {
    const leafCrl = readCrls(pki.crl(intermediate, []).der);
    const rootCrl = readCrls(pki.crl(root, []).der);
    assert.equal(verify([leaf, intermediate], { crls: leafCrl, dangerouslyRelaxCrlCheck: 'leaf-only' }).length, 3);
    rejects([leaf, intermediate], 'certificate_unknown', /^no CRL from "O=tlskit, CN=Test Intermediate" to check certificate "CN=www\.example\.com"/, {
      crls: rootCrl,
      dangerouslyRelaxCrlCheck: 'leaf-only',
    });
    assert.equal(verify([leaf, intermediate], { crls: rootCrl, dangerouslyRelaxCrlCheck: 'soft-fail' }).length, 3);
    // Given CRLs are still applied: a revoked intermediate fails in both modes.
    const revokedIntermediate = readCrls([pki.crl(root, [intermediate]).der, pki.crl(intermediate, []).der]);
    for (const mode of ['leaf-only', 'soft-fail'] as const) {
      rejects([leaf, intermediate], 'certificate_revoked', /^certificate "O=tlskit, CN=Test Intermediate" was revoked on/, {
        crls: revokedIntermediate,
        dangerouslyRelaxCrlCheck: mode,
      });
    }
    rejects([leaf, intermediate], 'certificate_revoked', /^certificate was revoked on/, {
      crls: readCrls(pki.crl(intermediate, [leaf]).der),
      dangerouslyRelaxCrlCheck: 'soft-fail',
    });
  });
  test('dangerouslyRelaxCrlCheck with a value it does not know is refused, never read as a relaxation', () => {
    // A caller of the x509 API without the type (plain JavaScript, a config file) writing "no" or
    // false must not get soft-fail: the default is strict, and an unknown weakening is an error.
    const leafCrl = readCrls(pki.crl(intermediate, []).der);
    for (const value of ['none', 'strict', false, null, 'SOFT-FAIL']) {
      assert.throws(
        () => verify([leaf, intermediate], { crls: leafCrl, dangerouslyRelaxCrlCheck: value as never }),
        (err: unknown) => err instanceof TypeError && /dangerouslyRelaxCrlCheck/.test(err.message),
        String(value),
      );
    }
  });
  test('a CRL without cRLNumber is refused (RFC 5280 §5.2.3)', () => {
    const crls = readCrls(pki.crl(intermediate, [], { crlNumber: false }).pem);
    rejects([leaf, intermediate], 'certificate_unknown', /cannot be used: it has no cRLNumber extension/, { crls });
  });
});

describe('X.509 version 1 certificates (as OpenSSL and Go)', () => {
  const v1Root = (): Issuer => {
    const key = generateKeyPair('ec-p256');
    return { key, certificate: createCertificate({ subject: 'CN=V1 Root', subjectKey: key, version: 1 }) };
  };
  const check = (chain: readonly Uint8Array[], anchor: Issuer, serverName?: string, usage: 'server' | 'client' = 'server'): number =>
    verifyCertificateChain(chain, {
      provider: nodeCryptoProvider,
      trustAnchors: TrustStore.from(anchor.certificate.pem),
      usage,
      ...(serverName ? { serverName } : {}),
    }).path.length;

  test('a version 1 trust anchor may sign: RFC 5280 §6.1.1(d) takes an anchor as a name and a key', () => {
    const anchor = v1Root();
    const leaf = createCertificate({
      subject: 'CN=v1.example',
      subjectKey: generateKeyPair('ec-p256').publicKeySpki,
      issuer: anchor,
      subjectAltNames: { dns: ['v1.example'] },
    });
    assert.equal(check([leaf.der], anchor, 'v1.example'), 2);
  });
  test('a version 1 intermediate is not a CA: INVALID_PURPOSE, saying how to proceed', () => {
    const anchor = v1Root();
    const key = generateKeyPair('ec-p256');
    const v1Ca: Issuer = { key, certificate: createCertificate({ subject: 'CN=V1 Intermediate', subjectKey: key, issuer: anchor, version: 1 }) };
    const leaf = createCertificate({
      subject: 'CN=v1.example',
      subjectKey: generateKeyPair('ec-p256').publicKeySpki,
      issuer: v1Ca,
      subjectAltNames: { dns: ['v1.example'] },
    });
    assert.throws(
      () => check([leaf.der, v1Ca.certificate.der], anchor, 'v1.example'),
      (err: unknown) =>
        err instanceof TlsError &&
        err.code === 'INVALID_PURPOSE' &&
        err.alert === 'certificate_unknown' &&
        /"CN=V1 Intermediate" is an X\.509 version 1 certificate, which cannot say it is a CA: a version 1 issuer is accepted only as a trust anchor \(add it to ca\), or reissue it as version 3 with basicConstraints cA/.test(
          err.message,
        ),
    );
  });
  test('a version 1 end-entity certificate is accepted where no host name is checked (a client certificate)', () => {
    const anchor = v1Root();
    const leaf = createCertificate({ subject: 'CN=client one', subjectKey: generateKeyPair('ec-p256').publicKeySpki, issuer: anchor, version: 1 });
    assert.equal(check([leaf.der], anchor, undefined, 'client'), 2);
  });
  test('its host name, only in the commonName, is not matched: the error says so and how to proceed', () => {
    const anchor = v1Root();
    const leaf = createCertificate({ subject: 'CN=v1.example', subjectKey: generateKeyPair('ec-p256').publicKeySpki, issuer: anchor, version: 1 });
    assert.throws(
      () => check([leaf.der], anchor, 'v1.example'),
      (err: unknown) =>
        err instanceof TlsError &&
        err.code === 'ERR_TLS_CERT_ALTNAME_INVALID' &&
        err.alert === 'bad_certificate' &&
        /names its host only in the subject commonName \("v1\.example"\), which tlskit does not match \(RFC 6125 §6\.4\.4, CA\/Browser Forum BR §7\.1\.4\.3; node:tls would accept it\); reissue the certificate with a subjectAltName \(for example DNS:v1\.example\), or pass a checkServerIdentity function/.test(
          err.message,
        ),
    );
  });
});

describe("node:tls's codes for each failure (src/x509/failure.ts)", () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      if (err instanceof TlsError) return `${err.alert} ${err.code}`;
      throw err;
    }
    return 'accepted';
  };
  test('issuer not found, self-signed, expired, name, revoked: the alert as before and the code node gives', () => {
    const other = TrustStore.from(pki.cert({ subject: '/CN=Other Root', extensions: CA_EXTENSIONS }).pem);
    const self = pki.cert({ subject: '/CN=self.example', extensions: leafExtensions('DNS:self.example').filter((e) => !e.startsWith('authority')) });
    assert.equal(
      codeOf(() => verify([leaf])),
      'unknown_ca UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { trustAnchors: other })),
      'unknown_ca UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate, root], { trustAnchors: other })),
      'unknown_ca SELF_SIGNED_CERT_IN_CHAIN',
    );
    assert.equal(
      codeOf(() => verify([self])),
      'unknown_ca DEPTH_ZERO_SELF_SIGNED_CERT',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { now: new Date(Date.now() + 60 * DAY) })),
      'certificate_expired CERT_HAS_EXPIRED',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { now: new Date(Date.now() - DAY) })),
      'certificate_expired CERT_NOT_YET_VALID',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { serverName: 'other.example' })),
      'bad_certificate ERR_TLS_CERT_ALTNAME_INVALID',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { maxDepth: 0 })),
      'unknown_ca CERT_CHAIN_TOO_LONG',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { crls: readCrls([pki.crl(intermediate, [leaf]).der, pki.crl(root, []).der]) })),
      'certificate_revoked CERT_REVOKED',
    );
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { crls: readCrls([pki.crl(intermediate, []).der]) })),
      'certificate_unknown UNABLE_TO_GET_CRL',
    );
  });
  test('a chain that fails validation and the name reports the chain, as node:tls (which checks the name last)', () => {
    const other = TrustStore.from(pki.cert({ subject: '/CN=Other Root 2', extensions: CA_EXTENSIONS }).pem);
    assert.equal(
      codeOf(() => verify([leaf, intermediate], { trustAnchors: other, serverName: 'other.example' })),
      'unknown_ca UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    );
  });
});

describe('path building by name without key identifiers: impostors and loops (review guards)', () => {
  const key = () => generateKeyPair('ec-p256');
  const anchorKey = key();
  const anchor: Issuer = {
    key: anchorKey,
    certificate: createCertificate({
      subject: 'CN=Shared Root',
      subjectKey: anchorKey,
      isCA: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
      authorityKeyIdentifier: false,
    }),
  };
  const trust = TrustStore.from(anchor.certificate.pem);
  const run = (chain: readonly Uint8Array[], usage: 'server' | 'client' = 'client') =>
    verifyCertificateChain(chain, { provider: nodeCryptoProvider, trustAnchors: trust, usage });
  const refused = (chain: readonly Uint8Array[], usage: 'server' | 'client' = 'client'): TlsError => {
    try {
      run(chain, usage);
    } catch (err) {
      assert.ok(err instanceof TlsError, String(err));
      return err;
    }
    assert.fail('accepted');
  };

  test("a self-signed CA sent with the anchor's name but another key does not stand in for it", () => {
    const bKey = key();
    const impostor: Issuer = {
      key: bKey,
      certificate: createCertificate({ subject: 'CN=Shared Root', subjectKey: bKey, isCA: true, keyUsage: ['keyCertSign'], authorityKeyIdentifier: false }),
    };
    const leaf = createCertificate({ subject: 'CN=victim', subjectKey: key().publicKeySpki, issuer: impostor, authorityKeyIdentifier: false });
    // The anchor is tried by name (its key did not sign), the impostor goes nowhere: refused either way.
    assert.match(refused([leaf.der, impostor.certificate.der]).message, /does not verify|not trusted|no trusted issuer/);
    assert.match(refused([leaf.der]).message, /does not verify with the key of "CN=Shared Root"/);
  });

  test("a version 1 certificate with the anchor's name, self-signed by another key, is neither anchor nor CA", () => {
    const bKey = key();
    const v1: Issuer = { key: bKey, certificate: createCertificate({ subject: 'CN=Shared Root', subjectKey: bKey, version: 1 }) };
    const leaf = createCertificate({ subject: 'CN=victim', subjectKey: key().publicKeySpki, issuer: v1, version: 1 });
    assert.match(refused([leaf.der, v1.certificate.der]).message, /does not verify|not trusted|no trusted issuer|version 1/);
    assert.match(refused([v1.certificate.der]).message, /does not verify with the key of "CN=Shared Root"/);
  });

  test('a version 1 leaf issued by the anchor cannot issue in turn', () => {
    const lKey = key();
    const v1Leaf: Issuer = { key: lKey, certificate: createCertificate({ subject: 'CN=v1 leaf', subjectKey: lKey, issuer: anchor, version: 1 }) };
    assert.equal(run([v1Leaf.certificate.der]).path.length, 2);
    const below = createCertificate({ subject: 'CN=below', subjectKey: key().publicKeySpki, issuer: v1Leaf, version: 1 });
    assert.equal(refused([below.der, v1Leaf.certificate.der]).code, 'INVALID_PURPOSE');
  });

  test('two intermediates naming each other as issuer: refused, the search ends', () => {
    const xKey = key();
    const yKey = key();
    const y0: Issuer = { key: yKey, certificate: createCertificate({ subject: 'CN=Y', subjectKey: yKey, isCA: true, keyUsage: ['keyCertSign'] }) };
    const x: Issuer = {
      key: xKey,
      certificate: createCertificate({ subject: 'CN=X', subjectKey: xKey, issuer: y0, isCA: true, keyUsage: ['keyCertSign'], authorityKeyIdentifier: false }),
    };
    const y = createCertificate({ subject: 'CN=Y', subjectKey: yKey, issuer: x, isCA: true, keyUsage: ['keyCertSign'], authorityKeyIdentifier: false });
    const leaf = createCertificate({ subject: 'CN=loop', subjectKey: key().publicKeySpki, issuer: x, authorityKeyIdentifier: false });
    assert.equal(refused([leaf.der, x.certificate.der, y.der]).alert, 'unknown_ca');
  });
});
