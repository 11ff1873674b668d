// Post-handshake client authentication (RFC 8446 §4.6.2) commits the client's identity only after
// its CertificateVerify (§4.4.3) and Finished (§4.4.4) verified: the client's answer is delivered
// piece by piece, with application data in between, and the server's info is checked after each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPki, type TestPki } from '../../src/devcert/test-pki.js';
import { signWithProvider } from '../../src/crypto/provider.js';
import type { CertifiedKey, ClientConfig } from '../../src/handshake/config.js';
import type { Connection } from '../../src/engine/connection.js';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import type { PostHandshakeAuthOutcome, TlsEvent } from '../../src/engine/events.js';
import { resolveClientOptions, type ServerOptions } from '../../src/engine/options.js';
import { buildCertificate13, readCertificate13 } from '../../src/messages/certificate.js';
import { buildCertificateRequest13, readCertificateRequest13 } from '../../src/messages/certificate-request.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import { HandshakeType } from '../../src/protocol/constants.js';
import { AlertDescription } from '../../src/protocol/alerts.js';
import { serverConfigFor, testPki } from '../helpers/engine.js';
import { endpointHandlers, joined, joinRecords, newEndpointState, pump, splitRecords } from '../helpers/pair.js';
import { testProvider } from '../helpers/provider.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decoded = (chunk: Uint8Array): string => new TextDecoder().decode(chunk);

const clientPki = createTestPki({ names: ['client.test'] });
const impostorPki = createTestPki({ names: ['impostor.test'] });

/** The server's view of the client at one moment. */
interface Identity {
  readonly authorized: boolean;
  readonly peerCertificates: number;
  readonly leaf?: string;
  readonly error?: string;
}

function identityOf(server: Connection): Identity {
  const info = server.info;
  const leaf = info.peerCertificates[0];
  return {
    authorized: info.authorized,
    peerCertificates: info.peerCertificates.length,
    ...(leaf ? { leaf: Buffer.from(leaf).toString('base64').slice(-24) } : {}),
    ...(info.authorizationError ? { error: info.authorizationError.alert } : {}),
  };
}

interface ClientSetup {
  /** The certificate the client answers with (chain and key); default: clientPki's. */
  certificate?: (own: CertifiedKey) => CertifiedKey;
  /** Rewrites a handshake message the client sends after the handshake. */
  rewrite?: (msg: HandshakeMessage) => HandshakeMessage | undefined;
}

interface ServerSetup extends ServerOptions {
  /** Rewrites a handshake message the server sends after the handshake. */
  rewrite?: (msg: HandshakeMessage) => HandshakeMessage | undefined;
}

/** A connected pair whose client signs asynchronously, so its answer can be cut after the Certificate. */
function connectedPair(
  pki: TestPki,
  client: ClientSetup = {},
  server: ServerSetup = {},
  onOutcome: (outcome: PostHandshakeAuthOutcome) => void = () => undefined,
) {
  let connected = false;
  const { rewrite: serverRewrite, ...serverOptions } = server;
  const serverConfig = {
    ...serverConfigFor({ ca: clientPki.caPem, ...serverOptions }),
    dangerouslyRewriteHandshake: (m: HandshakeMessage) => (connected ? serverRewrite?.(m) : undefined) ?? m,
  };
  const base = resolveClientOptions({ servername: 'localhost', ca: testPki().caPem, key: pki.keyPem, cert: pki.chainPem }, testProvider);
  const own = base.certificates[0]!;
  const chosen = client.certificate ? client.certificate(own) : own;
  // After the handshake an asynchronous signer: the Certificate goes out alone, and the client may
  // send data before the rest.
  const signer: CertifiedKey = {
    ...chosen,
    sign: (algorithm, message) => {
      const signature = signWithProvider(testProvider, chosen.key, algorithm, message);
      return connected ? Promise.resolve(signature) : signature;
    },
  };
  const clientConfig: ClientConfig = {
    ...base,
    certificates: [signer],
    dangerouslyRewriteHandshake: (m) => (connected ? client.rewrite?.(m) : undefined) ?? m,
  };
  const c = newEndpointState();
  const s = newEndpointState();
  /** What the server's application saw, in order: data (with the identity at that moment) and outcomes. */
  const seen: ({ data: string; identity: Identity } | { outcome: PostHandshakeAuthOutcome; identity: Identity })[] = [];
  const serverConnection: Connection = createServerConnection(serverConfig, {
    ...endpointHandlers(s),
    data: (chunk) => seen.push({ data: decoded(chunk), identity: identityOf(serverConnection) }),
    postHandshakeAuth: (outcome) => {
      seen.push({ outcome, identity: identityOf(serverConnection) });
      onOutcome(outcome);
    },
  });
  const clientConnection = createClientConnection(clientConfig, endpointHandlers(c));
  pump(clientConnection, serverConnection);
  assert.deepEqual([...c.errors, ...s.errors], []);
  assert.ok(clientConnection.isConnected && serverConnection.isConnected);
  connected = true;
  return { client: clientConnection, server: serverConnection, c, s, seen };
}

