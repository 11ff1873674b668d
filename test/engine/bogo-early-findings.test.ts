// Resumption and 0-RTT behaviour BoringSSL's test runner (BoGo, test/bogo) found wrong or missing,
// each pinned by a test of our own: the runner finds, these guard.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, ExtensionType, HandshakeType } from '../../src/protocol/constants.js';
import { buildNewSessionTicket12 } from '../../src/messages/tls12.js';
import { buildHandshake, type HandshakeMessage } from '../../src/messages/handshake.js';
import { decodeSession } from '../../src/handshake/session.js';
import { MemoryAntiReplayStore } from '../../src/handshake/anti-replay.js';
import { utf8 } from '../../src/wire/bytes.js';
import { assertAborted, assertLocalError, assertNoErrors, newPair, onHandshake, type Pair, type PairOptions } from '../helpers/engine-harness.js';
import { editClientHello, encodeClientHello, without } from '../helpers/message-edits.js';
import { readClientHello } from '../../src/messages/client-hello.js';

const ticketKeys = new Uint8Array(48).fill(7);

function resumedStep(pair: Pair, side: 'client' | 'server'): boolean | undefined {
  for (const e of pair.peer(side).events) if (e.kind === 'step' && e.step === 'server-hello') return e.resumed;
  return undefined;
}

describe('TLS 1.2 session tickets (RFC 5077)', () => {
  const tls12 = { maxVersion: 'TLSv1.2' as const };

  test('a server that announced a ticket and sends ChangeCipherSpec without NewSessionTicket: unexpected_message (BoGo SkipNewSessionTicket)', () => {
    const pair = newPair({
      client: tls12,
      server: { ticketKeys },
      tamper: onHandshake('server', (msg) => (msg.type === HandshakeType.new_session_ticket ? [] : undefined)),
    });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /without the new_session_ticket it announced/);
  });

  test('an empty ticket (the server changed its mind) and no session id: no session to resume (BoGo SendEmptySessionTicket)', () => {
    const emptyTicket = (msg: HandshakeMessage) =>
      msg.type === HandshakeType.new_session_ticket ? buildNewSessionTicket12({ lifetimeHint: 0, ticket: new Uint8Array(0) }) : msg;
    const pair = newPair({ client: tls12, server: { ticketKeys, sessionStore: false }, serverRewrite: emptyTicket }).handshake();
    assert.deepEqual(pair.client.sessions, []);
    // With a session id from the server, the session is kept, by id only.
    const byId = newPair({ client: tls12, server: { ticketKeys }, serverRewrite: emptyTicket }).handshake();
    assert.equal(byId.client.sessions.length, 1);
    const session = decodeSession(byId.client.sessions[0]!);
    assert.equal(session.ticket, undefined);
    assert.ok(session.sessionId && session.sessionId.length > 0);
  });

  test('a ticket offered with an empty session id is resumed (RFC 5077 §3.4: the id is optional; BoGo TicketSessionIDLength-0)', () => {
    const server = { ticketKeys, sessionStore: false as const };
    const first = newPair({ client: tls12, server }).handshake();
    const session = first.client.sessions[0]!;
    // The client's own ClientHello without its session id (rewritten before it is hashed).
    const noSessionId = (msg: HandshakeMessage) => {
      if (msg.type !== HandshakeType.client_hello) return msg;
      const ch = readClientHello(msg);
      const raw = encodeClientHello({
        legacyVersion: ch.legacyVersion,
        random: ch.random,
        sessionId: new Uint8Array(0),
        cipherSuites: [...ch.cipherSuites],
        compressionMethods: ch.compressionMethods,
        extensions: [...ch.extensions],
      });
      return buildHandshake(HandshakeType.client_hello, (w) => w.bytes(raw.subarray(4)));
    };
    const pair = newPair({ client: { ...tls12, session }, server, clientRewrite: noSessionId });
    pair.pump();
    assert.equal(resumedStep(pair, 'server'), true, 'the server resumed the ticket');
  });
});

describe('PSKs in the ClientHello (RFC 8446 §4.2.11, §4.1.2)', () => {
  test('a second ClientHello that drops the PSK the first offered, which fits the suite: illegal_parameter (BoGo Resume-Server-OmitPSKsOnSecondClientHello)', () => {
    const server = { ticketKeys, ecdhCurve: 'P-256' };
    const first = newPair({ server }).handshake();
    const session = first.client.sessions[0]!;
    // The client sends an X25519 share only, so the server asks again (HelloRetryRequest).
    const client = { session, ecdhCurve: 'X25519:P-256' };
    const pair = newPair({
      client,
      server,
      tamper: editClientHello(
        (ch) => ({ ...ch, extensions: without(ExtensionType.pre_shared_key)(without(ExtensionType.psk_key_exchange_modes)(ch.extensions ?? [])) }),
        1,
      ),
    });
    pair.pump();
    assertAborted(pair, 'server', 'illegal_parameter', /dropped a PSK that fits the cipher suite we chose/);
  });
});

