// RFC 5246 §7.4.1.1: a HelloRequest that reaches a TLS 1.2 client in the middle of its handshake is
// ignored, and it is never part of the handshake hashes. After the handshake the renegotiation it
// asks for is refused with a no_renegotiation warning (RFC 5746), as before.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, HandshakeType } from '../../src/protocol/constants.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import { concat } from '../../src/wire/bytes.js';
import { MAX_IGNORED_HELLO_REQUESTS } from '../../src/protocol/limits.js';
import { assertAborted, handshakeBytes, newPair, onHandshake, sentAlerts, type Pair, type PairOptions, type RecordHook } from '../helpers/engine-harness.js';

const helloRequest = handshakeBytes(HandshakeType.hello_request, new Uint8Array(0));
const tls12 = (extra: PairOptions = {}): PairOptions => ({ ...extra, client: { maxVersion: 'TLSv1.2', ...extra.client } });
const ticketKeys = new Uint8Array(48).fill(5);

/** The handshake completed on both sides with the same keys: both Finished verified, and the exporters agree. */
function assertCompletedAlike(pair: Pair): void {
  pair.handshake();
  assert.equal(pair.client.connection.info.version, 'TLSv1.2');
  const label = 'EXPERIMENTAL hello request';
  assert.deepEqual(pair.client.connection.exportKeyingMaterial(32, label), pair.server.connection.exportKeyingMaterial(32, label));
  const got = pair.client.events.filter((e) => e.kind === 'handshake-message' && e.direction === 'received' && e.type === HandshakeType.hello_request);
  assert.ok(got.length > 0, 'the client received the hello_request');
  assert.deepEqual(sentAlerts(pair.client), [], 'the client answered nothing (no no_renegotiation during the handshake)');
}

/** A HelloRequest in the server's own records, right before its handshake message of type `before`. */
function insertBefore(before: number, count = 1): RecordHook {
  return onHandshake('server', (msg) => (msg.type === before ? [...Array.from({ length: count }, () => helloRequest), msg.raw] : undefined));
}

/** A plaintext record holding a HelloRequest, before the server's change_cipher_spec. */
const beforeServerCcs: RecordHook = (r) =>
  r.from === 'server' && r.type === ContentType.change_cipher_spec
    ? [{ type: ContentType.handshake, data: helloRequest, protect: false }, { wire: r.wire }]
    : undefined;

describe('TLS 1.2 client: HelloRequest during the handshake (RFC 5246 §7.4.1.1)', () => {
  test("inside the server's first flight (before its Certificate): ignored, the handshake completes", () => {
    assertCompletedAlike(newPair(tls12({ tamper: insertBefore(HandshakeType.certificate) })));
  });

  test('before the ServerHelloDone: ignored', () => {
    assertCompletedAlike(newPair(tls12({ tamper: insertBefore(HandshakeType.server_hello_done) })));
  });

  test("in a record of its own before the server's change_cipher_spec: ignored", () => {
    assertCompletedAlike(newPair(tls12({ server: { ticketKeys }, tamper: beforeServerCcs })));
  });

  test("protected, in the record of the server's Finished, before it: ignored", () => {
    // The server itself puts it there (so it is protected under the new keys). It adds it to its own
    // transcript, which nothing reads after its Finished in a full handshake.
    const serverRewrite = (msg: HandshakeMessage): HandshakeMessage =>
      msg.type === HandshakeType.finished ? { ...msg, raw: concat(helloRequest, msg.raw) } : msg;
    assertCompletedAlike(newPair(tls12({ serverRewrite })));
  });

  test("in a resumed (abbreviated) handshake, before the server's change_cipher_spec: ignored", () => {
    const first = newPair(tls12({ server: { ticketKeys } })).handshake();
    const pair = newPair(tls12({ client: { session: first.client.sessions[0]! }, server: { ticketKeys }, tamper: beforeServerCcs }));
    assertCompletedAlike(pair);
    assert.equal(pair.client.connection.info.resumed, true);
  });

  test(`up to ${MAX_IGNORED_HELLO_REQUESTS} are ignored; one more is unexpected_message`, () => {
    assertCompletedAlike(newPair(tls12({ tamper: insertBefore(HandshakeType.certificate, MAX_IGNORED_HELLO_REQUESTS) })));
    const pair = newPair(tls12({ tamper: insertBefore(HandshakeType.certificate, MAX_IGNORED_HELLO_REQUESTS + 1) }));
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /more than \d+ hello_request/);
  });

  test('a HelloRequest with a body: decode_error', () => {
    const pair = newPair(
      tls12({
        tamper: onHandshake('server', (msg) =>
          msg.type === HandshakeType.certificate ? [handshakeBytes(HandshakeType.hello_request, Uint8Array.of(0)), msg.raw] : undefined,
        ),
      }),
    );
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /hello_request must be empty/);
  });

  test('in TLS 1.3 (no such message): unexpected_message', () => {
    const pair = newPair({ tamper: insertBefore(HandshakeType.certificate) });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /hello_request/);
  });

  test('to a TLS 1.2 server: unexpected_message', () => {
    const pair = newPair(
      tls12({ tamper: onHandshake('client', (msg) => (msg.type === HandshakeType.client_key_exchange ? [helloRequest, msg.raw] : undefined)) }),
    );
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /hello_request/);
  });
  // After the handshake: the no_renegotiation warning, covered in limits.test.ts and state-machine.test.ts.
});
