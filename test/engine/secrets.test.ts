// Secrets (issue 7): key material is wiped when a connection ends, however it ends; no secret shows
// in util.inspect of public objects or in error messages; comparisons of MACs are constant-time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../src/crypto/secret.js';
import { portableCryptoProvider } from '../../src/crypto/portable/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import type { Connection } from '../../src/engine/connection.js';
import { decodeSession } from '../../src/handshake/session.js';
import { resolveServerOptions } from '../../src/engine/options.js';
import { HandshakeType } from '../../src/protocol/constants.js';
import { constantTimeEqual, fromHex } from '../../src/wire/bytes.js';
import { TlsError } from '../../src/errors.js';
import { connect, createServer } from '../../src/index.js';
import { assertNoErrors, newPair, type PairOptions } from '../helpers/engine-harness.js';
import { flipBit } from '../helpers/message-edits.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import { testIdentity } from '../helpers/engine-pki.js';
import { testPki } from '../helpers/engine.js';

/** Every Secret and record protection reachable from what the connection owns (not its shared config). */
function ownedKeyMaterial(connection: Connection): { secrets: Secret[]; protections: { wiped: boolean; iv: Uint8Array; aead: unknown }[] } {
  const engine = connection as unknown as { state: object; readProtection: object; writeProtection: object };
  const secrets: Secret[] = [];
  const protections: { wiped: boolean; iv: Uint8Array; aead: unknown }[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8 || ArrayBuffer.isView(value)) return;
    seen.add(value);
    if (value instanceof Secret) {
      secrets.push(value);
      return;
    }
    const name = value.constructor?.name;
    if (name === 'ClientConfig' || ('side' in value && 'provider' in value && 'cipherSuites' in value)) return; // configuration: shared, not ours
    if (name === 'Tls13Protection' || name === 'Tls12Protection') protections.push(value as never);
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], depth + 1);
    if (value instanceof Map) for (const v of value.values()) walk(v, depth + 1);
  };
  walk(engine.state, 0);
  walk(engine.readProtection, 0);
  walk(engine.writeProtection, 0);
  return { secrets, protections };
}

function assertWiped(connection: Connection, what: string): void {
  const { secrets, protections } = ownedKeyMaterial(connection);
  for (const s of secrets) assert.ok(s.wiped, `${what}: a ${s.length}-byte secret of state ${connection.stateKind} is not wiped`);
  for (const p of protections) {
    assert.ok(p.wiped, `${what}: a record protection is not wiped`);
    assert.ok(
      p.iv.every((b) => b === 0),
      `${what}: an IV is not zeroed`,
    );
    const key = (p.aead as { key?: unknown }).key;
    if (key instanceof Uint8Array)
      assert.ok(
        key.every((b) => b === 0),
        `${what}: the AEAD key is not zeroed`,
      );
  }
}

function assertNotWiped(connection: Connection): void {
  const { secrets, protections } = ownedKeyMaterial(connection);
  assert.ok(secrets.length + protections.length > 0);
  assert.ok(protections.every((p) => !p.wiped));
}

const versions = ['TLSv1.3', 'TLSv1.2'] as const;

/** A sender-side rewrite: the Finished it sends has one bit flipped (protected by the sender itself). */
function corruptFinished(msg: HandshakeMessage): HandshakeMessage {
  if (msg.type !== HandshakeType.finished) return msg;
  const raw = flipBit(msg.raw, msg.raw.length - 1);
  return { type: msg.type, raw, body: raw.subarray(4) };
}
const providers = [
  ['node', nodeCryptoProvider],
  ['portable', portableCryptoProvider],
] as const;

describe('key material is wiped when the connection ends', () => {
  for (const version of versions) {
    for (const [providerName, provider] of providers) {
      const options = (extra: PairOptions = {}): PairOptions => ({
        clientProvider: provider,
        serverProvider: provider,
        ...extra,
        client: { maxVersion: version, ...extra.client },
      });

      test(`${version}, ${providerName} provider: closed both ways`, () => {
        const pair = newPair(options()).handshake();
        assertNotWiped(pair.client.connection);
        pair.client.connection.close();
        pair.pump();
        assertNotWiped(pair.client.connection); // half-closed: still reading
        pair.server.connection.close();
        pair.pump();
        assertNoErrors(pair);
        assertWiped(pair.client.connection, 'client');
        assertWiped(pair.server.connection, 'server');
      });

      test(`${version}, ${providerName} provider: failed in the middle of the handshake (a bad client Finished)`, () => {
        const pair = newPair(options({ clientRewrite: corruptFinished }));
        pair.pump();
        assert.equal(pair.server.errors[0]?.alert, 'decrypt_error');
        assertWiped(pair.server.connection, 'server that failed');
        assertWiped(pair.client.connection, 'client that got the alert');
      });
    }

    test(`${version}: aborted, and disposed by the adapter`, () => {
      const aborted = newPair({ client: { maxVersion: version } }).handshake();
      aborted.client.connection.abort(new TlsError('internal_error', 'transport failed'));
      assertWiped(aborted.client.connection, 'aborted');
      const disposed = newPair({ client: { maxVersion: version } }).handshake();
      disposed.client.connection.dispose();
      assertWiped(disposed.client.connection, 'disposed');
      assert.throws(() => disposed.client.connection.write(Uint8Array.of(1)), /write after close/);
      disposed.server.connection.write(Uint8Array.of(1));
      disposed.pump(); // ignored, no exception
      assert.equal(disposed.client.received.length, 0);
      const midHandshake = newPair({ client: { maxVersion: version } });
      midHandshake.client.connection.takeOutput();
      midHandshake.client.connection.dispose();
      assertWiped(midHandshake.client.connection, 'disposed before the handshake ended');
    });
  }
});