/** A TLS 1.3 ticket allowing 0-RTT, and a pair resuming it with early data (written before the handshake). */
const zeroRttServer = { ticketKeys, maxEarlyData: 1024, antiReplay: new MemoryAntiReplayStore() };

function zeroRttTicket(server: PairOptions['server'] = zeroRttServer): Uint8Array {
  const first = newPair({ server }).handshake();
  return first.client.sessions[first.client.sessions.length - 1]!;
}

describe('0-RTT (RFC 8446 §4.2.10, Appendix D.3)', () => {
  test('a client that sent early data and gets a TLS 1.2 ServerHello: illegal_parameter (BoGo EarlyDataVersionDowngrade-Client-TLS13)', () => {
    const session = zeroRttTicket();
    const pair = newPair({
      client: { session, earlyData: true },
      server: { ...zeroRttServer, antiReplay: new MemoryAntiReplayStore(), maxVersion: 'TLSv1.2' },
    });
    assert.ok(pair.client.connection.earlyDataRoom > 0);
    pair.client.connection.writeEarly(utf8('early'));
    pair.pump();
    // (The TLS 1.2 server itself chokes on what followed our ClientHello; the client judges the ServerHello.)
    assertLocalError(pair.client, 'illegal_parameter', /TLS 1\.2 after we sent TLS 1\.3 early data/);
  });

  test("the server sends 0.5-RTT data after accepting 0-RTT, before the client's Finished (BoGo EarlyData-Server-TLS13)", () => {
    const session = zeroRttTicket();
    const pair = newPair({ client: { session, earlyData: true }, server: { ...zeroRttServer, antiReplay: new MemoryAntiReplayStore() } });
    pair.client.connection.writeEarly(utf8('ping'));
    // Deliver only the client's first flight: the server answers, the client's Finished is not there yet.
    const server = pair.server.connection;
    assert.equal(server.halfRttWritable, false);
    for (const chunk of pair.client.connection.takeOutput()) server.receive(chunk);
    assert.equal(server.info.earlyData, 'accepted');
    assert.equal(server.isConnected, false);
    assert.equal(server.halfRttWritable, true);
    server.write(utf8('pong'));
    assert.equal(server.exportKeyingMaterial(16, 'label').length, 16);
    pair.pump();
    assertNoErrors(pair);
    assert.equal(Buffer.concat(pair.client.received).toString(), 'pong');
    assert.equal(server.halfRttWritable, false);
  });

  test('no 0.5-RTT data without accepted 0-RTT', () => {
    const pair = newPair({ server: { ticketKeys } });
    const server = pair.server.connection;
    for (const chunk of pair.client.connection.takeOutput()) server.receive(chunk);
    assert.equal(server.halfRttWritable, false);
    assert.throws(() => server.write(utf8('x')), /write before the handshake completed/);
  });

  test('after a HelloRetryRequest, early data interleaved with the second ClientHello: unexpected_message (BoGo SkipEarlyData-HRR-Interleaved-TLS13)', () => {
    const session = zeroRttTicket();
    const server = { ...zeroRttServer, antiReplay: new MemoryAntiReplayStore(), ecdhCurve: 'P-256' };
    let seenHellos = 0;
    const pair = newPair({
      client: { session, earlyData: true, ecdhCurve: 'X25519:P-256' },
      server,
      tamper: (r) => {
        if (r.from !== 'client' || r.type !== ContentType.handshake || r.protected) return undefined;
        if (seenHellos++ !== 1) return undefined;
        // The second ClientHello, split, with an encrypted-looking record between its halves.
        const fake = { wire: Uint8Array.of(ContentType.application_data, 3, 3, 0, 4, 1, 2, 3, 4) };
        return [{ type: r.type, data: r.data.subarray(0, 16), protect: false }, fake, { type: r.type, data: r.data.subarray(16), protect: false }];
      },
    });
    pair.client.connection.writeEarly(utf8('early'));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /interleaved/);
  });

  test('after a HelloRetryRequest, a client that offered 0-RTT may send a second compatibility change_cipher_spec (RFC 8446 §5, Appendix D.4; BoGo EarlyData-HRR-Server-TLS13)', () => {
    const session = zeroRttTicket();
    const server = { ...zeroRttServer, antiReplay: new MemoryAntiReplayStore(), ecdhCurve: 'P-256' };
    let injected = false;
    const pair = newPair({
      client: { session, earlyData: true, ecdhCurve: 'X25519:P-256' },
      server,
      tamper: (r) => {
        // Before the client's encrypted second flight: one more CCS, as BoGo's client sends.
        if (r.from !== 'client' || !r.protected || r.type !== ContentType.handshake || injected) return undefined;
        injected = true;
        return [{ type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false }, { wire: r.wire }];
      },
    });
    pair.client.connection.writeEarly(utf8('early'));
    pair.handshake();
    assert.ok(injected);
    assert.equal(pair.server.connection.info.earlyData, 'rejected');
  });
});

