// Asynchronous handshake steps (issue 9): a verifier, a remote signer and certificate selection
// that answer with Promises pause the handshake, which resumes where it stopped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { TlsError } from '../../src/errors.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import type { SignatureAlgorithm } from '../../src/crypto/provider.js';
import type { PeerVerifier } from '../../src/handshake/config.js';
import { createSecureContext } from '../../src/engine/options.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { makePair, testPki } from '../helpers/engine.js';
import { joined, pump, pumpAsync } from '../helpers/pair.js';
import { testProvider } from '../helpers/provider.js';

const later = <T>(value: T, ms = 5): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

/** A signer "elsewhere": the key stays in this closure, answers arrive later. */
function remoteSigner(keyPem: string): (algorithm: SignatureAlgorithm, message: Uint8Array) => Promise<Uint8Array> {
  const key = nodeCryptoProvider.importPrivateKey(keyPem);
  return (algorithm, message) => later(nodeCryptoProvider.sign(key, algorithm, message));
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`${version}: asynchronous steps`, () => {
    test('an asynchronous verifier that accepts: the handshake waits, then completes', async () => {
      let calls = 0;
      const verifier: PeerVerifier = {
        verify: () => {
          calls++;
          return later({ ok: true as const, detail: 'approved later' });
        },
      };
      const pair = makePair({ maxVersion: version, verifier });
      pump(pair.client, pair.server);
      assert.ok(pair.client.pendingTask, 'the client waits for its verifier');
      assert.equal(pair.client.isConnected, false);
      await pumpAsync(pair.client, pair.server);
      assert.equal(calls, 1);
      assert.ok(pair.client.isConnected && pair.server.isConnected);
      assert.equal(pair.client.info.authorized, true);
    });

    test('an asynchronous verifier that rejects: its alert goes to the peer', async () => {
      const verifier: PeerVerifier = {
        verify: () => later({ ok: false as const, error: new TlsError('certificate_revoked', 'revoked, says the remote service') }),
      };
      const pair = makePair({ maxVersion: version, verifier });
      await pumpAsync(pair.client, pair.server);
      assert.equal(pair.c.errors[0]?.alert, 'certificate_revoked');
      assert.equal(pair.s.errors[0]?.alert, 'certificate_revoked');
      assert.equal(pair.s.errors[0]?.origin, 'peer');
    });

    test('a verifier whose Promise fails: internal_error naming the step', async () => {
      const verifier: PeerVerifier = { verify: () => Promise.reject(new Error('service unreachable')) };
      const pair = makePair({ maxVersion: version, verifier });
      await pumpAsync(pair.client, pair.server);
      assert.equal(pair.c.errors[0]?.alert, 'internal_error');
      assert.match(pair.c.errors[0]!.message, /certificate verification failed: service unreachable/);
    });

    test('a remote asynchronous signer for the server key', async () => {
      const pki = testPki();
      const pair = makePair({ maxVersion: version }, { key: undefined, cert: pki.chainPem, signer: remoteSigner(pki.keyPem) }, pki);
      pump(pair.client, pair.server);
      assert.ok(pair.server.pendingTask, 'the server waits for its signer');
      await pumpAsync(pair.client, pair.server);
      assert.deepEqual(pair.c.errors, []);
      assert.ok(pair.client.isConnected && pair.server.isConnected);
      pair.client.write(new TextEncoder().encode('signed remotely'));
      pump(pair.client, pair.server);
      assert.equal(new TextDecoder().decode(joined(pair.s.received)), 'signed remotely');
    });

    test('a remote signer for the client certificate', async () => {
      const clientPki = createTestPki({ names: ['client.test'] });
      const pair = makePair(
        { maxVersion: version, cert: clientPki.chainPem, signer: remoteSigner(clientPki.keyPem) },
        { requestCert: true, ca: clientPki.caPem },
      );
      await pumpAsync(pair.client, pair.server);
      assert.deepEqual(pair.s.errors, []);
      assert.equal(pair.server.info.authorized, true);
    });

    test('SNI callback answering later picks the certificate for the name', async () => {
      const a = testPki({ names: ['a.test'] });
      const b = createTestPki({ names: ['b.test'] });
      const contexts: Record<string, ReturnType<typeof createSecureContext>> = {
        'b.test': createSecureContext({ key: b.keyPem, cert: b.chainPem }, testProvider),
      };
      const asked: string[] = [];
      const server = {
        SNICallback: (name: string, cb: (err: Error | null, ctx?: ReturnType<typeof createSecureContext>) => void) => {
          asked.push(name);
          setTimeout(() => cb(null, contexts[name]), 5);
        },
      };
      const toB = makePair({ maxVersion: version, servername: 'b.test', ca: b.caPem }, server, a);
      await pumpAsync(toB.client, toB.server);
      assert.deepEqual(toB.c.errors, []);
      assert.equal(toB.client.info.authorized, true);
      const toA = makePair({ maxVersion: version, servername: 'a.test', ca: a.caPem }, server, a);
      await pumpAsync(toA.client, toA.server);
      assert.deepEqual(toA.c.errors, []);
      assert.deepEqual(asked, ['b.test', 'a.test']);
    });
  });
}

test('the remote signer really is used: a wrong key is caught by the client', async () => {
  const pki = testPki();
  const wrong = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const pair = makePair({}, { key: undefined, cert: pki.chainPem, signer: remoteSigner(wrong) }, pki);
  await pumpAsync(pair.client, pair.server);
  assert.equal(pair.c.errors[0]?.alert, 'decrypt_error');
});
