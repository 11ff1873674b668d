// The server decrypts the client's ticket into a PSK for this connection alone (RFC 8446 §4.6.1).
// However the first flight ends (a HelloRetryRequest, a binder that does not verify, a ticket we
// will not resume, a full handshake), that PSK and the decrypted ticket are wiped before the step
// returns: nothing keeps it until the garbage collector comes by.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../../src/crypto/secret.js';
import type { ClientConfig, ServerConfig } from '../../src/handshake/config.js';
import { decodeSession } from '../../src/handshake/session.js';
import { concat, equalBytes } from '../../src/wire/bytes.js';
import { newPair, type Pair, type PairOptions } from '../helpers/engine-harness.js';

const ticketKeys = new Uint8Array(48).fill(3);

function ticket(): Uint8Array {
  const first = newPair({ server: { ticketKeys } }).handshake();
  return first.client.sessions[0]!;
}

interface Spy {
  /** Secrets holding the PSK that were wiped (the client's own copy excluded). */
  readonly wiped: Secret[];
  /** What the server's ticket keyring decrypted, as it returned it. */
  readonly opened: Uint8Array[];
}

/** Runs `body` with Secret.prototype.wipe and the server's ticket keyring watched. */
function withSpy(pair: Pair, psk: Uint8Array, body: (spy: Spy) => void): void {
  const spy: Spy = { wiped: [], opened: [] };
  const clientCopy = (pair.client.connection.config as ClientConfig).session?.secret;
  const keyring = (pair.server.connection.config as ServerConfig).ticketKeyring!;
  const open = keyring.open.bind(keyring);
  keyring.open = (t, now) => {
    const plain = open(t, now);
    if (plain) spy.opened.push(plain);
    return plain;
  };
  const wipe = Secret.prototype.wipe;
  Secret.prototype.wipe = function (this: Secret): void {
    if (this !== clientCopy && !this.wiped && equalBytes(this.expose(), psk)) spy.wiped.push(this);
    wipe.call(this);
  };
  try {
    body(spy);
  } finally {
    Secret.prototype.wipe = wipe;
  }
}

/** A resuming pair whose first ClientHello has been delivered to the server, nothing else. */
function firstHelloDelivered(options: PairOptions, edit: (hello: Uint8Array) => Uint8Array = (h) => h): { pair: Pair; psk: Uint8Array; deliver: () => void } {
  const session = ticket();
  const psk = decodeSession(session).secret.expose().slice();
  const pair = newPair({ ...options, client: { session, ...options.client }, server: { ticketKeys, ...options.server } });
  const hello = concat(...pair.client.connection.takeOutput());
  return { pair, psk, deliver: () => pair.server.connection.receive(edit(hello)) };
}

function assertTicketZeroed(spy: Spy): void {
  assert.ok(spy.opened.length > 0, 'the server decrypted the ticket');
  for (const plain of spy.opened)
    assert.ok(
      plain.every((b) => b === 0),
      'the decrypted ticket is zeroed',
    );
}

describe('server: the PSK decrypted from a ticket is wiped on every path', () => {
  test('a HelloRetryRequest: the PSK of the first ClientHello is wiped; the retried handshake still resumes', () => {
    const { pair, psk, deliver } = firstHelloDelivered({ client: { ecdhCurve: 'P-256:X25519' }, server: { ecdhCurve: 'X25519' } });
    withSpy(pair, psk, (spy) => {
      deliver();
      assert.equal(pair.server.errors.length, 0);
      assert.equal(pair.server.connection.stateKind, 'server-expect-client-hello', 'the server sent a HelloRetryRequest');
      assert.equal(spy.wiped.length, 1, 'the PSK decrypted for the first ClientHello is wiped when the HelloRetryRequest goes out');
      assertTicketZeroed(spy);
      pair.handshake();
      assert.equal(pair.server.connection.info.resumed, true);
      assert.equal(spy.wiped.length, 2, "the second ClientHello's PSK is wiped too");
      assertTicketZeroed(spy);
    });
  });

  test('a binder that does not verify: the PSK is wiped with the failed step', () => {
    // The binder ends the ClientHello (pre_shared_key is its last extension): flip its last bit.
    const { pair, psk, deliver } = firstHelloDelivered({}, (hello) => {
      const out = hello.slice();
      out[out.length - 1]! ^= 1;
      return out;
    });
    withSpy(pair, psk, (spy) => {
      deliver();
      assert.equal(pair.server.errors[0]?.alert, 'decrypt_error');
      assert.equal(spy.wiped.length, 1);
      assertTicketZeroed(spy);
    });
  });

  test('a ticket the server will not resume (a certificate is now required, and the ticket has none): wiped', () => {
    const { pair, psk, deliver } = firstHelloDelivered({ server: { requestCert: true, rejectUnauthorized: true } });
    withSpy(pair, psk, (spy) => {
      deliver();
      assert.equal(pair.server.errors.length, 0);
      assert.equal(pair.server.connection.info.resumed, false);
      assert.equal(spy.wiped.length, 1);
      assertTicketZeroed(spy);
    });
  });

  test('a resumed handshake: wiped once the early secret stands for it', () => {
    const { pair, psk, deliver } = firstHelloDelivered({});
    withSpy(pair, psk, (spy) => {
      deliver();
      assert.equal(pair.server.connection.info.resumed, true);
      assert.equal(spy.wiped.length, 1);
      assertTicketZeroed(spy);
      pair.handshake();
    });
  });
});
