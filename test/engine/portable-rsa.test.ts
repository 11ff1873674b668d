// Handshakes with RSA certificates and the portable provider, whose RSA goes through WebCrypto
// asynchronously (issue 9): chain validation, CertificateVerify / ServerKeyExchange checks and
// signing pause the handshake, which resumes. Both versions, both directions, client certificates.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PortableCryptoProvider } from '../../src/crypto/portable/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import type { CryptoProvider, SignatureAlgorithm } from '../../src/crypto/provider.js';
import { createTestPki, type TestPki } from '../../src/devcert/test-pki.js';
import { generateKeyPair } from '../../src/devcert/certificate-builder.js';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import { resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from '../../src/engine/options.js';
import { readCertificates } from '../../src/x509/index.js';
import { writePem } from '../../src/asn1/pem.js';
import { endpointHandlers, joined, newEndpointState, pump } from '../helpers/pair.js';

/** A fresh provider per use: results of asynchronous signature checks are cached per provider. */
const fresh = (): CryptoProvider => new PortableCryptoProvider();
const node = nodeCryptoProvider;

const rsaPki = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
/** An id-RSASSA-PSS leaf, or why this runtime's node:crypto cannot make one (Bun's BoringSSL). */
function pssPki(): TestPki | string {
  try {
    return createTestPki({ leafKey: 'rsa-pss-2048', caKey: 'rsa-2048' });
  } catch (err) {
    return `this runtime cannot generate RSA-PSS keys for the test certificate: ${err instanceof Error ? err.message : String(err)}`;
  }
}
const clientPki = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', names: ['client.test'] });

interface Side {
  provider: CryptoProvider;
  options?: ClientOptions | ServerOptions;
}

function connect(client: Side, server: Side, pki: TestPki = rsaPki) {
  const serverConfig = resolveServerOptions({ key: pki.keyPem, cert: pki.chainPem, ...(server.options as ServerOptions) }, server.provider);
  const clientConfig = resolveClientOptions({ servername: 'localhost', ca: pki.caPem, ...(client.options as ClientOptions) }, client.provider);
  const c = newEndpointState();
  const s = newEndpointState();
  const serverConnection = createServerConnection(serverConfig, endpointHandlers(s));
  const clientConnection = createClientConnection(clientConfig, endpointHandlers(c));
  return { client: clientConnection, server: serverConnection, c, s };
}

/** Runs the handshake, asynchronous steps included; returns the steps each side waited for. */
async function handshake(pair: ReturnType<typeof connect>): Promise<{ client: string[]; server: string[] }> {
  const waited = { client: [] as string[], server: [] as string[] };
  for (let round = 0; round < 50; round++) {
    pump(pair.client, pair.server);
    const waiting = (['client', 'server'] as const).filter((side) => pair[side].pendingTask);
    if (waiting.length === 0) return waited;
    for (const side of waiting) {
      const connection = pair[side];
      const task = connection.pendingTask!;
      waited[side].push(task.description);
      try {
        connection.completeTask(await task.start());
      } catch (err) {
        connection.failTask(err);
      }
    }
  }
  throw new Error('handshake did not settle');
}

function exchange(pair: ReturnType<typeof connect>, label: string): void {
  assert.deepEqual(pair.c.errors, [], `${label}: client errors`);
  assert.deepEqual(pair.s.errors, [], `${label}: server errors`);
  assert.ok(pair.client.isConnected && pair.server.isConnected, `${label}: connected`);
  pair.client.write(new TextEncoder().encode(`ping ${label}`));
  pair.server.write(new TextEncoder().encode(`pong ${label}`));
  pump(pair.client, pair.server);
  assert.equal(new TextDecoder().decode(joined(pair.s.received)), `ping ${label}`);
  assert.equal(new TextDecoder().decode(joined(pair.c.received)), `pong ${label}`);
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`${version}: RSA with the portable provider (WebCrypto)`, () => {
    test("portable client, node server: the chain and the server's signature are checked asynchronously", async () => {
      const pair = connect({ provider: fresh(), options: { maxVersion: version } }, { provider: node });
      const waited = await handshake(pair);
      exchange(pair, 'portable-node');
      assert.equal(pair.client.info.authorized, true);
      assert.equal(pair.client.info.version, version);
      assert.deepEqual(waited.client, ['certificate verification', 'signature verification']);
      assert.deepEqual(waited.server, []);
      assert.match(pair.client.info.peerSignatureScheme!.name, /^rsa_/);
    });

    test('node client, portable server: the server signs through WebCrypto', async () => {
      const pair = connect({ provider: node, options: { maxVersion: version } }, { provider: fresh() });
      const waited = await handshake(pair);
      exchange(pair, 'node-portable');
      assert.deepEqual(waited.server, ['signing']);
      assert.equal(pair.client.info.authorized, true);
    });

    test('portable on both sides, with an RSA client certificate', async () => {
      const pair = connect(
        { provider: fresh(), options: { maxVersion: version, key: clientPki.keyPem, cert: clientPki.chainPem } },
        { provider: fresh(), options: { requestCert: true, ca: clientPki.caPem } },
      );
      const waited = await handshake(pair);
      exchange(pair, 'portable-portable');
      assert.equal(pair.client.info.authorized, true);
      assert.equal(pair.server.info.authorized, true, 'the client chain validated on the server');
      assert.ok(waited.client.includes('signing'), 'the client signed its CertificateVerify through WebCrypto');
      assert.ok(waited.server.includes('certificate verification') && waited.server.includes('signature verification'));
    });

    test('an RSA-PSS (id-RSASSA-PSS) server key', async (t) => {
      const pki = pssPki();
      if (typeof pki === 'string') {
        t.skip(pki);
        return;
      }
      const pair = connect({ provider: fresh(), options: { maxVersion: version } }, { provider: fresh() }, pki);
      await handshake(pair);
      exchange(pair, 'rsa-pss');
      assert.match(pair.client.info.peerSignatureScheme!.name, /^rsa_pss_pss_/);
    });

    test('a server signature made with another key: decrypt_error, found asynchronously', async () => {
      const wrong = node.importPrivateKey(generateKeyPair('rsa-2048').privateKeyPem);
      const signer = (algorithm: SignatureAlgorithm, message: Uint8Array) => node.sign(wrong, algorithm, message);
      const pair = connect({ provider: fresh(), options: { maxVersion: version } }, { provider: node, options: { key: undefined, signer } });
      await handshake(pair);
      assert.equal(pair.c.errors[0]?.alert, 'decrypt_error');
      assert.match(pair.c.errors[0]!.message, /signature \(rsa_.*\) does not verify/);
      assert.equal(pair.s.errors[0]?.alert, 'decrypt_error');
      assert.equal(pair.client.isConnected, false);
    });

    test('a forged intermediate signature: bad_certificate, though the first path-building run took it on trust', async () => {
      const [leaf, intermediate] = readCertificates(rsaPki.chainPem).map((c) => c.der) as [Uint8Array, Uint8Array];
      const forged = intermediate.slice();
      forged[forged.length - 1]! ^= 1;
      const chainPem = writePem('CERTIFICATE', leaf) + writePem('CERTIFICATE', forged);
      const pair = connect({ provider: fresh(), options: { maxVersion: version } }, { provider: node }, { ...rsaPki, chainPem });
      await handshake(pair);
      assert.equal(pair.c.errors[0]?.alert, 'bad_certificate');
      assert.match(pair.c.errors[0]!.message, /does not verify with the key of/);
      assert.equal(pair.s.errors[0]?.alert, 'bad_certificate');
      assert.equal(pair.s.errors[0]?.origin, 'peer');
    });
  });
}

test('TLS 1.2 RSA key transport is refused by a portable client, saying why', async () => {
  const pair = connect(
    { provider: fresh(), options: { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' } },
    { provider: node, options: { ciphers: 'AES128-GCM-SHA256' } },
  );
  await handshake(pair);
  assert.equal(pair.c.errors[0]?.alert, 'handshake_failure');
  assert.match(pair.c.errors[0]!.message, /RSA key transport .* not available with the portable provider/);
});
