// µs per verifyCertificateChain call on a leaf + intermediate + root chain (minted with openssl),
// with real signature checks and with signatures stubbed out (the cost of everything else).
// Usage: npm run bench:x509   (a measurement to read, not a timed test)
import { nodeCryptoProvider } from '../src/crypto/node/provider.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { parseCertificate, TrustStore, verifyCertificateChain } from '../src/x509/index.js';
import { standardChain, TestPki } from '../test/x509/fixtures.js';
import { describeRuntime } from '../test/helpers/runtimes.js';

console.log(`X.509 chain verification on ${describeRuntime()}`);

const pki = new TestPki();
try {
  const { root, intermediate, leaf } = standardChain(pki);
  const trustAnchors = TrustStore.from(root.pem);
  const chain = [leaf.der, intermediate.der];
  // Signatures stubbed: a provider that accepts every signature without importing keys.
  const noSignatures: CryptoProvider = { ...nodeCryptoProvider, importPublicKey: (spki) => ({ type: 'ec', spki }), verify: () => true };

  const measure = (label: string, fn: () => void): void => {
    for (let i = 0; i < 2000; i++) fn(); // warm up
    const rounds = 20000;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) fn();
    console.log(`${label.padEnd(44)} ${(((performance.now() - start) * 1000) / rounds).toFixed(1).padStart(7)} µs`);
  };
  measure('parseCertificate (one certificate)', () => parseCertificate(leaf.der));
  measure('verifyCertificateChain, signatures stubbed', () =>
    verifyCertificateChain(chain, { provider: noSignatures, trustAnchors, usage: 'server', serverName: 'www.example.com' }),
  );
  measure('verifyCertificateChain, ECDSA P-256 signatures', () =>
    verifyCertificateChain(chain, { provider: nodeCryptoProvider, trustAnchors: trustAnchors, usage: 'server', serverName: 'www.example.com' }),
  );
} finally {
  pki.cleanup();
}
