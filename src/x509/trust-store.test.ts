// TrustStore.combine(): curation stays with each anchor's source (issue 14: NODE_EXTRA_CA_CERTS
// and the system store are private anchors next to node's curated bundled roots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrustStore, readCertificates } from './trust-store.js';
import { createTestPki } from '../devcert/test-pki.js';
import { X509Verifier } from '../engine/x509-verifier.js';
import { nodeCryptoProvider } from '../crypto/node/provider.js';

const [a] = readCertificates(createTestPki().caPem);
const [b] = readCertificates(createTestPki().caPem);

test('each anchor keeps the curation of its source; a curated root found again in a private source stays curated', () => {
  const store = TrustStore.combine([
    { certificates: [a!], curated: true },
    { certificates: [b!, a!], curated: false },
  ]);
  assert.equal(store.size, 2);
  assert.equal(store.isCurated(store.find(a!)!), true);
  assert.equal(store.isCurated(store.find(b!)!), false);
  assert.equal(store.curated, false, 'not all curated');
  assert.equal(TrustStore.combine([{ certificates: [a!, b!], curated: true }]).curated, true);
  assert.equal(TrustStore.combine([{ certificates: [a!, b!], curated: false }]).isCurated(a!), false);
});

test('the trust description tells a mixed store from an all-curated or all-private one over the same anchors', () => {
  const describe = (store: TrustStore) => Buffer.from(new X509Verifier(nodeCryptoProvider, store).trustDescription()).toString('hex');
  const all = describe(TrustStore.combine([{ certificates: [a!, b!], curated: true }]));
  const none = describe(TrustStore.combine([{ certificates: [a!, b!], curated: false }]));
  const mixedA = describe(
    TrustStore.combine([
      { certificates: [a!], curated: true },
      { certificates: [b!], curated: false },
    ]),
  );
  const mixedB = describe(
    TrustStore.combine([
      { certificates: [b!], curated: true },
      { certificates: [a!], curated: false },
    ]),
  );
  assert.equal(new Set([all, none, mixedA, mixedB]).size, 4);
});
