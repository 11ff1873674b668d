import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../node/provider.js';
import { ReplayCryptoProvider } from './replay-provider.js';

// A throwaway Ed25519 key (RFC 8032 §7.1 test 1 secret key), only to have a PrivateKey object.
const ED25519_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----`;

const pool = Uint8Array.from({ length: 32 + 32 + 32 }, (_, i) => i + 1);

test('replay provider serves the pool in order, key shares included, and throws when exhausted', () => {
  const p = new ReplayCryptoProvider(nodeCryptoProvider, { pool });
  assert.deepEqual(p.randomBytes(32), pool.subarray(0, 32));
  const share = p.generateKeyShare('x25519');
  assert.deepEqual(share.publicKey, nodeCryptoProvider.keyShareFromPrivate('x25519', pool.subarray(32, 64)).publicKey);
  const ec = p.generateKeyShare('secp256r1');
  assert.deepEqual(ec.publicKey, nodeCryptoProvider.keyShareFromPrivate('secp256r1', pool.subarray(64, 96)).publicKey);
  assert.equal(p.remaining, 0);
  assert.throws(() => p.randomBytes(1), /replay pool exhausted/);
});

test('replay provider returns recorded signatures only for the recorded input', () => {
  const key = nodeCryptoProvider.importPrivateKey(ED25519_KEY);
  const message = Uint8Array.of(1, 2, 3);
  const signature = Uint8Array.of(9, 9, 9);
  const p = new ReplayCryptoProvider(nodeCryptoProvider, { pool: new Uint8Array(0), signatures: [{ message, signature }] });
  assert.deepEqual(p.sign(key, { kind: 'ed25519' }, Uint8Array.of(1, 2, 3)), signature);
  assert.throws(() => p.sign(key, { kind: 'ed25519' }, Uint8Array.of(1, 2, 4)), /no recorded signature/);
});
