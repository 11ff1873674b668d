// trustStoreFor(): its cache keeps curated and private stores apart, so a `ca` value read once as a
// curated root program's list does not lend that curation to connections that pass it as their own ca.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trustStoreFor } from './x509-verifier.js';
import { createTestPki } from '../devcert/test-pki.js';

const pki = createTestPki();

test('the same ca array, curated then not: the second store is not curated', () => {
  const ca = [pki.caPem];
  assert.equal(trustStoreFor(ca, true).curated, true);
  const own = trustStoreFor(ca);
  assert.equal(own.curated, false);
  assert.equal(own.isCurated(own.anchors[0]!), false);
  assert.equal(trustStoreFor(ca, true).curated, true, 'and the curated one is still there');
});

test('the same ca text, curated then not: kept apart too', () => {
  assert.equal(trustStoreFor(pki.caPem, true).curated, true);
  assert.equal(trustStoreFor(pki.caPem).curated, false);
});