describe('why 0-RTT was or was not accepted (info.earlyDataReason; BoGo -expect-early-data-reason)', () => {
  test('client and server: disabled, no session offered, accepted', () => {
    const plain = newPair({ server: { ticketKeys } }).handshake();
    assert.equal(plain.client.connection.info.earlyDataReason, 'disabled');
    assert.equal(plain.server.connection.info.earlyDataReason, 'disabled');
    const first = newPair({ client: { earlyData: true }, server: zeroRttServer }).handshake();
    assert.equal(first.client.connection.info.earlyDataReason, 'no_session_offered');
    assert.equal(first.server.connection.info.earlyDataReason, 'no_session_offered');
    const session = first.client.sessions[first.client.sessions.length - 1]!;
    const resumed = newPair({ client: { session, earlyData: true }, server: zeroRttServer });
    resumed.client.connection.writeEarly(utf8('early'));
    resumed.handshake();
    assert.equal(resumed.client.connection.info.earlyDataReason, 'accepted');
    assert.equal(resumed.server.connection.info.earlyDataReason, 'accepted');
  });

  test('a replayed ticket: the server says replay, the client that the server declined', () => {
    const server = { ...zeroRttServer, antiReplay: new MemoryAntiReplayStore() };
    const session = zeroRttTicket(server);
    const once = newPair({ client: { session, earlyData: true }, server }).handshake();
    assert.equal(once.server.connection.info.earlyDataReason, 'accepted');
    const again = newPair({ client: { session, earlyData: true }, server });
    again.client.connection.writeEarly(utf8('early'));
    again.handshake();
    assert.equal(again.server.connection.info.earlyDataReason, 'replay');
    assert.equal(again.client.connection.info.earlyDataReason, 'peer_declined');
  });

  test('a ticket without early data, a server that does not resume, TLS 1.2, a HelloRetryRequest', () => {
    const noEarly = newPair({ server: { ticketKeys } }).handshake();
    const plainTicket = noEarly.client.sessions[noEarly.client.sessions.length - 1]!;
    const unsupported = newPair({ client: { session: plainTicket, earlyData: true }, server: zeroRttServer }).handshake();
    assert.equal(unsupported.client.connection.info.earlyDataReason, 'unsupported_for_session');
    assert.equal(unsupported.server.connection.info.earlyDataReason, 'unsupported_for_session');

    const session = zeroRttTicket();
    const otherKeys = { ...zeroRttServer, ticketKeys: new Uint8Array(48).fill(8), antiReplay: new MemoryAntiReplayStore() };
    const notResumed = newPair({ client: { session, earlyData: true }, server: otherKeys });
    notResumed.client.connection.writeEarly(utf8('early'));
    notResumed.handshake();
    assert.equal(notResumed.client.connection.info.earlyDataReason, 'session_not_resumed');
    assert.equal(notResumed.server.connection.info.earlyDataReason, 'session_not_resumed');

    const tls12 = newPair({ client: { earlyData: true, maxVersion: 'TLSv1.2' }, server: zeroRttServer }).handshake();
    assert.equal(tls12.client.connection.info.earlyDataReason, 'protocol_version');
    assert.equal(tls12.server.connection.info.earlyDataReason, 'protocol_version');

    const retried = newPair({
      client: { session, earlyData: true, ecdhCurve: 'X25519:P-256' },
      server: { ...zeroRttServer, antiReplay: new MemoryAntiReplayStore(), ecdhCurve: 'P-256' },
    });
    retried.client.connection.writeEarly(utf8('early'));
    retried.handshake();
    assert.equal(retried.client.connection.info.earlyDataReason, 'hello_retry_request');
    assert.equal(retried.server.connection.info.earlyDataReason, 'hello_retry_request');
  });
});