// ---- nothing secret in util.inspect or error messages ----

/** Renders `value` as deep as util.inspect goes, whitespace removed, lowercase. */
function render(value: unknown): string {
  return inspect(value, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: Infinity })
    .replace(/\s+/g, '')
    .toLowerCase();
}

/** Fails if 12 consecutive bytes of any secret appear in `text`, as decimal array items or as hex. */
function assertNoSecretIn(text: string, secrets: readonly Uint8Array[], what: string): void {
  for (const secret of secrets) {
    for (let at = 0; at + 12 <= secret.length; at += 6) {
      const window = secret.subarray(at, at + 12);
      const hex = Buffer.from(window).toString('hex');
      const decimal = Array.from(window).join(',');
      assert.ok(!text.includes(hex) && !text.includes(decimal), `${what} shows secret bytes ${hex}`);
    }
  }
}

describe('no secret in util.inspect output or error messages', () => {
  for (const version of versions) {
    test(`${version}: Connection, its info, sessions, Secret, keys and configuration`, () => {
      const keylog: Uint8Array[] = [];
      const pair = newPair({ client: { maxVersion: version } });
      const lines: string[] = [];
      for (const peer of [pair.client, pair.server]) {
        const original = peer.connection as unknown as { handlers: { keylog?: (line: string) => void } };
        const inner = original.handlers.keylog!;
        original.handlers.keylog = (line) => {
          lines.push(line);
          inner(line);
        };
      }
      pair.handshake();
      pair.client.connection.write(Uint8Array.of(1, 2, 3));
      pair.pump();
      for (const line of lines) keylog.push(fromHex(line.trim().split(' ')[2]!));
      assert.ok(keylog.length >= (version === 'TLSv1.3' ? 5 : 1), 'the key log gave us the secrets to look for');
      const session = pair.client.sessions[0]!;
      assert.ok(session, 'a session was issued');
      const sessionSecret = decodeSession(session).secret.expose().slice();
      const id = testIdentity('ed25519');
      const privateKey = crypto.createPrivateKey(id.keyPem).export({ format: 'der', type: 'pkcs8' }).subarray(-32);
      const secrets = [...keylog, sessionSecret, privateKey];

      for (const [what, value] of [
        ['client Connection', pair.client.connection],
        ['server Connection', pair.server.connection],
        ['client info', pair.client.connection.info],
        ['server info', pair.server.connection.info],
        ['session', session],
        ['the harness peers', { client: pair.client.events.length, server: pair.server.connection }],
        ['a Secret', new Secret(sessionSecret.slice())],
        ['a decoded session', decodeSession(session)],
        ['server configuration', resolveServerOptions({ key: id.keyPem, cert: id.certPem }, nodeCryptoProvider)],
        ['portable private key', portableCryptoProvider.importPrivateKey(id.keyPem)],
        ['node private key', nodeCryptoProvider.importPrivateKey(id.keyPem)],
      ] as const) {
        assertNoSecretIn(render(value), secrets, what);
      }
      assert.match(inspect(session), /^\[Session \d+ bytes\]$/);
      assert.match(inspect(pair.client.connection), /^Connection \{ side: 'client', state: 'connected-tls1[23]'/);
      assert.equal(String(new Secret(sessionSecret)), `[Secret ${sessionSecret.length} bytes]`);
      assert.equal(JSON.stringify({ s: new Secret(sessionSecret) }), `{"s":"[Secret ${sessionSecret.length} bytes]"}`);
    });

    test(`${version}: errors from tampered Finished and records name no secret`, () => {
      const errors: TlsError[] = [];
      const secrets: Uint8Array[] = [];
      for (const side of ['client', 'server'] as const) {
        const pair = newPair({
          client: { maxVersion: version },
          ...(side === 'client' ? { clientRewrite: corruptFinished } : { serverRewrite: corruptFinished }),
        });
        pair.pump();
        errors.push(...pair.client.errors, ...pair.server.errors);
        for (const e of pair.client.events) if (e.kind === 'handshake-message' && e.type === HandshakeType.finished) secrets.push(e.raw.subarray(4));
      }
      assert.ok(errors.length >= 2);
      for (const err of errors) {
        assert.ok(err instanceof TlsError);
        assertNoSecretIn(render(err) + err.message.toLowerCase(), secrets, `error "${err.message}"`);
      }
    });
  }

  test('a TLSSocket, its info and its session, over 127.0.0.1', async () => {
    const pki = testPki();
    const lines: string[] = [];
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem }, (s) => {
      s.on('keylog', (l: Buffer) => lines.push(l.toString()));
      s.end('hello');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem });
    client.on('keylog', (l: Buffer) => lines.push(l.toString()));
    const [session] = (await once(client, 'session')) as [Buffer];
    client.resume();
    await once(client, 'end');
    const secrets = [...lines.map((l) => fromHex(l.trim().split(' ')[2]!)), decodeSession(session).secret.expose().slice()];
    assert.ok(secrets.length >= 3);
    assertNoSecretIn(render(client), secrets, 'TLSSocket');
    assertNoSecretIn(render(client.info), secrets, 'TLSSocket info');
    assertNoSecretIn(render(client.getSession()), secrets, 'getSession()');
    assert.match(inspect(session), /^\[Session \d+ bytes\]$/);
    client.destroy();
    server.close();
  });
});

describe('constant-time comparison', () => {
  test('constantTimeEqual compares every byte, and lengths', () => {
    const a = Uint8Array.from(crypto.randomBytes(48));
    assert.equal(constantTimeEqual(a, Uint8Array.from(a)), true);
    for (const at of [0, 24, 47]) assert.equal(constantTimeEqual(a, flipBit(a, at)), false);
    assert.equal(constantTimeEqual(a, a.subarray(0, 47)), false);
    assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });
});