/** Moves what `from` queued to `to`, one record at a time, checking `each` after every record; returns the count. */
function deliver(from: Connection, to: Connection, each: () => void = () => undefined): number {
  const records = splitRecords(joined(from.takeOutput()));
  for (const record of records) {
    to.receive(joinRecords([record]));
    each();
  }
  return records.length;
}

/** Finishes the client's pending signature. */
async function finishSigning(client: Connection): Promise<void> {
  const task = client.pendingTask;
  assert.ok(task, 'the client waits for its signer');
  client.completeTask(await task.start());
}

function alerts(events: readonly TlsEvent[], direction: 'sent' | 'received'): number[] {
  return events.flatMap((e) => (e.kind === 'alert' && e.direction === direction ? [e.description] : []));
}

describe('post-handshake authentication commits the identity only after Finished (RFC 8446 §4.6.2)', () => {
  test("a client with someone else's valid chain and a CertificateVerify it cannot make: never authorized, decrypt_error, no outcome", async () => {
    // The impostor answers with the real client's chain (valid under the server's CA) but signs with its own key.
    const victimChain = resolveClientOptions({ key: clientPki.keyPem, cert: clientPki.chainPem }, testProvider).certificates[0]!.chain;
    const pair = connectedPair(impostorPki, { certificate: (own) => ({ ...own, chain: victimChain }) });
    const before = identityOf(pair.server);
    assert.deepEqual(before, { authorized: false, peerCertificates: 0 });
    const unchanged = (): void => assert.deepEqual(identityOf(pair.server), before, "the server's view of the client must not change");

    pair.server.requestClientCertificate();
    deliver(pair.server, pair.client);
    // The Certificate alone (the signature is pending), then application data "as the victim".
    assert.equal(deliver(pair.client, pair.server, unchanged), 1);
    pair.client.write(text('transfer everything'));
    deliver(pair.client, pair.server, unchanged);
    assert.deepEqual(pair.seen, [{ data: 'transfer everything', identity: before }]);

    await finishSigning(pair.client);
    deliver(pair.client, pair.server, unchanged);
    assert.equal(pair.s.errors[0]?.alert, 'decrypt_error');
    assert.match(pair.s.errors[0]!.message, /client CertificateVerify signature .* does not verify/);
    assert.deepEqual(alerts(pair.s.events, 'sent'), [AlertDescription.decrypt_error]);
    deliver(pair.server, pair.client);
    assert.equal(pair.c.errors[0]?.alert, 'decrypt_error');
    assert.equal(pair.c.errors[0]?.origin, 'peer');
    unchanged();
    assert.equal(pair.seen.filter((x) => 'outcome' in x).length, 0, 'no outcome is reported for a failed answer');
  });

  test('an honest client that sends data between its Certificate and Finished: the data keeps the old identity, then all changes at once', async () => {
    const pair = connectedPair(clientPki);
    const before = identityOf(pair.server);
    const unchanged = (): void => assert.deepEqual(identityOf(pair.server), before);
    pair.server.requestClientCertificate();
    assert.equal(pair.server.canRequestClientCertificate, false, 'one request at a time');
    deliver(pair.server, pair.client);
    assert.equal(deliver(pair.client, pair.server, unchanged), 1, 'the Certificate alone');
    pair.client.write(text('between'));
    deliver(pair.client, pair.server, unchanged);

    await finishSigning(pair.client);
    deliver(pair.client, pair.server);
    assert.deepEqual([...pair.c.errors, ...pair.s.errors], []);
    const after = identityOf(pair.server);
    assert.equal(after.authorized, true);
    assert.equal(after.peerCertificates, 1);
    assert.equal(pair.server.info.authorizationError, undefined);
    assert.equal(pair.server.info.peerSignatureScheme?.name, 'ecdsa_secp256r1_sha256');
    assert.ok(pair.server.info.verifiedPath && pair.server.info.verifiedPath.length >= 1);
    // In order: the data under the earlier identity, then one outcome, with info already updated.
    assert.equal(pair.seen.length, 2);
    assert.deepEqual(pair.seen[0], { data: 'between', identity: before });
    const last = pair.seen[1]!;
    assert.ok('outcome' in last);
    assert.equal(last.outcome.authorized, true);
    assert.equal(last.outcome.authorizationError, undefined);
    assert.deepEqual(last.outcome.certificates, pair.server.info.peerCertificates);
    assert.deepEqual(last.identity, after);

    // Data after the authentication, and a second request is possible.
    pair.client.write(text('after'));
    deliver(pair.client, pair.server);
    assert.deepEqual(pair.seen[2], { data: 'after', identity: after });
    assert.equal(pair.server.canRequestClientCertificate, true);
  });

  test('a Finished that does not verify: decrypt_error, and the validated, signed certificate is never committed', async () => {
    const pair = connectedPair(clientPki, {
      rewrite: (m) => {
        if (m.type !== HandshakeType.finished) return undefined;
        const raw = Uint8Array.from(m.raw);
        raw[raw.length - 1]! ^= 0x01;
        return { type: m.type, body: raw.subarray(4), raw };
      },
    });
    const before = identityOf(pair.server);
    const unchanged = (): void => assert.deepEqual(identityOf(pair.server), before);
    pair.server.requestClientCertificate();
    deliver(pair.server, pair.client);
    deliver(pair.client, pair.server, unchanged);
    await finishSigning(pair.client);
    deliver(pair.client, pair.server, unchanged);
    assert.equal(pair.s.errors[0]?.alert, 'decrypt_error');
    assert.match(pair.s.errors[0]!.message, /Finished after post-handshake authentication does not verify/);
    assert.deepEqual(alerts(pair.s.events, 'sent'), [AlertDescription.decrypt_error]);
    unchanged();
    assert.equal(pair.seen.length, 0);
  });

  describe('a client that sends no certificate (RFC 8446 §4.4.2.4)', () => {
    // The server's request is rewritten to ask for a scheme the client's key cannot make (ed25519),
    // so the client answers with an empty Certificate and its Finished.
    const askEd25519 = (m: HandshakeMessage): HandshakeMessage | undefined => {
      if (m.type !== HandshakeType.certificate_request) return undefined;
      const request = readCertificateRequest13(m);
      return buildCertificateRequest13({ ...request, signatureAlgorithms: [0x0807] });
    };

    test('with rejectUnauthorized: false the identity from the handshake stays, and the outcome says none was sent', () => {
      const pair = connectedPair(clientPki, {}, { requestCert: true, rejectUnauthorized: false, rewrite: askEd25519 });
      const before = identityOf(pair.server);
      assert.equal(before.authorized, true, 'authenticated in the handshake');
      pair.server.requestClientCertificate();
      pump(pair.client, pair.server);
      assert.deepEqual([...pair.c.errors, ...pair.s.errors], []);
      assert.deepEqual(identityOf(pair.server), before);
      assert.equal(pair.seen.length, 1);
      const only = pair.seen[0]!;
      assert.ok('outcome' in only);
      assert.deepEqual(only.outcome.certificates, []);
      assert.equal(only.outcome.authorized, false);
      assert.equal(only.outcome.authorizationError?.alert, 'certificate_required');
    });

    test('with rejectUnauthorized (the default): certificate_required, the identity unchanged', () => {
      const pair = connectedPair(clientPki, {}, { rewrite: askEd25519 });
      const before = identityOf(pair.server);
      pair.server.requestClientCertificate();
      pump(pair.client, pair.server);
      assert.equal(pair.s.errors[0]?.alert, 'certificate_required');
      assert.equal(pair.c.errors[0]?.alert, 'certificate_required');
      assert.deepEqual(identityOf(pair.server), before);
      assert.equal(pair.seen.length, 0);
    });
  });

  test('an untrusted chain with rejectUnauthorized: false is committed unauthorized, and only after Finished', async () => {
    const pair = connectedPair(impostorPki, {}, { rejectUnauthorized: false });
    const before = identityOf(pair.server);
    const unchanged = (): void => assert.deepEqual(identityOf(pair.server), before);
    pair.server.requestClientCertificate();
    deliver(pair.server, pair.client);
    deliver(pair.client, pair.server, unchanged);
    await finishSigning(pair.client);
    deliver(pair.client, pair.server);
    assert.deepEqual([...pair.c.errors, ...pair.s.errors], []);
    const after = identityOf(pair.server);
    assert.equal(after.authorized, false);
    assert.equal(after.peerCertificates, 1);
    assert.equal(after.error, 'unknown_ca');
    const only = pair.seen[0]!;
    assert.ok('outcome' in only);
    assert.equal(only.outcome.authorized, false);
    assert.equal(only.outcome.authorizationError?.alert, 'unknown_ca');
  });

  test('a Certificate with a context we did not send is illegal_parameter', () => {
    const pair = connectedPair(clientPki, {
      rewrite: (m) => {
        if (m.type !== HandshakeType.certificate) return undefined;
        const cert = readCertificate13(m, { maxChainLength: 10 });
        return buildCertificate13(
          Uint8Array.of(1, 2, 3),
          cert.entries.map((e) => e.certData),
        );
      },
    });
    pair.server.requestClientCertificate();
    pump(pair.client, pair.server);
    assert.equal(pair.s.errors[0]?.alert, 'illegal_parameter');
    assert.deepEqual(identityOf(pair.server), { authorized: false, peerCertificates: 0 });
  });
});

describe('the postHandshakeAuth handler runs once the exchange is over (RFC 8446 §4.6.2)', () => {
  test('inside the handler the server may update its keys and ask again: both work, keys stay in step', async () => {
    let reentered = false;
    const pair = connectedPair(clientPki, {}, {}, () => {
      if (reentered) return;
      reentered = true;
      // What an application does on 'clientCertificate': rotate keys, ask for a fresh proof.
      pair.server.updateKeys(true);
      pair.server.requestClientCertificate();
    });
    pair.server.requestClientCertificate();
    deliver(pair.server, pair.client);
    deliver(pair.client, pair.server);
    await finishSigning(pair.client);
    deliver(pair.client, pair.server);
    assert.deepEqual(
      [...pair.c.errors, ...pair.s.errors].map((e) => e.message),
      [],
    );
    assert.ok(reentered);
    // The second request reaches the client, which answers it.
    deliver(pair.server, pair.client);
    deliver(pair.client, pair.server);
    await finishSigning(pair.client);
    deliver(pair.client, pair.server);
    assert.deepEqual(
      [...pair.c.errors, ...pair.s.errors].map((e) => e.message),
      [],
    );
    assert.equal(pair.seen.filter((x) => 'outcome' in x).length, 2, 'both requests answered');
    // Keys in step both ways, including after more updates.
    pair.server.updateKeys(true);
    pair.server.write(text('to client'));
    deliver(pair.server, pair.client);
    pair.client.write(text('to server'));
    deliver(pair.client, pair.server);
    assert.deepEqual(
      [...pair.c.errors, ...pair.s.errors].map((e) => e.message),
      [],
    );
    assert.deepEqual(pair.seen.at(-1), { data: 'to server', identity: identityOf(pair.server) });
  });
});

describe('requestClientCertificate() after close_notify', () => {
  test("is refused as the caller's error and sends nothing: nothing may follow close_notify (RFC 8446 §6.1)", () => {
    const pair = connectedPair(clientPki);
    pair.server.close();
    const sent = pair.server.takeOutput().length;
    assert.ok(sent > 0, 'close_notify went out');
    assert.throws(
      () => pair.server.requestClientCertificate(),
      (err: unknown) => err instanceof Error && 'alert' in err && err.alert === 'internal_error',
    );
    assert.equal(pair.server.takeOutput().length, 0, 'no CertificateRequest after close_notify');
    assert.equal(pair.s.errors.length, 0, 'the connection itself is unharmed');
    assert.equal(pair.server.canRequestClientCertificate, false);
  });
});
